import FanfareCore
import Foundation

/// Bilibili in Fanfare's one sign-in flow: the workspace's own open-platform
/// app (client ID and secret, entered once by an admin), the consent page
/// `account.bilibili.com/pc/account-pc/auth/oauth` (`gourl` is the return
/// address; Bilibili documents no PKCE), the code exchanged at
/// `x/account-oauth2/v1/token`, the account read and its 分区 checked as when
/// tokens are pasted. The 分区 the account's videos go to is the app's
/// setting here, since one sign-in page serves every account of the
/// workspace. Refreshing stays the connector's (`refreshCredentials`).
public struct BilibiliSignInFlow: OAuthSignInFlow {
    public init() {}

    public enum AppField {
        public static let clientID = "client_id"
        public static let clientSecret = "client_secret"
        public static let tid = "tid"
        public static let apiBaseURL = "api_base_url"
    }

    public var platform: String { "bilibili" }
    public var registration: OAuthRegistration { .perWorkspace }
    public var identitySetting: String? { BilibiliKind.Key.openID }

    public var appFields: [ConnectionField] {
        [
            ConnectionField(key: AppField.clientID, label: "Client ID", hint: "the open-platform app's client_id, in 管理中心 on open.bilibili.com"),
            ConnectionField(key: AppField.clientSecret, label: "App secret", secret: true, hint: "signs every call; kept sealed, never shown again"),
            ConnectionField(key: AppField.tid, label: "Category (分区) id", hint: "e.g. 21: the 分区 the accounts' videos are submitted to"),
            ConnectionField(
                key: AppField.apiBaseURL, label: "API address", required: false, hint: "https://member.bilibili.com (change only for testing)"),
        ]
    }

    public func app(fields: [String: String]) throws(ConnectorError) -> OAuthApp {
        func field(_ key: String) -> String { fields[key, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        let (clientID, secret) = (field(AppField.clientID), field(AppField.clientSecret))
        // The same sentences as the token form's, so they read the same in Chinese.
        guard !clientID.isEmpty, clientID.count <= 64, clientID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .rejected(reason: "Client ID must be the open-platform app's client_id as open.bilibili.com shows it (letters and digits only)")
        }
        guard !secret.isEmpty, secret.count <= 128, !secret.contains(where: \.isWhitespace) else {
            throw .rejected(
                reason: "App secret must be the open-platform app's secret as open.bilibili.com shows it (at most 128 characters, no spaces)")
        }
        guard let tid = Int(field(AppField.tid)), tid > 0 else {
            throw .rejected(reason: "Category (分区) id must be a whole number such as 21: the 分区 the account's videos are submitted to")
        }
        let testing = try OAuthText.testingAddress(fields[AppField.apiBaseURL], field: "API address", example: "https://member.bilibili.com")
        var settings = [BilibiliKind.Key.tid: String(tid)]
        if let testing { settings[BilibiliKind.Key.apiBaseURL] = testing.absoluteString }
        return OAuthApp(clientID: clientID, clientSecret: secret, server: testing ?? BilibiliHosts.production.oauth, settings: settings)
    }

    func hosts(_ app: OAuthApp) -> BilibiliHosts {
        app.settings[BilibiliKind.Key.apiBaseURL].flatMap(URL.init(string:)).map(BilibiliHosts.all(at:)) ?? .production
    }

    func signIn(_ app: OAuthApp, transport: any HTTPTransport) -> BilibiliSignIn {
        BilibiliSignIn(app: .init(clientID: app.clientID, clientSecret: app.clientSecret), hosts: hosts(app), transport: transport)
    }

    public func authorizeURL(app: OAuthApp, redirectURI: String, state: String, challenge: String?) -> URL {
        // A stand-in platform (testing) serves the consent page at the same path.
        let page =
            app.settings[BilibiliKind.Key.apiBaseURL].flatMap(URL.init(string:)).map { OAuthText.url($0, "pc/account-pc/auth/oauth") }
            ?? BilibiliSignIn.consentPage
        return BilibiliSignIn.authorizeURL(clientID: app.clientID, redirectURI: redirectURI, state: state, page: page)
    }

    public func exchange(
        code: String, verifier: String?, app: OAuthApp, redirectURI: String, transport: any HTTPTransport, now: Date
    )
        async throws(ConnectorError) -> OAuthGrant
    {
        let credentials = try await signIn(app, transport: transport).exchange(code: code, now: now)
        return OAuthGrant(accessToken: credentials.accessToken, refreshToken: credentials.refreshToken, expiresAt: credentials.expiresAt)
    }

    public func connection(
        for grant: OAuthGrant, app: OAuthApp, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> AccountConnection
    {
        var credentials = grant.credentials
        credentials.secrets[BilibiliKind.Key.clientSecret] = app.clientSecret
        let tid = Int(app.settings[BilibiliKind.Key.tid, default: ""]) ?? 0
        return try await signIn(app, transport: transport).connection(credentials: credentials, tid: tid, now: now)
    }
}
