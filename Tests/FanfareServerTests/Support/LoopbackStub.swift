import Foundation
import Synchronization
import Vapor

/// An HTTP server on 127.0.0.1 and a free port that records every request
/// it gets and answers from a handler: a platform for the tests, or the
/// thing inside the network that must not be reached.
final class LoopbackStub: Sendable {
    struct Hit: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
        /// The query string, as sent (a DingTalk robot's signature is there).
        var query: String = ""
    }

    let port: Int
    private let app: Application
    private let recorded = Mutex<[Hit]>([])

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var hits: [Hit] { recorded.withLock { $0 } }

    private init(app: Application, port: Int) {
        self.app = app
        self.port = port
    }

    /// `headers`: sent with every answer (a feed's ETag, say).
    static func start(
        headers: [String: String] = [:], _ handler: @escaping @Sendable (Hit) -> (status: HTTPStatus, json: String)
    ) async throws
        -> LoopbackStub
    {
        let app = try await Application.make(.testing)
        let box = HitBox()
        app.middleware = Middlewares()
        app.middleware.use(Responder(box: box, headers: headers, handler: handler))
        do {
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            guard let port = app.http.server.shared.localAddress?.port else { throw Abort(.internalServerError, reason: "no port") }
            let stub = LoopbackStub(app: app, port: port)
            box.stub.withLock { $0 = stub }
            return stub
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    func shutdown() async throws {
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    fileprivate func record(_ hit: Hit) { recorded.withLock { $0.append(hit) } }

    private final class HitBox: Sendable {
        let stub = Mutex<LoopbackStub?>(nil)
    }

    /// Answers every request itself; no route is ever reached.
    private struct Responder: AsyncMiddleware {
        let box: HitBox
        let headers: [String: String]
        let handler: @Sendable (Hit) -> (status: HTTPStatus, json: String)

        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for (name, value) in request.headers { headers[name.lowercased()] = value }
            let hit = Hit(method: request.method.rawValue, path: request.url.path, headers: headers, body: body, query: request.url.query ?? "")
            box.stub.withLock { $0 }?.record(hit)
            let (status, json) = handler(hit)
            var responseHeaders = HTTPHeaders()
            responseHeaders.contentType = .json
            for (name, value) in self.headers { responseHeaders.replaceOrAdd(name: name, value: value) }
            return Response(status: status, headers: responseHeaders, body: .init(string: json))
        }
    }
}

/// Starts a stub, runs `body` with it, and stops it, also when `body`
/// throws.
func withLoopbackStub(
    _ handler: @escaping @Sendable (LoopbackStub.Hit) -> (status: HTTPStatus, json: String), _ body: (LoopbackStub) async throws -> Void
) async throws {
    let stub = try await LoopbackStub.start(handler)
    do {
        try await body(stub)
    } catch {
        try? await stub.shutdown()
        throw error
    }
    try await stub.shutdown()
}
