import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Weekly, monthly and custom reports (issue 18 scope 7): made from the
/// overview's numbers, archived once per period however many passes run,
/// printable and as CSV, each wrong field named, another workspace's
/// report not found.
@Suite struct ReportsTests {
    @Test(arguments: TestDatabase.available)
    func aReportForAnyPeriodHoldsTheOverviewsNumbers(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (token, ws, _) = try await DashboardTests.seed(t)
            let api = "/api/v1/workspaces/\(ws.slug)/reports"
            let made = try await t.api(.POST, api, token: token, json: ["from": "2026-01-05", "to": "2026-01-11"])
            #expect(made.status == .created, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            #expect(made.json["kind"] as? String == "custom" && made.json["compared_from"] as? String == "2025-12-29")
            let content = try #require(made.json["content"] as? [String: Any])
            let kpis = Dictionary(uniqueKeysWithValues: (content["kpis"] as? [[String: Any]] ?? []).map { ($0["key"] as! String, $0) })
            // The same numbers the overview API gives for the period.
            let overview = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/overview?\(DashboardTests.period)", token: token)
            let live = DashboardTests.kpis(overview)
            for key in ["followers", "followers_net", "engagements", "impressions", "sign_ups", "purchase_amount"] {
                #expect(kpis[key]?["value"] as? Double == live[key]?["value"] as? Double, "\(key)")
                #expect(kpis[key]?["previous"] as? Double == live[key]?["previous"] as? Double, "\(key)")
            }
            #expect(kpis["followers"]?["value"] as? Double == 125)
            let top = content["top"] as? [[String: Any]] ?? []
            #expect(top.first?["engagements"] as? Double == 40, "the core post gained 40 in the week")

            // Archived: listed, readable again, and as CSV with a byte-order mark.
            let list = try await t.api(.GET, api, token: token)
            #expect(list.items.map { $0["id"] as? String } == [id] && list.items.first?["content"] == nil)
            #expect(try await t.api(.GET, api + "/\(id)", token: token).json["content"] != nil)
            let csv = try await t.api(.GET, api + "/\(id)/csv", token: token)
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
            #expect(csv.body.hasPrefix("\u{FEFF}report,from,to") && csv.body.contains("\r\nfollowers,count,125,100,0.25\r\n"), "\(csv.body)")
            #expect(csv.headers.first(name: .contentDisposition)?.contains("fanfare-\(ws.slug)-report-custom-2026-01-05_2026-01-11.csv") == true)

            // The pages: the archive, the printable report and the form.
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/reports/\(id)")
            #expect(page.status == .ok && page.body.contains("id=\"report-kpis\"") && page.body.contains("id=\"report-print\""))
            #expect(page.body.contains("data-kpi=\"followers\""))
            #expect(try await browser.get("/w/\(ws.slug)/reports").body.contains("/w/\(ws.slug)/reports/\(id.lowercased())"))
            let posted = try await browser.post("/w/\(ws.slug)/reports", [("from", "2026-01-01"), ("to", "2026-01-11"), ("compare", "last_year")])
            #expect(posted.status == .seeOther, "\(posted.body)")
            #expect(try await AnalyticsReport.query(on: t.db).count() == 2, "a custom period may be asked for again: numbers change")
        }
    }

    @Test(arguments: TestDatabase.available)
    func wrongPeriodsAreNamedAndNothingIsStored(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let api = "/api/v1/workspaces/\(ws.slug)/reports"
            let cases: [([String: Any], [String])] = [
                ([:], ["from", "to"]),
                (["from": "2026-13-01", "to": "yesterday"], ["from", "to"]),
                (["from": "2026-01-10", "to": "2026-01-01"], ["to"]),
                (["from": "2024-01-01", "to": "2026-01-01"], ["to"]),
                (["from": "2026-01-01", "to": "2099-01-01"], ["to"]),
                (["from": "2026-01-01", "to": "2026-01-07", "compare": "lastweek"], ["compare"]),
            ]
            for (body, fields) in cases {
                let reply = try await t.api(.POST, api, token: token, json: body)
                #expect(reply.status == .unprocessableEntity, "\(body): \(reply.body)")
                #expect(Set(reply.problemFields) == Set(fields), "\(body): \(reply.body)")
            }
            #expect(try await t.api(.GET, api + "?kind=daily", token: token).problemFields == ["kind"])
            #expect(try await AnalyticsReport.query(on: t.db).count() == 0)
            let browser = Browser(t)
            #expect(try await browser.signIn("lead@example.com").status == .seeOther)
            #expect(try await browser.get("/w/\(ws.slug)/reports").body.contains("id=\"reports-empty\""))
            let page = try await browser.post("/w/\(ws.slug)/reports", [("from", "2026-01-10"), ("to", "2026-01-01")])
            #expect(page.status == .unprocessableEntity && page.body.contains("to-error"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func theSchedulesReportsAreMadeOnceInTheWorkspacesTimeZone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (token, ws, _) = try await DashboardTests.seed(t)
            ws.createdAt = MetricDay.parse("2025-11-20")!
            try await ws.save(on: t.db)
            // Sunday 2026-01-11 23:30 in Shanghai is 15:30 UTC: the week has not ended there yet.
            let sunday = ISO8601DateFormatter().date(from: "2026-01-11T15:30:00Z")!
            try await ReportSchedulePass.run(t.db, now: sunday, logger: t.app.logger)
            let before = try await AnalyticsReport.query(on: t.db).all().map { "\($0.kind) \($0.periodFrom) \($0.periodTo)" }
            #expect(Set(before) == ["weekly 2025-12-29 2026-01-04", "monthly 2025-12-01 2025-12-31"], "\(before)")
            // Monday 00:30 there: last week's report; passes on several nodes at once make it once.
            let monday = ISO8601DateFormatter().date(from: "2026-01-11T16:30:00Z")!
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await ReportSchedulePass.run(t.db, now: monday, logger: t.app.logger) } }
                try await group.waitForAll()
            }
            try await ReportSchedulePass.run(t.db, now: monday.addingTimeInterval(3_600), logger: t.app.logger)
            let all = try await AnalyticsReport.query(on: t.db).all()
            #expect(all.count == 3, "\(all.map { "\($0.kind) \($0.periodFrom)" })")
            let weekly = try #require(all.first { $0.kind == "weekly" && $0.periodFrom == "2026-01-05" })
            #expect(weekly.periodTo == "2026-01-11" && weekly.createdBy == nil && weekly.timeZone == ws.timeZone)
            let content = try weekly.content()
            #expect(content.kpis.first { $0.key == "followers" }?.value == 125)
            #expect(content.kpis.first { $0.key == "followers" }?.daily.count == 7, "one value a day for the chart")
            let listed = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/reports?kind=weekly", token: token)
            #expect(listed.items.count == 2)
        }
    }
}
