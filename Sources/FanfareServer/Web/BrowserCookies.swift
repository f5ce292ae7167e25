import Vapor

/// The last word on every cookie Fanfare sets: a visitor's CSRF value made
/// during the request (also on error pages, which render outside the page
/// stack), and `Secure` whenever the request reached Fanfare over HTTPS, so
/// no cookie can travel over plain HTTP once a deployment uses TLS.
struct BrowserCookiesMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if let (name, value) = AnonymousCSRF.cookie(for: request), response.cookies[name] == nil {
            response.cookies[name] = value
        }
        if request.isHTTPS {
            for name in response.cookies.all.keys {
                response.cookies[name]?.isSecure = true
            }
        }
        return response
    }
}

extension Request {
    /// Whether the person reached Fanfare over HTTPS: the public URL says
    /// so, or a trusted proxy forwarded `X-Forwarded-Proto: https`.
    var isHTTPS: Bool {
        if application.settings.publicURL?.scheme?.lowercased() == "https" { return true }
        if forwardedByTrustedProxy, headers.first(name: "X-Forwarded-Proto")?.lowercased() == "https" { return true }
        return false
    }
}
