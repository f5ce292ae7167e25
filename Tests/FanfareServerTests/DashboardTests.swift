import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The overview dashboard (issue 18 scope 4–6): its KPIs from the store
/// and the event API, the rows behind each number adding up to it, the
/// CSV exports, filters, wrong parameters named, an empty workspace, and
/// another workspace's account refused.
@Suite struct DashboardTests {
    static let period = "from=2026-01-05&to=2026-01-11"

    /// A workspace with one Sandbox account: followers over the period and
    /// the week before, two posts (core and basic pillar) with their days,
    /// and sign-ups and a purchase through the event API (the workspace's
    /// days are Shanghai's: 16:00 UTC is the next day).
    static func seed(_ t: TestApp) async throws -> (token: String, ws: Workspace, account: String) {
        let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
        let base = "/api/v1/workspaces/\(ws.slug)"
        let accountID = try #require(
            try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"]).json["id"] as? String)
        let account = UUID(uuidString: accountID)!
        // Comparison week 2025-12-29…2026-01-04: 80 → 100; this week: 110, 107, (none), 120, …, 125.
        let days: [(String, Int)] = [
            ("2025-12-29", 80), ("2026-01-04", 100), ("2026-01-05", 110), ("2026-01-06", 107), ("2026-01-08", 120), ("2026-01-11", 125),
        ]
        for (day, followers) in days {
            try await MetricHistoryService.recordAccount(
                workspaceID: ws.id!, accountID: account,
                .init(day: day, followers: followers, following: nil, posts: nil, platformValues: nil, source: "snapshot", takenAt: Date()), on: t.db)
        }
        let zone = TimeZone(identifier: "UTC")!
        for (pillar, campaign, totals) in [
            ("core", "spring", [("2026-01-04", 5), ("2026-01-06", 25), ("2026-01-09", 45)]), ("basic", "", [("2026-01-07", 4)]),
        ] {
            var body: [String: Any] = ["body": "Post \(pillar)", "account_ids": [accountID], "pillar": pillar]
            if !campaign.isEmpty { body["campaign"] = campaign }
            let post = try await t.api(.POST, base + "/posts", token: token, json: body)
            let variant = try #require(UUID(uuidString: (post.json["variants"] as? [[String: Any]])?.first?["id"] as? String ?? ""), "\(post.body)")
            for (day, likes) in totals {
                try await MetricHistoryService.recordPost(
                    workspaceID: ws.id!, variantID: variant, accountID: account, platform: "sandbox",
                    metrics: PostMetrics(
                        impressions: likes * 20, likes: likes, comments: 0, shares: 0, at: MetricDay.parse(day)!.addingTimeInterval(43_200)),
                    timeZone: zone, on: t.db)
            }
        }
        let events: [[String: Any]] = [
            ["id": "s1", "type": "sign_up", "at": "2026-01-05T09:00:00Z", "fan": ["external_id": "c1"]],
            ["id": "s2", "type": "sign_up", "at": "2026-01-06T09:00:00Z", "fan": ["external_id": "c2"]],
            ["id": "s3", "type": "sign_up", "at": "2026-01-11T15:59:00Z", "fan": ["external_id": "c1"]],
            ["id": "s4", "type": "sign_up", "at": "2026-01-11T16:00:00Z", "fan": ["external_id": "c3"]],
            ["id": "s5", "type": "sign_up", "at": "2026-01-01T10:00:00Z", "fan": ["external_id": "c3"]],
            ["id": "p1", "type": "purchase", "at": "2026-01-07T12:00:00Z", "amount_fen": 12_345, "fan": ["external_id": "c2"]],
        ]
        let sent = try await t.api(.POST, base + "/events", token: token, json: ["events": events])
        #expect(sent.json["accepted"] as? Int == 6, "\(sent.body)")
        return (token, ws, accountID)
    }

    static func kpis(_ reply: Reply) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: (reply.json["kpis"] as? [[String: Any]] ?? []).map { ($0["key"] as! String, $0) })
    }

    @Test(arguments: TestDatabase.available)
    func theOverviewAddsUpAndEachNumberOpensTheRowsBehindIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (token, ws, _) = try await Self.seed(t)
            let api = "/api/v1/workspaces/\(ws.slug)/analytics/overview?\(Self.period)"
            let reply = try await t.api(.GET, api, token: token)
            #expect(reply.status == .ok, "\(reply.body)")
            #expect(reply.json["comparison_from"] as? String == "2025-12-29" && reply.json["comparison_to"] as? String == "2026-01-04")
            let kpis = Self.kpis(reply)
            #expect(kpis["followers"]?["value"] as? Double == 125 && kpis["followers"]?["previous"] as? Double == 100)
            #expect(kpis["followers_net"]?["value"] as? Double == 25, "125 − 100")
            #expect(kpis["followers_net"]?["previous"] as? Double == 20, "the comparison week's first day is its start")
            #expect(kpis["engagements"]?["value"] as? Double == 44, "core gained 40 (5 → 45), basic 4")
            #expect(kpis["impressions"]?["value"] as? Double == 880)
            #expect(kpis["engagement_rate"]?["value"] as? Double == 0.05 && reply.json["basis"] as? String == "impressions")
            #expect(kpis["sign_ups"]?["value"] as? Double == 3 && kpis["sign_ups"]?["previous"] as? Double == 1)
            #expect(kpis["purchases"]?["value"] as? Double == 1 && kpis["purchase_amount"]?["value"] as? Double == 12_345)
            #expect(kpis["followers"]?["change_ratio"] as? Double == 0.25 && kpis["followers"]?["direction"] as? String == "up")
            let top = try #require(reply.json["top"] as? [[String: Any]])
            #expect(top.map { $0["pillar"] as? String } == ["core", "basic"] && top.first?["engagements"] as? Double == 40)
            // A content filter narrows the posts, not the followers.
            let core = Self.kpis(try await t.api(.GET, api + "&pillar=core", token: token))
            #expect(core["engagements"]?["value"] as? Double == 40 && core["followers"]?["value"] as? Double == 125)
            let spring = Self.kpis(try await t.api(.GET, api + "&campaign=spring", token: token))
            #expect(spring["engagements"]?["value"] as? Double == 40)
            let series = try await t.api(
                .GET, "/api/v1/workspaces/\(ws.slug)/analytics/series?metric=likes&\(Self.period)&pillar=basic&granularity=week", token: token)
            #expect((series.json["points"] as? [[String: Any]])?.map { $0["value"] as? Double } == [4], "\(series.body)")

            // The pages: the overview, the rows behind a KPI (count = KPI), the CSVs.
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/analytics?\(Self.period)")
            #expect(page.status == .ok)
            #expect(
                page.body.contains("id=\"kpi-followers\"") && page.body.contains("id=\"chart-followers\"")
                    && page.body.contains("id=\"analytics-top\""))
            #expect(page.body.contains("/analytics/rows?metric=sign_ups&amp;from=2026-01-05&amp;to=2026-01-11"))
            let events = try await browser.get("/w/\(ws.slug)/analytics/rows?metric=sign_ups&\(Self.period)")
            #expect(events.status == .ok && events.body.contains("3 events (total) from 2 fans (unique)"), "\(events.body)")
            let csv = try await browser.get("/w/\(ws.slug)/analytics/rows.csv?metric=sign_ups&\(Self.period)")
            #expect(csv.status == .ok && csv.body.hasPrefix("\u{FEFF}time,type,event_id,fan,amount\r\n"))
            #expect(csv.body.split(separator: "\r\n").count == 1 + 3, "a row per sign-up, as many as the KPI")
            #expect(csv.headers.first(name: .contentDisposition)?.contains("fanfare-\(ws.slug)-sign_ups-rows-2026-01-05_2026-01-11.csv") == true)
            // The follower rows' changes add up to the net growth.
            let followerRows = try await browser.get("/w/\(ws.slug)/analytics/rows.csv?metric=followers_net&\(Self.period)")
            let changes = followerRows.body.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
            #expect(changes.compactMap { Double($0) }.reduce(0, +) == 25 && changes.count == 4, "\(followerRows.body)")
            let postRows = try await browser.get("/w/\(ws.slug)/analytics/rows.csv?metric=engagements&\(Self.period)")
            let gained = postRows.body.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
            #expect(gained.compactMap { Double($0) }.reduce(0, +) == 44, "\(postRows.body)")
            let flow = try await browser.get("/w/\(ws.slug)/analytics/export.csv?metric=followers_flow&granularity=week&\(Self.period)")
            #expect(flow.body == "\u{FEFF}period,followers,new,lost,net\r\n2026-01-05,125,28,3,25\r\n", "\(flow.body)")
            // The 工作台 shows the week only with data; the nav names the overview.
            #expect(page.body.contains("href=\"/w/\(ws.slug)/analytics\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func wrongParametersAreNamedAndAnotherWorkspacesAccountIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (token, ws, _) = try await Self.seed(t)
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let accountB = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "beta"])
                    .json["id"] as? String)
            let api = "/api/v1/workspaces/\(ws.slug)/analytics/overview"
            let cases: [(String, [String])] = [
                ("?from=2026-02-30", ["from"]), ("?from=2026-03-02&to=2026-03-01", ["to"]), ("?compare=yesterday", ["compare"]),
                ("?period=14", ["period"]), ("?pillar=fun", ["pillar"]), ("?format=gif", ["format"]), ("?campaign=winter", ["campaign"]),
                ("?account=\(accountB)", ["account"]), ("?account=nope&platform=myspace", ["account", "platform"]),
            ]
            for (query, fields) in cases {
                let reply = try await t.api(.GET, api + query, token: token)
                #expect(reply.status == .unprocessableEntity && reply.problemFields == fields, "\(query): \(reply.status) \(reply.body)")
            }
            // B's own overview knows nothing of A's numbers.
            let other = Self.kpis(try await t.api(.GET, "/api/v1/workspaces/\(wsB.slug)/analytics/overview?\(Self.period)", token: tokenB))
            #expect(other["sign_ups"]?["value"] as? Double == 0 && other["followers"]?["value"] is NSNull)
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            #expect(try await browser.get("/w/\(ws.slug)/analytics?compare=yesterday").status == .unprocessableEntity)
            #expect(try await browser.get("/w/\(ws.slug)/analytics/rows?metric=fans").status == .unprocessableEntity)
            #expect(try await browser.get("/w/\(ws.slug)/analytics/export.csv?metric=fans").status == .unprocessableEntity)
            #expect(try await browser.get("/w/\(wsB.slug)/analytics").status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aWorkspaceWithNothingStoredSaysWhatToDoNext(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("new@example.com", workspace: "Fresh")
            let reply = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/overview", token: token)
            #expect(reply.status == .ok)
            #expect(Self.kpis(reply)["engagements"]?["value"] is NSNull && (reply.json["top"] as? [Any])?.isEmpty == true)
            let browser = Browser(t)
            #expect(try await browser.signIn("new@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/analytics")
            #expect(page.status == .ok && page.body.contains("id=\"analytics-empty\"") && page.body.contains("href=\"/w/\(ws.slug)/accounts\""))
            let home = try await browser.get("/w/\(ws.slug)")
            #expect(home.status == .ok && !home.body.contains("workbench-week-tiles"), "no week strip without numbers")
        }
    }
}
