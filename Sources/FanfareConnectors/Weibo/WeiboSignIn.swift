import FanfareCore
import Foundation

/// Connecting a Weibo account by signing in on weibo.com (OAuth 2
/// authorisation code, open.weibo.com/wiki/授权机制说明): the person is sent
/// to `oauth2/authorize` with the workspace's App Key, comes back with a
/// code, and the code becomes a token at `oauth2/access_token` (a POST with
/// the App Secret). Weibo takes no PKCE challenge. The token lasts
/// `expires_in` seconds, 1 to 90 days by the app's level, and web apps get
/// no refresh token (only Weibo's own mobile SDK does), so the account is
/// signed in again before then; Fanfare says so 7 days and 1 day ahead.
/// The token is checked with `oauth2/get_token_info` (its App Key must be
/// this app's, as the wiki asks) and the account read with `users/show`.
public struct WeiboSignIn: OAuthSignInFlow {
    public init() {}

    /// What the workspace's Weibo app holds.
    public enum AppField {
        public static let clientID = "client_id"
        public static let clientSecret = "client_secret"
        public static let safeDomainURL = "safe_domain_url"
        public static let rip = "rip"
        public static let scope = "scope"
        public static let apiBaseURL = "api_base_url"
    }

    public var platform: String { "weibo" }
    public var registration: OAuthRegistration { .perWorkspace }
    public var identitySetting: String? { "uid" }

    public var appFields: [ConnectionField] {
        [
            ConnectionField(key: AppField.clientID, label: "App Key", hint: "我的应用 → 应用信息 → 基本信息 on open.weibo.com, e.g. 1234567890"),
            ConnectionField(
                key: AppField.clientSecret, label: "App Secret", secret: true, hint: "shown beside the App Key; kept sealed, never shown again"),
            ConnectionField(
                key: AppField.safeDomainURL, label: "Safe-domain URL",
                hint: "https://brand.example/ — a page on the app's 安全域名; every post links to it"),
            ConnectionField(
                key: AppField.rip, label: "Poster's IP address",
                hint: "203.0.113.7 — the public IP Weibo is told posts come from (rip), for every account signed in through this app"),
            ConnectionField(
                key: AppField.scope, label: "Scope", required: false,
                hint: "extra permissions the app was granted, comma-separated; leave empty for the ordinary ones"),
            ConnectionField(key: AppField.apiBaseURL, label: "API address", required: false, hint: "https://api.weibo.com (change only for testing)"),
        ]
    }

    public func app(fields: [String: String]) throws(ConnectorError) -> OAuthApp {
        let key = try OAuthText.credential(fields[AppField.clientID], field: "App Key", lengths: 5...20, digitsOnly: true)
        let secret = try OAuthText.credential(fields[AppField.clientSecret], field: "App Secret", lengths: 16...64)
        guard let safeDomain = WeiboKind.webURL(fields[AppField.safeDomainURL]) else {
            throw .rejected(reason: "Safe-domain URL must be an http(s) address on your Weibo app's 安全域名, e.g. https://brand.example/")
        }
        let rip = fields[AppField.rip, default: ""].trimmingCharacters(in: .whitespaces)
        guard WeiboKind.isIPAddress(rip) else {
            throw .rejected(reason: "Poster's IP address must be an IPv4 or IPv6 address such as 203.0.113.7 (Weibo's rip parameter)")
        }
        let scope = try Self.scope(fields[AppField.scope])
        let server =
            try OAuthText.testingAddress(fields[AppField.apiBaseURL], field: "API address", example: "https://api.weibo.com")
            ?? WeiboKind.defaultAPIBase
        // What each account signed in through the app inherits, by the
        // Weibo connector's own setting names.
        var settings = ["safeDomainURL": safeDomain.absoluteString, "rip": rip]
        if server != WeiboKind.defaultAPIBase { settings["apiBaseURL"] = server.absoluteString }
        return OAuthApp(clientID: key, clientSecret: secret, server: server, scope: scope, settings: settings)
    }

    /// Weibo's scopes are words joined by commas (`email,direct_messages_write`).
    static func scope(_ typed: String?) throws(ConnectorError) -> String {
        let names = (typed ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0.isWhitespace }).map(String.init)
        guard names.allSatisfy({ $0.count <= 64 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") } }) else {
            throw .rejected(reason: "Scope must be the scope names Weibo granted the app, separated by commas, e.g. email,direct_messages_write")
        }
        return names.joined(separator: ",")
    }

    public func authorizeURL(app: OAuthApp, redirectURI: String, state: String, challenge: String?) -> URL {
        var query = [("client_id", app.clientID), ("redirect_uri", redirectURI), ("response_type", "code"), ("state", state)]
        if !app.scope.isEmpty { query.append(("scope", app.scope)) }
        return OAuthText.url(app.server, "oauth2/authorize", query: query)
    }

    public func exchange(
        code: String, verifier: String?, app: OAuthApp, redirectURI: String, transport: any HTTPTransport, now: Date
    )
        async throws(ConnectorError) -> OAuthGrant
    {
        let form = [
            ("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "authorization_code"), ("code", code),
            ("redirect_uri", redirectURI),
        ]
        let request = HTTPRequestData(
            method: "POST", url: OAuthText.url(app.server, "oauth2/access_token"),
            headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: OAuthText.form(form))
        let response: HTTPResponseData
        do {
            response = try await transport.send(request, timeout: WeiboAPI.timeout)
        } catch .outcomeUnknown(let reason) {
            // The code may have been used up; the person signs in again.
            throw .temporary(reason: reason)
        }
        return try Self.grant(response, now: now)
    }

    /// The token endpoint's answer: `{"access_token", "expires_in", "uid"}`
    /// (`expires_in` a number or a string of digits), or Weibo's OAuth
    /// error (`{"error": "invalid_grant", "error_code": 21325}`).
    static func grant(_ response: HTTPResponseData, now: Date) throws(ConnectorError) -> OAuthGrant {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        if let code = OAuthText.number(object["error_code"]).map({ Int($0) }) ?? (object["error"] != nil ? 0 : nil) {
            throw error(code: code, name: object["error"] as? String ?? "", status: response.status)
        }
        guard (200..<300).contains(response.status) else {
            if response.status >= 500 { throw .temporary(reason: "Weibo answered the sign-in with HTTP \(response.status); sign in again shortly") }
            throw .rejected(reason: "Weibo did not accept the sign-in (HTTP \(response.status)); sign in again")
        }
        guard let token = object["access_token"] as? String, !token.isEmpty else {
            throw .temporary(reason: "Weibo answered the sign-in in a form Fanfare does not understand; sign in again")
        }
        return OAuthGrant(
            accessToken: token, expiresAt: OAuthText.number(object["expires_in"]).map { now.addingTimeInterval($0) },
            accountID: OAuthText.identifier(object["uid"]))
    }

    /// Weibo's OAuth error numbers (the wiki's OAuth2.0 错误码 table).
    static func error(code: Int, name: String, status: Int) -> ConnectorError {
        switch code {
        case 21322:
            .rejected(
                reason: "Weibo says the return address does not match the app's 授权回调页; register the address shown in Fanfare's Weibo app settings")
        case 21324:
            .rejected(reason: "Weibo does not know this App Key and App Secret (error 21324); check them in the workspace's Weibo app settings")
        case 21325, 21327: .rejected(reason: "Weibo did not accept the sign-in (error \(code)): it expired or was already used; sign in again")
        case 21326: .rejected(reason: "Weibo says the app may not sign accounts in (error 21326); check the app's status on open.weibo.com")
        case 21330: .rejected(reason: "The sign-in was not allowed on Weibo (error 21330); the account is not connected")
        case 21331: .temporary(reason: "Weibo's sign-in is unavailable for the moment (error 21331); sign in again shortly")
        default:
            status >= 500
                ? .temporary(reason: "Weibo answered the sign-in with error \(code) \(name); sign in again shortly")
                : .rejected(reason: "Weibo refused the sign-in: error \(code) \(name)")
        }
    }

    /// Checks the token belongs to this app, then reads the account.
    public func connection(
        for grant: OAuthGrant, app: OAuthApp, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> AccountConnection
    {
        let api = WeiboAPI(base: app.server, token: grant.accessToken, transport: transport)
        let reply: WeiboReply
        do {
            reply = try await api.post("oauth2/get_token_info", [("access_token", grant.accessToken)], includeToken: false)
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
        guard case .ok(let body) = reply, let info = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
            let uid = OAuthText.identifier(info["uid"])
        else {
            if case .failed(let code, let message, let status) = reply { throw WeiboAPI.error(code: code, message: message, status: status) }
            throw .temporary(reason: "Weibo answered the token check in a form Fanfare does not understand; sign in again")
        }
        if let appKey = OAuthText.identifier(info["appkey"]), appKey != app.clientID {
            throw .rejected(reason: "Weibo says the token was issued to another app (App Key \(appKey)); sign in again")
        }
        if let named = grant.accountID, named != uid {
            throw .rejected(reason: "Weibo named two different accounts for one sign-in; sign in again")
        }
        let user = try WeiboAPI.decode(try await api.get("2/users/show.json", [("uid", uid)]), as: WeiboUser.self)
        var settings = app.settings
        settings["uid"] = uid
        // get_token_info's `expire_in` is what is left; the grant's own is
        // the same or a moment older.
        let expiresAt = OAuthText.number(info["expire_in"]).map { now.addingTimeInterval($0) } ?? grant.expiresAt
        return AccountConnection(
            handle: user.screenName ?? uid, settings: settings,
            credentials: ConnectorCredentials(accessToken: grant.accessToken, expiresAt: expiresAt))
    }
}
