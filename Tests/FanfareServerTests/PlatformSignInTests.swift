import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Synchronization
import Testing
import Vapor

@testable import FanfareServer

/// Weibo's and Douyin's sign-in on loopback, as their open platforms
/// document it: Weibo's `oauth2/authorize` → `oauth2/access_token` (form
/// POST, `expires_in` and `uid`, no refresh token) → `get_token_info` →
/// `users/show`; Douyin's `platform/oauth/connect/` → `oauth/access_token/`
/// (answers in `data`, numbers as strings) → `oauth/userinfo/`, with
/// `refresh_token/`, `renew_refresh_token/` and `client_token/`.
final class OpenPlatforms: Sendable {
    struct State {
        /// The uid Weibo names for the next code (another account's, to test a reconnect).
        var weiboUID = "1404376560"
        var weiboLifetime = 30 * 86_400
        var refreshFails = false
        var renewals = 0
    }
    let state = Mutex(State())

    static let weiboKey = "3107116953"
    static let weiboSecret = "0123456789abcdef0123456789abcdef"
    static let douyinKey = "awx1y2z3abcdefgh"
    static let douyinSecret = "fedcba9876543210fedcba9876543210"

    static func form(_ body: String) -> [String: String] {
        Dictionary(
            body.split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { first, _ in first })
    }

    static func douyinFailure(_ code: Int, _ text: String) -> (HTTPStatus, String) {
        (.ok, #"{"data":{"error_code":\#(code),"description":"\#(text)"},"extra":{"logid":"x","now":1594015876138}}"#)
    }

    func handle(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        let form = Self.form(hit.body)
        let now = state.withLock { $0 }
        switch (hit.method, hit.path) {
        // Weibo
        case ("POST", "/oauth2/access_token"):
            guard form["client_id"] == Self.weiboKey, form["client_secret"] == Self.weiboSecret else {
                return (.badRequest, #"{"error":"invalid_client","error_code":21324}"#)
            }
            guard form["grant_type"] == "authorization_code", form["redirect_uri"]?.hasSuffix("/oauth/weibo/callback") == true else {
                return (.badRequest, #"{"error":"redirect_uri_mismatch","error_code":21322}"#)
            }
            guard form["code"] == "weibo-code" else { return (.badRequest, #"{"error":"invalid_grant","error_code":21325}"#) }
            return (
                .ok,
                #"{"access_token":"2.00weibo-\#(now.weiboUID)","remind_in":"\#(now.weiboLifetime)","expires_in":"\#(now.weiboLifetime)","uid":"\#(now.weiboUID)"}"#
            )
        case ("POST", "/oauth2/get_token_info"):
            let uid = (form["access_token"] ?? "").replacingOccurrences(of: "2.00weibo-", with: "")
            return (.ok, #"{"uid":\#(uid),"appkey":"\#(Self.weiboKey)","scope":"","create_at":1779000000,"expire_in":\#(now.weiboLifetime)}"#)
        case ("GET", "/2/users/show.json"):
            let name = now.weiboUID == "1404376560" ? "品牌官方微博" : "别人的微博"
            return (.ok, #"{"id":\#(now.weiboUID),"idstr":"\#(now.weiboUID)","screen_name":"\#(name)","followers_count":10}"#)
        // Douyin
        case ("POST", "/oauth/client_token/"):
            guard form["client_key"] == Self.douyinKey, form["client_secret"] == Self.douyinSecret else {
                return Self.douyinFailure(10013, "client_key或client_secret错误")
            }
            return (.ok, #"{"data":{"access_token":"clt.app","expires_in":7200,"error_code":0,"description":""},"message":"success"}"#)
        case ("POST", "/oauth/access_token/"):
            guard form["client_key"] == Self.douyinKey, form["client_secret"] == Self.douyinSecret, form["code"] == "douyin-code" else {
                return Self.douyinFailure(10007, "授权码过期")
            }
            return (
                .ok,
                #"{"data":{"access_token":"act.1","description":"","error_code":"0","expires_in":"1296000","open_id":"open-brand","refresh_expires_in":"2592000","refresh_token":"rft.1","scope":"user_info"},"message":"success"}"#
            )
        case ("POST", "/oauth/userinfo/"):
            return (.ok, #"{"data":{"nickname":"品牌抖音号","open_id":"open-brand","error_code":"0"}}"#)
        case ("POST", "/oauth/refresh_token/"):
            guard !now.refreshFails, form["refresh_token"] == "rft.1", form["client_key"] == Self.douyinKey else {
                return Self.douyinFailure(10010, "refresh_token过期")
            }
            return (
                .ok,
                #"{"data":{"access_token":"act.2","error_code":0,"expires_in":"1296000","open_id":"open-brand","refresh_token":"rft.1"},"message":"success"}"#
            )
        case ("POST", "/oauth/renew_refresh_token/"):
            state.withLock { $0.renewals += 1 }
            return (.ok, #"{"data":{"description":"","error_code":0,"expires_in":"2592000","refresh_token":"rft.1"},"message":"success"}"#)
        default:
            return (.notFound, #"{"error":"not found"}"#)
        }
    }
}

@Suite struct PlatformSignInTests {
    static func query(_ location: String) -> [String: String] { AccountSignInTests.query(location) }

    /// Starts a sign-in from the accounts page (to reconnect `account`).
    static func start(_ browser: Browser, _ slug: String, _ platform: String, account: String? = nil) async throws -> [String: String] {
        _ = try await browser.get("/w/\(slug)/accounts?platform=\(platform)")
        let sent = try await browser.post("/w/\(slug)/accounts/sign-in/\(platform)", account.map { [("account", $0)] } ?? [])
        return query(try #require(AccountSignInTests.destination(sent), "\(sent.status) \(sent.body)"))
    }

    static func comeBack(_ browser: Browser, _ platform: String, _ query: String) async throws -> Reply {
        let bounced = try await browser.get("/oauth/\(platform)/callback?\(query)")
        let next = bounced.headers.first(name: .location) ?? "/"
        guard next.contains("/finish") else { return bounced }
        return try await browser.get(next)
    }

    static func weiboApp(_ stub: LoopbackStub, secret: String = OpenPlatforms.weiboSecret) -> [String: Any] {
        [
            "fields": [
                "client_id": OpenPlatforms.weiboKey, "client_secret": secret, "safe_domain_url": "https://brand.example/", "rip": "203.0.113.7",
                "api_base_url": stub.baseURL,
            ]
        ]
    }

    @Test(arguments: TestDatabase.available)
    func weiboSignsInOnceWithTheWorkspacesAppAndAReconnectKeepsTheRow(_ database: TestDatabase) async throws {
        let platforms = OpenPlatforms()
        try await withLoopbackStub(platforms.handle) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                // No app yet: the tab says what to enter, and where.
                let before = try await admin.get("/w/\(slug)/accounts?platform=weibo")
                #expect(before.body.contains("id=\"sign-in-setup\"") && before.body.contains("href=\"/w/\(slug)/accounts/apps/weibo\""))
                #expect(!before.body.contains("id=\"sign-in-form\""))
                let early = try await admin.post("/w/\(slug)/accounts/sign-in/weibo", [])
                #expect(early.status == .unprocessableEntity)

                // The admin enters the app through the API: checked field by field.
                let apps = "/api/v1/workspaces/\(slug)/platform-apps"
                let bad = try await t.api(
                    .PUT, apps + "/weibo", token: room.admin,
                    json: ["fields": ["client_id": "key", "client_secret": OpenPlatforms.weiboSecret, "safe_domain_url": "x", "rip": "1.2.3.4"]])
                #expect(bad.status == .unprocessableEntity && bad.problemFields == ["fields.client_id"], "\(bad.body)")
                let missing = try await t.api(.PUT, apps + "/weibo", token: room.admin, json: ["fields": ["client_id": OpenPlatforms.weiboKey]])
                #expect(missing.status == .unprocessableEntity && Set(missing.problemFields).isSuperset(of: ["fields.client_secret", "fields.rip"]))
                let saved = try await t.api(.PUT, apps + "/weibo", token: room.admin, json: Self.weiboApp(stub))
                #expect(saved.status == .ok, "\(saved.body)")
                #expect(saved.json["redirect_uri"] as? String == "\(t.app.settings.linkBase)/oauth/weibo/callback")
                #expect(saved.json["client_id"] as? String == OpenPlatforms.weiboKey && saved.json["secret_set"] as? Bool == true)
                #expect(!saved.body.contains(OpenPlatforms.weiboSecret), "the secret is never shown again")
                #expect((saved.json["settings"] as? [String: String])?["rip"] == "203.0.113.7")
                let unknown = try await t.api(.PUT, apps + "/sandbox", token: room.admin, json: Self.weiboApp(stub))
                #expect(unknown.status == .notFound)
                let stored = try #require(try await PlatformApp.query(on: t.db).first())
                #expect(!String(decoding: stored.sealedSecret, as: UTF8.self).contains(OpenPlatforms.weiboSecret))
                // The app page shows the address to register, never the secret.
                let appPage = try await admin.get("/w/\(slug)/accounts/apps/weibo")
                #expect(appPage.body.contains("\(t.app.settings.linkBase)/oauth/weibo/callback") && !appPage.body.contains(OpenPlatforms.weiboSecret))

                // act: sign in
                let page = try await admin.get("/w/\(slug)/accounts?platform=weibo")
                #expect(page.body.contains("Sign in with Weibo") && page.body.contains("id=\"sign-in-form\""))
                let asked = try await Self.start(admin, slug, "weibo")
                #expect(asked["client_id"] == OpenPlatforms.weiboKey && asked["response_type"] == "code" && asked["code_challenge"] == nil)
                #expect(asked["redirect_uri"] == "\(t.app.settings.linkBase)/oauth/weibo/callback")
                let state = try #require(asked["state"])
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(state)")
                let account = try #require(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").first())
                #expect(account.handle == "品牌官方微博" && account.settings["uid"] == "1404376560")
                #expect(account.settings["safeDomainURL"] == "https://brand.example/" && account.settings["rip"] == "203.0.113.7")
                let expiry = try #require(account.credentialsExpireAt)
                #expect(abs(expiry.timeIntervalSinceNow - 30 * 86_400) < 600)
                #expect(try AccountService(db: t.db, app: t.app).credentials(of: account).accessToken == "2.00weibo-1404376560")
                // Used up: the same answer again connects nothing more.
                let replay = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(state)")
                #expect(replay.headers.first(name: .location) == "/")

                // A code Weibo refuses connects nothing and says why.
                let refused = try await Self.start(admin, slug, "weibo")
                _ = try await Self.comeBack(admin, "weibo", "code=stale&state=\(refused["state"] ?? "")")
                let said = try await admin.get("/w/\(slug)/accounts")
                #expect(said.body.contains("The account was not connected") && said.body.contains("21325"))
                // A refusal on Weibo.
                let denied = try await Self.start(admin, slug, "weibo")
                _ = try await Self.comeBack(admin, "weibo", "error=access_denied&error_code=21330&state=\(denied["state"] ?? "")")
                #expect(try await admin.get("/w/\(slug)/accounts").body.contains("The sign-in was not allowed on Weibo"))

                // Reconnect: the account's button signs in again into the same row.
                account.status = SocialAccount.Status.needsReconnect.rawValue
                try await account.save(on: t.db)
                let listed = try await admin.get("/w/\(slug)/accounts")
                #expect(listed.body.contains("name=\"account\" value=\"\(account.id!.uuidString)\""))
                let again = try await Self.start(admin, slug, "weibo", account: account.id!.uuidString)
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(again["state"] ?? "")")
                let reconnected = try #require(try await SocialAccount.find(account.id, on: t.db))
                #expect(reconnected.status == "connected")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").count() == 1)
                let audit = try #require(try await AuditEvent.query(on: t.db).filter(\.$action == "account.reconnected").first())
                #expect(audit.targetID?.lowercased() == account.id?.uuidString.lowercased())

                // Reconnecting it as somebody else's account is refused; the row stays.
                platforms.state.withLock { $0.weiboUID = "5000000001" }
                let other = try await Self.start(admin, slug, "weibo", account: account.id!.uuidString)
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(other["state"] ?? "")")
                #expect(try await admin.get("/w/\(slug)/accounts").body.contains("not 品牌官方微博"))
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").count() == 1)
                #expect(try AccountService(db: t.db, app: t.app).credentials(of: reconnected).accessToken == "2.00weibo-1404376560")
                // …while signing in as that account from the tab connects it as a second one.
                let second = try await Self.start(admin, slug, "weibo")
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(second["state"] ?? "")")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").count() == 2)

                // The app is removed: no sign-in until it is entered again.
                #expect(try await t.api(.DELETE, apps + "/weibo", token: room.admin).status == .noContent)
                #expect(try await t.api(.GET, apps + "/weibo", token: room.admin).status == .notFound)
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action ~~ ["platform_app.saved", "platform_app.removed"]).count() == 2)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSignInIsBoundToItsPersonWorkspaceAndPlatformAndExpires(_ database: TestDatabase) async throws {
        let platforms = OpenPlatforms()
        try await withLoopbackStub(platforms.handle) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                #expect(
                    try await t.api(.PUT, "/api/v1/workspaces/\(slug)/platform-apps/weibo", token: room.admin, json: Self.weiboApp(stub)).status
                        == .ok)
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                // A colleague (an admin too) in this workspace and in another.
                let colleagueUser = try await t.makeUser("colleague@example.com")
                try await t.addMember(colleagueUser, to: room.ws, as: .admin)
                let colleague = Browser(t)
                _ = try await colleague.signIn("colleague@example.com")
                let (_, _, otherWS) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
                let author = try #require(try await User.query(on: t.db).filter(\.$email == "author@example.com").first())
                try await t.addMember(author, to: otherWS, as: .admin)

                // Someone else's state: refused, and used up.
                let mine = try await Self.start(admin, slug, "weibo")
                _ = try await Self.comeBack(colleague, "weibo", "code=weibo-code&state=\(mine["state"] ?? "")")
                #expect(
                    try await admin.get("/w/\(slug)/accounts/sign-in/weibo/finish?code=weibo-code&state=\(mine["state"] ?? "")").status == .seeOther)
                // Finished in another workspace of the same person: refused.
                let elsewhere = try await Self.start(admin, slug, "weibo")
                _ = try await admin.get("/w/\(otherWS.slug)/accounts/sign-in/weibo/finish?code=weibo-code&state=\(elsewhere["state"] ?? "")")
                // Brought back to another platform's address: not found there.
                let crossed = try await Self.start(admin, slug, "weibo")
                let wrongPlatform = try await admin.get("/oauth/mastodon/callback?code=weibo-code&state=\(crossed["state"] ?? "")")
                #expect(wrongPlatform.headers.first(name: .location) == "/")
                // Expired: a sign-in older than 15 minutes.
                let late = try await Self.start(admin, slug, "weibo")
                try await OAuthSignIn.query(on: t.db).set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
                let expired = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(late["state"] ?? "")")
                #expect(expired.headers.first(name: .location) == "/")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").count() == 0)
                // An editor may not start one.
                let editorUser = try await t.makeUser("editor@example.com")
                try await t.addMember(editorUser, to: room.ws, as: .editor)
                let editor = Browser(t)
                _ = try await editor.signIn("editor@example.com")
                _ = try await editor.get("/w/\(slug)/accounts")
                #expect(try await editor.post("/w/\(slug)/accounts/sign-in/weibo", []).status == .forbidden)
                #expect(try await editor.get("/w/\(slug)/accounts/apps/weibo").status == .forbidden)
                let editorToken = try await t.makeToken(editorUser)
                #expect(
                    try await t.api(.PUT, "/api/v1/workspaces/\(slug)/platform-apps/weibo", token: editorToken, json: Self.weiboApp(stub)).status
                        == .forbidden)
            }
        }
    }

    /// Douyin: signed in with refresh token; the watch refreshes ahead of
    /// expiry, renews the refresh token, and a refresh Douyin refuses
    /// flags the account and tells the admins once.
    @Test(arguments: TestDatabase.available)
    func douyinTokensAreRefreshedAheadAndARefusedRefreshIsSaidOnce(_ database: TestDatabase) async throws {
        let platforms = OpenPlatforms()
        try await withLoopbackStub(platforms.handle) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let apps = "/api/v1/workspaces/\(slug)/platform-apps/douyin"
                let wrong = try await t.api(
                    .PUT, apps, token: room.admin,
                    json: [
                        "fields": [
                            "client_key": OpenPlatforms.douyinKey, "client_secret": String(repeating: "0", count: 32), "api_base_url": stub.baseURL,
                        ]
                    ])
                #expect(wrong.status == .unprocessableEntity && wrong.problemFields == ["fields.client_secret"], "\(wrong.body)")
                let saved = try await t.api(
                    .PUT, apps, token: room.admin,
                    json: [
                        "fields": ["client_key": OpenPlatforms.douyinKey, "client_secret": OpenPlatforms.douyinSecret, "api_base_url": stub.baseURL]
                    ])
                #expect(saved.status == .ok, "\(saved.body)")
                // Saving again without the secret keeps it.
                let kept = try await t.api(
                    .PUT, apps, token: room.admin,
                    json: ["fields": ["client_key": OpenPlatforms.douyinKey, "api_base_url": stub.baseURL, "scope": "user_info"]])
                #expect(kept.status == .ok && (kept.json["settings"] as? [String: String])?["scope"] == "user_info", "\(kept.body)")

                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let asked = try await Self.start(admin, slug, "douyin")
                #expect(asked["client_key"] == OpenPlatforms.douyinKey && asked["scope"] == "user_info")
                _ = try await Self.comeBack(admin, "douyin", "code=douyin-code&state=\(asked["state"] ?? "")")
                let account = try #require(try await SocialAccount.query(on: t.db).filter(\.$platform == "douyin").first())
                #expect(account.handle == "品牌抖音号" && account.settings["open_id"] == "open-brand")
                let service = AccountService(db: t.db, app: t.app)
                let signedIn = try service.credentials(of: account)
                #expect(signedIn.refreshToken == "rft.1" && signedIn.secrets["client_secret"] == OpenPlatforms.douyinSecret)
                let start = try #require(signedIn.expiresAt)

                // Two days before: nothing to do.
                #expect(try await TokenWatch.sweep(app: t.app, now: start.addingTimeInterval(-2 * 86_400)) == .init())
                // Within a day: refreshed, once.
                let refreshing = start.addingTimeInterval(-3_600)
                #expect(try await TokenWatch.sweep(app: t.app, now: refreshing).refreshed == 1)
                #expect(try await TokenWatch.sweep(app: t.app, now: refreshing).refreshed == 0)
                let refreshed = try service.credentials(of: try #require(try await SocialAccount.find(account.id, on: t.db)))
                #expect(refreshed.accessToken == "act.2" && refreshed.expiresAt == refreshing.addingTimeInterval(1_296_000))
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.token_refreshed").count() == 1)
                // Eight days before the refresh token's end: renewed, no notice.
                let renewing = try #require(refreshed.refreshExpiresAt).addingTimeInterval(-7.5 * 86_400)
                let renewal = try await TokenWatch.sweep(app: t.app, now: renewing)
                #expect(renewal.renewed == 1 && renewal.notices == 0)
                #expect(platforms.state.withLock { $0.renewals } == 1)
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.refresh_token_renewed").count() == 1)

                // Douyin refuses the next refresh: flagged, the admins told once.
                platforms.state.withLock { $0.refreshFails = true }
                let current = try service.credentials(of: try #require(try await SocialAccount.find(account.id, on: t.db)))
                let failing = try #require(current.expiresAt).addingTimeInterval(-600)
                let failed = try await TokenWatch.sweep(app: t.app, now: failing)
                #expect(failed.failures == 1 && failed.notices == 1)
                #expect(try await SocialAccount.find(account.id, on: t.db)?.status == "needs_reconnect")
                #expect(try await TokenWatch.sweep(app: t.app, now: failing) == .init())
                let notes = try await UserNotification.query(on: t.db).all()
                #expect(notes.count == 1 && notes[0].text.contains("notify.account_refresh_failed") && notes[0].link.contains(account.id!.uuidString))
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.refresh_failed").count() == 1)
                // Signing in again reconnects the same row.
                platforms.state.withLock { $0.refreshFails = false }
                let again = try await Self.start(admin, slug, "douyin", account: account.id!.uuidString)
                _ = try await Self.comeBack(admin, "douyin", "code=douyin-code&state=\(again["state"] ?? "")")
                #expect(try await SocialAccount.find(account.id, on: t.db)?.status == "connected")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "douyin").count() == 1)
            }
        }
    }

    /// Weibo's tokens cannot be refreshed: the people who can reconnect
    /// hear 7 days and 1 day ahead and at the end, each once, however often
    /// the watch runs; the account then shows it needs reconnecting.
    @Test(arguments: TestDatabase.available)
    func weiboExpiryIsAnnouncedAtSevenDaysAndOneDayOnce(_ database: TestDatabase) async throws {
        let platforms = OpenPlatforms()
        try await withLoopbackStub(platforms.handle) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                // A manager can reconnect accounts too; an editor cannot.
                let managerUser = try await t.makeUser("manager@example.com", locale: "zh-Hans")
                try await t.addMember(managerUser, to: room.ws, as: .manager)
                let editorUser = try await t.makeUser("editor@example.com")
                try await t.addMember(editorUser, to: room.ws, as: .editor)
                _ = try await t.api(.PUT, "/api/v1/workspaces/\(slug)/platform-apps/weibo", token: room.admin, json: Self.weiboApp(stub))
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let asked = try await Self.start(admin, slug, "weibo")
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(asked["state"] ?? "")")
                let account = try #require(try await SocialAccount.query(on: t.db).filter(\.$platform == "weibo").first())
                let end = try #require(account.credentialsExpireAt)

                func sweep(daysLeft: Double) async throws -> Int {
                    try await TokenWatch.sweep(app: t.app, now: end.addingTimeInterval(-daysLeft * 86_400)).notices
                }
                #expect(try await sweep(daysLeft: 8) == 0)
                #expect(try await sweep(daysLeft: 6.9) == 1)
                #expect(try await sweep(daysLeft: 6.9) == 0)
                #expect(try await sweep(daysLeft: 3) == 0)
                #expect(try await sweep(daysLeft: 0.9) == 1)
                #expect(try await sweep(daysLeft: 0.5) == 0)
                #expect(try await sweep(daysLeft: -0.01) == 1)
                #expect(try await sweep(daysLeft: -1) == 0)
                let notes = try await UserNotification.query(on: t.db).sort(\.$id).all()
                // Three notices, each to the admin and the manager, not the editor.
                #expect(notes.count == 6)
                #expect(
                    Set(notes.map { $0.$user.id }) == [
                        try #require(try await User.query(on: t.db).filter(\.$email == "author@example.com").first()?.id), managerUser.id!,
                    ])
                #expect(
                    Set(notes.compactMap { try? JSONDecoder().decode(Notifier.Message.self, from: Data($0.text.utf8)).key }) == [
                        "notify.account_expires_7d", "notify.account_expires_1d", "notify.account_expired",
                    ])
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.expiry_notice").count() == 3)
                #expect(try await SocialAccount.find(account.id, on: t.db)?.status == "needs_reconnect")
                // The manager reads it in Chinese, and the account shows 需要重新连接 with a button.
                let manager = Browser(t)
                manager.acceptLanguage = "zh-Hans"
                _ = try await manager.signIn("manager@example.com")
                let inbox = try await manager.get("/w/\(slug)/notifications")
                #expect(inbox.body.contains("的授权将于") && inbox.body.contains("请重新连接账号"))
                let page = try await manager.get("/w/\(slug)/accounts")
                #expect(page.body.contains("需要重新连接") && page.body.contains(">重新连接</button>"))
                // Reconnecting starts over: new notices for the new authorisation only.
                let again = try await Self.start(admin, slug, "weibo", account: account.id!.uuidString)
                _ = try await Self.comeBack(admin, "weibo", "code=weibo-code&state=\(again["state"] ?? "")")
                #expect(try await AccountNotice.query(on: t.db).count() == 0)
                #expect(try await SocialAccount.find(account.id, on: t.db)?.status == "connected")
            }
        }
    }

    /// Accounts connected by hand are reconnected by hand: new fields,
    /// the same row, and only for the same account.
    @Test(arguments: TestDatabase.available)
    func anAccountConnectedByTokenIsReconnectedInPlace(_ database: TestDatabase) async throws {
        try await withLoopbackStub(AccountSignInTests.instance) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let accounts = "/api/v1/workspaces/\(slug)/accounts"
                let connected = try await t.api(
                    .POST, accounts, token: room.admin,
                    json: ["platform": "mastodon", "fields": ["instance_url": "\(stub.baseURL)/x", "access_token": "user-token"]])
                let id = try #require(connected.json["id"] as? String, "\(connected.body)")
                // A token the instance refuses: 422, nothing changed.
                let refused = try await t.api(
                    .POST, accounts + "/\(id)/reconnect", token: room.admin,
                    json: ["fields": ["instance_url": "\(stub.baseURL)/x", "access_token": "revoked"]])
                #expect(refused.status == .unprocessableEntity, "\(refused.body)")
                let again = try await t.api(
                    .POST, accounts + "/\(id)/reconnect", token: room.admin,
                    json: ["fields": ["instance_url": "\(stub.baseURL)/x", "access_token": "user-token"]])
                #expect(again.status == .ok && again.json["id"] as? String == id && again.json["status"] as? String == "connected", "\(again.body)")
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.reconnected").count() == 1)
                // Another workspace's account: 404 before the body is read.
                let (_, otherToken, otherWS) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
                let foreign = try await t.api(.POST, "/api/v1/workspaces/\(otherWS.slug)/accounts/\(id)/reconnect", token: otherToken, rawBody: "{")
                #expect(foreign.status == .notFound)
                // The page: the fields, the instance filled in, the token not.
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let form = try await admin.get("/w/\(slug)/accounts/\(id)/reconnect")
                #expect(form.status == .ok && form.body.contains("value=\"\(stub.baseURL)/x\"") && form.body.contains("id=\"reconnect-sign-in\""))
                let posted = try await admin.post(
                    "/w/\(slug)/accounts/\(id)/reconnect", [("fields[instance_url]", "\(stub.baseURL)/x"), ("fields[access_token]", "revoked")])
                #expect(posted.status == .unprocessableEntity && posted.body.contains("id=\"reconnect-error\""))
                // The Sandbox has nothing to renew.
                let sandbox = room.accounts[0]
                #expect(try await t.api(.POST, accounts + "/\(sandbox)/reconnect", token: room.admin, json: ["fields": [:]]).status == .conflict)
            }
        }
    }
}
