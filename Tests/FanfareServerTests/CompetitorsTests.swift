import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The competitor benchmark (issue 18 scope 4): tracked accounts through
/// the API, read from the Sandbox through a connected account's
/// connector, and the page that puts them beside our accounts.
@Suite struct CompetitorsTests {
    @Test(arguments: TestDatabase.available)
    func trackedAccountsAreAddedOnceAndRefusedWithTheFieldNamed(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/competitors"
            let made = try await t.api(
                .POST, base, token: token, json: ["platform": "mastodon", "handle": "@Rival@other.example", "display_name": "Rival"])
            #expect(made.status == .created, "\(made.body)")
            #expect(made.json["handle"] as? String == "Rival@other.example" && made.json["readable"] as? Bool == true)
            let again = try await t.api(.POST, base, token: token, json: ["platform": "mastodon", "handle": "rival@OTHER.example"])
            #expect(again.status == .conflict)
            let bad = try await t.api(.POST, base, token: token, json: ["platform": "myspace", "handle": "two words", "display_name": ""])
            #expect(bad.status == .unprocessableEntity && Set(bad.problemFields) == ["platform", "handle"], "\(bad.body)")
            let missing = try await t.api(.POST, base, token: token, json: [:])
            #expect(Set(missing.problemFields) == ["platform", "handle"])
            // Two adds at once: one is tracked.
            async let one = t.api(.POST, base, token: token, json: ["platform": "weibo", "handle": "rival"])
            async let two = t.api(.POST, base, token: token, json: ["platform": "weibo", "handle": "rival"])
            let statuses = try await [one.status, two.status]
            #expect(statuses.filter { $0 == .created }.count == 1 && statuses.filter { $0 == .conflict }.count == 1, "\(statuses)")
            let list = try await t.api(.GET, base, token: token)
            #expect(list.items.count == 2 && list.items.first { $0["platform"] as? String == "weibo" }?["readable"] as? Bool == false)
            let id = try #require(made.json["id"] as? String)
            #expect(try await t.api(.DELETE, base + "/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.DELETE, base + "/\(id)", token: token).status == .notFound)
            // A viewer reads, and may not add.
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.GET, base, token: viewerToken).status == .ok)
            #expect(try await t.api(.POST, base, token: viewerToken, json: ["platform": "sandbox", "handle": "x"]).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSandboxRivalIsReadAndComparedOnThePage(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)"
            _ = try await t.api(.POST, api + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let made = try await t.api(.POST, api + "/competitors", token: token, json: ["platform": "sandbox", "handle": "rival"])
            let tracked = try #require(try await TrackedAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            let mastodon = try await t.api(.POST, api + "/competitors", token: token, json: ["platform": "mastodon", "handle": "x@y.example"])
            let unreadable = try #require(try await TrackedAccount.find(UUID(uuidString: mastodon.json["id"] as? String ?? ""), on: t.db))

            // act: the worker's read
            try await CompetitorService.read(tracked, app: t.app)
            try await CompetitorService.read(tracked, app: t.app)
            await #expect(throws: ConnectorError.self) { try await CompetitorService.read(unreadable, app: t.app) }

            // check: 90 days stored once, the same on a second read
            let sql = t.db as! any SQLDatabase
            let count = try await sql.raw("SELECT COUNT(*) AS n FROM tracked_account_days WHERE tracked_account_id = \(bind: tracked.id!)").first()?
                .decode(column: "n", as: Int.self)
            #expect(count == 90)
            let zone = try await MetricHistoryService.timeZone(of: ws.id!, on: t.db)
            let access = WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: .admin, matrix: .standard)
            let found = try await CompetitorsPage.query(access: access, days: 30, zone: zone, now: Date(), on: t.db)
            let rival = try #require(found.rows.first { $0.name == "rival" })
            #expect(!rival.ours && rival.followers.count == 30 && rival.posts > 0 && !rival.contentTypes.isEmpty)
            #expect(found.rows.filter(\.ours).count == 1)

            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/competitors")
            #expect(page.status == .ok && page.body.contains("id=\"competitors-quadrant\"") && page.body.contains("data-ours=\"false\""))
        }
    }
}

/// The competitor page's model and view, without a database.
@Suite struct CompetitorsPageTests {
    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/competitors")
    }

    @Test func figuresReadInTheReadersLanguageAndTheQuadrantHasEveryoneWhoPosted() {
        let found = CompetitorsPage.Found(
            days: 28,
            rows: [
                .init(
                    id: UUID(), ours: true, platform: "sandbox", handle: "brand", name: "Brand", readable: true,
                    followers: [("2026-11-01", 1_000), ("2026-11-28", 1_100)], posts: 8, engagements: 400,
                    contentTypes: [CompetitorContentType.of(format: "image_text"): 5, CompetitorContentType.of(format: "audio"): 3]),
                .init(
                    id: UUID(), ours: false, platform: "mastodon", handle: "rival", name: "Rival", readable: true,
                    followers: [("2026-11-28", 50_000)], posts: 4, engagements: 40, contentTypes: ["video": 3, "text": 1]),
                .init(
                    id: UUID(), ours: false, platform: "weibo", handle: "quiet", name: "Quiet", readable: false, followers: [], posts: 0,
                    engagements: 0, contentTypes: [:]),
            ])
        let zh = CompetitorsPage.model(found, base: "/w/demo", canManage: true, values: [:], errors: FormErrors(), locale: .zhHans)
        #expect(zh.items[0].growth == "10.0%" && zh.items[0].cadence == "2.0" && zh.items[0].engagementPerPost == "50")
        #expect(zh.items[1].followers == "5万" && zh.items[1].growth == "未知" && zh.items[1].topTypes == "视频、图文（纯文字）")
        #expect(zh.items[0].topTypes == "图片、音频", "our own accounts' content types beside theirs")
        #expect(CompetitorContentType.of(format: "short_video") == "video" && CompetitorContentType.of(format: "long_article") == "text")
        #expect(zh.items[2].source == "仅支持 CSV 导入" && zh.items[0].removeAction == nil && zh.items[1].removeAction != nil)
        #expect(zh.points.map(\.label) == ["Brand", "Rival"])
        let html = CompetitorsPage.view(zh, context(.zhHans)).rendered
        #expect(html.contains("声量 × 互动") && html.contains("id=\"competitor-form\""))
        let empty = CompetitorsPage.view(
            CompetitorsPage.model(.init(), base: "/w/demo", canManage: false, values: [:], errors: FormErrors(), locale: .zhHans), context(.zhHans)
        ).rendered
        #expect(empty.contains("还没有追踪竞品") && !empty.contains("competitor-form"))
    }
}
