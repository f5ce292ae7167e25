import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Per-post exports imported into the posts' days (issue 18 scope 2c):
/// rows matched to published variants by link or title, the preview's
/// unmatched and ambiguous rows, gains kept as the snapshot job keeps them,
/// a repeated import unchanged, a day read from the platform kept, bad
/// input named by line and column, and callers without the right refused.
@Suite struct PostMetricImportTests {
    /// Four published posts of `account`, some days before the workspace's today: A (linked),
    /// B (no title: its first line), C and D (both 周报).
    static func publish(_ t: TestApp, _ ws: Workspace, _ account: SocialAccount, today: String) async throws -> [String: PostVariant] {
        var made: [String: PostVariant] = [:]
        let specs: [(key: String, title: String?, text: String, remote: String?, url: String?, ago: Int)] = [
            ("A", "双十一｜全场　五折", "正文", "2247483650_1", "https://mp.weixin.qq.com/s/abc", 20),
            ("B", nil, "冬季新品 上市\n第二段", "2247483651_1", nil, 10),
            ("C", "周报", "第一周", nil, nil, 30),
            ("D", "周报", "第二周", nil, nil, 23),
        ]
        for spec in specs {
            let at = MetricDay.parse(MetricDay.adding(-spec.ago, to: today))!.addingTimeInterval(12 * 3_600)
            let post = Post()
            post.$workspace.id = ws.id!
            post.title = spec.title
            post.body = spec.text
            post.pillar = ""
            post.format = "article"
            post.pool = ""
            post.tagsJSON = "[]"
            post.status = Post.Status.published.rawValue
            post.reviewJSON = "{}"
            post.version = 1
            post.createdAt = at
            post.updatedAt = at
            try await post.create(on: t.db)
            let variant = PostVariant()
            variant.$workspace.id = ws.id!
            variant.$post.id = post.id!
            variant.$account.id = account.id!
            variant.platform = account.platform
            variant.text = spec.text
            variant.tagsJSON = "[]"
            variant.state = VariantProgress.published.rawValue
            variant.attempts = 1
            variant.remoteID = spec.remote
            variant.url = spec.url
            variant.publishedAt = at
            variant.updatedAt = at
            try await variant.create(on: t.db)
            made[spec.key] = variant
        }
        return made
    }

    /// A workspace's admin, its WeChat account with the four posts published, and the workspace's today.
    struct Brand {
        var token: String
        var ws: Workspace
        var account: SocialAccount
        var today: String
        var posts: [String: PostVariant]
    }

    static func brand(_ t: TestApp) async throws -> Brand {
        let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
        let account = try await MetricImportTests.account(t, ws)
        let today = MetricDay.of(Date(), in: try await MetricHistoryService.timeZone(of: ws.id!, on: t.db))
        return Brand(token: token, ws: ws, account: account, today: today, posts: try await publish(t, ws, account, today: today))
    }

    /// The stored days: variant, day, source, writes, impressions, likes.
    static func days(_ t: TestApp) async throws -> [String] {
        let sql = t.db as! any SQLDatabase
        return try await sql.raw("SELECT variant_id, day, source, writes, impressions, likes FROM post_metric_days ORDER BY variant_id, day").all()
            .map { row in
                [
                    try row.decode(column: "variant_id", as: UUID.self).uuidString, try row.decode(column: "day", as: String.self),
                    try row.decode(column: "source", as: String.self), String(try row.decode(column: "writes", as: Int.self)),
                    String(describing: try row.decode(column: "impressions", as: Int?.self)),
                    String(describing: try row.decode(column: "likes", as: Int?.self)),
                ].joined(separator: " ")
            }
    }

    static func file(publishedD: String) -> String {
        """
        单篇图文数据
        标题,发表时间,阅读次数,阅读人数,分享次数,收藏,点赞,留言,链接
        任意标题,,"1,200",900,30,12,88,9,https://mp.weixin.qq.com/s/abc
        冬季新品　上市,,400,300,4,2,6,1,
        周报,,50,40,1,0,2,0,
        不存在的文章,,10,10,0,0,0,0,
        周报,\(publishedD) 08:00,70,60,3,1,5,2,
        """
    }

    @Test(arguments: TestDatabase.available)
    func aPerPostExportIsMatchedPreviewedAndStoredWithTheGainsTheTotalsMake(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let brand = try await Self.brand(t)
            let (token, ws, account, today, posts) = (brand.token, brand.ws, brand.account, brand.today, brand.posts)
            let asOf = MetricDay.adding(-2, to: today)
            // B's figures were read from the platform that day: the file does not replace them.
            try await MetricHistoryService.recordPost(
                workspaceID: ws.id!, variantID: posts["B"]!.id!, accountID: account.id!, platform: "wechat",
                metrics: PostMetrics(impressions: 390, likes: 5, comments: 0, shares: 0, at: MetricDay.parse(asOf)!.addingTimeInterval(3_600)),
                timeZone: .gmt, on: t.db)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/imports"
            let csv = Self.file(publishedD: MetricDay.adding(-23, to: today))
            let body: [String: Any] = ["account_id": account.id!.uuidString, "file_name": "单篇图文.csv", "csv": csv, "as_of": asOf]

            // act: the preview
            let preview = try await t.api(.POST, base, token: token, json: body.merging(["dry_run": true]) { $1 })

            // check: rows matched by link, by title, by title and date; the rest reported by line
            #expect(preview.status == .ok, "\(preview.body)")
            #expect(preview.json["kind"] as? String == "wechat.article_list" && preview.json["per_post"] as? Bool == true)
            #expect(preview.json["rows"] as? Int == 5 && preview.json["as_of"] as? String == asOf && preview.json["importable"] as? Bool == true)
            #expect(preview.json["added"] as? Int == 2 && preview.json["unchanged"] as? Int == 1 && preview.json["snapshot_kept"] as? Int == 1)
            let matched = (preview.json["posts"] as? [[String: Any]] ?? []).map {
                "\($0["line"]!) \($0["action"]!) \($0["live_kept"] as? Bool == true)"
            }
            #expect(matched == ["3 add false", "4 unchanged true", "7 add false"], "\(matched)")
            let reported = preview.json["not_imported"] as? [[String: Any]] ?? []
            #expect(reported.map { "\($0["line"]!) \($0["reason"]!)" } == ["5 ambiguous", "6 unmatched"])
            let candidates = (reported.first?["candidates"] as? [[String: Any]] ?? []).compactMap { $0["variant_id"] as? String }
            #expect(candidates.map { $0.lowercased() } == [posts["C"]!, posts["D"]!].map { $0.id!.uuidString.lowercased() })
            #expect(try await Self.days(t).count == 1)

            // act: the import
            let made = try await t.api(.POST, base, token: token, json: body)

            // check: two posts' days added through the gains' path, B's reading kept
            #expect(made.status == .created, "\(made.body)")
            let record = made.json["import"] as? [String: Any]
            #expect(record?["rows"] as? Int == 3 && record?["added"] as? Int == 2 && record?["unmatched"] as? Int == 2, "\(made.body)")
            #expect(record?["first_day"] as? String == asOf && record?["last_day"] as? String == asOf)
            let stored = try await Self.days(t)
            #expect(stored.count == 3)
            #expect(stored.contains("\(posts["A"]!.id!.uuidString) \(asOf) import 1 Optional(1200) Optional(88)"), "\(stored)")
            #expect(stored.contains("\(posts["B"]!.id!.uuidString) \(asOf) snapshot 1 Optional(390) Optional(5)"), "\(stored)")
            #expect(stored.contains("\(posts["D"]!.id!.uuidString) \(asOf) import 1 Optional(70) Optional(5)"), "\(stored)")
            let sql = t.db as! any SQLDatabase
            let kept = try await MetricStoreTests.keptGains(sql)
            try await PostGainStore.rebuild(workspaceID: ws.id!, on: sql)
            #expect(kept == (try await MetricStoreTests.keptGains(sql)))

            // A snapshot stored after the plan was made still wins: the write path checks the source under the post's lock.
            let late = try await MetricHistoryService.writePost(
                workspaceID: ws.id!, variantID: posts["B"]!.id!, accountID: account.id!, day: asOf,
                .init(totals: ["impressions": 1], completion: nil, platformValues: nil, takenAt: Date(), source: "import"), keepLive: true, on: t.db)
            let afterLate = try await Self.days(t)
            #expect(!late && afterLate == stored)

            // act + check: the same file again changes nothing
            let again = try await t.api(.POST, base, token: token, json: body)
            #expect(again.status == .created && again.json["imported_before"] != nil, "\(again.body)")
            #expect(again.json["added"] as? Int == 0 && again.json["updated"] as? Int == 0 && again.json["unchanged"] as? Int == 3)
            #expect(try await Self.days(t) == stored)

            // act: a file with a date on each row, A's earlier days out of order and its as-of day changed
            let daily = """
                日期,标题,链接,阅读次数,点赞
                \(MetricDay.adding(-4, to: today)),,https://mp.weixin.qq.com/s/abc,1000,70
                \(MetricDay.adding(-6, to: today)),,https://mp.weixin.qq.com/s/abc,600,40
                \(asOf),,https://mp.weixin.qq.com/s/abc,1300,
                """
            let perDay = try await t.api(.POST, base, token: token, json: ["account_id": account.id!.uuidString, "csv": daily])

            // check: added between, overwritten in place (an empty cell keeps the stored likes), gains as rebuilt
            #expect(perDay.status == .created && perDay.json["as_of"] == nil, "\(perDay.body)")
            #expect(perDay.json["added"] as? Int == 2 && perDay.json["updated"] as? Int == 1)
            #expect(try await Self.days(t).contains("\(posts["A"]!.id!.uuidString) \(asOf) import 2 Optional(1300) Optional(88)"))
            let keptAfter = try await MetricStoreTests.keptGains(sql)
            try await PostGainStore.rebuild(workspaceID: ws.id!, on: sql)
            #expect(keptAfter == (try await MetricStoreTests.keptGains(sql)))
            // The overview's series reads the sums: A's likes gained up to the as-of day are its total then.
            let likes = try await t.api(
                .GET,
                "/api/v1/workspaces/\(ws.slug)/analytics/series?metric=likes&granularity=day&from=\(MetricDay.adding(-6, to: today))&to=\(asOf)",
                token: token)
            let values = (likes.json["points"] as? [[String: Any]] ?? []).compactMap { $0["value"] as? Double }
            let gained: Double = values.reduce(0, +)
            #expect(gained == 98, "\(likes.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func badPerPostInputIsNamedByLineAndColumnAndNobodyWithoutTheRightWrites(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let brand = try await Self.brand(t)
            let (token, ws, account, today) = (brand.token, brand.ws, brand.account, brand.today)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/imports"
            let id = account.id!.uuidString

            let broken = "标题,阅读次数,点赞\n周报,很多,3\n,5,1\n"
            let refused = try await t.api(.POST, base, token: token, json: ["account_id": id, "csv": broken])
            let messages = (refused.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
            #expect(refused.status == .unprocessableEntity && refused.problemFields == ["csv", "csv"], "\(refused.body)")
            #expect(messages.count == 2 && messages[0].hasPrefix("line 2: 阅读次数 is \"很多\"") && messages[1].hasPrefix("line 3: 标题"), "\(messages)")
            let future = try await t.api(
                .POST, base, token: token, json: ["account_id": id, "csv": "标题,阅读次数\n周报,5\n", "as_of": MetricDay.adding(1, to: today)])
            #expect(future.status == .unprocessableEntity && future.problemFields == ["as_of"], "\(future.body)")
            let kind = try await t.api(.POST, base, token: token, json: ["account_id": id, "csv": broken, "kind": "douyin.video_list"])
            #expect(kind.problemFields == ["kind"], "\(kind.body)")
            // Read without a problem, but naming no post of the account.
            let nothing = try await t.api(.POST, base, token: token, json: ["account_id": id, "csv": "标题,阅读次数\n别的文章,5\n"])
            #expect(nothing.status == .unprocessableEntity && nothing.problemFields == ["csv"] && nothing.body.contains("none names"))

            let body: [String: Any] = ["account_id": id, "csv": "标题,阅读次数\n冬季新品 上市,5\n"]
            #expect(try await t.api(.POST, base, token: nil, json: body).status == .unauthorized)
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.POST, base, token: viewerToken, json: body).status == .forbidden)
            #expect(try await t.api(.POST, base, token: viewerToken, json: body.merging(["dry_run": true]) { $1 }).status == .forbidden)
            #expect(try await Self.days(t).isEmpty)
            #expect(try await MetricImport.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePageShowsRowsNotImportedWithTheirLinesAndCommits(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let brand = try await Self.brand(t)
            let (ws, account, today) = (brand.ws, brand.account, brand.today)
            let browser = Browser(t)
            _ = try await browser.signIn("lead@example.com")
            let page = try await browser.get("/w/\(ws.slug)/analytics/imports")
            #expect(page.body.contains("name=\"as_of\"") && page.body.contains("value=\"\(today)\""))
            let fields = [
                ("account_id", account.id!.uuidString.lowercased()), ("kind", ""), ("file_name", "articles.csv"), ("as_of", ""),
                ("csv", Self.file(publishedD: MetricDay.adding(-23, to: today))),
            ]
            let preview = try await browser.post("/w/\(ws.slug)/analytics/imports/preview", fields)
            #expect(preview.status == .ok && preview.body.contains("id=\"import-unmatched\"") && preview.body.contains("id=\"import-commit\""))
            #expect(preview.body.contains("name=\"as_of\" value=\"\(today)\""))
            // Ambiguous rows name the candidates (both 周报, with their days).
            #expect(preview.body.contains("Several published posts match: 周报") && preview.body.contains("不存在的文章"))
            #expect(try await Self.days(t).isEmpty)
            let done = try await browser.post("/w/\(ws.slug)/analytics/imports", fields)
            #expect(done.status == .seeOther)
            let list = try await browser.get("/w/\(ws.slug)/analytics/imports")
            #expect(
                list.body.contains("articles.csv") && list.body.contains("3 posts: 3 added, 0 overwritten, 0 unchanged, 2 rows not matched"),
                "\(list.body)")
            #expect(try await Self.days(t).count == 3)
        }
    }
}
