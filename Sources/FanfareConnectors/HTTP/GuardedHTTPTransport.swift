import AsyncHTTPClient
import FanfareCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one way out: every request to an address a person gave (an instance
/// URL, a webhook endpoint, an API base; later feeds, OAuth and storage)
/// goes through this transport, and so do the fixed platform hosts, where
/// the checks cost nothing.
///
/// For each hop it looks the host up once through `resolver`, lets
/// `policy` decide every answer, and connects to the one address it chose
/// (AsyncHTTPClient's `dnsOverride` maps the name to that address while
/// TLS still checks the certificate against the name), so a name that
/// answers differently the second time (DNS rebinding) cannot slip another
/// address in. Redirects are followed here, not by the client, so each hop
/// is checked the same way. The answer is capped in size and the whole
/// exchange in time.
///
/// Failures are sorted as before: one before the request left this process
/// is `.temporary`, one after it is `.outcomeUnknown` (the platform may
/// have acted). Every way of not getting an answer — refused by the policy,
/// no such name, connection refused, TLS failure, connect timeout — gives
/// one and the same message, so that an address field tells a person
/// nothing about what listens inside the network.
public struct GuardedHTTPTransport: HTTPTransport {
    public let policy: OutboundAddressPolicy
    public let resolver: any HostResolver
    public let eventLoopGroup: any EventLoopGroup
    /// Bodies above this are refused: a platform never answers with more,
    /// and a broken or hostile server must not fill the memory.
    public var maxResponseBytes: Int
    /// No request takes longer than this, whatever time its caller allows,
    /// redirects and lookups included.
    public var maxTime: TimeInterval = 60
    public var connectTimeout: TimeInterval = 10
    /// Hops after the first; more is a loop or a trap.
    public var maxRedirects = 3

    public init(
        policy: OutboundAddressPolicy, resolver: any HostResolver = SystemHostResolver(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxResponseBytes: Int = 10 * 1_024 * 1_024
    ) {
        self.policy = policy
        self.resolver = resolver
        self.eventLoopGroup = eventLoopGroup
        self.maxResponseBytes = maxResponseBytes
    }

    /// The one sentence for every failure to reach `host`: it must read the
    /// same whether the policy refused the address, nothing answered there,
    /// or the name does not exist.
    /// The sentence is the coded message `addressUnreachable`, so a page
    /// can say it in the reader's language about the address field.
    public static func unreachable(_ host: String) -> String {
        CodedMessage.addressUnreachable(host: host).english
    }

    /// Refuses, without any lookup or connection, what the policy can
    /// refuse from the host alone: an address literal in a refused block,
    /// `localhost`, a URL that is not http(s). Names are checked when a
    /// request is sent, since their answers change.
    public func checkDestination(_ url: URL) throws(ConnectorError) {
        let failure = ConnectorError.temporary(reason: Self.unreachable(url.host ?? url.absoluteString))
        guard let host = Self.host(of: url), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else { throw failure }
        if case .refused = policy.decide(host: host) { throw failure }
    }

    public func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
        let seconds = min(max(0.001, timeout), maxTime)
        let deadline = NIODeadline.now() + .milliseconds(Int64((seconds * 1_000).rounded()))
        // Messages name the host the person gave, never where a redirect
        // led or which address a name had.
        let shown = request.url.host ?? request.url.absoluteString
        var current = request
        var redirects = 0
        // Once a hop's request went out, a later failure cannot say the
        // platform did nothing: a POST answered by 302/303 may have acted.
        var sentBefore = false
        while true {
            let response = try await hop(current, deadline: deadline, seconds: seconds, shown: shown, sentBefore: sentBefore)
            guard let next = redirect(after: current, response) else { return response }
            redirects += 1
            guard redirects <= maxRedirects else {
                throw .outcomeUnknown(
                    reason:
                        "\(shown) redirected the request more than \(maxRedirects) times; check the address, and check whether the action took effect."
                )
            }
            current = next
            sentBefore = true
        }
    }

    // MARK: One hop

    /// Where one hop connects: the checked address, and the name that
    /// AsyncHTTPClient must map to it (nil when the URL holds the address).
    struct Pinned: Equatable {
        var address: IPAddress
        var name: String?
    }

    private func hop(
        _ request: HTTPRequestData, deadline: NIODeadline, seconds: TimeInterval, shown: String, sentBefore: Bool
    ) async throws(ConnectorError) -> HTTPResponseData {
        let unreachable: ConnectorError =
            sentBefore
            ? .outcomeUnknown(
                reason: "\(Self.unreachable(shown)) It redirected the request elsewhere, so it may have been carried out; check before sending again."
            )
            : .temporary(reason: Self.unreachable(shown))
        guard let pinned = await pin(request.url, deadline: deadline) else { throw unreachable }
        let prepared: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            for header in request.headers { headers.add(name: header.name, value: header.value) }
            prepared = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers, body: request.body.map { .bytes($0) })
        } catch {
            throw sentBefore
                ? unreachable
                : .rejected(reason: "The address \(request.url.absoluteString) is not a valid http(s) address; correct it in the account settings.")
        }
        // A client per hop: `dnsOverride` belongs to a client, not to a
        // request, and a shared client keyed by (name, address) would keep
        // idle connections to hosts people typed and need its own eviction.
        // Platform calls come a few a minute per account, so a handshake per
        // request costs little; a connection that dies with its client
        // cannot be reused for another hop's address by mistake either.
        let configuration = Self.clientConfiguration(for: pinned, connectTimeout: connectTimeout)
        let client = HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
        let collector = ResponseCollector(maxBytes: maxResponseBytes)
        let task = client.execute(request: prepared, delegate: collector, deadline: deadline)
        let result: Result<HTTPResponseData, any Error>
        do {
            result = .success(
                try await withTaskCancellationHandler {
                    try await task.futureResult.get()
                } onCancel: {
                    task.cancel()
                })
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        switch result {
        case .success(let response):
            return response
        case .failure(let error):
            if error is ResponseTooLarge {
                throw .outcomeUnknown(
                    reason: "\(shown) answered with more data than Fanfare accepts; check on the platform whether the action took effect.")
            }
            guard collector.sent else { throw unreachable }
            if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
                throw .outcomeUnknown(
                    reason:
                        "\(shown) did not answer within \(Int(seconds.rounded(.up))) s after the request was sent; it may have been carried out, so check before sending again."
                )
            }
            throw .outcomeUnknown(
                reason:
                    "The connection to \(shown) broke after the request was sent (\(Self.describe(error))); it may have been carried out, so check before sending again."
            )
        }
    }

    /// The client for one hop: it connects to the pinned address and nowhere
    /// else, and follows no redirect by itself.
    static func clientConfiguration(for pinned: Pinned, connectTimeout: TimeInterval) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .milliseconds(Int64(connectTimeout * 1_000)), read: .seconds(60)))
        configuration.httpVersion = .automatic
        // A refused connection fails at once, as a refusal by the policy
        // does, instead of being tried again until the deadline.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.proxy = nil
        if let name = pinned.name { configuration.dnsOverride = [name: pinned.address.description] }
        return configuration
    }

    /// The address this hop may connect to, or nil when there is none: not
    /// http(s), refused, no answer, or only refused answers. Why is not
    /// returned, on purpose.
    func pin(_ url: URL, deadline: NIODeadline) async -> Pinned? {
        guard ["http", "https"].contains(url.scheme?.lowercased() ?? ""), let host = Self.host(of: url) else { return nil }
        switch policy.decide(host: host) {
        case .refused:
            return nil
        case .connect(let address):
            // AsyncHTTPClient reads the host with `inet_pton`; if that gives
            // an address, it connects there without asking anyone, so it
            // must be the very address that was checked. Any other spelling
            // (`2130706433`) it would resolve as a name: map it instead.
            if let parsed = try? SocketAddress(ipAddress: host, port: 0) {
                guard Self.address(of: parsed) == address else { return nil }
                return Pinned(address: address, name: nil)
            }
            return Pinned(address: address, name: host)
        case .resolve(let name):
            let remaining = Double((deadline - NIODeadline.now()).nanoseconds) / 1e9
            guard remaining > 0, let answers = try? await resolver.addresses(of: name, timeout: remaining),
                let chosen = policy.choose(from: answers)
            else { return nil }
            return Pinned(address: chosen, name: host)
        }
    }

    /// The host as AsyncHTTPClient reads it from the URL (brackets of an
    /// IPv6 literal removed).
    static func host(of url: URL) -> String? {
        guard var host = url.host, !host.isEmpty else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host
    }

    static func address(of socketAddress: SocketAddress) -> IPAddress? {
        switch socketAddress {
        case .v4(let v4):
            var raw = v4.address.sin_addr
            return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .v6(let v6):
            var raw = v6.address.sin6_addr
            return IPAddress(bytes: withUnsafeBytes(of: &raw) { Array($0) })
        case .unixDomainSocket:
            return nil
        }
    }

    // MARK: Redirects

    /// The next hop when `response` redirects, as browsers and
    /// AsyncHTTPClient do it: 303 (and 301/302 after a POST) becomes a GET
    /// without a body; credentials and cookies are not carried to another
    /// origin. Nil when the response is the answer.
    func redirect(after request: HTTPRequestData, _ response: HTTPResponseData) -> HTTPRequestData? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.header("location"),
            let target = URL(string: location, relativeTo: request.url)?.absoluteURL
        else { return nil }
        var next = request
        next.url = target
        let method = request.method.uppercased()
        if (response.status == 303 && method != "HEAD") || ([301, 302].contains(response.status) && method == "POST") {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { ["content-length", "content-type"].contains($0.name.lowercased()) }
        }
        let sameOrigin =
            request.url.scheme?.lowercased() == target.scheme?.lowercased() && request.url.host?.lowercased() == target.host?.lowercased()
            && request.url.port == target.port
        if !sameOrigin {
            next.headers.removeAll { ["authorization", "cookie", "proxy-authorization", "origin"].contains($0.name.lowercased()) }
        }
        return next
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .remoteConnectionClosed: return "the connection was closed"
            case .cancelled: return "the request was cancelled"
            default: return String(describing: error)
            }
        }
        return String(describing: error)
    }
}

struct ResponseTooLarge: Error {}

/// Collects one response and remembers whether the request head went out.
final class ResponseCollector: HTTPClientResponseDelegate {
    typealias Response = HTTPResponseData

    private struct State {
        var sent = false
        var status = 0
        var headers: [String: String] = [:]
        var body = ByteBuffer()
    }

    private let state = NIOLockedValueBox(State())
    let maxBytes: Int

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    var sent: Bool { state.withLockedValue { $0.sent } }

    func didSendRequestHead(task: HTTPClient.Task<Response>, _ head: HTTPRequestHead) {
        state.withLockedValue { $0.sent = true }
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
            return task.eventLoop.makeFailedFuture(ResponseTooLarge())
        }
        state.withLockedValue { state in
            state.status = Int(head.status.code)
            // Later values of a repeated header win; platforms send the
            // headers connectors read (rate limits) once.
            state.headers = Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
            state.body.clear()
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        let fits = state.withLockedValue { state in
            guard state.body.readableBytes + buffer.readableBytes <= maxBytes else { return false }
            var buffer = buffer
            state.body.writeBuffer(&buffer)
            return true
        }
        return fits ? task.eventLoop.makeSucceededVoidFuture() : task.eventLoop.makeFailedFuture(ResponseTooLarge())
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> HTTPResponseData {
        state.withLockedValue { HTTPResponseData(status: $0.status, headers: $0.headers, body: Data($0.body.readableBytesView)) }
    }
}
