import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The nightly anomaly pass (issue 18 scope 8): every core series of a
/// workspace judged, the new flags stored once, one notification to the
/// members who may see analytics, the list in the API and on the page.
@Suite struct AnomalyTests {
    /// An account with 60 days of followers growing by about 30 a day and
    /// a loss of 900 on `through`, and 50 days of five sign-ups a day with
    /// 40 on `through`, sent through the event API.
    static func history(_ t: TestApp, token: String, ws: Workspace) async throws -> (account: UUID, through: String, zone: TimeZone) {
        let base = "/api/v1/workspaces/\(ws.slug)"
        let accountID = try #require(
            try await t.api(.POST, base + "/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"]).json["id"] as? String)
        let account = try #require(UUID(uuidString: accountID))
        let zone = try await MetricHistoryService.timeZone(of: ws.id!, on: t.db)
        let through = MetricDay.adding(-1, to: MetricDay.of(Date(), in: zone))
        var level = 5_000
        var days: [(accountID: UUID, day: MetricHistoryService.AccountDay)] = []
        for offset in (0..<60).reversed() {
            level += 28 + (offset * 7) % 5
            if offset == 0 { level -= 900 }
            days.append(
                (
                    account,
                    MetricHistoryService.AccountDay(
                        day: MetricDay.adding(-offset, to: through), followers: level, following: nil, posts: nil, platformValues: nil,
                        source: "snapshot", takenAt: Date())
                ))
        }
        try await MetricHistoryService.recordAccounts(workspaceID: ws.id!, days, on: t.db)
        var events: [[String: Any]] = []
        let noon = CoreSeries.dayStart(through, zone).addingTimeInterval(12 * 3_600)
        for offset in 0..<50 {
            for index in 0..<(offset == 0 ? 40 : 5) {
                events.append([
                    "id": "e-\(offset)-\(index)", "type": "sign_up", "fan": ["external_id": "c-\(offset)-\(index)"],
                    "at": ISO8601DateFormatter().string(from: noon.addingTimeInterval(-Double(offset) * 86_400)),
                ])
            }
        }
        let sent = try await t.api(.POST, base + "/events", token: token, json: ["events": events])
        #expect(sent.json["accepted"] as? Int == events.count, "\(sent.body)")
        return (account, through, zone)
    }

    @Test(arguments: TestDatabase.available)
    func theNightlyPassStoresNewAnomaliesOnceAndTellsTheReaders(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (lead, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let viewer = try await t.makeUser("viewer@example.com", locale: "zh-Hans")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let (account, through, zone) = try await Self.history(t, token: token, ws: ws)

            // act
            let first = try await NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)

            // check: the loss on the account's two series and the burst of sign-ups, on `through` only
            #expect(first.judged?.from == through && first.judged?.to == through)
            #expect(first.series == 3, "followers, followers_net, events.sign_up: \(first.series)")
            #expect(Set(first.found.map(\.series)) == ["followers", "followers_net", "events.sign_up"], "\(first.found)")
            #expect(first.found.allSatisfy { $0.day == through })
            let followers = try #require(first.found.first { $0.series == "followers" })
            #expect(followers.accountId == account && followers.value < followers.low && followers.score < 0)
            let signUps = try #require(first.found.first { $0.series == "events.sign_up" })
            #expect(signUps.value == 40 && signUps.expected == 5 && signUps.accountId == nil)
            // One notification per reader, in the reader's language.
            let notes = try await UserNotification.query(on: t.db).filter(\.$workspace.$id == ws.id!).all()
            #expect(Set(notes.map { $0.$user.id }) == [lead.id!, viewer.id!])
            #expect(notes.allSatisfy { $0.link == "/analytics/anomalies?from=\(through)&to=\(through)" })
            #expect(Notifier.message(of: notes[0], locale: .en) == "3 anomalies found in the numbers from \(through) to \(through). See the list.")
            #expect(Notifier.message(of: notes[0], locale: .zhHans).contains("发现 3 个异常"))

            // A rerun of the night, and two at once, add nothing and tell no one again.
            let again = try await NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)
            #expect(again.judged == nil && again.found.isEmpty)
            let sql = t.db as! any SQLDatabase
            try await sql.raw("DELETE FROM analytics_anomaly_runs").run()
            async let one = NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)
            async let two = NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)
            let both = try await [one, two]
            #expect(both.allSatisfy { $0.found.isEmpty }, "already stored")
            #expect(try await AnalyticsAnomaly.query(on: t.db).count() == 3)
            #expect(try await UserNotification.query(on: t.db).count() == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theListFiltersAndRefusesWithTheFieldNamed(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (account, through, zone) = try await Self.history(t, token: token, ws: ws)
            _ = try await NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics/anomalies"

            let all = try await t.api(.GET, base, token: token)
            #expect(all.status == .ok && all.items.count == 3, "\(all.body)")
            let one = try await t.api(.GET, base + "?series=followers&from=\(through)&to=\(through)&account=\(account.uuidString)", token: token)
            #expect(one.items.map { $0["series"] as? String } == ["followers"])
            #expect(
                one.items.first?["account_id"] as? String == account.uuidString.lowercased()
                    || one.items.first?["account_id"] as? String == account.uuidString)
            let paged = try await t.api(.GET, base + "?limit=2", token: token)
            let cursor = try #require(paged.json["next_cursor"] as? String)
            let rest = try await t.api(.GET, base + "?limit=2&cursor=\(cursor)", token: token)
            #expect(paged.items.count == 2 && rest.items.count == 1)
            let earlier = try await t.api(.GET, base + "?to=\(MetricDay.adding(-1, to: through))", token: token)
            #expect(earlier.items.isEmpty)

            let bad = try await t.api(.GET, base + "?from=yesterday&series=mood&account=\(UUID().uuidString)", token: token)
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["from", "series", "account"], "\(bad.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePageListsThemAndDrawsTheSeries(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (account, through, zone) = try await Self.history(t, token: token, ws: ws)
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let empty = try await browser.get("/w/\(ws.slug)/analytics/anomalies")
            #expect(empty.status == .ok && empty.body.contains("No anomalies yet"))
            // Reached from 数据概览's tabs, not the main navigation (which must fit one line).
            #expect(empty.body.contains("<a href=\"/w/\(ws.slug)/analytics/anomalies\" aria-current=\"page\">"))
            #expect(empty.body.contains("id=\"analytics-tabs\"") && empty.body.contains("<a href=\"/w/\(ws.slug)/analytics/imports\">"))
            #expect(empty.body.components(separatedBy: "href=\"/w/\(ws.slug)/analytics/anomalies\"").count == 2)  // once: the tab
            _ = try await NightlyAnomalyPass.pass(workspaceID: ws.id!, zone: zone, through: through, now: Date(), on: t.db)

            let page = try await browser.get("/w/\(ws.slug)/analytics/anomalies")
            #expect(page.body.contains("data-series=\"followers\" data-day=\"\(through)\""))
            #expect(page.body.contains("data-series=\"events.sign_up\""))
            let series = try await browser.get("/w/\(ws.slug)/analytics/anomalies?series=followers_net&account=\(account.uuidString)")
            #expect(series.status == .ok && series.body.contains("id=\"anomaly-series\""), "\(series.status)")
            let bad = try await browser.get("/w/\(ws.slug)/analytics/anomalies?from=soon")
            #expect(bad.status == .unprocessableEntity)
        }
    }
}

/// The anomalies page's model and view, without a database.
@Suite struct AnomalyPageTests {
    static let row = AnomalyPage.Row(
        series: AnomalySeriesKey(.followers), account: .init(id: UUID(), platform: "sandbox", handle: "brand"), day: "2026-11-30",
        value: 12_100, expected: 13_000, low: 12_800, high: 13_200, score: -9.1)

    func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/analytics/anomalies")
    }

    @Test func eachAnomalyReadsInTheReadersLanguageAndLinksToItsSeries() {
        let found = AnomalyPage.Found(rows: [
            Self.row,
            .init(
                series: AnomalySeriesKey(.events, eventType: "purchase"), account: nil, day: "2026-11-29", value: 40, expected: 5, low: 1, high: 9,
                score: 12.5),
            .init(
                series: AnomalySeriesKey(.engagementRate), account: nil, day: "2026-11-28", value: 0.08, expected: 0.03, low: 0.02, high: 0.04,
                score: 7),
        ])
        let zh = AnomalyPage.model(.init(), found, base: "/w/demo", errors: FormErrors(), locale: .zhHans)
        #expect(zh.items.map(\.series) == ["粉丝数", "转化：购买", "互动率"])
        #expect(zh.items[0].account == "Sandbox（离线） @brand" && zh.items[1].account == nil)
        #expect(zh.items[0].value == "12,100" && zh.items[0].band == "12,800 至 13,200" && zh.items[0].direction == "below")
        #expect(zh.items[2].value == "8.0%" && zh.items[1].direction == "above" && zh.items[1].score == "12.5")
        #expect(zh.items[0].seriesHref.hasPrefix("/w/demo/analytics/anomalies?from=2026-09-16&to=2026-12-14&series=followers&account="))
        let en = AnomalyPage.model(.init(), found, base: "/w/demo", errors: FormErrors(), locale: .en)
        #expect(en.items.map(\.series) == ["Followers", "Conversions: purchases", "Engagement rate"])
    }

    @Test func theViewDrawsTheChosenSeriesAndSaysWhatToDoWhenEmpty() {
        let zh = context(.zhHans)
        let series = AnomalyPage.Series(
            key: AnomalySeriesKey(.followers), account: Self.row.account, from: "2026-11-28", to: "2026-11-30",
            points: [.init(day: "2026-11-28", value: 13_000, flagged: false), .init(day: "2026-11-30", value: 12_100, flagged: true)])
        let filter = AnomalyList.Filter(series: AnomalySeriesKey(.followers), accountID: Self.row.account!.id)
        let model = AnomalyPage.model(filter, .init(rows: [Self.row], series: series), base: "/w/demo", errors: FormErrors(), locale: .zhHans)
        let html = AnomalyPage.view(model, zh, zone: .gmt).rendered
        #expect(html.contains("id=\"anomaly-series\"") && html.contains("圈出的 1 天为异常"))
        #expect(html.contains("<span translate=\"no\">Sandbox（离线） @brand</span>"))
        #expect(html.contains("data-code=\"below\">偏低</span>"))
        let empty = AnomalyPage.view(AnomalyPage.model(.init(), .init(), base: "/w/demo", errors: FormErrors(), locale: .zhHans), zh, zone: .gmt)
            .rendered
        #expect(empty.contains("暂无异常") && !empty.contains("anomalies-list"))
        let none = AnomalyPage.view(
            AnomalyPage.model(.init(series: AnomalySeriesKey(.impressions)), .init(), base: "/w/demo", errors: FormErrors(), locale: .en),
            context(.en),
            zone: .gmt
        ).rendered
        #expect(none.contains("No anomalies match these filters"))
    }
}
