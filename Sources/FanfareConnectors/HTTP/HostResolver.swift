import FanfareCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a host name into addresses. The guarded transport asks it once
/// per request (and once per redirect) and then connects to an address it
/// checked, so what a resolver answers is exactly what gets checked; tests
/// put a scripted one in its place.
public protocol HostResolver: Sendable {
    /// Every address the name has, in the system's preferred order. Throws
    /// when there is none or the lookup takes longer than `timeout` seconds.
    func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress]
}

/// The operating system's resolver (`getaddrinfo`: /etc/hosts, DNS, …).
///
/// `getaddrinfo` blocks and cannot be cancelled, so it runs on a small pool
/// of its own (not the event loops, not the pool SQLite and file access
/// wait on), and a lookup that outlives its time is abandoned: the caller
/// gets its failure on time, the thread finishes the lookup and drops it.
public struct SystemHostResolver: HostResolver {
    /// Four threads: lookups are short, and a resolver that hangs can then
    /// only make further lookups wait (and time out), never stall the rest.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    public init() {}

    public func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress] {
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        let lookup = Self.pool.runIfActive(eventLoop: loop) { try Self.lookUp(host) }
        let promise = loop.makePromise(of: [IPAddress].self)
        let expiry = loop.scheduleTask(in: .milliseconds(Int64((max(0.001, timeout) * 1_000).rounded()))) {
            promise.fail(ResolutionFailed())
        }
        lookup.whenComplete { result in
            expiry.cancel()
            promise.completeWith(result)
        }
        return try await promise.futureResult.get()
    }

    struct ResolutionFailed: Error {}

    /// Every IPv4 and IPv6 address `getaddrinfo` gives for TCP, in its order,
    /// each once. `numericOnly` (tests) reads address literals and never
    /// asks a name service.
    static func lookUp(_ host: String, numericOnly: Bool = false) throws -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        if numericOnly { hints.ai_flags = AI_NUMERICHOST }
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { throw ResolutionFailed() }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            guard let socketAddress = entry.pointee.ai_addr else { continue }
            var address: IPAddress?
            switch entry.pointee.ai_family {
            case AF_INET:
                address = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var raw = pointer.pointee.sin_addr
                    return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
                }
            case AF_INET6:
                address = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var raw = pointer.pointee.sin6_addr
                    return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
                }
            default:
                address = nil
            }
            if let address, !addresses.contains(address) { addresses.append(address) }
        }
        guard !addresses.isEmpty else { throw ResolutionFailed() }
        return addresses
    }
}
