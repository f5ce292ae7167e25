import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Importing platform exports into the metric store (issue 18 scope 2c):
/// the API's preview and commit, idempotent re-imports, a connector's
/// snapshot kept, two imports at once, bad input named, anonymous and
/// read-only callers refused, and the page's upload → preview → commit.
@Suite struct MetricImportTests {
    static let file = """
        用户增长
        时间,新关注人数,取消关注人数,净增关注人数,累积关注人数
        2026-11-01,10,2,8,1000
        2026/11/2,"1,204",4,1200,2200
        20261103,5,5,0,2200
        """

    static func account(_ t: TestApp, _ ws: Workspace, platform: String = "wechat", handle: String = "brand_wechat") async throws -> SocialAccount {
        let account = SocialAccount()
        account.$workspace.id = ws.id!
        account.platform = platform
        account.handle = handle
        account.displayName = "品牌服务号"
        account.status = SocialAccount.Status.connected.rawValue
        account.sealedCredentials = Data()
        account.seed = 1
        account.createdAt = Date()
        try await account.create(on: t.db)
        return account
    }

    static func days(_ t: TestApp, _ account: SocialAccount) async throws -> [(day: String, followers: Int?, source: String, writes: Int)] {
        let sql = t.db as! any SQLDatabase
        return try await sql.raw(
            "SELECT day, followers, source, writes FROM account_metric_days WHERE account_id = \(bind: account.id!) ORDER BY day"
        ).all().map {
            (
                try $0.decode(column: "day", as: String.self), try $0.decode(column: "followers", as: Int?.self),
                try $0.decode(column: "source", as: String.self), try $0.decode(column: "writes", as: Int.self)
            )
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPreviewWritesNothingAndTheSameFileTwiceChangesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let account = try await Self.account(t, ws)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/imports"
            let body: [String: Any] = ["account_id": account.id!.uuidString, "file_name": "用户增长.csv", "csv": Self.file]

            let preview = try await t.api(.POST, base, token: token, json: body.merging(["dry_run": true]) { $1 })
            #expect(preview.status == .ok, "\(preview.body)")
            #expect(preview.json["kind"] as? String == "wechat.users" && preview.json["rows"] as? Int == 3 && preview.json["added"] as? Int == 3)
            #expect(preview.json["from"] as? String == "2026-11-01" && preview.json["to"] as? String == "2026-11-03")
            #expect(preview.json["header_line"] as? Int == 2 && preview.json["importable"] as? Bool == true)
            #expect(try await Self.days(t, account).isEmpty)

            let made = try await t.api(.POST, base, token: token, json: body)
            #expect(made.status == .created, "\(made.body)")
            #expect((made.json["import"] as? [String: Any])?["file_name"] as? String == "用户增长.csv")
            #expect(try await Self.days(t, account).map(\.followers) == [1_000, 2_200, 2_200])

            // The same file again: recognised, nothing rewritten, no duplicate.
            let again = try await t.api(.POST, base, token: token, json: body)
            #expect(again.status == .created && again.json["unchanged"] as? Int == 3 && again.json["imported_before"] != nil, "\(again.body)")
            let stored = try await Self.days(t, account)
            #expect(stored.count == 3 && stored.allSatisfy { $0.writes == 1 && $0.source == "import" })

            // A changed figure overwrites its day only.
            let changed = Self.file.replacingOccurrences(of: "20261103,5,5,0,2200", with: "20261103,9,5,4,2204")
            let third = try await t.api(.POST, base, token: token, json: body.merging(["csv": changed]) { $1 })
            #expect(third.json["updated"] as? Int == 1 && third.json["unchanged"] as? Int == 2)
            #expect(try await Self.days(t, account).last.map { $0.followers == 2_204 && $0.writes == 2 } == true)

            let list = try await t.api(.GET, base, token: token)
            #expect(list.status == .ok && list.items.count == 3 && list.items.first?["updated"] as? Int == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDayReadOnTheDayKeepsItsFollowersAndOldDaysAreFlagged(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let account = try await Self.account(t, ws)
            try await MetricHistoryService.recordAccount(
                workspaceID: ws.id!, accountID: account.id!,
                .init(
                    day: "2026-11-02", followers: 2_150, following: nil, posts: 7, platformValues: ["total": 2_150], source: "snapshot",
                    takenAt: Date()),
                on: t.db)
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/analytics/imports", token: token,
                json: ["account_id": account.id!.uuidString, "csv": Self.file])
            #expect(made.status == .created && made.json["snapshot_kept"] as? Int == 1 && made.json["updated"] as? Int == 1, "\(made.body)")
            let stored = try await Self.days(t, account)
            #expect(stored.map(\.followers) == [1_000, 2_150, 2_200] && stored[1].source == "snapshot")
            // WeChat keeps 90 days: the data-quality check counts the imported days older than that.
            let quality = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/quality?from=2026-10-01&to=2026-11-30", token: token)
            let row = (quality.json["accounts"] as? [[String: Any]])?.first {
                ($0["account_id"] as? String)?.lowercased() == account.id!.uuidString.lowercased()
            }
            let zone = try await MetricHistoryService.timeZone(of: ws.id!, on: t.db)
            let old = MetricDay.distance(from: "2026-11-03", to: MetricDay.of(Date(), in: zone)) > 90
            #expect((row?["older_than_export_window"] as? Int ?? -1) == (old ? 3 : 0), "\(quality.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func badInputIsNamedAndNobodyWithoutTheRightWritesAnything(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("rival@example.com", workspace: "Rival")
            let account = try await Self.account(t, ws)
            let foreign = try await Self.account(t, other, handle: "rival_wechat")
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/imports"

            let empty = try await t.api(.POST, base, token: token, json: [:])
            #expect(empty.status == .unprocessableEntity && Set(empty.problemFields) == ["account_id", "csv"], "\(empty.body)")
            let wrong = try await t.api(
                .POST, base, token: token, json: ["account_id": account.id!.uuidString, "kind": "douyin.fans", "file_base64": "!!!"])
            #expect(Set(wrong.problemFields) == ["kind", "file_base64"], "\(wrong.body)")
            // Another workspace's account is no account of this one.
            let stranger = try await t.api(.POST, base, token: token, json: ["account_id": foreign.id!.uuidString, "csv": Self.file])
            #expect(stranger.problemFields == ["account_id"])
            // A file with problems: 422, each with its line and column; nothing written.
            let broken = Self.file.replacingOccurrences(of: "2026/11/2", with: "11/02/2026").replacingOccurrences(of: "1000", with: "lots")
            let refused = try await t.api(.POST, base, token: token, json: ["account_id": account.id!.uuidString, "csv": broken])
            #expect(refused.status == .unprocessableEntity && refused.headers.contentType?.description.contains("problem+json") == true)
            let messages = (refused.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(messages.count == 2 && messages[0].hasPrefix("line 3: 累积关注人数") && messages[1].hasPrefix("line 4: 时间"), "\(messages)")
            // A workbook is refused with what to do.
            let workbook = try await t.api(
                .POST, base, token: token,
                json: ["account_id": account.id!.uuidString, "file_base64": Data([0x50, 0x4B, 3, 4, 0]).base64EncodedString()])
            #expect(workbook.status == .unprocessableEntity && workbook.body.contains("save it as CSV"))

            let body: [String: Any] = ["account_id": account.id!.uuidString, "csv": Self.file]
            #expect(try await t.api(.POST, base, token: nil, json: body).status == .unauthorized)
            #expect(try await t.api(.POST, "/api/v1/workspaces/\(other.slug)/analytics/imports", token: token, json: body).status == .notFound)
            #expect(try await t.api(.GET, base, token: otherToken).status == .notFound)
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.POST, base, token: viewerToken, json: body).status == .forbidden)
            #expect(try await t.api(.GET, base, token: viewerToken).status == .ok)
            #expect(try await Self.days(t, account).isEmpty)
            #expect(try await MetricImport.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoImportsOfOneFileAtOnceStoreEachDayOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let account = try await Self.account(t, ws)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/imports"
            let id = account.id!.uuidString
            async let one = t.api(.POST, base, token: token, json: ["account_id": id, "csv": Self.file])
            async let two = t.api(.POST, base, token: token, json: ["account_id": id, "csv": Self.file])
            let replies = try await [one, two]
            #expect(replies.allSatisfy { $0.status == .created }, "\(replies.map(\.body))")
            #expect(Set(replies.compactMap { $0.json["added"] as? Int }) == [0, 3])
            let stored = try await Self.days(t, account)
            #expect(stored.count == 3 && stored.allSatisfy { $0.writes == 1 })
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePageUploadsPreviewsAndCommits(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let account = try await Self.account(t, ws)
            let browser = Browser(t)
            _ = try await browser.signIn("lead@example.com")
            let page = try await browser.get("/w/\(ws.slug)/analytics/imports")
            #expect(page.status == .ok && page.body.contains("id=\"import-form\"") && page.body.contains("id=\"imports-empty\""))
            let fields = [("account_id", account.id!.uuidString.lowercased()), ("kind", ""), ("file_name", "growth.csv"), ("csv", Self.file)]
            let preview = try await browser.post("/w/\(ws.slug)/analytics/imports/preview", fields)
            #expect(preview.status == .ok && preview.body.contains("id=\"import-days\"") && preview.body.contains("id=\"import-commit\""))
            #expect(try await Self.days(t, account).isEmpty)
            let bad = try await browser.post(
                "/w/\(ws.slug)/analytics/imports/preview", [("account_id", account.id!.uuidString), ("csv", "日期,阅读\nx,1\n")])
            #expect(bad.status == .unprocessableEntity && bad.body.contains("id=\"import-errors\"") && !bad.body.contains("id=\"import-commit\""))
            let done = try await browser.post("/w/\(ws.slug)/analytics/imports", fields)
            #expect(done.status == .seeOther)
            let list = try await browser.get("/w/\(ws.slug)/analytics/imports")
            #expect(list.body.contains("id=\"imports-list\"") && list.body.contains("growth.csv"))
            #expect(try await Self.days(t, account).count == 3)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aCompetitorsDaysArriveByCsvOnceEvenWhenImportedTwice(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)/competitors"
            let made = try await t.api(.POST, api, token: token, json: ["platform": "weibo", "handle": "rival"])
            let id = try #require(made.json["id"] as? String)
            let csv = "日期,粉丝数,发帖数,点赞数,评论数,转发数\n2026-11-01,5000,2,100,20,5\n2026/11/2,5100,1,80,10,3\n"
            let first = try await t.api(.POST, api + "/\(id)/import", token: token, json: ["csv": csv])
            #expect(first.status == .created && first.json["days"] as? Int == 2, "\(first.body)")
            #expect(try await t.api(.POST, api + "/\(id)/import", token: token, json: ["csv": csv]).status == .created)
            let sql = t.db as! any SQLDatabase
            let rows = try await sql.raw(
                "SELECT day, followers, posts_that_day, engagements, source FROM tracked_account_days WHERE tracked_account_id = \(bind: UUID(uuidString: id)!) ORDER BY day"
            ).all()
            #expect(rows.count == 2)
            #expect(try rows.map { try $0.decode(column: "engagements", as: Int.self) } == [125, 93])
            #expect(try rows.allSatisfy { try $0.decode(column: "source", as: String.self) == "import" })
            let bad = try await t.api(.POST, api + "/\(id)/import", token: token, json: ["csv": "日期,粉丝数\n2026-11-03,很多\n"])
            let messages = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["csv"] && messages.first?.hasPrefix("line 2: 粉丝数") == true)
            #expect(try await t.api(.POST, api + "/\(UUID().uuidString)/import", token: token, json: ["csv": csv]).status == .notFound)
            #expect(try await t.api(.POST, api + "/\(id)/import", token: nil, json: ["csv": csv]).status == .unauthorized)
        }
    }

    // MARK: Model and view, without a database

    static let ctx = PageContext(locale: .zhHans, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/b/analytics/imports")

    @Test func theListSaysWhatToDoWithoutAnAccountAndShowsPastImports() {
        let empty = MetricImportsPage.model(.init(), base: "/w/b", canImport: true, values: [:], errors: FormErrors(), locale: .zhHans)
        #expect(!empty.canImport && empty.items.isEmpty)
        let html = MetricImportsPage.view(empty, Self.ctx).rendered
        #expect(html.contains("id=\"imports-no-account\"") && html.contains("尚未连接") && !html.contains("id=\"import-form\""))
        let found = MetricImportsPage.Found(
            accounts: [.init(id: UUID(), name: "品牌号", platform: "weibo")],
            imports: [
                .init(
                    at: Date(), account: "品牌号", platform: "weibo", kind: "weibo.overview", fileName: "a.csv", rows: 30, added: 28, updated: 2,
                    unchanged: 0, first: "2026-11-01", last: "2026-11-30", by: "Lead")
            ])
        let model = MetricImportsPage.model(found, base: "/w/b", canImport: true, values: [:], errors: FormErrors(), locale: .zhHans)
        #expect(model.canImport && model.items.first?.counts == "30 天：新增 28，覆盖 2，未变 0" && model.items.first?.kind.hasPrefix("微博") == true)
        let page = MetricImportsPage.view(model, Self.ctx).rendered
        #expect(page.contains("id=\"imports-list\"") && page.contains("id=\"import-form\""))
    }
}
