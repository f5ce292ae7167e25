import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// Turns the decoded parts of each request into a `Vapor.Request` with its
/// body collected, has the application answer it, and writes the answer.
///
/// Bodies are collected up to the limit `BodyLimitTable` gives the request's
/// method and path (uploads alone take large ones); a body
/// declared or found to be larger is answered (413, through the
/// application's error handling) without reading it, and the connection
/// closes. Each route's own limit is checked by `BodyLimitMiddleware`.
final class HTTPRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection of one server shares.
    struct Shared: Sendable {
        let application: Application
        let responder: any Responder
        let bodyLimits: BodyLimitTable
        let maxHeaderBytes: Int
        let serverName: String?
    }

    private enum State {
        /// Between requests.
        case waiting
        /// A head has arrived; its body is being collected.
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// The application has the request, or its response is being written.
        case responding
        /// The final response is written, or the connection is gone.
        case closed
    }

    private let shared: Shared
    private let connection: ConnectionGuard
    private var state = State.waiting
    private var stopping = false
    private var streamTask: Task<Void, Never>?
    private var dates = HTTPDateCache()
    /// The body limit of the request being received.
    private var maxBody = 0

    init(shared: Shared, connection: ConnectionGuard) {
        self.shared = shared
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .waiting = state else { return }
            connection.headReceived()
            maxBody = shared.bodyLimits.limit(method: head.method.rawValue, uri: head.uri)
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > maxBody {
                dispatch(context: context, head: head, body: nil, oversized: true)
                return
            }
            if head.version.minor >= 1, head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
            state = .receiving(head, nil)
        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
            state = .responding  // lets `body` be appended to without a copy
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            if body!.readableBytes > maxBody {
                dispatch(context: context, head: head, body: nil, oversized: true)
            } else {
                state = .receiving(head, body)
            }
        case .end:
            guard case .receiving(let head, let body) = state else { return }
            dispatch(context: context, head: head, body: body, oversized: false)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        streamTask?.cancel()
        streamTask = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerIsStopping {
            stopping = true
            streamTask?.cancel()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch state {
        case .waiting, .receiving:
            guard let parserError = error as? HTTPParserError else {
                context.close(promise: nil)
                return
            }
            var tooLarge = false
            if case .headerOverflow = parserError { tooLarge = true }
            let status: HTTPResponseStatus = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
            let detail =
                tooLarge
                ? "The request line and headers are larger than \(shared.maxHeaderBytes) bytes."
                : "The request is not valid HTTP/1.1."
            state = .responding
            writeProblem(context: context, status: status, detail: detail)
        case .responding, .closed:
            // The decoder's complaints about bytes after an error, or a
            // write to a connection the client has closed.
            if !(error is HTTPParserError || error is ByteToMessageDecoderError) { context.close(promise: nil) }
        }
    }

    // MARK: Request

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer?, oversized: Bool) {
        connection.requestComplete()
        state = .responding
        let request = Request(
            application: shared.application, method: head.method, url: URI(path: head.uri), version: head.version,
            headersNoUpdate: head.headers, collectedBody: body, remoteAddress: context.channel.remoteAddress,
            logger: shared.application.logger, byteBufferAllocator: context.channel.allocator, on: context.eventLoop)
        if oversized { request.storage[BodyLimitMiddleware.OversizedKey.self] = true }
        // A body that was not read leaves the connection unusable.
        let keepAlive = head.isKeepAlive && !oversized
        shared.responder.respond(to: request).hop(to: context.eventLoop).assumeIsolated().whenComplete { result in
            self.respond(context: context, head: head, result: result, keepAlive: keepAlive)
        }
    }

    // MARK: Response

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead, result: Result<Response, any Error>, keepAlive: Bool) {
        guard case .responding = state, context.channel.isActive else { return }
        switch result {
        case .failure(let error):
            shared.application.logger.error("request failed outside the error middleware", metadata: ["error": .string(String(reflecting: error))])
            writeProblem(context: context, status: .internalServerError, detail: "An unexpected error occurred; it has been logged.")
        case .success(let response):
            if let streamed = response.streamedBody, head.method != .HEAD {
                stream(context: context, head: head, response: response, streamed: streamed, keepAlive: keepAlive)
            } else if response.body.count < 0 || (response.body.buffer == nil && response.body.count > 0) {
                // A finite stream of Vapor's own (a file from `fileio`, of
                // known or unknown length): collected, then written.
                response.body.collect(on: context.eventLoop).hop(to: context.eventLoop).assumeIsolated().whenComplete { collected in
                    guard case .responding = self.state, context.channel.isActive else { return }
                    let buffer = (try? collected.get()) ?? nil
                    response.headers.remove(name: "transfer-encoding")
                    response.headers.replaceOrAdd(name: "content-length", value: String(buffer?.readableBytes ?? 0))
                    self.write(context: context, head: head, response: response, body: buffer, keepAlive: keepAlive)
                }
            } else {
                write(context: context, head: head, response: response, body: response.body.buffer, keepAlive: keepAlive)
            }
        }
    }

    private func responseHead(_ response: Response, for head: HTTPRequestHead, keepAlive: Bool) -> HTTPResponseHead {
        var headers = response.headers
        if !headers.contains(name: "date") { headers.add(name: "date", value: dates.now()) }
        if let server = shared.serverName, !headers.contains(name: "server") { headers.add(name: "server", value: server) }
        headers.replaceOrAdd(name: "connection", value: keepAlive ? "keep-alive" : "close")
        let version: HTTPVersion = head.version == .http1_0 ? .http1_0 : .http1_1
        return HTTPResponseHead(version: version, status: response.status, headers: headers)
    }

    private func write(context: ChannelHandlerContext, head: HTTPRequestHead, response: Response, body: ByteBuffer?, keepAlive: Bool) {
        let keepAlive = keepAlive && !stopping
        let status = response.status.code
        let bodyless = head.method == .HEAD || status == 204 || status == 304 || (100..<200).contains(status)
        context.write(wrapOutboundOut(.head(responseHead(response, for: head, keepAlive: keepAlive))), promise: nil)
        if !bodyless, let body, body.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        end(context: context, keepAlive: keepAlive)
    }

    /// Ends the response; a kept-alive connection waits for its next request
    /// (which may already be here: the pipelining handler delivers it while
    /// the end is written), any other lingers and closes.
    private func end(context: ChannelHandlerContext, keepAlive: Bool) {
        if keepAlive {
            state = .waiting
            connection.awaitNextRequest()
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            state = .closed
            let connection = connection
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in connection.finish() }
        }
    }

    private func writeProblem(context: ChannelHandlerContext, status: HTTPResponseStatus, detail: String) {
        let body = #"{"type":"about:blank","title":"\#(status.reasonPhrase)","status":\#(status.code),"detail":"\#(detail)"}"#
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "application/problem+json")
        headers.add(name: "content-length", value: String(body.utf8.count))
        headers.add(name: "date", value: dates.now())
        if let server = shared.serverName { headers.add(name: "server", value: server) }
        headers.add(name: "connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        end(context: context, keepAlive: false)
    }

    // MARK: Streaming

    /// Writes the head and the response's own body at once, then each part
    /// the producer writes, flushed; ends the response when it returns.
    private func stream(context: ChannelHandlerContext, head: HTTPRequestHead, response: Response, streamed: StreamedBody, keepAlive: Bool) {
        // HTTP/1.0 has no chunked encoding: the end of the body is the close.
        let keepAlive = keepAlive && !stopping && head.version != .http1_0
        var streamHead = responseHead(response, for: head, keepAlive: keepAlive)
        streamHead.headers.remove(name: "content-length")
        if head.version != .http1_0 { streamHead.headers.replaceOrAdd(name: "transfer-encoding", value: "chunked") }
        context.write(wrapOutboundOut(.head(streamHead)), promise: nil)
        if let first = response.body.buffer, first.readableBytes > 0 {
            context.write(wrapOutboundOut(.body(.byteBuffer(first))), promise: nil)
        }
        context.flush()

        let channel = context.channel
        let eventLoop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: eventLoop)
        let boundContext = context.loopBound
        streamTask = Task {
            let writer = StreamedBodyWriter { buffer in
                try Task.checkCancellation()
                try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(buffer)))
            }
            do {
                try await streamed.produce(writer)
            } catch {
                // Cancelled (the client left, or the server stops) or failed:
                // either way the stream ends here.
            }
            eventLoop.execute {
                handler.value.streamEnded(context: boundContext.value, keepAlive: keepAlive)
            }
        }
    }

    private func streamEnded(context: ChannelHandlerContext, keepAlive: Bool) {
        streamTask = nil
        guard case .responding = state, context.channel.isActive else { return }
        end(context: context, keepAlive: keepAlive && !stopping)
    }
}

/// The `date` header's value, made at most once a second.
struct HTTPDateCache {
    private var second = -1
    private var text = ""

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    mutating func now() -> String {
        var clock = time(nil)
        guard Int(clock) != second else { return text }
        second = Int(clock)
        var parts = tm()
        gmtime_r(&clock, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        text =
            "\(Self.days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(Self.months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
        return text
    }
}
