import Vapor

/// Every form carries the session's token in `csrf_token`; a state-changing
/// request without the right one is refused. SameSite=Lax cookies already
/// stop most cross-site posts; this covers the rest (and old browsers).
struct CSRFMiddleware: AsyncMiddleware {
    static let field = "csrf_token"
    /// The largest form read for its token (the routes' own limit).
    static let maxBody = 1_048_576

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            // The token is inside the form: wait for the whole body (a big
            // form arrives in pieces) before reading it, as the handler would.
            if request.body.data == nil, request.headers.first(name: "X-CSRF-Token") == nil {
                _ = try await request.body.collect(max: Self.maxBody).get()
            }
            let expected = request.session.data[SessionKey.csrf]
            let presented = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: Self.field))
            guard let expected, let presented, Secrets.constantTimeEquals(expected, presented) else {
                throw Problem(.forbidden, "csrf", type: "csrf")
            }
        }
        return try await next.respond(to: request)
    }
}

extension Request {
    /// The session's CSRF token, made on first use.
    var csrfToken: String {
        if let token = session.data[SessionKey.csrf] { return token }
        let token = Secrets.randomToken()
        session.data[SessionKey.csrf] = token
        return token
    }
}
