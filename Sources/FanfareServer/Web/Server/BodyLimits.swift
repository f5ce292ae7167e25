import Vapor

/// Request body limits per route. Fanfare's server collects a body before
/// routing (up to the largest limit any route declares), and Vapor does not
/// check a route's `.collect(maxSize:)` against a body that is already
/// collected: so the limit is recorded on the route, and
/// `BodyLimitMiddleware` answers 413 for a body over its route's limit.
enum BodyLimits {
    static let userInfoKey: AnySendableHashable = "fanfare.max_body_bytes"

    /// The limit of `route`, or the application's default.
    static func limit(of route: Route?, in app: Application) -> Int {
        (route?.userInfo[userInfoKey] as? Int) ?? app.routes.defaultMaxBodySize.value
    }

    /// The largest body any route accepts: what the server collects at most.
    static func largest(in app: Application) -> Int {
        app.routes.all.reduce(app.routes.defaultMaxBodySize.value) { max($0, ($1.userInfo[userInfoKey] as? Int) ?? 0) }
    }
}

extension RoutesBuilder {
    /// A route that accepts bodies up to `maxBody` instead of the default
    /// 1 MiB; use this rather than `body: .collect(maxSize:)`, which the
    /// server would not see.
    @discardableResult
    func on<Response: AsyncResponseEncodable>(
        _ method: HTTPMethod, _ path: PathComponent..., maxBody: ByteCount,
        use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        let route = on(method, path, body: .collect(maxSize: maxBody), use: closure)
        route.userInfo[BodyLimits.userInfoKey] = maxBody.value
        return route
    }
}

/// Answers 413 for a body larger than its route accepts (or larger than
/// any route accepts, which the server marks without collecting it).
/// A plain middleware, not an async one: it runs on every request, and an
/// async middleware costs a task each time.
struct BodyLimitMiddleware: Middleware {
    struct OversizedKey: StorageKey { typealias Value = Bool }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if request.storage[OversizedKey.self] == true {
            return request.eventLoop.makeFailedFuture(Abort(.payloadTooLarge))
        }
        if let size = request.body.data?.readableBytes, size > BodyLimits.limit(of: request.route, in: request.application) {
            return request.eventLoop.makeFailedFuture(Abort(.payloadTooLarge))
        }
        return next.respond(to: request)
    }
}
