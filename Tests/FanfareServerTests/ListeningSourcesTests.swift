import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Listening's sources (issue 20, scope 2): public searches added, polled
/// from their marker and stored once; the 来源 tab's forms and import; the
/// monitor form's platform and account scopes.
@Suite struct ListeningSourcesTests {
    typealias Room = ListeningTests.Room

    static func json(_ object: Any) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    static let blueskyAnswer = json([
        "posts": [
            [
                "uri": "at://did:plc:fan/app.bsky.feed.post/rk1", "cid": "c1",
                "author": ["did": "did:plc:fan", "handle": "fan.bsky.social", "displayName": "Fan"],
                "record": ["text": "星巴克 排队太慢了，要退款", "createdAt": "2026-12-07T01:00:00.000Z"], "indexedAt": "2026-12-07T01:00:02.000Z",
            ],
            [
                "uri": "at://did:plc:fan/app.bsky.feed.post/rk2", "cid": "c2", "author": ["did": "did:plc:fan", "handle": "fan.bsky.social"],
                "record": ["text": "今天天气不错", "createdAt": "2026-12-07T00:59:00.000Z"], "indexedAt": "2026-12-07T00:59:01.000Z",
            ],
        ]
    ])

    static let mastodonAnswer = json([
        [
            "id": "200", "uri": "https://m.example/users/fan/statuses/200", "url": "https://m.example/@fan/200",
            "created_at": "2026-12-07T01:00:00.000Z", "content": "<p>#星巴克 新品好喝</p>",
            "account": ["id": "9", "username": "fan", "acct": "fan", "display_name": "Fan"],
        ]
    ])

    static func stub() async throws -> LoopbackStub {
        try await LoopbackStub.start { hit in
            if hit.path == "/xrpc/app.bsky.feed.searchPosts" { return (.ok, blueskyAnswer) }
            if hit.path.hasPrefix("/api/v1/timelines/tag/") { return (.ok, mastodonAnswer) }
            if hit.path == "/api/v2/search" {
                return hit.headers["authorization"] == "Bearer mast-token"
                    ? (.ok, "{\"statuses\": \(mastodonAnswer), \"accounts\": [], \"hashtags\": []}") : (.unauthorized, "{\"error\": \"bad token\"}")
            }
            return (.notFound, "{}")
        }
    }

    /// A connected Mastodon account of `workspace`, its token sealed as connecting would.
    static func mastodonAccount(_ t: TestApp, _ workspace: Workspace, instance: String) async throws -> SocialAccount {
        let account = SocialAccount()
        account.id = UUID()
        account.$workspace.id = workspace.id!
        (account.platform, account.handle, account.displayName, account.status) = ("mastodon", "brand", "Brand", "connected")
        (account.seed, account.createdAt) = (0, Date())
        account.settings = [MastodonKind.Setting.instanceURL: instance]
        account.sealedCredentials = try AccountService(db: t.db, app: t.app).seal(ConnectorCredentials(accessToken: "mast-token"), for: account)
        try await account.create(on: t.db)
        return account
    }

    static func withStub(_ database: TestDatabase, _ body: @escaping @Sendable (TestApp, LoopbackStub) async throws -> Void) async throws {
        let stub = try await stub()
        do {
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in try await body(t, stub) }
        } catch {
            try? await stub.shutdown()
            throw error
        }
        try await stub.shutdown()
    }

    @Test(arguments: TestDatabase.available)
    func searchSourcesAreCheckedKeptAndRemovedPerWorkspace(_ database: TestDatabase) async throws {
        try await Self.withStub(database) { t, stub in
            let room = try await Room.make(t)
            let base = room.base + "/searches"
            let bad = try await t.api(.POST, base, token: room.token, json: ["platform": "myspace", "query": "", "interval_minutes": 1])
            #expect(bad.status == .unprocessableEntity && Set(bad.problemFields) == ["platform", "query", "interval_minutes"], "\(bad.body)")
            let inside = try await t.api(
                .POST, base, token: room.token, json: ["platform": "mastodon", "query": "#星巴克", "instance": "http://10.0.0.5"])
            #expect(inside.problemFields == ["instance"] && inside.body.contains("address_unreachable"), "\(inside.body)")
            let notAddress = try await t.api(
                .POST, base, token: room.token, json: ["platform": "mastodon", "query": "#星巴克", "instance": "https://m.example/path?x"])
            #expect(notAddress.problemFields == ["instance"], "\(notAddress.body)")
            let needsAccount = try await t.api(
                .POST, base, token: room.token, json: ["platform": "mastodon", "query": "星巴克 退款", "instance": stub.baseURL])
            #expect(needsAccount.problemFields == ["query"] && needsAccount.body.contains("search_needs_account"), "\(needsAccount.body)")
            let badTag = try await t.api(.POST, base, token: room.token, json: ["platform": "mastodon", "query": "#星 巴克", "instance": stub.baseURL])
            #expect(badTag.problemFields == ["query"] && badTag.body.contains("search_hashtag"), "\(badTag.body)")
            // A Sandbox account, or another workspace's Mastodon account, lends no token.
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "B")
            let theirs = try await Self.mastodonAccount(t, wsB, instance: stub.baseURL)
            for id in [room.account.id!, theirs.id!, UUID()] {
                let refused = try await t.api(
                    .POST, base, token: room.token, json: ["platform": "mastodon", "query": "星巴克", "account_id": id.uuidString])
                #expect(refused.problemFields == ["account_id"] && refused.body.contains("not_a_workspace_account"), "\(refused.body)")
            }

            let made = try await t.api(.POST, base, token: room.token, json: ["platform": "bluesky", "query": "星巴克", "instance": stub.baseURL])
            #expect(made.status == .created && made.json["instance"] as? String == stub.baseURL, "\(made.body)")
            #expect(made.json["interval_minutes"] as? Int == 15 && made.json["account_id"] as? String == nil)
            #expect(
                try await t.api(.POST, base, token: room.token, json: ["platform": "bluesky", "query": "星巴克", "instance": stub.baseURL]).status
                    == .conflict)
            let publicView = try await t.api(.POST, base, token: room.token, json: ["platform": "bluesky", "query": "星巴克"])
            #expect(publicView.json["instance"] as? String == "https://public.api.bsky.app", "an empty instance is the public AppView")
            let mine = try await Self.mastodonAccount(t, room.ws, instance: stub.baseURL)
            let searching = try await t.api(
                .POST, base, token: room.token, json: ["platform": "mastodon", "query": "星巴克 退款", "account_id": mine.id!.uuidString])
            #expect(searching.status == .created && searching.json["instance"] as? String == stub.baseURL, "\(searching.body)")
            #expect(try await t.api(.GET, base, token: room.token).items.count == 3)

            let id = try #require(made.json["id"] as? String)
            // Another workspace neither sees nor removes it.
            #expect(try await t.api(.GET, "/api/v1/workspaces/\(wsB.slug)/listening/searches", token: tokenB).items.isEmpty)
            #expect(try await t.api(.DELETE, "/api/v1/workspaces/\(wsB.slug)/listening/searches/\(id)", token: tokenB).status == .notFound)
            #expect(try await t.api(.DELETE, base + "/\(id)", token: room.token).status == .noContent)
            #expect(try await t.api(.DELETE, base + "/\(id)", token: room.token).status == .notFound)
            #expect(try await t.api(.GET, base, token: room.token).items.count == 2)
            let audited = try await AuditEvent.query(on: t.db).filter(\.$action ~~ "listening_search.").all().map(\.action)
            #expect(audited.filter { $0 == "listening_search.created" }.count == 3 && audited.contains("listening_search.deleted"))
            #expect(stub.hits.isEmpty, "adding a search asks nothing of the platform")
        }
    }

    @Test(arguments: TestDatabase.available)
    func searchesArePolledThroughTheGuardStoredOnceAndResumeFromTheirMarker(_ database: TestDatabase) async throws {
        try await Self.withStub(database) { t, stub in
            let room = try await Room.make(t)
            let brand = try await room.monitor(["name": "Brand", "query": "星巴克"])
            _ = try await room.monitor(["name": "Feeds only", "query": "星巴克", "sources": ["feeds"]])
            func add(_ json: [String: Any]) async throws -> ListeningSearch {
                let made = try await t.api(.POST, room.base + "/searches", token: room.token, json: json)
                #expect(made.status == .created, "\(made.body)")
                return try #require(try await ListeningSearch.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            }
            let bluesky = try await add(["platform": "bluesky", "query": "星巴克", "instance": stub.baseURL])
            let now = Date()
            try await SearchPolling.poll(bluesky, app: t.app, now: now)
            let polled = try #require(try await ListeningSearch.find(bluesky.id!, on: t.db))
            #expect(polled.marker == "2026-12-07T01:00:02.000Z" && polled.lastError == nil && polled.lastPolledAt != nil)
            #expect(polled.nextPollAt > now.addingTimeInterval(14 * 60))
            try await SearchPolling.poll(polled, app: t.app, now: now)
            #expect(stub.hits.count >= 2 && stub.hits.last?.query.contains("since=2026-12-07T01") == true, "\(stub.hits.last?.query ?? "")")
            var mentions = try await t.api(.GET, room.base + "/mentions?source=search", token: room.token)
            // Heard once by Brand (not by the feeds-only monitor), the weather post by no one, whatever the number of polls.
            #expect(mentions.items.count == 1, "\(mentions.body)")
            let first = try #require(mentions.items.first)
            #expect(first["monitor_ids"] as? [String] == [brand.uuidString] && first["platform"] as? String == "bluesky")
            #expect(first["url"] as? String == "https://bsky.app/profile/fan.bsky.social/post/rk1" && first["sentiment"] as? String == "neg")

            let tag = try await add(["platform": "mastodon", "query": "#星巴克", "instance": stub.baseURL])
            try await SearchPolling.poll(tag, app: t.app, now: now)
            #expect(stub.hits.last?.path == "/api/v1/timelines/tag/%E6%98%9F%E5%B7%B4%E5%85%8B" && stub.hits.last?.headers["authorization"] == nil)
            let account = try await Self.mastodonAccount(t, room.ws, instance: stub.baseURL)
            let search = try await add(["platform": "mastodon", "query": "星巴克 新品", "account_id": account.id!.uuidString])
            try await SearchPolling.poll(search, app: t.app, now: now)
            #expect(stub.hits.last?.path == "/api/v2/search" && stub.hits.last?.headers["authorization"] == "Bearer mast-token")
            let searched = try #require(try await ListeningSearch.find(search.id!, on: t.db))
            #expect(searched.marker == "200" && searched.lastError == nil)
            try await SearchPolling.poll(searched, app: t.app, now: now)
            #expect(stub.hits.last?.query.contains("min_id=200") == true)
            mentions = try await t.api(.GET, room.base + "/mentions?source=search", token: room.token)
            // The tag and the search found the same status: one mention per source.
            #expect(mentions.items.filter { $0["platform"] as? String == "mastodon" }.count == 2, "\(mentions.body)")

            // The account removed: its token is not used, the search says why.
            try await account.delete(on: t.db)
            let orphan = try #require(try await ListeningSearch.find(search.id!, on: t.db))
            #expect(orphan.accountID == nil)
            try await SearchPolling.poll(orphan, app: t.app, now: now)
            let said = try #require(try await ListeningSearch.find(search.id!, on: t.db))
            #expect(said.lastError?.isEmpty == false, "a search without a token says so")

            // A connected Bluesky account: its PDS is asked with its session
            // (the stub answers with or without; the header is what counts).
            let sky = try await Self.mastodonAccount(t, room.ws, instance: stub.baseURL)
            (sky.platform, sky.handle) = ("bluesky", "brand.bsky.social")
            sky.settings = [BlueskyKind.Setting.serviceURL: stub.baseURL]
            sky.sealedCredentials = try AccountService(db: t.db, app: t.app).seal(ConnectorCredentials(accessToken: "sky-session"), for: sky)
            try await sky.save(on: t.db)
            let withAccount = try await add(["platform": "bluesky", "query": "星巴克 退款", "account_id": sky.id!.uuidString])
            #expect(withAccount.instance == stub.baseURL && withAccount.accountID == sky.id)
            try await SearchPolling.poll(withAccount, app: t.app, now: now)
            #expect(stub.hits.last?.path == "/xrpc/app.bsky.feed.searchPosts" && stub.hits.last?.headers["authorization"] == "Bearer sky-session")
            #expect(try await ListeningSearch.find(withAccount.id!, on: t.db)?.lastError == nil)
            // A Mastodon account lends no session to a Bluesky search.
            let mastodon = try await Self.mastodonAccount(t, room.ws, instance: stub.baseURL)
            let refused = try await t.api(
                .POST, room.base + "/searches", token: room.token,
                json: ["platform": "bluesky", "query": "星巴克", "account_id": mastodon.id!.uuidString])
            #expect(refused.problemFields == ["account_id"], "\(refused.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoNodesPollingOneSearchAtOnceStoreEachPostOnce(_ database: TestDatabase) async throws {
        try await Self.withStub(database) { t, stub in
            let room = try await Room.make(t)
            _ = try await room.monitor(["name": "Brand", "query": "星巴克"])
            let made = try await t.api(
                .POST, room.base + "/searches", token: room.token, json: ["platform": "bluesky", "query": "星巴克", "instance": stub.baseURL])
            let id = try #require(UUID(uuidString: made.json["id"] as? String ?? ""))
            let one = try #require(try await ListeningSearch.find(id, on: t.db))
            let other = try #require(try await ListeningSearch.find(id, on: t.db))
            let now = Date()
            async let first: Void = SearchPolling.poll(one, app: t.app, now: now)
            async let second: Void = SearchPolling.poll(other, app: t.app, now: now)
            _ = try await (first, second)
            #expect(stub.hits.count == 2)
            #expect(try await room.count("listening_mentions WHERE source_kind = 'search'") == 1)
            #expect(try await room.count("listening_mention_monitors") == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRateLimitedSearchWaitsAsLongAsThePlatformAsks(_ database: TestDatabase) async throws {
        let busy = try await LoopbackStub.start(headers: ["Retry-After": "7200"]) { _ in (.tooManyRequests, "{}") }
        do {
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Room.make(t)
                let made = try await t.api(
                    .POST, room.base + "/searches", token: room.token, json: ["platform": "mastodon", "query": "#星巴克", "instance": busy.baseURL])
                let search = try #require(try await ListeningSearch.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
                let now = Date()
                try await SearchPolling.poll(search, app: t.app, now: now)
                let after = try #require(try await ListeningSearch.find(search.id!, on: t.db))
                #expect(after.nextPollAt >= now.addingTimeInterval(7_100) && after.lastError?.isEmpty == false && after.marker == nil)
                // The job only takes what is due.
                try await SearchPolling.run(Job(), t.app)
                #expect(busy.hits.count == 1)
            }
        } catch {
            try? await busy.shutdown()
            throw error
        }
        try await busy.shutdown()
    }

    @Test func theSourcesTabShowsEachSourcesStateAndFormsInBothLanguages() {
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let feed = ListeningFeed()
        (feed.id, feed.name, feed.url, feed.intervalMinutes, feed.nextPollAt, feed.createdAt) = (
            UUID(), "<b>News</b>", "https://n.example/rss", 15, now, now
        )
        feed.lastError = "the feed answered HTTP 503"
        let search = ListeningSearch()
        (search.id, search.platform, search.query, search.instance, search.intervalMinutes) = (UUID(), "mastodon", "#星巴克", "https://m.example", 30)
        (search.nextPollAt, search.createdAt, search.lastPolledAt) = (now, now, now)
        var errors = ValidationErrors()
        errors.add("query", .searchNeedsAccount)
        var model = ListeningPage.SourcesModel(
            base: "/w/demo", feeds: [FeedDTO(feed)], searches: [SearchSourceDTO(search)], searchAccounts: [("a1", "Brand (brand)")],
            accountNames: [:], canManage: true)
        model.searchErrors = FormErrors(errors)
        model.imported = MentionImport.Imported(rows: 5, heard: 3, monitors: 1)
        model.importProblems = ["第 3 行：内容不能为空"]
        let zh = ListeningPage.sourcesView(model, ListeningTests.ctx(.zhHans)).description
        #expect(zh.contains("id=\"feeds\"") && zh.contains("id=\"searches\"") && zh.contains("id=\"import-form\""))
        #expect(zh.contains("每 15 分钟") && zh.contains("尚未抓取") && zh.contains("上次错误") && zh.contains("HTTP 503"))
        #expect(zh.contains("&lt;b&gt;News") && !zh.contains("<b>News"))
        #expect(zh.contains("id=\"query-error\"") && zh.contains("已连接的该平台账号") && zh.contains("Brand (brand)"))
        #expect(zh.contains("读取 5 行：3 条被监测命中并保存，2 条未命中") && zh.contains("id=\"import-problems\""))
        #expect(zh.components(separatedBy: "<div class=\"table-scroll\"><table").count == 3, "both tables scroll on a phone")
        let en = ListeningPage.sourcesView(model, ListeningTests.ctx(.en)).description
        #expect(en.contains("every 30 min") && en.contains("Add search") && en.contains("Read 5 rows"))
        model.canManage = false
        let readOnly = ListeningPage.sourcesView(model, ListeningTests.ctx(.zhHans)).description
        #expect(!readOnly.contains("id=\"feed-form\"") && !readOnly.contains("id=\"import-form\"") && !readOnly.contains("remove-feed"))
    }

    @Test(arguments: TestDatabase.available)
    func theSourcesTabAddsRemovesAndImports(_ database: TestDatabase) async throws {
        try await Self.withStub(database) { t, stub in
            let room = try await Room.make(t)
            _ = try await room.monitor(["name": "Brand", "query": "星巴克"])
            let browser = Browser(t)
            #expect(try await browser.signIn("listen@example.com").status == .seeOther)
            let base = "/w/\(room.ws.slug)/listening/sources"
            let page = try await browser.get(base)
            #expect(page.status == .ok && page.body.contains("id=\"listening-tabs\"") && page.body.contains("aria-current=\"page\">Sources"))

            let badFeed = try await browser.post(base + "/feeds", [("url", "ftp://x"), ("interval_minutes", "2")])
            #expect(
                badFeed.status == .unprocessableEntity && badFeed.body.contains("id=\"url-error\"")
                    && badFeed.body.contains("id=\"interval_minutes-error\""))
            #expect(badFeed.body.contains("value=\"ftp://x\""), "the form keeps what was typed")
            let unreadable = try await browser.post(base + "/feeds", [("url", stub.baseURL + "/rss"), ("interval_minutes", "soon")])
            #expect(unreadable.status == .unprocessableEntity && unreadable.body.contains("id=\"interval_minutes-error\""))
            #expect(try await browser.post(base + "/feeds", [("url", stub.baseURL + "/rss"), ("name", "News")]).status == .seeOther)
            #expect(try await browser.post(base + "/feeds", [("url", stub.baseURL + "/rss")]).status == .conflict)

            let badSearch = try await browser.post(base + "/searches", [("platform", "mastodon"), ("query", "退款"), ("instance", stub.baseURL)])
            #expect(badSearch.status == .unprocessableEntity && badSearch.body.contains("id=\"query-error\""))
            #expect(
                try await browser.post(base + "/searches", [("platform", "bluesky"), ("query", "星巴克"), ("instance", stub.baseURL)]).status
                    == .seeOther)
            let listed = try await browser.get(base)
            #expect(listed.body.contains("News") && listed.body.contains("data-platform=\"bluesky\""))

            // Another workspace's feed is not found; one's own is removed.
            let (_, _, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "B")
            let feedB = ListeningFeed()
            (feedB.id, feedB.name, feedB.url, feedB.intervalMinutes, feedB.nextPollAt, feedB.createdAt) = (
                UUID(), "B", "https://b.example/feed", 15, Date(), Date()
            )
            feedB.$workspace.id = wsB.id!
            try await feedB.create(on: t.db)
            #expect(try await browser.post(base + "/feeds/\(feedB.id!)/delete", []).status == .notFound)
            let search = try #require(try await ListeningSearch.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).first())
            #expect(try await browser.post(base + "/searches/\(search.id!)/delete", []).status == .seeOther)
            #expect(try await ListeningSearch.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).count() == 0)
            #expect(try await ListeningFeed.query(on: t.db).count() == 2)

            func upload(_ csv: String) async throws -> Reply {
                let form = MultipartBody(
                    fields: [("csrf_token", browser.csrf ?? "")],
                    files: [.init(field: "file", fileName: "export.csv", contentType: "text/csv", data: Data(csv.utf8))])
                return try await browser.send(.POST, base + "/import", body: form.body, contentType: form.contentType)
            }
            let broken = try await upload(
                "发布时间,平台,作者,内容,链接,ID\n2026-12-07 10:00,微博,a,星巴克,https://w.example/1,1\nyesterday,微博,b,,https://w.example/2,2\n")
            #expect(
                broken.status == .unprocessableEntity && broken.body.contains("id=\"import-problems\"") && broken.body.contains("line 3"),
                "\(broken.body)")
            let empty = try await upload("")
            #expect(empty.status == .unprocessableEntity && empty.body.contains("id=\"file-error\""))
            let csv = "发布时间,平台,作者,内容,链接,ID\n2026-12-07 10:00,微博,a,星巴克 太慢了,https://w.example/1,1\n2026-12-07 10:05,抖音,b,今天天气,https://d.example/2,2\n"
            let done = try await upload(csv)
            #expect(
                done.status == .ok && done.body.contains("data-rows=\"2\" data-heard=\"1\"") && done.body.contains("1 heard by none"), "\(done.body)")
            #expect(try await room.count("listening_mentions WHERE source_kind = 'import'") == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theMonitorFormChoosesItsPlatformsAndAccounts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "B")
            let theirs = try await t.api(
                .POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "b"])
            let theirID = try #require(theirs.json["id"] as? String)
            let browser = Browser(t)
            _ = try await browser.signIn("listen@example.com")
            let base = "/w/\(room.ws.slug)/listening/monitors"
            let form = try await browser.get(base)
            #expect(
                form.body.contains("id=\"platforms-weibo\"") && form.body.contains("id=\"account_ids-\(room.account.id!.uuidString.lowercased())\""))
            let unknown = try await browser.post(base, [("name", "B"), ("query", "星巴克"), ("platforms", "myspace"), ("intent", "save")])
            #expect(unknown.status == .unprocessableEntity && unknown.body.contains("id=\"platforms-error\""))
            let foreign = try await browser.post(base, [("name", "B"), ("query", "星巴克"), ("account_ids", theirID), ("intent", "save")])
            #expect(foreign.status == .unprocessableEntity && foreign.body.contains("id=\"account_ids-error\""))
            #expect(try await ListeningMonitor.query(on: t.db).count() == 0)
            let saved = try await browser.post(
                base,
                [
                    ("name", "B"), ("query", "星巴克"), ("platforms", "weibo"), ("account_ids", room.account.id!.uuidString.lowercased()),
                    ("intent", "save"),
                ])
            #expect(saved.status == .seeOther)
            let monitor = try #require(try await ListeningMonitor.query(on: t.db).first())
            #expect(monitor.platforms == ["weibo"] && monitor.accountIDs == [room.account.id!])
            let editing = try await browser.get(base + "/\(monitor.id!)")
            #expect(
                editing.body.contains("id=\"monitor-chart\"") && editing.body.contains("value=\"weibo\" checked")
                    && editing.body.contains("value=\"\(room.account.id!.uuidString.lowercased())\" checked"))
            // Saved again with nothing ticked: every platform and account again.
            #expect(try await browser.post(base + "/\(monitor.id!)", [("name", "B"), ("query", "星巴克"), ("intent", "save")]).status == .seeOther)
            let widened = try #require(try await ListeningMonitor.find(monitor.id!, on: t.db))
            #expect(widened.platforms.isEmpty && widened.accountIDs.isEmpty)
        }
    }
}
