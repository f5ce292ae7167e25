import NIOCore

/// The first handler of a connection, next to the socket: it sees raw bytes
/// as they arrive and keeps the connection's deadlines.
///
/// - A new connection, and a kept-alive one once the next request's first
///   byte arrives, must complete the request head within the header
///   timeout. The deadline is absolute: trickling bytes does not extend it.
/// - A head's body must arrive within the body timeout.
/// - Between requests a connection may stay idle for the idle timeout.
/// - While the application handles a request there is no deadline (a
///   server-sent event stream lasts minutes).
///
/// While idle or reading a head, a connection is on its event loop's list
/// of waiting connections, which the server evicts from (oldest first) to
/// admit a new connection at the cap.
///
/// A head or body that runs out of time gets 408 and the connection
/// closes; a silent or idle connection is just closed. After a final
/// response the connection lingers half-closed for a moment, reading and
/// dropping what the client still sends, so that a client still sending a
/// body reads the answer instead of a reset.
final class ConnectionGuard: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum Phase {
        /// Waiting for the first byte of the next request (kept alive).
        case idle
        /// Reading a request head; `sawBytes` tells a silent socket apart.
        case head(sawBytes: Bool)
        case body
        /// The application has the request; no deadline.
        case busy
        /// The final response is written; reading and dropping.
        case lingering
    }

    static let lingerTime = TimeAmount.seconds(2)

    private let limits: ConnectionLimits
    private let waiting: WaitingConnections?
    private var phase = Phase.head(sawBytes: false)
    /// When the current phase runs out; nil while the application works.
    private var deadline: NIODeadline?
    /// The next look at the deadline. A phase change only moves `deadline`:
    /// the check, never more than `checkEvery` ahead, then fires at it (so a
    /// kept-alive connection under load schedules and cancels nothing per
    /// request; an idle one is looked at once per `checkEvery`).
    private var check: Scheduled<Void>?
    private let checkEvery: TimeAmount
    private var linger: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    // Its place among the event loop's waiting connections.
    var isWaiting = false
    var olderWaiting: ConnectionGuard?
    var newerWaiting: ConnectionGuard?

    init(limits: ConnectionLimits, waiting: WaitingConnections?) {
        self.limits = limits
        self.waiting = waiting
        // No deadline can be nearer than this, so a pending check always
        // comes before the deadline of any phase that begins after it.
        checkEvery = ConnectionLimits.amount(min(limits.headerTimeout, limits.bodyTimeout, limits.idleTimeout))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        if deadline == nil { start() }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func start() {
        arm(limits.headerTimeout)
        waiting?.append(self)
    }

    private func stop() {
        deadline = nil
        check?.cancel()
        check = nil
        linger?.cancel()
        linger = nil
        waiting?.remove(self)
    }

    /// Closed to make room for a new connection at the cap.
    func evict() {
        phase = .lingering
        stop()
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch phase {
        case .lingering:
            return
        case .idle:
            phase = .head(sawBytes: true)
            arm(limits.headerTimeout)
        case .head(sawBytes: false):
            phase = .head(sawBytes: true)
        case .head(sawBytes: true), .body, .busy:
            break
        }
        context.fireChannelRead(data)
    }

    // MARK: Told by the request handler

    /// A complete head arrived: its body has the body timeout.
    func headReceived() {
        phase = .body
        waiting?.remove(self)
        arm(limits.bodyTimeout)
    }

    /// The whole request is with the application.
    func requestComplete() {
        phase = .busy
        deadline = nil
    }

    /// The response is about to end and the connection stays open: wait for
    /// the next request. Called before the response's end is written, since
    /// a pipelined request may be delivered while it is written.
    func awaitNextRequest() {
        phase = .idle
        waiting?.append(self)
        arm(limits.idleTimeout)
    }

    /// The final response is written: stop reading requests, half-close,
    /// and close for good when the client does, or after a moment.
    func finish() {
        guard let context else { return }
        if case .lingering = phase { return }
        phase = .lingering
        waiting?.remove(self)
        deadline = nil
        linger = context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) { [weak self] in
            self?.context?.close(promise: nil)
        }
        context.close(mode: .output, promise: nil)
    }

    // MARK: Deadlines

    private func arm(_ seconds: Double) {
        let now = NIODeadline.now()
        deadline = now + ConnectionLimits.amount(seconds)
        if check == nil { scheduleCheck(now: now) }
    }

    private func scheduleCheck(now: NIODeadline) {
        guard let context, let deadline else { return }
        check = context.eventLoop.assumeIsolated().scheduleTask(deadline: min(deadline, now + checkEvery)) { [weak self] in
            self?.checkDeadline()
        }
    }

    private func checkDeadline() {
        check = nil
        guard let deadline else { return }
        let now = NIODeadline.now()
        if now < deadline {
            scheduleCheck(now: now)
        } else {
            self.deadline = nil
            expired()
        }
    }

    private func expired() {
        guard let context else { return }
        switch phase {
        case .idle, .head(sawBytes: false):
            context.close(promise: nil)
        case .head(sawBytes: true), .body:
            // Straight to the socket: no response of the HTTP handlers is
            // under way while a request is still arriving.
            context.writeAndFlush(wrapOutboundOut(Self.requestTimeout(context.channel.allocator)), promise: nil)
            finish()
        case .busy, .lingering:
            break
        }
    }

    static func requestTimeout(_ allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = #"{"type":"about:blank","title":"Request Timeout","status":408,"detail":"The request did not arrive in time."}"#
        return allocator.buffer(
            string:
                "HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n"
                + body)
    }
}
