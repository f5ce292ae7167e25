import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The production transport: AsyncHTTPClient on a client the caller owns
/// (one per process, shut down by the caller).
///
/// Failures are sorted by whether the request left this process: AHC's
/// delegate reports the moment the request head is written, so a failure
/// before it (refused, DNS, connect timeout) is `.temporary`, and any
/// failure after it (read timeout, connection closed) is `.outcomeUnknown`,
/// since the platform may have acted on the request.
public struct LiveHTTPTransport: HTTPTransport {
    public let client: HTTPClient
    /// Bodies above this are refused: a platform never answers with more,
    /// and a broken or hostile server must not fill the memory.
    public let maxResponseBytes: Int

    public init(client: HTTPClient, maxResponseBytes: Int = 10 * 1_024 * 1_024) {
        self.client = client
        self.maxResponseBytes = maxResponseBytes
    }

    /// A configuration suited to talking to platforms: bounded connects,
    /// few redirects.
    public static var recommendedConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .follow(max: 3, allowCycles: false),
            timeout: .init(connect: .seconds(10), read: .seconds(60)))
        configuration.httpVersion = .automatic
        return configuration
    }

    public func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
        let host = request.url.host ?? request.url.absoluteString
        let prepared: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            for header in request.headers { headers.add(name: header.name, value: header.value) }
            prepared = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers, body: request.body.map { .bytes($0) })
        } catch {
            throw .rejected(reason: "The address \(request.url.absoluteString) is not a valid http(s) address; correct it in the account settings.")
        }
        let collector = ResponseCollector(maxBytes: maxResponseBytes)
        let deadline = NIODeadline.now() + .milliseconds(Int64((max(0.001, timeout) * 1_000).rounded()))
        let task = client.execute(request: prepared, delegate: collector, deadline: deadline)
        do {
            return try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            throw Self.classify(error, sent: collector.sent, host: host, timeout: timeout)
        }
    }

    static func classify(_ error: any Error, sent: Bool, host: String, timeout: TimeInterval) -> ConnectorError {
        if error is ResponseTooLarge {
            return .outcomeUnknown(
                reason: "\(host) answered with more data than Fanfare accepts; check on the platform whether the action took effect.")
        }
        let seconds = Int(timeout.rounded(.up))
        if !sent {
            return .temporary(reason: "Could not reach \(host) (\(describe(error))); Fanfare will retry. Check the address if this persists.")
        }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return .outcomeUnknown(
                reason:
                    "\(host) did not answer within \(seconds) s after the request was sent; it may have been carried out, so check before sending again."
            )
        }
        return .outcomeUnknown(
            reason:
                "The connection to \(host) broke after the request was sent (\(describe(error))); it may have been carried out, so check before sending again."
        )
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout, .getConnectionFromPoolTimeout, .deadlineExceeded: return "timed out while connecting"
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
