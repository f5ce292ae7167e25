import Foundation
import NIOCore

/// How long a client may take and how much it may hold, per connection and
/// in all. A client that sends its request head a byte at a time, says
/// nothing, or keeps an idle connection open costs the server a file
/// descriptor for as long as it is allowed to; these bound that.
public struct ConnectionLimits: Sendable, Equatable {
    /// From the first byte of a request (or from the connection's opening)
    /// until its head (request line and headers) is complete. An absolute
    /// deadline: a byte every few seconds does not extend it.
    public var headerTimeout: Double = 15
    /// From the complete head until the whole body has arrived.
    public var bodyTimeout: Double = 60
    /// How long a kept-alive connection may wait for its next request.
    /// Longer than a reverse proxy's idle pool (nginx keeps upstream
    /// connections 60 s), so the proxy, not Fanfare, closes them first.
    public var idleTimeout: Double = 75
    /// Connections open at once; nil is the open-file limit less
    /// `descriptorReserve`.
    public var maxConnections: Int?
    /// The request line and headers together, in bytes; larger heads get 431.
    public var maxHeaderBytes: Int = 32_768

    /// Descriptors kept for everything but client connections: the
    /// database pool, SQLite's files, the worker's outbound sockets, backups
    /// and exports, the event loops' own descriptors.
    public static let descriptorReserve = 256
    /// The accepted range of `maxHeaderBytes`.
    public static let headerBytesRange = 1_024...1_048_576
    /// The accepted range of the three timeouts, in seconds.
    public static let timeoutRange = 0.05...86_400.0

    public init() {}

    /// The soft limit on open files of this process.
    public static func openFileLimit() -> Int {
        var limit = rlimit()
        #if os(Linux)
        let resource = Int32(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1_024 }
        // RLIM_INFINITY is all ones; anything past Int's range is "a lot".
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }

    /// The most connections that still leave `descriptorReserve` free.
    public static func highestMaxConnections(openFileLimit: Int = openFileLimit()) -> Int {
        max(16, openFileLimit - descriptorReserve)
    }

    /// The cap in force: the setting, or the highest that keeps the reserve.
    public var effectiveMaxConnections: Int { maxConnections ?? Self.highestMaxConnections() }

    static func amount(_ seconds: Double) -> TimeAmount { .nanoseconds(Int64(seconds * 1_000_000_000)) }
}
