import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// A Bilibili account connected with its app's tokens, and a video post
/// validated and published to it, against a loopback stand-in for the open
/// platform that checks every call's signature (PLATFORMS.md, Bilibili).
@Suite struct BilibiliAccountTests {
    static let secret = "abc7736bb78947d5a4a90690c861c456"

    static func fields(_ stub: LoopbackStub, _ changes: [String: String] = [:]) -> [String: String] {
        [
            "client_id": "34c0f583f0414123", "client_secret": secret, "access_token": "token-1", "tid": "21", "apiBaseURL": stub.baseURL,
        ].merging(changes) { $1 }
    }

    /// The open platform as the tests need it: a signed call with the live
    /// token is answered, anything else refused the way Bilibili refuses.
    static func bilibili(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        func ok(_ data: String) -> (HTTPStatus, String) { (.ok, #"{"code":0,"message":"0","ttl":1,"data":\#(data)}"#) }
        if hit.path == "/video/v2/part/upload" { return (.ok, #"{"code":0,"message":"0"}"#) }
        // The sign-in's code exchange is a plain form post (not signed).
        if hit.method == "POST", hit.path == "/x/account-oauth2/v1/token" {
            let form = OpenPlatforms.form(hit.body)
            guard form["client_secret"] == secret, form["grant_type"] == "authorization_code", form["code"] == "bili-code" else {
                return (.ok, #"{"code":-400,"message":"code错误","ttl":1}"#)
            }
            // Bilibili's `expires_in` is the expiry itself (Unix seconds).
            let expiry = Int(Date().timeIntervalSince1970) + 30 * 86_400
            return ok(#"{"access_token":"token-1","refresh_token":"refresh-1","expires_in":\#(expiry)}"#)
        }
        guard signed(hit) else { return (.ok, #"{"code":127012,"message":"鉴权错误","ttl":1}"#) }
        guard hit.headers["access-token"] == "token-1" else { return (.ok, #"{"code":127001,"message":"access_token验证错误","ttl":1}"#) }
        switch (hit.method, hit.path) {
        case ("GET", "/arcopen/fn/user/account/info"): return ok(#"{"name":"品牌官方","face":"","openid":"open-1"}"#)
        case ("GET", "/arcopen/fn/archive/type/list"): return ok(#"[{"id":160,"name":"生活","children":[{"id":21,"name":"日常"}]}]"#)
        case ("POST", "/arcopen/fn/archive/video/init"): return ok(#"{"upload_token":"ut-1"}"#)
        case ("POST", "/arcopen/fn/archive/video/complete"): return ok("null")
        case ("POST", "/arcopen/fn/archive/cover/upload"): return ok(#"{"url":"https://archive.biliimg.com/bfs/archive/c1.png"}"#)
        case ("POST", "/arcopen/fn/archive/add-by-utoken"): return ok(#"{"resource_id":"BV1server1x"}"#)
        case ("GET", "/arcopen/fn/data/user/stat"): return ok(#"{"following":98,"follower":166,"arc_passed_total":11}"#)
        default: return (.notFound, #"{"code":-404,"message":"啥都木有","ttl":1}"#)
        }
    }

    static func signed(_ hit: LoopbackStub.Hit) -> Bool {
        let body = hit.headers["content-type"]?.hasPrefix("multipart/form-data") == true ? Data() : Data(hit.body.utf8)
        return BilibiliSignature.verify(headers: hit.headers, body: body, secret: secret, now: Date())
    }

    /// The smallest file the library takes as an MP4: an `ftyp` box.
    static let mp4 = Data([0, 0, 0, 20] + Array("ftypisom".utf8) + [0, 0, 2, 0] + Array("mp41".utf8) + Array(repeating: 7, count: 40))

    /// Bilibili in the one sign-in flow: the workspace's app entered once,
    /// the consent page asked with `gourl` and `state`, the code exchanged,
    /// the account read and its 分区 checked; a refused code connects nothing.
    @Test(arguments: TestDatabase.available)
    func aBilibiliAccountSignsInWithTheWorkspacesApp(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.bilibili) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let apps = "/api/v1/workspaces/\(slug)/platform-apps/bilibili"
                let app: [String: Any] = [
                    "fields": ["client_id": "34c0f583f0414123", "client_secret": Self.secret, "tid": "21", "api_base_url": stub.baseURL]
                ]
                let bad = try await t.api(
                    .PUT, apps, token: room.admin, json: ["fields": ["client_id": "34c0f583f0414123", "client_secret": Self.secret, "tid": "x"]])
                #expect(bad.status == .unprocessableEntity && bad.problemFields == ["fields.tid"], "\(bad.body)")
                let saved = try await t.api(.PUT, apps, token: room.admin, json: app)
                #expect(saved.status == .ok && !saved.body.contains(Self.secret), "\(saved.body)")
                let page = try await admin.get("/w/\(slug)/accounts?platform=bilibili")
                #expect(page.body.contains("Sign in with Bilibili") && page.body.contains("id=\"sign-in-form\""))

                let asked = try await PlatformSignInTests.start(admin, slug, "bilibili")
                #expect(asked["client_id"] == "34c0f583f0414123" && asked["gourl"] == "\(t.app.settings.linkBase)/oauth/bilibili/callback")
                let state = try #require(asked["state"])
                _ = try await PlatformSignInTests.comeBack(admin, "bilibili", "code=bili-code&state=\(state)")
                let account = try #require(try await SocialAccount.query(on: t.db).filter(\.$platform == "bilibili").first())
                #expect(account.handle == "品牌官方" && account.settings["open_id"] == "open-1" && account.settings["tid"] == "21")
                let credentials = try AccountService(db: t.db, app: t.app).credentials(of: account)
                #expect(credentials.accessToken == "token-1" && credentials.refreshToken == "refresh-1" && credentials.expiresAt != nil)

                // A code Bilibili refuses connects nothing more.
                let refused = try await PlatformSignInTests.start(admin, slug, "bilibili")
                _ = try await PlatformSignInTests.comeBack(admin, "bilibili", "code=stale&state=\(refused["state"] ?? "")")
                #expect(try await admin.get("/w/\(slug)/accounts").body.contains("The account was not connected"))
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "bilibili").count() == 1)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aBilibiliAccountIsConnectedWithItsAppsTokensAndAVideoPublishedToIt(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.bilibili) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                // act: connect, with a wrong category first
                let unknown = try await OutboundGuardTests.connect(t, slug, room.admin, "bilibili", Self.fields(stub, ["tid": "999"]))
                let connected = try await OutboundGuardTests.connect(t, slug, room.admin, "bilibili", Self.fields(stub))
                // check
                #expect(unknown.status == .unprocessableEntity && unknown.problemFields == ["fields"], "\(unknown.body)")
                #expect(connected.status == .created, "\(connected.body)")
                #expect(connected.json["handle"] as? String == "品牌官方" && !connected.body.contains(Self.secret))
                let account = try #require(connected.json["id"] as? String)
                let stored = try #require(try await SocialAccount.find(UUID(uuidString: account), on: t.db))
                #expect(stored.settings["tid"] == "21" && stored.settings["client_id"] == "34c0f583f0414123")
                #expect(stored.sealedCredentials.range(of: Data(Self.secret.utf8)) == nil, "the app secret is sealed")
                let stats = try await t.api(.GET, "/api/v1/workspaces/\(slug)/accounts/\(account)/stats", token: room.admin)
                #expect(stats.json["followers"] as? Int == 166, "\(stats.body)")

                // A post for Bilibili without its cover does not pass.
                let video = try await MediaUploadTests.upload(
                    t, slug, token: room.admin, file: Self.mp4, fileName: "开箱.mp4", contentType: "video/mp4", fields: [("licence", "owned")])
                let videoID = try #require(video.json["id"] as? String, "\(video.body)")
                let lacking = try await room.create("全场第二件半价。", accounts: [account], extra: ["title": "春季新品开箱", "asset_ids": [videoID]])
                let submitted = try await t.api(.POST, "\(room.posts)/\(lacking)/submit", token: room.admin)
                #expect((submitted.json["problems"] as? [String])?.isEmpty == false, "\(submitted.body)")

                // With its cover, it passes and is published once.
                let cover = try await MediaUploadTests.upload(
                    t, slug, token: room.admin, file: MediaUploadTests.png(1146, 717), fields: [("licence", "owned")])
                let coverID = try #require(cover.json["id"] as? String)
                let id = try await room.create(
                    "全场第二件半价。", accounts: [account], extra: ["title": "春季新品开箱", "asset_ids": [videoID, coverID]])
                try await room.approve(id)
                _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
                try await room.drain()
                let post = try await room.post(id)
                #expect(post.json["status"] as? String == "published", "\(post.body)")
                let variant = try #require((post.json["variants"] as? [[String: Any]])?.first)
                #expect(
                    variant["url"] as? String == "https://www.bilibili.com/video/BV1server1x" && variant["remote_id"] as? String == "BV1server1x",
                    "\(variant)")
                let calls = stub.hits.map(\.path).filter { !$0.hasPrefix("/arcopen/fn/user") && !$0.hasSuffix("type/list") && !$0.hasSuffix("stat") }
                #expect(
                    calls == [
                        "/arcopen/fn/archive/video/init", "/video/v2/part/upload", "/arcopen/fn/archive/video/complete",
                        "/arcopen/fn/archive/cover/upload", "/arcopen/fn/archive/add-by-utoken",
                    ], "\(calls)")
                #expect(stub.hits.filter { $0.path.hasPrefix("/arcopen") }.allSatisfy(Self.signed), "every call to the API was signed")
                let submission = try #require(stub.hits.first { $0.path == "/arcopen/fn/archive/add-by-utoken" })
                #expect(submission.body.contains(#""title":"春季新品开箱""#) && submission.body.contains(#""tag":"新品""#), "\(submission.body)")
                #expect(submission.body.contains(#""tid":21"#) && submission.body.contains("ref: ff-"))
            }
        }
    }
}
