import FanfareCore
import Foundation

/// Connecting a Douyin account by signing in (OAuth 2 authorisation code,
/// developer.open-douyin.com 网站应用 → Web 授权): the person is sent to
/// `/platform/oauth/connect/` with the workspace app's `client_key`, scans
/// or signs in, and comes back with a code that becomes a token at
/// `POST /oauth/access_token/` (form: client_key, client_secret, code,
/// grant_type). Douyin takes no PKCE challenge. The access token lasts 15
/// days and is refreshed with `/oauth/refresh_token/`; the refresh token
/// lasts 30 days and is renewed with `/oauth/renew_refresh_token/` (a
/// permission the app applies for, a limited number of times). Every answer
/// wraps its payload in `data` with `error_code`; numbers may come as
/// strings (`"expires_in": "86400"`).
public struct DouyinSignIn: OAuthSignInFlow {
    public init() {}

    public enum AppField {
        public static let clientKey = "client_key"
        public static let clientSecret = "client_secret"
        public static let scope = "scope"
        public static let apiBaseURL = "api_base_url"
    }

    /// `user_info` names the account; `video.list.bind` and `item.comment`
    /// let Fanfare read and answer comments on its videos.
    public static let defaultScope = "user_info,video.list.bind,item.comment"
    /// Douyin's refresh tokens last 30 days.
    static let refreshLifetime: TimeInterval = 30 * 86_400

    public var platform: String { HandOffPlatform.douyin.rawValue }
    public var registration: OAuthRegistration { .perWorkspace }
    public var identitySetting: String? { DouyinKind.Key.openID }

    public var appFields: [ConnectionField] {
        [
            ConnectionField(key: AppField.clientKey, label: "Client key", hint: "控制台 → 我的应用 → 网站应用 → 应用信息, e.g. awx1y2z3…"),
            ConnectionField(
                key: AppField.clientSecret, label: "Client secret", secret: true,
                hint: "shown beside the client key; also checks the app's pushes; kept sealed, never shown again"),
            ConnectionField(
                key: AppField.scope, label: "Scope", required: false,
                hint: "\(Self.defaultScope) when empty: the scopes the app was granted, comma-separated, user_info among them"),
            ConnectionField(
                key: AppField.apiBaseURL, label: "API address", required: false, hint: "https://open.douyin.com (change only for testing)"),
        ]
    }

    public func app(fields: [String: String]) throws(ConnectorError) -> OAuthApp {
        let key = try OAuthText.credential(fields[AppField.clientKey], field: "Client key", lengths: 8...64)
        let secret = try OAuthText.credential(fields[AppField.clientSecret], field: "Client secret", lengths: 16...128)
        let scope = try Self.scope(fields[AppField.scope])
        let server =
            try OAuthText.testingAddress(fields[AppField.apiBaseURL], field: "API address", example: "https://open.douyin.com")
            ?? DouyinAPI.defaultBase
        var settings: [String: String] = [:]
        if server != DouyinAPI.defaultBase { settings[DouyinKind.Key.apiBaseURL] = server.absoluteString }
        return OAuthApp(clientID: key, clientSecret: secret, server: server, scope: scope, settings: settings)
    }

    static func scope(_ typed: String?) throws(ConnectorError) -> String {
        let names = (typed ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0.isWhitespace }).map(String.init)
        if names.isEmpty { return defaultScope }
        guard names.allSatisfy({ $0.count <= 64 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") } }) else {
            throw .rejected(reason: "Scope must be the scope names Douyin granted the app, separated by commas, e.g. \(defaultScope)")
        }
        guard names.contains("user_info") else {
            throw .rejected(reason: "Scope must include user_info: Fanfare reads the signed-in account's name with it")
        }
        return names.joined(separator: ",")
    }

    /// Asks for an app token (`/oauth/client_token/`, client_credential):
    /// a wrong key or secret is refused there, before anyone signs in.
    public func verify(_ app: OAuthApp, transport: any HTTPTransport, now: Date) async throws(ConnectorError) {
        let api = DouyinAPI(base: app.server, token: "", openID: "", transport: transport)
        let data: [String: Any]
        do {
            data = try await api.postForm(
                "oauth/client_token/", [("client_key", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "client_credential")])
        } catch .rejected, .expiredCredentials {
            throw .rejected(reason: "Douyin does not accept this client key and client secret; copy both again from the app's page")
        }
        guard let token = data["access_token"] as? String, !token.isEmpty else {
            throw .temporary(reason: "Douyin answered the app check in a form Fanfare does not understand; try again")
        }
    }

    public func authorizeURL(app: OAuthApp, redirectURI: String, state: String, challenge: String?) -> URL {
        OAuthText.url(
            app.server, "platform/oauth/connect/",
            query: [
                ("client_key", app.clientID), ("response_type", "code"), ("scope", app.scope), ("redirect_uri", redirectURI), ("state", state),
            ])
    }

    public func exchange(
        code: String, verifier: String?, app: OAuthApp, redirectURI: String, transport: any HTTPTransport, now: Date
    )
        async throws(ConnectorError) -> OAuthGrant
    {
        let api = DouyinAPI(base: app.server, token: "", openID: "", transport: transport)
        let data: [String: Any]
        do {
            data = try await api.postForm(
                "oauth/access_token/",
                [("client_key", app.clientID), ("client_secret", app.clientSecret), ("code", code), ("grant_type", "authorization_code")])
        } catch .rejected(let reason) {
            throw .rejected(reason: "Douyin did not accept the sign-in (\(reason)); it may have expired or been used; sign in again")
        } catch .expiredCredentials {
            throw .rejected(reason: "Douyin did not accept the sign-in: it expired or was already used; sign in again")
        }
        return try Self.grant(data, now: now)
    }

    /// `data` of the token endpoints: access_token, expires_in, open_id,
    /// refresh_token, refresh_expires_in (seconds, numbers or strings).
    static func grant(_ data: [String: Any], now: Date) throws(ConnectorError) -> OAuthGrant {
        guard let token = data["access_token"] as? String, !token.isEmpty else {
            throw .temporary(reason: "Douyin answered the sign-in in a form Fanfare does not understand; sign in again")
        }
        let refresh = (data["refresh_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return OAuthGrant(
            accessToken: token, refreshToken: refresh,
            expiresAt: now.addingTimeInterval(OAuthText.number(data["expires_in"]) ?? DouyinKind.tokenLifetime),
            refreshExpiresAt: refresh.map { _ in now.addingTimeInterval(OAuthText.number(data["refresh_expires_in"]) ?? refreshLifetime) },
            accountID: OAuthText.identifier(data["open_id"]))
    }

    /// The account's nickname (`/oauth/userinfo/`, scope user_info).
    public func connection(
        for grant: OAuthGrant, app: OAuthApp, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> AccountConnection
    {
        guard let openID = grant.accountID, !openID.isEmpty else {
            throw .temporary(reason: "Douyin did not name the signed-in account (open_id); sign in again")
        }
        let api = DouyinAPI(base: app.server, token: grant.accessToken, openID: openID, transport: transport)
        let info: [String: Any]
        do {
            info = try await api.post("oauth/userinfo/", json: ["open_id": openID, "access_token": grant.accessToken])
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
        if let named = OAuthText.identifier(info["open_id"]), named != openID {
            throw .rejected(reason: "Douyin named two different accounts for one sign-in; sign in again")
        }
        var settings = [DouyinKind.Key.openID: openID, DouyinKind.Key.clientKey: app.clientID]
        if let base = app.settings[DouyinKind.Key.apiBaseURL] { settings[DouyinKind.Key.apiBaseURL] = base }
        let nickname = (info["nickname"] as? String).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        var credentials = grant.credentials
        // The app's secret signs its pushes of direct messages.
        credentials.secrets = [DouyinKind.Key.clientSecret: app.clientSecret]
        return AccountConnection(handle: (nickname?.isEmpty ?? true) ? openID : nickname!, settings: settings, credentials: credentials)
    }
}

extension DouyinConnector: RefreshTokenRenewing {
    /// A new refresh token (`/oauth/renew_refresh_token/`): needs the
    /// app's renew_refresh_token permission and works a limited number of
    /// times (error 10020 after that); then the person signs in again.
    public func renewRefreshToken(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        guard let api, let clientKey, let refresh = credentials.refreshToken, !refresh.isEmpty else { throw .expiredCredentials }
        let answer: [String: Any]
        do {
            answer = try await api.postForm("oauth/renew_refresh_token/", [("client_key", clientKey), ("refresh_token", refresh)])
        } catch .rejected(let reason) {
            throw .rejected(reason: "Douyin did not renew the refresh token (\(reason)); sign the account in again")
        }
        guard let renewed = answer["refresh_token"] as? String, !renewed.isEmpty else { throw .expiredCredentials }
        return ConnectorCredentials(
            accessToken: "", refreshToken: renewed,
            refreshExpiresAt: now.addingTimeInterval(OAuthText.number(answer["expires_in"]) ?? DouyinSignIn.refreshLifetime))
    }
}
