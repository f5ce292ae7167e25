import Vapor

/// Headers every answer carries (issue 16).
///
/// - `X-Content-Type-Options: nosniff` on everything: a browser must take
///   a JSON answer, an export or a stylesheet as the type it is declared,
///   never guess HTML in it (a fan's message inside a JSON body is text).
/// - `Cache-Control: no-store` on what machines read (`/api/`, `/hooks/`,
///   `/metrics`, `/readyz`), unless the handler chose otherwise: these
///   answers hold a workspace's data or the server's state, and no proxy
///   or browser cache should keep or replay them. Pages keep their own
///   caching (the sign-in stack decides for them).
///
/// Registered outside the error middleware, so problem documents get the
/// headers too.
struct ResponseHeadersMiddleware: AsyncMiddleware {
    static let noStorePrefixes = ["/api/", "/hooks/"]
    static let noStorePaths: Set<String> = ["/metrics", "/readyz"]

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        let path = request.url.path
        if !response.headers.contains(name: .cacheControl),
            Self.noStorePaths.contains(path) || Self.noStorePrefixes.contains(where: { path.hasPrefix($0) })
        {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        return response
    }
}
