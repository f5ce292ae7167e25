import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

/// Weibo's OAuth 2 endpoints as open.weibo.com documents them:
/// `oauth2/access_token` (form POST, `expires_in` as a string of digits and
/// `uid`), OAuth errors as `{"error", "error_code"}`, `oauth2/get_token_info`
/// and `2/users/show.json`.
final class WeiboOAuthFake: Sendable {
    static let appKey = "3107116953"
    static let secret = "0123456789abcdef0123456789abcdef"
    static let code = "weibo-code-1"
    let issued = Mutex<[String]>([])

    func handle(_ request: StubRequest) async -> StubResponse {
        switch (request.method, request.path) {
        case ("POST", "/oauth2/access_token"):
            let form = request.form
            guard form["client_id"] == Self.appKey, form["client_secret"] == Self.secret else {
                return .json(["error": "invalid_client", "error_code": 21324, "error_description": "client_id或client_secret参数无效"], status: 400)
            }
            guard form["grant_type"] == "authorization_code", form["redirect_uri"] == "https://fanfare.example/oauth/weibo/callback" else {
                return .json(["error": "redirect_uri_mismatch", "error_code": 21322], status: 400)
            }
            if form["code"] == "server-fault" { return .text("busy", status: 503) }
            guard form["code"] == Self.code else {
                return .json(["error": "invalid_grant", "error_code": 21325, "error_description": "提供的Access Grant是无效的、过期的或已撤销的"], status: 400)
            }
            issued.withLock { $0.append("2.00signed-in") }
            return .json(["access_token": "2.00signed-in", "remind_in": "604800", "expires_in": "604800", "uid": "1404376560", "isRealName": "true"])
        case ("POST", "/oauth2/get_token_info"):
            let token = request.form["access_token"] ?? ""
            guard issued.withLock({ $0.contains(token) }) else { return .json(["error": "expired_token", "error_code": 21327], status: 400) }
            return .json([
                "uid": 1_404_376_560, "appkey": token == "2.00other-app" ? "999" : Self.appKey, "scope": "", "create_at": 1_779_000_000,
                "expire_in": 604_000,
            ])
        case ("GET", "/2/users/show.json"):
            return .json(["id": 1_404_376_560, "idstr": "1404376560", "screen_name": "品牌官方微博"])
        default:
            return .json(["error": "not found", "error_code": 10001], status: 404)
        }
    }
}

/// Douyin's OAuth endpoints as developer.open-douyin.com documents them:
/// form POSTs to `/oauth/access_token/`, `/oauth/refresh_token/`,
/// `/oauth/renew_refresh_token/` and `/oauth/client_token/`, answers in
/// `data` with `error_code` and numbers as strings; `/oauth/userinfo/`.
final class DouyinOAuthFake: Sendable {
    static let clientKey = "awx1y2z3abcdefgh"
    static let secret = "fedcba9876543210fedcba9876543210"
    static let code = "douyin-code-1"
    struct State {
        var renewals = 0
        var renewLimit = 5
    }
    let state = Mutex(State())

    static func failure(_ code: Int, _ description: String) -> StubResponse {
        .json(["data": ["error_code": code, "description": description], "extra": ["logid": "x", "now": 1_594_015_876_138]])
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        let form = request.form
        switch (request.method, request.path) {
        case ("POST", "/oauth/client_token/"):
            guard form["client_key"] == Self.clientKey, form["client_secret"] == Self.secret, form["grant_type"] == "client_credential" else {
                return Self.failure(10013, "client_key或client_secret错误")
            }
            return .json(["data": ["access_token": "clt.app", "expires_in": 7200, "error_code": 0, "description": ""], "message": "success"])
        case ("POST", "/oauth/access_token/"):
            guard form["client_key"] == Self.clientKey, form["client_secret"] == Self.secret, form["grant_type"] == "authorization_code" else {
                return Self.failure(10013, "client_key或client_secret错误")
            }
            guard form["code"] == Self.code else { return Self.failure(10007, "授权码过期") }
            return .json([
                "data": [
                    "access_token": "act.signed-in", "description": "", "error_code": "0", "expires_in": "1296000", "open_id": "open-brand",
                    "refresh_expires_in": "2592000", "refresh_token": "rft.signed-in", "scope": "user_info,video.list.bind,item.comment",
                ], "message": "success",
            ])
        case ("POST", "/oauth/userinfo/"):
            guard request.headers["access-token"] == "act.signed-in" else { return Self.failure(2_190_008, "access_token过期") }
            return .json(["data": ["avatar": "https://example.com/x.jpeg", "nickname": "品牌抖音号", "open_id": "open-brand", "error_code": "0"]])
        case ("POST", "/oauth/refresh_token/"):
            guard form["client_key"] == Self.clientKey, form["grant_type"] == "refresh_token", form["refresh_token"] == "rft.signed-in" else {
                return Self.failure(10010, "refresh_token过期")
            }
            return .json([
                "data": [
                    "access_token": "act.refreshed", "error_code": 0, "expires_in": "1296000", "open_id": "open-brand", "refresh_expires_in": "86400",
                    "refresh_token": "rft.signed-in", "scope": "user_info",
                ], "message": "success",
            ])
        case ("POST", "/oauth/renew_refresh_token/"):
            guard form["client_key"] == Self.clientKey, form["refresh_token"] == "rft.signed-in" else {
                return Self.failure(10010, "refresh_token过期")
            }
            let allowed = state.withLock { state -> Bool in
                guard state.renewals < state.renewLimit else { return false }
                state.renewals += 1
                return true
            }
            guard allowed else { return Self.failure(10020, "超过刷新次数限制") }
            return .json([
                "data": ["description": "", "error_code": 0, "expires_in": "2592000", "refresh_token": "rft.signed-in"], "message": "success",
            ])
        default:
            return Self.failure(2_100_005, "Parameter error")
        }
    }
}

@Suite struct OAuthSignInTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    let redirect = "https://fanfare.example/oauth/weibo/callback"

    func weiboApp(_ server: StubServer, _ overrides: [String: String] = [:]) throws -> OAuthApp {
        try WeiboSignIn().app(
            fields: [
                "client_id": WeiboOAuthFake.appKey, "client_secret": WeiboOAuthFake.secret, "safe_domain_url": "https://brand.example/",
                "rip": "203.0.113.7", "api_base_url": server.baseURL.absoluteString,
            ].merging(overrides) { _, new in new })
    }

    @Test func weiboAppsAreCheckedFieldByField() throws {
        let flow = WeiboSignIn()
        let good: [String: String] = [
            "client_id": " 3107116953 ", "client_secret": WeiboOAuthFake.secret, "safe_domain_url": "https://brand.example/", "rip": "203.0.113.7",
        ]
        let app = try flow.app(fields: good)
        #expect(app.clientID == "3107116953" && app.server.absoluteString == "https://api.weibo.com" && app.scope.isEmpty)
        #expect(app.settings == ["safeDomainURL": "https://brand.example/", "rip": "203.0.113.7"])
        #expect(
            try flow.app(fields: good.merging(["scope": "email， direct_messages_write"]) { _, new in new }).scope == "email,direct_messages_write")
        let bad: [([String: String], String)] = [
            (["client_id": "abc123"], "App Key must be digits only"),
            (["client_id": ""], "App Key is required"),
            (["client_secret": "short"], "App Secret must be 16 to 64"),
            (["client_secret": "0123456789abcdef 0123456789abcdef"], "App Secret must be"),
            (["safe_domain_url": "brand.example"], "Safe-domain URL must be"),
            (["rip": "localhost"], "Poster's IP address must be"),
            (["scope": "email;drop"], "Scope must be"),
            (["api_base_url": "ftp://x"], "API address must be"),
        ]
        for (change, start) in bad {
            #expect(throws: ConnectorError.self) { try flow.app(fields: good.merging(change) { _, new in new }) }
            do {
                _ = try flow.app(fields: good.merging(change) { _, new in new })
            } catch .rejected(let reason) {
                #expect(reason.hasPrefix(start), "\(change): \(reason)")
            } catch {
                Issue.record("\(change): \(error)")
            }
        }
    }

    @Test func weiboSendsThePersonToItsConsentPageWithStateAndNoPKCE() throws {
        let flow = WeiboSignIn()
        #expect(!flow.usesPKCE && flow.registration == .perWorkspace && flow.identitySetting == "uid")
        let app = OAuthApp(clientID: "3107116953", clientSecret: "s", server: URL(string: "https://api.weibo.com")!)
        let url = flow.authorizeURL(app: app, redirectURI: redirect, state: "st-1", challenge: nil)
        let items = Dictionary(
            uniqueKeysWithValues: URLComponents(url: url, resolvingAgainstBaseURL: false)!.queryItems!.map { ($0.name, $0.value!) })
        #expect(url.absoluteString.hasPrefix("https://api.weibo.com/oauth2/authorize?"))
        #expect(items == ["client_id": "3107116953", "redirect_uri": redirect, "response_type": "code", "state": "st-1"])
        var scoped = app
        scoped.scope = "email"
        #expect(flow.authorizeURL(app: scoped, redirectURI: redirect, state: "s", challenge: nil).absoluteString.contains("scope=email"))
    }

    @Test func weiboExchangesTheCodeAndNamesTheAccountItChecked() async throws {
        let fake = WeiboOAuthFake()
        try await StubServer.run(fake.handle) { server in
            let flow = WeiboSignIn()
            let app = try weiboApp(server)
            let grant = try await flow.exchange(
                code: WeiboOAuthFake.code, verifier: nil, app: app, redirectURI: redirect, transport: StubTransport(), now: now)
            #expect(grant.accessToken == "2.00signed-in" && grant.refreshToken == nil && grant.accountID == "1404376560")
            #expect(grant.expiresAt == now.addingTimeInterval(604_800))
            let sent = server.requests[0]
            #expect(sent.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(sent.form["code"] == WeiboOAuthFake.code && sent.query.isEmpty, "the secret goes in the body, never the address")
            let connection = try await flow.connection(for: grant, app: app, transport: StubTransport(), now: now)
            #expect(connection.handle == "品牌官方微博")
            #expect(connection.settings["uid"] == "1404376560" && connection.settings["safeDomainURL"] == "https://brand.example/")
            #expect(connection.settings["rip"] == "203.0.113.7" && connection.settings["apiBaseURL"] == server.baseURL.absoluteString)
            #expect(connection.credentials.expiresAt == now.addingTimeInterval(604_000))
            #expect(flow.identity(of: connection) == "1404376560")
            // The connector that comes of it publishes with those settings.
            let connector = WeiboKind().connector(for: connection, transport: StubTransport(), clock: { now })
            #expect(connector.platform == "weibo")
            // Weibo gives web apps no refresh token: refreshing is "sign in again".
            await #expect(throws: ConnectorError.expiredCredentials) { try await connector.refreshCredentials(connection.credentials, now: now) }
        }
    }

    @Test func weiboCodeErrorsAreSaidAsTheyAre() async throws {
        let fake = WeiboOAuthFake()
        try await StubServer.run(fake.handle) { server in
            let flow = WeiboSignIn()
            func refusal(_ code: String, app: OAuthApp, redirect: String? = nil) async -> ConnectorError? {
                do {
                    _ = try await flow.exchange(
                        code: code, verifier: nil, app: app, redirectURI: redirect ?? self.redirect, transport: StubTransport(), now: now)
                    return nil
                } catch { return error }
            }
            let app = try weiboApp(server)
            guard case .rejected(let used)? = await refusal("used-code", app: app) else { Issue.record("a used code"); return }
            #expect(used.contains("error 21325") && used.contains("sign in again"))
            guard
                case .rejected(let client)? = await refusal(
                    WeiboOAuthFake.code, app: try weiboApp(server, ["client_secret": String(repeating: "9", count: 32)]))
            else { Issue.record("a wrong secret"); return }
            #expect(client.contains("21324") && client.contains("App Key and App Secret"))
            guard case .rejected(let mismatch)? = await refusal(WeiboOAuthFake.code, app: app, redirect: "https://elsewhere.example/cb") else {
                Issue.record("another address"); return
            }
            #expect(mismatch.contains("授权回调页"))
            guard case .temporary? = await refusal("server-fault", app: app) else { Issue.record("a server fault"); return }
            // A token issued to another app is refused when checked.
            fake.issued.withLock { $0.append("2.00other-app") }
            await #expect(throws: ConnectorError.self) {
                _ = try await flow.connection(for: OAuthGrant(accessToken: "2.00other-app"), app: app, transport: StubTransport(), now: now)
            }
        }
    }

    func douyinApp(_ server: StubServer, _ overrides: [String: String] = [:]) throws -> OAuthApp {
        try DouyinSignIn().app(
            fields: ["client_key": DouyinOAuthFake.clientKey, "client_secret": DouyinOAuthFake.secret, "api_base_url": server.baseURL.absoluteString]
                .merging(overrides) { _, new in new })
    }

    @Test func douyinAppsAreCheckedAndAskedOfDouyin() async throws {
        let flow = DouyinSignIn()
        let fake = DouyinOAuthFake()
        try await StubServer.run(fake.handle) { server in
            let app = try douyinApp(server)
            #expect(app.scope == DouyinSignIn.defaultScope)
            #expect(app.settings == ["apiBaseURL": server.baseURL.absoluteString])
            try await flow.verify(app, transport: StubTransport(), now: now)
            #expect(server.requests.last?.path == "/oauth/client_token/")
            await #expect(
                throws: ConnectorError.rejected(
                    reason: "Douyin does not accept this client key and client secret; copy both again from the app's page")
            ) {
                try await flow.verify(
                    try douyinApp(server, ["client_secret": String(repeating: "0", count: 32)]), transport: StubTransport(), now: now)
            }
            #expect(throws: ConnectorError.self) { _ = try douyinApp(server, ["scope": "video.list.bind"]) }
            #expect(throws: ConnectorError.self) { _ = try douyinApp(server, ["client_key": "a b"]) }
            #expect(try douyinApp(server, ["scope": "user_info , item.comment"]).scope == "user_info,item.comment")
        }
    }

    @Test func douyinSignsInRefreshesAndRenewsAsDocumented() async throws {
        let flow = DouyinSignIn()
        let fake = DouyinOAuthFake()
        try await StubServer.run(fake.handle) { server in
            let app = try douyinApp(server)
            let url = flow.authorizeURL(app: app, redirectURI: "https://fanfare.example/oauth/douyin/callback", state: "st-2", challenge: nil)
            #expect(url.absoluteString.hasPrefix(server.baseURL.absoluteString + "/platform/oauth/connect/?"))
            let items = Dictionary(
                uniqueKeysWithValues: URLComponents(url: url, resolvingAgainstBaseURL: false)!.queryItems!.map { ($0.name, $0.value!) })
            #expect(items["client_key"] == DouyinOAuthFake.clientKey && items["response_type"] == "code" && items["state"] == "st-2")
            #expect(items["scope"] == DouyinSignIn.defaultScope && items["code_challenge"] == nil)
            let grant = try await flow.exchange(
                code: DouyinOAuthFake.code, verifier: nil, app: app, redirectURI: "x", transport: StubTransport(), now: now)
            #expect(grant.accessToken == "act.signed-in" && grant.refreshToken == "rft.signed-in" && grant.accountID == "open-brand")
            #expect(grant.expiresAt == now.addingTimeInterval(1_296_000) && grant.refreshExpiresAt == now.addingTimeInterval(2_592_000))
            await #expect(throws: ConnectorError.self) {
                _ = try await flow.exchange(code: "old", verifier: nil, app: app, redirectURI: "x", transport: StubTransport(), now: now)
            }
            let connection = try await flow.connection(for: grant, app: app, transport: StubTransport(), now: now)
            #expect(connection.handle == "品牌抖音号" && connection.settings["open_id"] == "open-brand")
            #expect(connection.settings["client_key"] == DouyinOAuthFake.clientKey)
            #expect(connection.credentials.secrets["client_secret"] == DouyinOAuthFake.secret)
            let connector = DouyinKind().connector(for: connection, transport: StubTransport(), clock: { now })
            // The app's secret checks its pushes; the token reads comments.
            #expect(connector.capabilities.receivesWebhooks && connector.capabilities.canReply)
            // Refreshing: a new access token, the refresh token's end as Douyin says.
            let later = now.addingTimeInterval(14 * 86_400)
            let refreshed = connection.credentials.updated(with: try await connector.refreshCredentials(connection.credentials, now: later))
            #expect(refreshed.accessToken == "act.refreshed" && refreshed.expiresAt == later.addingTimeInterval(1_296_000))
            #expect(refreshed.refreshExpiresAt == later.addingTimeInterval(86_400))
            // Renewing the refresh token itself, until Douyin's limit.
            let renewing = try #require(connector as? any RefreshTokenRenewing)
            let renewed = refreshed.updated(with: try await renewing.renewRefreshToken(refreshed, now: later))
            #expect(renewed.accessToken == "act.refreshed" && renewed.refreshExpiresAt == later.addingTimeInterval(2_592_000))
            fake.state.withLock { $0.renewLimit = 1 }
            await #expect(throws: ConnectorError.self) { _ = try await renewing.renewRefreshToken(renewed, now: later) }
            // A refresh token Douyin no longer accepts: sign in again.
            var spent = renewed
            spent.refreshToken = "rft.spent"
            await #expect(throws: ConnectorError.expiredCredentials) { _ = try await connector.refreshCredentials(spent, now: later) }
        }
    }

    @Test func everySignInPlatformIsListedOnceAndMastodonRegistersPerInstance() {
        let platforms = OAuthSignInRegistry.flows.map(\.platform)
        #expect(Set(platforms).count == platforms.count)
        #expect(OAuthSignInRegistry.flow("mastodon")?.registration == .perServer)
        #expect(OAuthSignInRegistry.flow("mastodon")?.usesPKCE == true)
        #expect(OAuthSignInRegistry.flow("weibo")?.appFields.contains { $0.secret } == true)
        #expect(OAuthSignInRegistry.flow("sandbox") == nil)
    }

    /// What the token watch may renew without a person, by platform.
    @Test func eachPlatformSaysWhetherItsCredentialsRenewUnattended() {
        let token = ConnectorCredentials(accessToken: "a", expiresAt: now)
        let refreshable = ConnectorCredentials(accessToken: "a", refreshToken: "r", expiresAt: now)
        #expect(!WeiboKind().renewsUnattended(token), "Weibo: sign in again")
        #expect(DouyinKind().renewsUnattended(refreshable) && !DouyinKind().renewsUnattended(token))
        #expect(BlueskyKind().renewsUnattended(refreshable) && BlueskyKind().refreshAhead == 1_800)
        // WeChat's two-hour token comes again from the AppSecret it holds.
        #expect(WeChatKind().renewsUnattended(ConnectorCredentials(accessToken: "a", expiresAt: now, secrets: [WeChatKind.Key.appSecret: "s"])))
        #expect(!WeChatKind().renewsUnattended(token) && WeChatKind().refreshAhead == 1_800)
        #expect(DouyinKind().refreshAhead == 86_400)
    }

    @Test func refreshedCredentialsKeepTheRefreshTokensEndWithItsToken() throws {
        let old = ConnectorCredentials(
            accessToken: "a", refreshToken: "r", expiresAt: now, refreshExpiresAt: now.addingTimeInterval(100), secrets: ["k": "v"])
        // A new access token only: the refresh token and its end stay.
        let accessOnly = old.updated(with: ConnectorCredentials(accessToken: "b", expiresAt: now.addingTimeInterval(10)))
        #expect(accessOnly.refreshToken == "r" && accessOnly.refreshExpiresAt == now.addingTimeInterval(100) && accessOnly.secrets == ["k": "v"])
        // A renewal: the access token stays, the refresh token and its end change.
        let renewed = old.updated(with: ConnectorCredentials(accessToken: "", refreshToken: "r2", refreshExpiresAt: now.addingTimeInterval(999)))
        #expect(renewed.accessToken == "a" && renewed.expiresAt == now && renewed.refreshToken == "r2")
        #expect(renewed.refreshExpiresAt == now.addingTimeInterval(999))
        // Credentials sealed before the field existed read as before.
        let legacy = #"{"accessToken":"a","refreshToken":"r"}"#
        #expect(try JSONDecoder().decode(ConnectorCredentials.self, from: Data(legacy.utf8)).refreshExpiresAt == nil)
    }
}
