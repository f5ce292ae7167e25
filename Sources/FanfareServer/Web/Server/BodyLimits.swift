import Vapor

/// Request body limits per route. Fanfare's server collects a body before
/// routing (up to the largest ordinary limit, or a large route's own limit
/// for that route's path: `BodyLimitTable`), and Vapor does not
/// check a route's `.collect(maxSize:)` against a body that is already
/// collected: so the limit is recorded on the route, and
/// `BodyLimitMiddleware` answers 413 for a body over its route's limit.
enum BodyLimits {
    static let userInfoKey: AnySendableHashable = "fanfare.max_body_bytes"

    /// The limit of `route`, or the application's default.
    static func limit(of route: Route?, in app: Application) -> Int {
        (route?.userInfo[userInfoKey] as? Int) ?? app.routes.defaultMaxBodySize.value
    }

    /// Bodies above this are "large": collected only for the routes that
    /// declare them (uploads), decided from the request line before any of
    /// the body is read, so no other address can be made to hold 100 MB.
    static let largeAbove = 8 * 1_048_576

    static func table(in app: Application) -> BodyLimitTable {
        var base = app.routes.defaultMaxBodySize.value
        var large: [BodyLimitTable.Entry] = []
        for route in app.routes.all {
            guard let limit = route.userInfo[userInfoKey] as? Int else { continue }
            if limit <= largeAbove {
                base = max(base, limit)
            } else {
                large.append(
                    .init(
                        method: route.method.rawValue,
                        path: route.path.map {
                            if case .constant(let text) = $0 { text } else { nil }
                        }, limit: limit))
            }
        }
        return BodyLimitTable(base: base, large: large)
    }
}

/// How much body the server collects for a request, from its method and
/// path: `base` (the largest limit of ordinary routes) unless the path is
/// one of the few that take large bodies.
struct BodyLimitTable: Sendable {
    struct Entry: Sendable {
        var method: String
        /// Constant segments, nil where the route has a parameter.
        var path: [String?]
        var limit: Int
    }

    let base: Int
    let large: [Entry]

    func limit(method: String, uri: String) -> Int {
        guard !large.isEmpty else { return base }
        let path = uri.prefix { $0 != "?" && $0 != "#" }.split(separator: "/", omittingEmptySubsequences: true)
        var found = base
        for entry in large where entry.method == method && entry.path.count == path.count {
            if zip(entry.path, path).allSatisfy({ $0 == nil || $0! == $1 }) { found = max(found, entry.limit) }
        }
        return found
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
