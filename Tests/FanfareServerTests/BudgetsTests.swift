import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Budgets and ROI (issue 22 scope 3) through the API and the pages, on
/// every test database: lines and channels, bad input by field, the spend
/// ledger with Idempotency-Key, CSV import and approvals, ROI from
/// conversion events, the stop-loss pass and tenant isolation.
@Suite struct BudgetsTests {
    static let agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"

    /// The page's own content (the shell's menus are tested elsewhere).
    static func main(_ html: String) -> String {
        guard let start = html.range(of: "<main"), let end = html.range(of: "</main>") else { return html }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// This month as the summary and the stop-loss pass read it.
    static var month: String { BudgetSummary.month(of: Date()) }
    static var today: String { MetricDay.of(Date(), in: TimeZone(identifier: "UTC")!) }

    /// Purchases worth `fen` in total through a link whose utm_source is
    /// `source`, by the product's own paths (a visit, then the shop's event).
    static func revenue(_ t: TestApp, ws: Workspace, source: String, campaign: String? = nil, fen: Int64, tag: String) async throws {
        let access = WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: .admin, matrix: .standard)
        let link = try await LinkService(db: t.db).create(
            .init(destination: "https://shop.example.com/\(tag)", utmSource: source, campaign: campaign), in: access, by: nil)
        let recorder = t.app.clickRecorder
        let visit = try #require(try await recorder.recordVisit(code: link.code, address: "198.51.100.7", userAgent: agent, at: Date(), on: t.db))
        try await recorder.flush()
        let at = max(Date().addingTimeInterval(-60), BudgetSummary.bounds(month)!.0)
        let outcome = try await EventService.recordStream(
            [
                [
                    "id": "buy-\(tag)", "type": "purchase", "at": ISO8601DateFormatter().string(from: at), "amount_fen": fen,
                    "click_id": visit.click.uuidString,
                ]
            ],
            workspaceID: ws.id!, now: Date(), on: t.db)
        #expect(outcome.accepted == 1, "\(outcome)")
    }

    @Test(arguments: TestDatabase.available)
    func linesAndChannelsAreWrittenAndBadInputNamesTheField(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/budget"
            let channel = try await t.api(.POST, base + "/channels", token: token, json: ["key": "Weibo", "label": "微博"])
            #expect(channel.status == .created, "\(channel.body)")
            #expect(channel.json["key"] as? String == "weibo" && channel.json["pilot"] as? Bool == true)
            #expect(channel.json["stop_loss_ratio"] as? Double == 3 && channel.json["min_spend_fen"] as? Int == 500_000)
            let twice = try await t.api(.POST, base + "/channels", token: token, json: ["key": "weibo"])
            #expect(twice.status == .unprocessableEntity && twice.problemFields == ["key"])
            let badChannel = try await t.api(
                .POST, base + "/channels", token: token,
                json: ["key": "x", "stop_loss_ratio": 0, "min_spend_yuan": "-1", "fallback_destination": "ftp://x"])
            #expect(Set(badChannel.problemFields) == ["stop_loss_ratio", "min_spend_yuan", "fallback_destination"], "\(badChannel.body)")

            // Negative money, an unknown category, no name and a wrong month: each named.
            let bad = try await t.api(
                .POST, base + "/lines", token: token, json: ["name": "", "category": "misc", "month": "2026-13", "planned_fen": -5])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["name", "category", "month", "planned_fen"], "\(bad.body)")
            // Three decimals of yuan.
            let decimals = try await t.api(
                .POST, base + "/lines", token: token, json: ["name": "Ads", "category": "variable", "month": Self.month, "planned_yuan": "12.345"])
            #expect(decimals.problemFields == ["planned_yuan"])
            // A campaign of the workspace (issue 22's campaigns), by reference.
            let campaign = try #require(
                try await t.api(
                    .POST, "/api/v1/workspaces/\(ws.slug)/campaigns", token: token,
                    json: ["name": "spring", "template": "custom", "launch_day": "2027-03-01"]
                ).json["id"] as? String
            ).lowercased()
            let made = try await t.api(
                .POST, base + "/lines", token: token,
                json: [
                    "name": "Weibo ads", "category": "variable", "month": Self.month, "planned_yuan": "12,000.50", "channel_key": "WEIBO",
                    "campaign_id": campaign, "campaign": "spring",
                ])
            #expect(made.status == .created, "\(made.body)")
            #expect(made.json["planned_fen"] as? Int == 1_200_050 && made.json["channel_key"] as? String == "weibo")
            #expect((made.json["campaign_id"] as? String)?.lowercased() == campaign)
            let id = try #require(made.json["id"] as? String)
            let changed = try await t.api(
                .PUT, base + "/lines/\(id)", token: token,
                json: ["name": "Weibo ads", "category": "variable", "month": Self.month, "planned_fen": 1_000_000, "channel_key": "weibo"])
            #expect(changed.status == .ok && changed.json["planned_fen"] as? Int == 1_000_000 && changed.json["campaign_id"] == nil)
            #expect(try await t.api(.GET, base + "/lines?month=\(Self.month)", token: token).items.count == 1)
            let csv = try await t.api(.GET, base + "/lines/export", token: token)
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv" && csv.body.contains("Weibo ads,variable,weibo,,,10000.00"))

            // The default split writes four lines adding up to the total.
            let split = try await t.api(.POST, base + "/lines/default-split", token: token, json: ["month": "2027-01", "total_yuan": "110000"])
            #expect(split.status == .created && split.items.count == 4)
            #expect(split.items.compactMap { $0["planned_fen"] as? Int }.reduce(0, +) == 11_000_000)
            let summary = try await t.api(.GET, base + "/summary?month=2027-01", token: token)
            #expect((summary.json["split"] as? [[String: Any]])?.allSatisfy { $0["in_range"] as? Bool == true } == true, "\(summary.body)")
            #expect(try await t.api(.GET, base + "/summary?month=27-01", token: token).problemFields == ["month"])

            #expect(try await t.api(.DELETE, base + "/lines/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.GET, base + "/lines/\(id)", token: token).status == .notFound)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "budget.line_created").count() == 5)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "budget.line_deleted").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func spendIsRecordedOncePerKeyAndBigSpendWaitsForApproval(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/budget"
            let line = try #require(
                try await t.api(
                    .POST, base + "/lines", token: token,
                    json: ["name": "Ads", "category": "variable", "month": Self.month, "planned_fen": 1_000_000]
                ).json["id"] as? String)
            let body: [String: Any] = ["line_id": line, "amount_yuan": "800", "spent_on": Self.today, "note": "boost"]
            // The same bytes each time (a retry resends its body as it was).
            let raw = String(decoding: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]), as: UTF8.self)
            let first = try await t.api(.POST, base + "/spend", token: token, rawBody: raw, headers: [("Idempotency-Key", "spend-1")])
            #expect(first.status == .created && first.json["source"] as? String == "api" && first.json["state"] as? String == "approved")
            let again = try await t.api(.POST, base + "/spend", token: token, rawBody: raw, headers: [("Idempotency-Key", "spend-1")])
            #expect(again.status == .created && again.json["id"] as? String == first.json["id"] as? String)
            #expect(try await SpendEntry.query(on: t.db).count() == 1)

            // The same key sent twice at once still makes one entry.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        let concurrent = "{\"amount_fen\":12300,\"line_id\":\"\(line)\",\"spent_on\":\"\(Self.today)\"}"
                        return try await t.api(.POST, base + "/spend", token: token, rawBody: concurrent, headers: [("Idempotency-Key", "spend-2")])
                            .status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict }, "\(statuses)")
            #expect(try await SpendEntry.query(on: t.db).filter(\.$amountFen == 12_300).count() == 1)

            let bad = try await t.api(
                .POST, base + "/spend", token: token, json: ["line_id": UUID().uuidString, "amount_yuan": "1.001", "spent_on": "yesterday"])
            #expect(Set(bad.problemFields) == ["line_id", "amount_yuan", "spent_on"], "\(bad.body)")
            #expect(
                try await t.api(.POST, base + "/spend", token: token, json: ["line_id": line, "amount_fen": -1, "spent_on": Self.today]).problemFields
                    == ["amount_fen"])

            // Above the threshold (¥1,000 here) spend waits; it counts once approved.
            let settings = try await t.api(.PUT, base + "/settings", token: token, json: ["approval_threshold_yuan": "1000"])
            #expect(settings.json["approval_threshold_fen"] as? Int == 100_000)
            let big = try await t.api(.POST, base + "/spend", token: token, json: ["line_id": line, "amount_yuan": "2000", "spent_on": Self.today])
            #expect(big.json["state"] as? String == "pending")
            let bigID = try #require(big.json["id"] as? String)
            var summary = try await t.api(.GET, base + "/summary", token: token)
            #expect(summary.json["actual_fen"] as? Int == 92_300 && summary.json["pending_fen"] as? Int == 200_000)
            let approved = try await t.api(.POST, base + "/spend/\(bigID)/approve", token: token, json: ["note": "ok for launch"])
            #expect(approved.status == .ok && approved.json["state"] as? String == "approved" && approved.json["decided_by"] != nil)
            let twice = try await t.api(.POST, base + "/spend/\(bigID)/reject", token: token)
            #expect(twice.status == .unprocessableEntity && twice.problemFields == ["state"])
            summary = try await t.api(.GET, base + "/summary", token: token)
            #expect(summary.json["actual_fen"] as? Int == 292_300)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "budget.spend_approved").count() == 1)

            // A viewer reads but cannot record or decide.
            let viewer = try await t.makeUser("viewer@example.com")
            _ = try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.GET, base + "/spend", token: viewerToken).items.count == 3)
            #expect(try await t.api(.POST, base + "/spend", token: viewerToken, json: body).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFileWithOneBadRowWritesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/budget"
            _ = try await t.api(
                .POST, base + "/lines", token: token, json: ["name": "Ads", "category": "variable", "month": Self.month, "planned_fen": 1])
            let bad = "line,amount_yuan,spent_on,note\nAds,100,\(Self.today),a\nAds,1.005,\(Self.today),b\nNope,5,\(Self.today),\n"
            let refused = try await t.api(.POST, base + "/spend/import", token: token, rawBody: bad, headers: [("Content-Type", "text/csv")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.problemFields == ["line 3: amount_yuan", "line 4: line"], "\(refused.body)")
            #expect(try await SpendEntry.query(on: t.db).count() == 0)
            let good = "预算科目,金额,日期,备注\nAds,100,\(Self.today),a\nAds,0.5,\(Self.today),b\n"
            let imported = try await t.api(.POST, base + "/spend/import", token: token, json: ["csv": good])
            #expect(imported.status == .created && imported.items.count == 2, "\(imported.body)")
            #expect(try await SpendEntry.query(on: t.db).filter(\.$source == "csv").count() == 2)
            let export = try await t.api(.GET, base + "/spend/export", token: token)
            #expect(export.body.contains("Ads,100.00,\(Self.today),a,csv,approved"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func roiComesFromConversionsAndABreachIsFlaggedOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/budget"
            _ = try await t.api(
                .POST, base + "/channels", token: token, json: ["key": "weibo", "label": "Weibo", "pilot": false, "hold_posts_on_breach": true])
            _ = try await t.api(.POST, base + "/channels", token: token, json: ["key": "wechat", "label": "WeChat", "pilot": false])
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/campaigns", token: token,
                json: ["name": "spring", "template": "custom", "launch_day": "2027-03-01"])
            let campaign = try #require(UUID(uuidString: made.json["id"] as? String ?? ""))
            var lines: [String: String] = [:]
            for (key, planned) in [("weibo", 2_000_000), ("wechat", 2_000_000)] {
                lines[key] = try #require(
                    try await t.api(
                        .POST, base + "/lines", token: token,
                        json: [
                            "name": key, "category": "variable", "month": Self.month, "planned_fen": planned, "channel_key": key,
                            "campaign_id": campaign.uuidString, "campaign": "spring",
                        ]
                    ).json["id"] as? String)
            }
            // ¥10,000 spent on each; Weibo brought back ¥20,000 (2:1), WeChat ¥50,000 (5:1).
            for key in ["weibo", "wechat"] {
                _ = try await t.api(
                    .POST, base + "/spend", token: token, json: ["line_id": lines[key]!, "amount_fen": 1_000_000, "spent_on": Self.today])
            }
            try await Self.revenue(t, ws: ws, source: "weibo", campaign: "spring", fen: 2_000_000, tag: "w")
            try await Self.revenue(t, ws: ws, source: "WeChat", campaign: "spring", fen: 5_000_000, tag: "c")
            let summary = try await t.api(.GET, base + "/summary", token: token)
            let channels = try #require(summary.json["channels"] as? [[String: Any]])
            let weibo = try #require(channels.first { $0["key"] as? String == "weibo" })
            #expect(weibo["revenue_fen"] as? Int == 2_000_000 && weibo["roi"] as? Double == 2 && weibo["state"] as? String == "breached")
            #expect(channels.first { $0["key"] as? String == "wechat" }?["state"] as? String == "healthy")
            let moves = try #require(summary.json["reallocations"] as? [[String: Any]])
            #expect(moves.count == 1 && moves.first?["from"] as? String == "weibo" && moves.first?["to"] as? String == "wechat")
            #expect(moves.first?["amount_fen"] as? Int == 400_000)
            let campaigns = try #require(summary.json["campaigns"] as? [[String: Any]])
            #expect(campaigns.first?["campaign"] as? String == "spring" && campaigns.first?["roi"] as? Double == 3.5)

            // The hourly pass flags Weibo once and tells the planners.
            let flagged = try await StopLossCheck.check(on: t.db, now: Date())
            let weiboID = try #require(weibo["id"] as? String)
            #expect(flagged.map { $0.uuidString.lowercased() } == [weiboID.lowercased()])
            #expect(try await StopLossCheck.check(on: t.db, now: Date()).isEmpty)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "budget.channel_breached").count() == 1)
            let notes = try await UserNotification.query(on: t.db).filter(\.$workspace.$id == ws.id!).all()
            #expect(notes.count == 1 && notes.first?.text.contains("budgets.notice.breached") == true)
            let stored = try await t.api(.GET, base + "/channels", token: token).items.first { $0["key"] as? String == "weibo" }
            #expect(stored?["last_state"] as? String == "breached" && stored?["breached_at"] != nil)
            // The campaign of a channel that holds posts on breach.
            #expect(try await BudgetsSurface.breachedCampaigns(workspaceID: ws.id!, on: t.db) == [campaign])
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherWorkspaceSeesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let base = "/api/v1/workspaces/\(ws.slug)/budget"
            let otherBase = "/api/v1/workspaces/\(other.slug)/budget"
            let line = try #require(
                try await t.api(
                    .POST, base + "/lines", token: token, json: ["name": "Ads", "category": "fixed", "month": Self.month, "planned_fen": 5]
                )
                .json["id"] as? String)
            let spend = try #require(
                try await t.api(.POST, base + "/spend", token: token, json: ["line_id": line, "amount_fen": 999_999_999, "spent_on": Self.today])
                    .json["id"] as? String)
            #expect(try await t.api(.GET, otherBase + "/lines/\(line)", token: otherToken).status == .notFound)
            #expect(try await t.api(.DELETE, otherBase + "/lines/\(line)", token: otherToken).status == .notFound)
            #expect(try await t.api(.POST, otherBase + "/spend/\(spend)/approve", token: otherToken).status == .notFound)
            let foreign = try await t.api(
                .POST, otherBase + "/spend", token: otherToken, json: ["line_id": line, "amount_fen": 1, "spent_on": Self.today])
            #expect(foreign.problemFields == ["line_id"])
            #expect(try await t.api(.GET, otherBase + "/spend", token: otherToken).items.isEmpty)
            #expect(try await t.api(.GET, base + "/lines", token: otherToken).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesWorkInChineseWithoutEnglish(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let zhUser = try await t.makeUser("zh-lead@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: ws, as: .manager)
            let browser = Browser(t)
            browser.acceptLanguage = "zh-CN"
            #expect(try await browser.signIn("zh-lead@example.com").status == .seeOther)
            let base = "/w/\(ws.slug)/budget"
            let empty = try await browser.get(base)
            #expect(empty.status == .ok && empty.body.contains("id=\"budget-empty\"") && empty.body.contains("使用默认比例"))
            #expect(VisibleText.latinWords(Self.main(empty.body)).isEmpty, "\(VisibleText.latinWords(Self.main(empty.body)))")
            // Three decimals are refused next to the field; nothing is written.
            let refused = try await browser.post(base + "/default-split", [("month", Self.month), ("total_yuan", "1.234")])
            #expect(refused.status == .unprocessableEntity && refused.body.contains("id=\"total_yuan-error\""))
            #expect(try await BudgetLine.query(on: t.db).count() == 0)
            #expect(try await browser.post(base + "/default-split", [("month", Self.month), ("total_yuan", "110000")]).status == .seeOther)
            #expect(try await BudgetLine.query(on: t.db).count() == 4)
            let channel = try await browser.post(
                base + "/channels", [("key", "weibo"), ("label", "微博"), ("stop_loss_ratio", "3"), ("min_spend_yuan", "5000"), ("pilot", "true")])
            #expect(channel.status == .seeOther)
            let badLine = try await browser.post(
                base + "/lines",
                [("name", "微博投放"), ("category", "variable"), ("month", Self.month), ("planned_yuan", "-3"), ("channel_key", "weibo")])
            #expect(badLine.status == .unprocessableEntity && badLine.body.contains("id=\"planned_yuan-error\""))
            #expect(VisibleText.latinWords(Self.main(badLine.body)).isEmpty, "\(VisibleText.latinWords(Self.main(badLine.body)))")
            #expect(
                try await browser.post(
                    base + "/lines",
                    [("name", "微博投放"), ("category", "variable"), ("month", Self.month), ("planned_yuan", "6000"), ("channel_key", "weibo")]
                ).status == .seeOther)
            let line = try #require(try await BudgetLine.query(on: t.db).filter(\.$name == "微博投放").first())
            #expect(line.plannedFen == 600_000)
            let spent = try await browser.post(
                base + "/spend", [("line_id", line.id!.uuidString.lowercased()), ("amount_yuan", "6000"), ("spent_on", Self.today), ("note", "首轮")])
            #expect(spent.status == .seeOther)
            let overview = try await browser.get(base)
            #expect(overview.status == .ok && overview.body.contains("id=\"plan-actual\"") && overview.body.contains("id=\"channel-roi\""))
            #expect(overview.body.contains("stop-loss-breached") && overview.body.contains("跌破止损线"))
            #expect(VisibleText.latinWords(Self.main(overview.body)).isEmpty, "\(VisibleText.latinWords(Self.main(overview.body)))")
            let ledger = try await browser.get(base + "/spend")
            #expect(ledger.status == .ok && ledger.body.contains("首轮") && ledger.body.contains("id=\"import-form\""))
            #expect(VisibleText.latinWords(Self.main(ledger.body)).isEmpty, "\(VisibleText.latinWords(Self.main(ledger.body)))")
            #expect(try await browser.get(base + "/channels/new").status == .ok)
            #expect(try await browser.get(base + "/lines/new").status == .ok)
        }
    }
}
