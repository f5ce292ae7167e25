import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import Synchronization
import Vapor

/// Fanfare's HTTP/1.1 server, used in place of Vapor's (which has no
/// header-read timeout, no connection cap and no way to add either to its
/// connections' handlers). Installed by `configure`, so `fanfare serve`
/// and anything else that starts `app.server` use it; the in-memory test
/// client calls the responder directly, as before.
///
/// Each connection: `ConnectionGuard` (deadlines, lingering close), NIO's
/// request decoder (with the head-size limit: larger heads get 431) and
/// response encoder, NIO's pipelining handler (one request at a time, in
/// order), NIO's request decompressor, and `HTTPRequestHandler` (collects the body, asks the
/// application, writes the response). At the connection cap a new
/// connection takes the place of the oldest connection of its event loop
/// that is idle or still sending its head; when there is none, it gets 503
/// and is closed at once.
final class FanfareHTTPServer: Server, Sendable {
    struct Configuration: Sendable {
        var hostname: String
        var port: Int
        var serverName: String? = "Fanfare"
        var limits = ConnectionLimits()
        /// How long shutdown waits for in-flight requests before closing
        /// their connections outright.
        var shutdownTimeout = TimeAmount.seconds(10)
    }

    private struct Running: Sendable {
        let channel: any Channel
        let registry: ConnectionRegistry
    }

    struct Key: StorageKey { typealias Value = FanfareHTTPServer }

    let configuration: Configuration
    private let application: Application
    private let running = Mutex<Running?>(nil)

    init(application: Application, configuration: Configuration) {
        self.application = application
        self.configuration = configuration
    }

    /// The address it listens on, once started (the real port for port 0).
    var localAddress: SocketAddress? { running.withLock { $0?.channel.localAddress } }

    /// Open client connections right now.
    var openConnections: Int { running.withLock { $0?.registry.count ?? 0 } }

    var onShutdown: EventLoopFuture<Void> {
        running.withLock { $0?.channel.closeFuture } ?? application.eventLoopGroup.next().makeSucceededVoidFuture()
    }

    @available(*, noasync, message: "Use the async start(address:) instead.")
    func start(address: BindAddress?) throws {
        let channel = try bind(address).wait()
        announce(channel)
    }

    func start(address: BindAddress?) async throws {
        let channel = try await bind(address).get()
        announce(channel)
    }

    @available(*, noasync, message: "Use the async shutdown() instead.")
    func shutdown() {
        guard let stopping = takeRunning() else { return }
        try? stopping.channel.close().wait()
        try? stopping.registry.quiesce(on: stopping.channel.eventLoop, timeout: configuration.shutdownTimeout).wait()
    }

    /// Stops accepting, lets every in-flight request finish (idle
    /// connections close at once, streams end), then returns.
    func shutdown() async {
        guard let stopping = takeRunning() else { return }
        try? await stopping.channel.close()
        try? await stopping.registry.quiesce(on: stopping.channel.eventLoop, timeout: configuration.shutdownTimeout).get()
    }

    private func takeRunning() -> Running? {
        running.withLock { state in
            defer { state = nil }
            return state
        }
    }

    private func announce(_ channel: any Channel) {
        let address = channel.localAddress.map { "http://\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
        application.logger.notice(
            "Server started on \(address)",
            metadata: [
                "max_connections": .stringConvertible(configuration.limits.effectiveMaxConnections),
                "header_timeout_s": .stringConvertible(configuration.limits.headerTimeout),
                "idle_timeout_s": .stringConvertible(configuration.limits.idleTimeout),
            ])
    }

    private func bind(_ address: BindAddress?) -> EventLoopFuture<any Channel> {
        let limits = configuration.limits
        let registry = ConnectionRegistry(limit: limits.effectiveMaxConnections)
        let waiting = WaitingConnectionsByLoop(group: application.eventLoopGroup)
        let shared = HTTPRequestHandler.Shared(
            application: application, responder: application.responder.current, bodyLimits: BodyLimits.table(in: application),
            maxHeaderBytes: limits.maxHeaderBytes, serverName: configuration.serverName)
        let decoderLimits = {
            var decoder = NIOHTTPDecoderLimitConfiguration()
            // The request line counts towards both: a long URL is a large head.
            decoder.maxHeaderFieldSize = limits.maxHeaderBytes
            decoder.maxHeaderListSize = limits.maxHeaderBytes
            return decoder
        }()

        let bootstrap = ServerBootstrap(group: application.eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 1_024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(ChannelOptions.maxMessagesPerRead, value: 256)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let waitingHere = waiting.list(for: channel.eventLoop)
                    guard registry.admit(channel) || (waitingHere?.evictOldest() == true && registry.admit(channel, replacing: true)) else {
                        try channel.pipeline.syncOperations.addHandler(RefuseConnectionHandler())
                        return
                    }
                    channel.closeFuture.whenComplete { _ in registry.remove(channel) }
                    let connection = ConnectionGuard(limits: limits, waiting: waitingHere)
                    try channel.pipeline.syncOperations.addHandlers([
                        connection,
                        HTTPResponseEncoder(),
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)),
                        HTTPServerPipelineHandler(),
                        // gzip and deflate request bodies, as Vapor's server took them.
                        NIOHTTPRequestDecompressor(limit: .ratio(25)),
                        HTTPRequestHandler(shared: shared, connection: connection),
                    ])
                }
            }

        let bound: EventLoopFuture<any Channel>
        switch address {
        case .unixDomainSocket(let path):
            bound = bootstrap.bind(unixDomainSocketPath: path)
        case .hostname(let hostname, let port):
            bound = bootstrap.bind(host: hostname ?? configuration.hostname, port: port ?? configuration.port)
        case nil:
            bound = bootstrap.bind(host: configuration.hostname, port: configuration.port)
        }
        return bound.map { channel in
            self.running.withLock { $0 = Running(channel: channel, registry: registry) }
            return channel
        }
    }
}

/// Answers a connection over the cap with 503 and closes it at once, so its
/// descriptor is free again straight away.
final class RefuseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let answer: String = {
        let body = #"{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Too many connections."}"#
        return "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/problem+json\r\ncontent-length: \(body.utf8.count)\r\n"
            + "retry-after: 1\r\nconnection: close\r\n\r\n" + body
    }()

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: Self.answer))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

extension Application {
    /// Puts Fanfare's server in place of Vapor's for this application.
    func useFanfareServer(_ configuration: FanfareHTTPServer.Configuration) async {
        let server = FanfareHTTPServer(application: self, configuration: configuration)
        await storage.setWithAsyncShutdown(FanfareHTTPServer.Key.self, to: server) { await $0.shutdown() }
        servers.use { _ in server }
    }

    /// Fanfare's server, once `configure` has installed it.
    var fanfareServer: FanfareHTTPServer? { storage[FanfareHTTPServer.Key.self] }
}
