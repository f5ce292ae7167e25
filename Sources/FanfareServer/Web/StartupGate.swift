import FanfareCore
import Synchronization
import Vapor

/// Work a server does after it has started listening and before it may
/// serve what depends on that work: `serve --demo` answers `/healthz` at
/// once and prepares the demo behind this gate. While something is being
/// prepared, pages answer 503 with a page in the reader's language saying
/// what, which reloads itself; the API and platforms' pushes answer 503
/// problem+json; both with `Retry-After`. Health, readiness, metrics, the
/// API contract and the static files answer as always, and `/readyz` says
/// what is still being prepared.
final class StartupGate: Sendable {
    struct Preparation: Sendable, Equatable {
        /// What is prepared, in English, for the API and `/readyz`.
        var what: String
        /// The page's title and text (string keys).
        var titleKey: String
        var detailKey: String
    }

    private let state = Mutex<Preparation?>(nil)

    /// What is being prepared now, if anything.
    var preparing: Preparation? { state.withLock { $0 } }

    func begin(_ preparation: Preparation) { state.withLock { $0 = preparation } }

    func finish() { state.withLock { $0 = nil } }
}

struct StartupGateKey: StorageKey { typealias Value = StartupGate }

extension Application {
    /// The gate, made while the application is configured (see `configure`).
    var startupGate: StartupGate {
        if let gate = storage[StartupGateKey.self] { return gate }
        let gate = StartupGate()
        storage[StartupGateKey.self] = gate
        return gate
    }
}

struct StartupGateMiddleware: AsyncMiddleware {
    let gate: StartupGate
    /// Seconds a client is asked to wait before asking again.
    static let retryAfter = 2

    static func passes(_ path: String) -> Bool {
        ["/healthz", "/readyz", "/metrics", "/openapi.yaml"].contains(path) || path.hasPrefix("/static/")
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let preparing = gate.preparing, !Self.passes(request.url.path) else { return try await next.respond(to: request) }
        let path = request.url.path
        var response: Response
        if path.hasPrefix("/api/") || path.hasPrefix("/hooks/") {
            response = FanfareErrorMiddleware.problemResponse(
                Problem(.serviceUnavailable, "The server is still preparing \(preparing.what); try again in a moment.", type: "preparing"),
                request: request)
        } else {
            let locale = request.uiLocale
            let ctx = PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
            response = try await Layout.page(
                ctx, title: ctx.t(preparing.titleKey), status: .serviceUnavailable,
                """
                <section class="preparing" id="preparing" role="status"><h1>\(ctx.t(preparing.titleKey))</h1>
                <p>\(ctx.t(preparing.detailKey))</p></section>
                """
            ).encodeResponse(for: request)
            // Reloads the page when the wait is likely over (every browser
            // honours the header; no script needed).
            response.headers.replaceOrAdd(name: "Refresh", value: String(Self.retryAfter))
        }
        response.headers.replaceOrAdd(name: .retryAfter, value: String(Self.retryAfter))
        return response
    }
}
