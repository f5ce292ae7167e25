import Crypto
import Foundation
import Vapor

/// Every form carries a token in `csrf_token`; a state-changing request
/// without the right one is refused. SameSite=Lax cookies already stop most
/// cross-site posts; this covers the rest (and old browsers).
///
/// Signed-in people's token lives in their session. Visitors who are not
/// signed in have no session, since an anonymous visit must write nothing
/// to the database: their token is an HMAC, under the instance's secret
/// key, of a random value kept in their own `fanfare_csrf` cookie, so the
/// server checks it without remembering anything.
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
            let presented = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.get(String.self, at: Self.field))
            guard let presented, request.acceptsCSRFToken(presented) else {
                throw Problem(.forbidden, "csrf", type: "csrf")
            }
        }
        return try await next.respond(to: request)
    }
}

/// The stateless token of visitors who are not signed in.
enum AnonymousCSRF {
    static let cookieName = "fanfare_csrf"

    /// A value made during this request, to be set as the cookie.
    struct NewNonce: StorageKey { typealias Value = String }

    static func token(nonce: String, secretKey: Data) -> String {
        // A key of its own, so this MAC can never be confused with another
        // use of the secret key.
        let key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("fanfare csrf v1".utf8), using: SymmetricKey(data: secretKey)))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(nonce.utf8), using: key)
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The cookie for a value made during `request`, if one was made.
    static func cookie(for request: Request) -> (name: String, value: HTTPCookies.Value)? {
        guard let nonce = request.storage[NewNonce.self] else { return nil }
        return (cookieName, HTTPCookies.Value(string: nonce, path: "/", isHTTPOnly: true, sameSite: .lax))
    }
}

extension Request {
    /// Whether the request belongs to a signed-in session (one stored in
    /// the database), as opposed to a visitor's.
    var hasSignedInSession: Bool {
        hasSession && session.data[SessionKey.userID] != nil
    }

    /// The token forms carry: the session's for people signed in, made on
    /// first use; otherwise the visitor's signed token.
    var csrfToken: String {
        if hasSignedInSession {
            if let token = session.data[SessionKey.csrf] { return token }
            let token = Secrets.randomToken()
            session.data[SessionKey.csrf] = token
            return token
        }
        let nonce: String
        if let made = storage[AnonymousCSRF.NewNonce.self] {
            nonce = made
        } else if let kept = cookies[AnonymousCSRF.cookieName]?.string, kept.count >= 16 {
            nonce = kept
        } else {
            nonce = Secrets.randomToken()
            storage[AnonymousCSRF.NewNonce.self] = nonce
        }
        return AnonymousCSRF.token(nonce: nonce, secretKey: application.settings.secretKeyForSigning)
    }

    /// Whether `presented` is the token this request's forms carry.
    func acceptsCSRFToken(_ presented: String) -> Bool {
        if hasSignedInSession {
            guard let expected = session.data[SessionKey.csrf] else { return false }
            return Secrets.constantTimeEquals(expected, presented)
        }
        guard let nonce = cookies[AnonymousCSRF.cookieName]?.string, nonce.count >= 16 else { return false }
        return Secrets.constantTimeEquals(AnonymousCSRF.token(nonce: nonce, secretKey: application.settings.secretKeyForSigning), presented)
    }
}

extension Settings {
    /// The secret key, resolved at start (`resolveSecretKey`).
    var secretKeyForSigning: Data {
        guard let secretKey else { fatalError("the secret key is resolved before configure(_:settings:)") }
        return secretKey
    }
}
