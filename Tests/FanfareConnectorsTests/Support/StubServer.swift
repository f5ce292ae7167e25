import AsyncHTTPClient
import FanfareConnectors
import FanfareCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One request as the stub server received it.
struct StubRequest: Sendable {
    var method: String
    /// The path without the query, still percent-encoded as sent.
    var path: String
    /// Query items, decoded (`+` is a space). A name sent more than once
    /// (`types[]=a&types[]=b`) keeps every value, joined with ",".
    var query: [String: String]
    /// Header names lower-cased; repeated headers joined with ", ".
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object, for checking what a connector sent.
    var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }

    /// The body as `application/x-www-form-urlencoded` fields.
    var form: [String: String] { StubServer.decodeQuery(String(decoding: body, as: UTF8.self)) }
}

/// What the stub server answers.
struct StubResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    static func json(_ object: Any, status: Int = 200) -> StubResponse {
        let body: Data
        do {
            body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        } catch {
            preconditionFailure("StubResponse.json got something JSONSerialization cannot write: \(error)")
        }
        return StubResponse(status: status, headers: ["content-type": "application/json; charset=utf-8"], body: body)
    }

    static func text(_ s: String, status: Int = 200) -> StubResponse {
        StubResponse(status: status, headers: ["content-type": "text/plain; charset=utf-8"], body: Data(s.utf8))
    }
}

/// A real HTTP/1.1 server on 127.0.0.1 (or another loopback address) and an
/// ephemeral port, so that connectors are tested through the same transport
/// as in production.
/// A handler that sleeps longer than the client's timeout makes a request
/// that is received and never answered; `shutdown` cancels such handlers,
/// so it completes anyway.
final class StubServer: Sendable {
    /// The stubs' own event loops, and their clients': the whole suite's
    /// servers share the singleton loops, and on two busy cores a stub
    /// queued behind them answered after the client's 15–30 s timeout.
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    let baseURL: URL
    private let channel: any Channel
    private let state: Mutex<State>
    private let handler: @Sendable (StubRequest) async -> StubResponse

    private struct State {
        var requests: [StubRequest] = []
        var connections: [ObjectIdentifier: any Channel] = [:]
        var tasks: [Task<Void, Never>] = []
        var closed = false
    }

    private init(channel: any Channel, host: String, port: Int, handler: @escaping @Sendable (StubRequest) async -> StubResponse) {
        self.channel = channel
        self.baseURL = URL(string: "http://\(host):\(port)")!
        self.state = Mutex(State())
        self.handler = handler
    }

    /// Linux answers on all of 127.0.0.0/8, so `host` may be 127.0.0.2 or
    /// 127.0.0.3 to stand for two different machines; `port` 0 picks a free
    /// one (two hosts may share a port).
    static func start(
        host: String = "127.0.0.1", port: Int = 0, _ handler: @escaping @Sendable (StubRequest) async -> StubResponse
    ) async throws -> StubServer {
        // The server does not exist yet when the bootstrap is made, so
        // connections reach it through this box.
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: StubServer.loops)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try child.pipeline.syncOperations.addHandler(StubHandler(box: box))
                    box.server?.track(child)
                }
            }
            .bind(host: host, port: port)
            .get()
        guard let port = channel.localAddress?.port else {
            try? await channel.close()
            throw StubServerError.noPort
        }
        let server = StubServer(channel: channel, host: host, port: port, handler: handler)
        box.set(server)
        return server
    }

    var requests: [StubRequest] { state.withLock { $0.requests } }

    func shutdown() async throws {
        let (connections, tasks) = state.withLock { state in
            state.closed = true
            return (Array(state.connections.values), state.tasks)
        }
        for task in tasks { task.cancel() }
        try await channel.close()
        for connection in connections { try? await connection.close() }
        for task in tasks { await task.value }
    }

    fileprivate func track(_ connection: any Channel) {
        let open = state.withLock { state in
            if !state.closed { state.connections[ObjectIdentifier(connection)] = connection }
            return !state.closed
        }
        if !open { connection.close(promise: nil) }
        connection.closeFuture.whenComplete { [weak self] _ in
            self?.state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
        }
    }

    fileprivate func receive(_ request: StubRequest, keepAlive: Bool, on connection: any Channel) {
        let handler = self.handler
        state.withLock { state in
            state.requests.append(request)
            guard !state.closed else { return }
            state.tasks.append(
                Task(executorPreference: StubHandlerExecutor.shared) {
                    let response = await handler(request)
                    // A handler cancelled by `shutdown` answers nothing: the
                    // client is meant to see a request that got no answer.
                    guard !Task.isCancelled else { return }
                    Self.write(response, keepAlive: keepAlive, to: connection)
                })
        }
    }

    private static func write(_ response: StubResponse, keepAlive: Bool, to connection: any Channel) {
        var headers = HTTPHeaders(response.headers.map { ($0.key, $0.value) })
        headers.replaceOrAdd(name: "content-length", value: String(response.body.count))
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        let head = HTTPResponseHead(version: .http1_1, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        connection.write(HTTPServerResponsePart.head(head), promise: nil)
        connection.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
        let done = connection.writeAndFlush(HTTPServerResponsePart.end(nil))
        if !keepAlive { done.whenComplete { _ in connection.close(promise: nil) } }
    }

    static func decodeQuery(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                let spaced = part.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let name = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            result[name] = result[name].map { "\($0),\(value)" } ?? value
        }
        return result
    }
}

enum StubServerError: Error { case noPort }

/// Lets connections accepted before `start` returns find the server.
private final class ServerBox: Sendable {
    private let value = Mutex<StubServer?>(nil)
    var server: StubServer? { value.withLock { $0 } }
    func set(_ server: StubServer) { value.withLock { $0 = server } }
}

private final class StubHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let box: ServerBox
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(box: ServerBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            guard let head, let server = box.server else { return }
            self.head = nil
            let uri = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            var headers: [String: String] = [:]
            for (name, value) in head.headers {
                let key = name.lowercased()
                headers[key] = headers[key].map { "\($0), \(value)" } ?? value
            }
            let request = StubRequest(
                method: head.method.rawValue, path: String(uri[0]), query: uri.count > 1 ? StubServer.decodeQuery(String(uri[1])) : [:],
                headers: headers, body: Data(body.readableBytesView))
            server.receive(request, keepAlive: head.isKeepAlive, on: context.channel)
        }
    }
}

extension StubServer {
    /// Starts a server, runs `body` against it and shuts it down, also
    /// when `body` throws.
    static func run<T: Sendable>(
        host: String = "127.0.0.1", port: Int = 0, _ handler: @escaping @Sendable (StubRequest) async -> StubResponse,
        _ body: (StubServer) async throws -> T
    ) async throws -> T {
        let server = try await start(host: host, port: port, handler)
        do {
            let result = try await body(server)
            try await server.shutdown()
            return result
        } catch {
            try? await server.shutdown()
            throw error
        }
    }
}

/// The production transport, the guard, with the stub servers' address
/// allowed explicitly (127.0.0.1 only, as an operator would allow a LAN
/// instance) and no name lookups, and every timeout cut to `cap` so that
/// tests of timeouts are quick.
struct StubTransport: HTTPTransport {
    static let guarded = GuardedHTTPTransport(
        policy: OutboundAddressPolicy(allowing: [IPRange(network: .v4(0x7f00_0001), prefixLength: 32)]), resolver: NoLookups(),
        eventLoopGroup: StubServer.loops)

    /// Generous, because a loopback answer can wait seconds for a CPU while
    /// the whole suite runs in parallel on two cores; a test that makes the
    /// server hang on purpose uses `hanging` so that it does not wait long.
    var cap: TimeInterval = 30
    /// Set on a `hanging` transport: once a request has timed out, the
    /// generous cap applies again, so the check that follows the hang is not
    /// cut short on a loaded machine.
    var hung: HungFlag?
    /// The path (its end) of the request the fake hangs on: only that one
    /// is cut short, so the requests before it are not, on a loaded machine.
    var hangingPath = ""

    final class HungFlag: Sendable {
        let value = Mutex(false)
    }

    /// For tests whose fake does not answer the request to a path ending in
    /// `path`: its timeout comes after 5 s. A new transport on each use, so
    /// tests running at once do not share it.
    static func hanging(on path: String) -> StubTransport { StubTransport(cap: 5, hung: HungFlag(), hangingPath: path) }

    func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
        let short = hung.map { !$0.value.withLock { $0 } && request.url.path.hasSuffix(hangingPath) } ?? true
        do {
            return try await Self.guarded.send(request, timeout: min(timeout, short ? cap : 30))
        } catch {
            if case .outcomeUnknown = error { hung?.value.withLock { $0 = true } }
            throw error
        }
    }

    func checkDestination(_ url: URL) throws(ConnectorError) { try Self.guarded.checkDestination(url) }
}

/// A resolver that answers no name: connector tests reach their stubs by
/// address and ask no DNS server.
struct NoLookups: HostResolver {
    struct NoNetwork: Error {}
    func addresses(of host: String, timeout: TimeInterval) async throws -> [IPAddress] { throw NoNetwork() }
}

/// Where the stubs' handlers run: threads of their own, outside Swift's
/// cooperative pool. The whole suite shares that pool's two threads, and a
/// test busy computing held them long enough that a stub's answer came after
/// the client's timeout; the client itself waits on NIO's loops, so an
/// answer written here arrives in time.
final class StubHandlerExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = StubHandlerExecutor()
    private let queue = DispatchQueue(label: "stub-handlers", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
