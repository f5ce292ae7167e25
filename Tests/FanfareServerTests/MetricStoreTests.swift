import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The metric store (issue 18 scope 1, 3, 9): days written once per day,
/// history from the Sandbox, series, metrics and quality from the API,
/// the snapshot pass, retention, and the accounts page reading the store.
@Suite struct MetricStoreTests {
    static func day(_ text: String, followers: Int?, source: String = "snapshot") -> MetricHistoryService.AccountDay {
        MetricHistoryService.AccountDay(
            day: text, followers: followers, following: nil, posts: 3, platformValues: followers.map { ["followers": Double($0)] }, source: source,
            takenAt: Date())
    }

    static func rows(_ t: TestApp, _ table: String, account: UUID) async throws -> [(day: String, followers: Int?, writes: Int, source: String)] {
        let sql = t.db as! any SQLDatabase
        return try await sql.raw(
            "SELECT day, followers, writes, source FROM \(ident: table) WHERE account_id = \(bind: account) ORDER BY day"
        ).all().map {
            (
                try $0.decode(column: "day", as: String.self), try $0.decode(column: "followers", as: Int?.self),
                try $0.decode(column: "writes", as: Int.self), try $0.decode(column: "source", as: String.self)
            )
        }
    }

    @Test(arguments: TestDatabase.available)
    func aDayIsStoredOnceAndTheSeriesReadsIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let accountID = try #require(
                try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"]).json["id"] as? String)
            let account = try #require(UUID(uuidString: accountID))
            // act: a day written twice (the second replaces it), and a week
            for (text, followers) in [("2026-01-05", 100), ("2026-01-05", 105), ("2026-01-06", 110), ("2026-01-08", 130), ("2026-01-12", 150)] {
                try await MetricHistoryService.recordAccount(workspaceID: ws.id!, accountID: account, Self.day(text, followers: followers), on: t.db)
            }
            // The platform's history never replaces a day read on the day.
            try await MetricHistoryService.recordAccount(
                workspaceID: ws.id!, accountID: account, Self.day("2026-01-06", followers: 1, source: "backfill"), on: t.db)
            // check: one row per day
            let stored = try await Self.rows(t, "account_metric_days", account: account)
            #expect(stored.map(\.day) == ["2026-01-05", "2026-01-06", "2026-01-08", "2026-01-12"])
            #expect(stored[0].followers == 105 && stored[0].writes == 2, "the second snapshot of a day replaces the first")
            #expect(stored[1].followers == 110 && stored[1].source == "snapshot")
            let daily = try await t.api(.GET, base + "/analytics/series?metric=followers&from=2026-01-05&to=2026-01-09", token: token)
            #expect(daily.status == .ok, "\(daily.body)")
            let points = try #require(daily.json["points"] as? [[String: Any]])
            #expect(points.map { $0["period"] as? String } == ["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"])
            #expect(points.map { $0["value"] as? Double } == [105, 110, 110, 130, 130])
            #expect(daily.json["unit"] as? String == "count" && daily.json["granularity"] as? String == "day")
            let weekly = try await t.api(
                .GET, base + "/analytics/series?metric=followers_net&granularity=week&from=2026-01-05&to=2026-01-18&account=\(accountID)",
                token: token)
            #expect((weekly.json["points"] as? [[String: Any]])?.map { $0["value"] as? Double } == [25, 20], "\(weekly.body)")
            let other = try await t.api(.GET, base + "/analytics/series?metric=followers&from=2026-01-05&to=2026-01-05&platform=weibo", token: token)
            #expect((other.json["points"] as? [[String: Any]])?.first?["value"] is NSNull, "no Weibo account, no value")
            // The quality check: the missing 7th and 9th–11th, one replaced day.
            let quality = try await t.api(.GET, base + "/analytics/quality?from=2026-01-05&to=2026-01-12", token: token)
            let checked = try #require((quality.json["accounts"] as? [[String: Any]])?.first)
            #expect(checked["missing_days"] as? [String] == ["2026-01-07", "2026-01-09", "2026-01-10", "2026-01-11"], "\(quality.body)")
            #expect(checked["duplicates_replaced"] as? Int == 1 && checked["days"] as? Int == 4, "the backfill did not replace the 6th")
            let metrics = try await t.api(.GET, base + "/analytics/metrics", token: token)
            #expect((metrics.json["metrics"] as? [[String: Any]])?.count == NormalisedMetric.allCases.count)
        }
    }

    /// The account levels' series (sums by day and each account's edges)
    /// equal the series made from every account's every day: accounts with
    /// totals before the period, one starting inside it, one stopping, one
    /// with holes, one with nothing in it, over day, week and month, for
    /// the workspace and for one account.
    @Test(arguments: TestDatabase.available)
    func accountLevelsFromSumsMatchEveryDay(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            var accounts: [UUID] = []
            for handle in ["steady", "late", "stopped", "holey", "quiet"] {
                let id = try #require(
                    try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": handle]).json["id"] as? String)
                accounts.append(try #require(UUID(uuidString: id)))
            }
            // (first offset, last offset, skipped offsets) from 2026-02-20; the period is March.
            let shapes: [(Int, Int, Set<Int>)] = [(0, 45, []), (20, 45, []), (0, 25, []), (0, 45, [12, 13, 30]), (0, 5, [])]
            for (index, shape) in shapes.enumerated() {
                for offset in shape.0...shape.1 where !shape.2.contains(offset) {
                    try await MetricHistoryService.recordAccount(
                        workspaceID: ws.id!, accountID: accounts[index],
                        Self.day(MetricDay.adding(offset, to: "2026-02-20"), followers: 1_000 * (index + 1) + offset * (index % 2 == 0 ? 7 : -3)),
                        on: t.db)
                }
            }
            for (granularity, metric, account) in [
                (Granularity.day, NormalisedMetric.followers, nil), (.week, .followers, nil), (.month, .followersNet, nil),
                (.day, .followersNet, nil),
                (.week, .followersNet, accounts[3]), (.day, .followers, accounts[1]), (.day, .posts, nil),
            ] as [(Granularity, NormalisedMetric, UUID?)] {
                var query = "metric=\(metric.rawValue)&granularity=\(granularity.rawValue)&from=2026-03-01&to=2026-03-31"
                if let account { query += "&account=\(account)" }
                let answer = try await t.api(.GET, base + "/analytics/series?" + query, token: token)
                #expect(answer.status == .ok, "\(answer.body)")
                let scope = AnalyticsAPI.Scope(from: "2026-03-01", to: "2026-03-31", accountIDs: account.map { [$0] }, platform: nil)
                let reader = MetricSeriesReader(db: t.db, workspaceID: ws.id!, scope: scope)
                let everyDay = MetricSeries.aggregate(
                    try await reader.dailyTotals(metric), from: scope.from, to: scope.to, granularity: granularity,
                    aggregation: metric == .followersNet ? .change : metric.aggregation, zeroStart: false)
                let values = (answer.json["points"] as? [[String: Any]])?.map { $0["value"] as? Double }
                #expect(values == everyDay.map(\.value), "\(query)")
                #expect(values?.contains { $0 != nil } == true)
                #expect(try await reader.fromLevels(metric, granularity: granularity) == everyDay, "\(query)")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func postDaysMakeChangesAndAnEngagementRateThatSaysItsBasis(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let accountID = try #require(
                try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"]).json["id"] as? String)
            let post = try await t.api(.POST, base + "/posts", token: token, json: ["body": "Hello", "account_ids": [accountID]])
            let variantID = try #require(UUID(uuidString: (post.json["variants"] as? [[String: Any]])?.first?["id"] as? String ?? ""))
            let zone = TimeZone(identifier: "UTC")!
            let noon = { (day: String) in MetricDay.parse(day)!.addingTimeInterval(12 * 3_600) }
            for (day, impressions, likes) in [("2026-03-02", 1_000, 40), ("2026-03-02", 1_200, 50), ("2026-03-03", 2_000, 70)] {
                try await MetricHistoryService.recordPost(
                    workspaceID: ws.id!, variantID: variantID, accountID: UUID(uuidString: accountID)!, platform: "sandbox",
                    metrics: PostMetrics(impressions: impressions, likes: likes, comments: 5, shares: 5, at: noon(day)), timeZone: zone, on: t.db)
            }
            let likes = try await t.api(.GET, base + "/analytics/series?metric=likes&from=2026-03-01&to=2026-03-03", token: token)
            #expect((likes.json["points"] as? [[String: Any]])?.map { $0["value"] as? Double } == [nil, 50, 20], "\(likes.body)")
            let rate = try await t.api(.GET, base + "/analytics/series?metric=engagement_rate&from=2026-03-02&to=2026-03-03", token: token)
            #expect(rate.json["basis"] as? String == "impressions" && rate.json["unit"] as? String == "ratio")
            #expect((rate.json["points"] as? [[String: Any]])?.map { $0["value"] as? Double } == [0.05, 0.025], "60/1200, then 20/800")
            let latest = try #require(try await MetricHistoryService.latestPost(variantID: variantID, workspaceID: ws.id!, on: t.db))
            #expect(latest.day == "2026-03-03" && latest.engagements == 80 && latest.impressions == 2_000)
        }
    }

    /// Every kept gain: the posts' two columns and the accounts' day sums, in one comparable text.
    static func keptGains(_ sql: any SQLDatabase) async throws -> [String] {
        let posts = try await sql.raw(
            "SELECT variant_id, day, gain_engagements, gain_impressions FROM post_metric_days ORDER BY variant_id, day"
        ).all().map {
            "\(try $0.decode(column: "variant_id", as: UUID.self)) \(try $0.decode(column: "day", as: String.self)) "
                + "\(try $0.decode(column: "gain_engagements", as: Int?.self) ?? -1) \(try $0.decode(column: "gain_impressions", as: Int?.self) ?? -1)"
        }
        let columns = PostGainStore.summed + ["reporting_impressions"]
        let sums = try await sql.raw(
            "SELECT account_id, day, \(unsafeRaw: columns.joined(separator: ", ")) FROM post_gain_days ORDER BY account_id, day"
        ).all().map { row in
            "\(try row.decode(column: "account_id", as: UUID.self)) \(try row.decode(column: "day", as: String.self)) "
                + (try columns.map { String(describing: try row.decode(column: $0, as: Int?.self)) }).joined(separator: " ")
        }
        return posts + sums
    }

    @Test(arguments: TestDatabase.available)
    func gainsKeptOnWriteMatchGainsMadeFromTheTotals(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            var accounts: [String] = []
            for handle in ["one", "two"] {
                accounts.append(
                    try #require(
                        try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": handle]).json["id"]
                            as? String))
            }
            var variants: [(variant: UUID, account: UUID)] = []
            for index in 0..<4 {
                let post = try await t.api(
                    .POST, base + "/posts", token: token, json: ["body": "Post \(index)", "account_ids": [accounts[index % 2]]])
                let id = try #require(UUID(uuidString: (post.json["variants"] as? [[String: Any]])?.first?["id"] as? String ?? ""))
                variants.append((id, UUID(uuidString: accounts[index % 2])!))
            }
            // Days out of order, written twice, some without impressions, and
            // the posts written at the same time (one post's days in order of
            // arrival, as the pass and a backfill could).
            let zone = TimeZone(identifier: "UTC")!
            let days = (0..<12).map { MetricDay.adding($0, to: "2026-05-01") }
            let workspaceID = ws.id!
            let db = t.db
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, item) in variants.enumerated() {
                    group.addTask {
                        // A different order of the days for each post.
                        let order: [Int] = (0..<days.count).sorted { a, b in (a * 7 + index * 3) % 12 < (b * 7 + index * 3) % 12 }
                        // The second round rewrites four days with other numbers.
                        var writes: [(round: Int, offset: Int)] = order.map { (0, $0) }
                        writes += order.prefix(4).map { (1, $0) }
                        for (round, offset) in writes {
                            let day = days[offset]
                            let total: Int = (offset + 1) * (10 + index) + round * 2
                            try await MetricHistoryService.recordPost(
                                workspaceID: workspaceID, variantID: item.variant, accountID: item.account, platform: "sandbox",
                                metrics: PostMetrics(
                                    impressions: offset % 5 == 4 ? nil : total * 20, likes: total, comments: offset, shares: 1,
                                    at: MetricDay.parse(day)!.addingTimeInterval(3_600)), timeZone: zone, on: db)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let sql = t.db as! any SQLDatabase
            let kept = try await Self.keptGains(sql)
            #expect(kept.count == variants.count * days.count + 2 * days.count)
            try await PostGainStore.rebuild(workspaceID: workspaceID, on: sql)
            let rebuilt = try await Self.keptGains(sql)
            #expect(kept == rebuilt, "\(zip(kept, rebuilt).filter { $0 != $1 }.prefix(3))")
            // The series reads the sums: the likes gained over the period are
            // the posts' totals on its last day.
            let likes = try await t.api(.GET, base + "/analytics/series?metric=likes&granularity=month&from=2026-05-01&to=2026-05-31", token: token)
            let lastTotals =
                try await sql.raw("SELECT CAST(SUM(likes) AS BIGINT) AS n FROM post_metric_days WHERE day = \(bind: days[11])").first()?
                .decode(column: "n", as: Int.self) ?? 0
            #expect(lastTotals > 0)
            #expect((likes.json["points"] as? [[String: Any]])?.first?["value"] as? Double == Double(lastTotals), "\(likes.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func wrongQueriesNameTheFieldAndAnotherWorkspacesAccountIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let accountB = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "beta"])
                    .json["id"] as? String)
            try await MetricHistoryService.recordAccount(
                workspaceID: wsB.id!, accountID: UUID(uuidString: accountB)!, Self.day("2026-01-05", followers: 777), on: t.db)
            let series = "/api/v1/workspaces/\(ws.slug)/analytics/series"
            let cases: [(String, [String])] = [
                ("", ["metric"]), ("?metric=fans", ["metric"]), ("?metric=likes&granularity=hour", ["granularity"]),
                ("?metric=likes&from=2026-02-30", ["from"]), ("?metric=likes&from=2026-03-02&to=2026-03-01", ["to"]),
                ("?metric=likes&from=2020-01-01&to=2026-01-01", ["to"]), ("?metric=likes&account=nope", ["account"]),
                ("?metric=followers&account=\(accountB)", ["account"]), ("?metric=likes&platform=myspace", ["platform"]),
            ]
            for (query, fields) in cases {
                let reply = try await t.api(.GET, series + query, token: token)
                #expect(reply.status == .unprocessableEntity && reply.problemFields == fields, "\(query): \(reply.status) \(reply.body)")
            }
            let alpha = try await t.api(.GET, series + "?metric=followers&from=2026-01-05&to=2026-01-05", token: token)
            #expect(!alpha.body.contains("777"), "B's numbers never reach A")
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePassReadsEachAccountOnceADayAndTheSandboxBackfillsItsHistory(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let accountID = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
                    .json["id"] as? String)
            let account = try #require(try await SocialAccount.find(UUID(uuidString: accountID), on: t.db))
            let now = Date()
            // act: the pass finds the account due, the read stores today once
            let due = try await MetricsPass.due(workspaceID: ws.id!, on: t.db, now: now)
            #expect(due.map(\.accountID) == [account.id!] && due.first?.variantID == nil)
            #expect(try await MetricsPass.unfilled(workspaceID: ws.id!, on: t.db) == [account.id!])
            try await MetricHistoryService.takeDueNow(workspaceID: ws.id!, app: t.app, now: now)
            try await MetricHistoryService.takeDueNow(workspaceID: ws.id!, app: t.app, now: now)
            #expect(try await MetricsPass.due(workspaceID: ws.id!, on: t.db, now: now).isEmpty)
            let written = try await MetricHistoryService.backfill(account, days: 40, app: t.app, now: now)
            let again = try await MetricHistoryService.backfill(account, days: 40, app: t.app, now: now)
            // check
            let stored = try await Self.rows(t, "account_metric_days", account: account.id!)
            #expect(written == 40 && again == 40 && stored.count == 41, "40 past days and today, each once")
            #expect(stored.last?.source == "snapshot" && stored.dropLast().allSatisfy { $0.source == "backfill" })
            let followers = stored.compactMap(\.followers)
            #expect(followers == followers.sorted(), "the Sandbox's followers only grow")
            #expect(try await MetricsPass.unfilled(workspaceID: ws.id!, on: t.db).isEmpty)
            // Retention keeps what is younger than its days.
            try await MetricsRetention.purge(keeping: 30, now: now, on: t.db)
            let kept = try await Self.rows(t, "account_metric_days", account: account.id!)
            #expect(kept.count < stored.count && kept.count >= 29 && kept.last?.day == stored.last?.day)
            // The accounts page shows the stored followers and their day.
            try await MetricHistoryService.recordAccount(
                workspaceID: ws.id!, accountID: account.id!,
                Self.day(try #require(kept.last?.day), followers: 43_210), on: t.db)
            let browser = Browser(t)
            _ = try await browser.signIn("lead@example.com")
            let page = try await browser.get("/w/\(ws.slug)/accounts")
            #expect(page.status == .ok && page.body.contains("followers-as-of") && page.body.contains("43,210"), "\(page.body.prefix(0))")
        }
    }

    @Test func theAccountsPageModelSaysWhenFollowersWereTaken() {
        let found = AccountsPage.Found(accounts: [
            .init(
                id: "a", name: "Brand", platform: "sandbox", rulesPlatform: "sandbox", handle: "brand", status: "connected", followers: 1_234,
                followersDay: "2026-12-04", recentFollowers: [1_200, 1_234])
        ])
        let zh = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: false, locale: .zhHans)
        #expect(zh.rows[0].followersAsOf?.hasPrefix("截至 ") == true && zh.rows[0].sparkline == [1_200, 1_234])
        let en = AccountsPage.model(.init(), found, errors: FormErrors(), base: "/w/demo", canConnect: false, locale: .en)
        #expect(en.rows[0].followersAsOf?.hasPrefix("as of ") == true)
        let none = AccountsPage.model(
            .init(),
            .init(accounts: [.init(id: "b", name: "New", platform: "sandbox", rulesPlatform: "sandbox", handle: "new", status: "connected")]),
            errors: FormErrors(), base: "/w/demo", canConnect: false, locale: .en)
        #expect(none.rows[0].followers == "—" && none.rows[0].followersAsOf == nil)
    }
}
