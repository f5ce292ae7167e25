import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The risk register (issue 22 scope 4; docs/risks.md) through the API,
/// the five-minute watch, the review reminder and the pages.
@Suite struct RisksTests {
    static func risk(_ title: String = "Algorithm change", probability: Int = 3, brand: Int = 2, users: Int = 4, business: Int = 3) -> [String: Any] {
        [
            "title": title, "category": "platform_rules", "probability": probability, "impact_brand": brand, "impact_users": users,
            "impact_business": business, "control_preventive": "Spread the audience", "control_in_process": "Watch impressions",
            "control_emergency": "Boost key posts",
        ]
    }

    /// The page's own content, without the shell (its navigation names
    /// other features in their own words).
    static func main(_ html: String) -> String {
        guard let start = html.range(of: "<main"), let end = html.range(of: "</main>") else { return html }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// Writes a risk through the API; its id.
    static func create(_ t: TestApp, _ base: String, _ token: String, _ input: [String: Any]) async throws -> UUID {
        let text = try #require(try await t.api(.POST, base + "/risks", token: token, json: input).json["id"] as? String)
        return try #require(UUID(uuidString: text))
    }

    @Test(arguments: TestDatabase.available)
    func risksAreWrittenScoredFilteredReviewedAndRemoved(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let owner = try await t.makeUser("owner@example.com")
            try await t.addMember(owner, to: ws, as: .analyst)
            var input = Self.risk()
            input["owner_id"] = owner.id!.uuidString
            input["triggers"] = [["kind": "metric", "metric": "impressions", "comparison": "below", "threshold": 1_000, "window_days": 7]]
            let created = try await t.api(.POST, base + "/risks", token: token, json: input)
            #expect(created.status == .created, "\(created.body)")
            // 3 × the largest of 2, 4, 3.
            #expect(created.json["score"] as? Int == 12 && created.json["impact"] as? Int == 4 && created.json["level"] as? String == "medium")
            #expect(created.json["state"] as? String == "open")
            #expect((created.json["triggers"] as? [[String: Any]])?.first?["window_days"] as? Int == 7)
            #expect((created.json["events"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["created"])
            let today = GoalsTests.today(in: ws)
            #expect(created.json["review_due"] as? String == MetricDay.adding(30, to: today))
            let id = try #require(created.json["id"] as? String)
            _ = try await t.api(.POST, base + "/risks", token: token, json: Self.risk("Data leak", probability: 1, brand: 5, users: 5, business: 5))
            _ = try await t.api(.POST, base + "/risks", token: token, json: Self.risk("Storm", probability: 4, brand: 5, users: 3, business: 3))

            let all = try await t.api(.GET, base + "/risks", token: token)
            #expect(all.items.map { $0["title"] as? String } == ["Storm", "Algorithm change", "Data leak"])
            let heat = try #require(all.json["heat_map"] as? [[Int]])
            #expect(heat[3][4] == 1 && heat[2][3] == 1 && heat[0][4] == 1 && heat.joined().reduce(0, +) == 3)
            #expect((all.json["levels"] as? [String: Int]) == ["high": 1, "medium": 1, "low": 1])
            #expect(try await t.api(.GET, base + "/risks?level=high", token: token).items.map { $0["title"] as? String } == ["Storm"])
            #expect(try await t.api(.GET, base + "/risks?level=low&category=platform_rules", token: token).items.count == 1)
            let badFilter = try await t.api(.GET, base + "/risks?level=severe", token: token)
            #expect(badFilter.status == .unprocessableEntity && badFilter.problemFields == ["level"])

            // Update: the score follows; the triggers are kept when not sent.
            var changed = Self.risk("Algorithm change", probability: 5)
            changed["state"] = "closed"
            let updated = try await t.api(.PUT, base + "/risks/\(id)", token: token, json: changed)
            #expect(updated.status == .ok && updated.json["score"] as? Int == 20 && updated.json["level"] as? String == "high")
            #expect((updated.json["triggers"] as? [[String: Any]])?.count == 1)
            #expect((updated.json["events"] as? [[String: Any]])?.first?["kind"] as? String == "closed")

            // The review moves the due date; the audit log has each step.
            let reviewed = try await t.api(.POST, base + "/risks/\(id)/review", token: token, json: ["note": "Checked with the team"])
            #expect(reviewed.status == .ok && (reviewed.json["events"] as? [[String: Any]])?.first?["note"] as? String == "Checked with the team")
            for action in ["risk.created", "risk.updated", "risk.reviewed"] {
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == action).count() >= 1, "\(action)")
            }

            // An incident of the workspace links; another workspace's does not.
            let incident = try #require(
                try await t.api(.POST, base + "/incidents", token: token, json: ["title": "Storm", "severity": "orange"]).json["id"] as? String)
            let linked = try await t.api(.PUT, base + "/risks/\(id)/incident", token: token, json: ["incident_id": incident])
            #expect(linked.status == .ok && (linked.json["incident_id"] as? String)?.lowercased() == incident.lowercased())
            let (_, otherToken, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let foreign = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(other.slug)/incidents", token: otherToken, json: ["title": "X", "severity": "blue"])
                    .json["id"] as? String)
            let refused = try await t.api(.PUT, base + "/risks/\(id)/incident", token: token, json: ["incident_id": foreign])
            #expect(refused.status == .unprocessableEntity && refused.problemFields == ["incident_id"])
            // Deleting the incident leaves the risk, unlinked.
            try await Incident.query(on: t.db).filter(\.$id == UUID(uuidString: incident)!).delete()
            #expect(try await Risk.find(UUID(uuidString: id), on: t.db)?.incidentID == nil)

            // CSV: a header and one line per risk, formulas defused.
            _ = try await t.api(.POST, base + "/risks", token: token, json: Self.risk("=HYPERLINK(\"x\")"))
            let csv = try await t.api(.GET, base + "/risks.csv", token: token)
            #expect(csv.status == .ok && csv.headers.contentType?.subType == "csv")
            let lines = csv.body.split(separator: "\r\n")
            #expect(lines.count == 5 && lines[0].hasPrefix("id,title,category,probability"))
            #expect(csv.body.contains("\"'=HYPERLINK(\"\"x\"\")\""))
            #expect(try await t.api(.GET, base + "/risks.csv?level=high", token: token).body.split(separator: "\r\n").count == 3)

            #expect(try await t.api(.DELETE, base + "/risks/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.GET, base + "/risks/\(id)", token: token).status == .notFound)
            #expect(try await RiskTriggerRow.query(on: t.db).count() == 0)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "risk.deleted").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func badInputNamesEachFieldAndReadersCannotWrite(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let (other, _, _) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let reply = try await t.api(
                .POST, base + "/risks", token: token,
                json: [
                    "title": " ", "category": "weather", "probability": 0, "impact_brand": 6, "impact_users": 3, "owner_id": other.id!.uuidString,
                    "campaign_id": "nope",
                    "triggers": [
                        ["kind": "metric", "metric": "mood", "comparison": "above", "threshold": 1, "window_days": 91],
                        ["kind": "alert", "min_grade": "purple"], ["kind": "alert", "min_grade": "red", "monitor_id": UUID().uuidString],
                        ["kind": "weather"],
                    ],
                ])
            #expect(reply.status == .unprocessableEntity)
            #expect(
                Set(reply.problemFields) == [
                    "title", "category", "probability", "impact_brand", "impact_business", "owner_id", "campaign_id", "triggers[0].metric",
                    "triggers[0].window_days", "triggers[1].min_grade", "triggers[2].monitor_id", "triggers[3].kind",
                ], "\(reply.body)")
            let probability = try #require((reply.json["errors"] as? [[String: Any]])?.first { $0["field"] as? String == "probability" })
            #expect(probability["code"] as? String == "risk_scale")
            #expect(try await t.api(.POST, base + "/risks", token: token, json: Self.risk(probability: 6)).problemFields == ["probability"])
            #expect(try await Risk.query(on: t.db).count() == 0)

            // A viewer reads but does not write.
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let viewerToken = try await t.makeToken(viewer)
            #expect(try await t.api(.POST, base + "/risks", token: viewerToken, json: Self.risk()).status == .forbidden)
            #expect(try await t.api(.POST, base + "/risks/templates", token: viewerToken).status == .forbidden)
            #expect(try await t.api(.GET, base + "/risks", token: viewerToken).status == .ok)

            // The typical risks: added once, whoever asks twice.
            let added = try await t.api(.POST, base + "/risks/templates", token: token)
            #expect(added.status == .created && added.items.count == RiskTemplate.items.count)
            #expect(try await t.api(.POST, base + "/risks/templates", token: token).items.isEmpty)
            #expect(try await Risk.query(on: t.db).count() == RiskTemplate.items.count)
            #expect(try await RiskTriggerRow.query(on: t.db).count() == RiskTemplate.items.filter { $0.trigger != nil }.count)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aMetricTriggerFiringMarksTheRiskAndTellsTheOwnerOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let owner = try await t.makeUser("owner@example.com")
            try await t.addMember(owner, to: ws, as: .analyst)
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            // Followers 500 today (the workspace's day).
            _ = try await GoalsTests.account(t, token: token, ws: ws, handle: "brand", start: 460, perDay: 10, days: 5)
            func make(_ title: String, _ comparison: String, _ threshold: Double) async throws -> UUID {
                var input = Self.risk(title)
                input["owner_id"] = owner.id!.uuidString
                input["triggers"] = [["kind": "metric", "metric": "followers", "comparison": comparison, "threshold": threshold, "window_days": 3]]
                return try await Self.create(t, base, token, input)
            }
            let falling = try await make("Followers fall", "below", 1_000)
            let onTheLine = try await make("Exactly on the line", "below", 500)
            let rising = try await make("Followers soar", "above", 10_000)

            func notices(_ user: User, _ risk: UUID) async throws -> Int {
                try await UserNotification.query(on: t.db).filter(\.$user.$id == user.id!).filter(\.$link == "/risks/\(risk.uuidString.lowercased())")
                    .count()
            }
            // Two workers at once: one mark, one notice each for the owner and the admin.
            async let first = RiskWatch.watch(on: t.db, now: Date())
            async let second = RiskWatch.watch(on: t.db, now: Date())
            let fired = try await first + second
            #expect(fired == [falling])
            #expect(try await Risk.find(falling, on: t.db)?.state == "triggered")
            #expect(try await Risk.find(onTheLine, on: t.db)?.state == "open")
            #expect(try await Risk.find(rising, on: t.db)?.state == "open")
            #expect(try await notices(owner, falling) == 1)
            #expect(try await notices(admin, falling) == 1)
            #expect(try await notices(viewer, falling) == 0)
            let events = try await RiskEvent.query(on: t.db).filter(\.$riskID == falling).filter(\.$kind == "triggered").all()
            #expect(events.count == 1 && events[0].note.hasSuffix(":500"))
            #expect(try await RiskTriggerRow.query(on: t.db).filter(\.$riskID == falling).first()?.lastFiredAt != nil)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "risk.triggered").count() == 1)
            // Still below a minute later: the triggered risk is not told again.
            #expect(try await RiskWatch.watch(on: t.db, now: Date().addingTimeInterval(60)).isEmpty)
            #expect(try await notices(owner, falling) == 1)
            // Set back to watched by its owner's team, it fires again.
            var reopened = Self.risk("Followers fall")
            reopened["state"] = "open"
            #expect(try await t.api(.PUT, base + "/risks/\(falling.uuidString)", token: token, json: reopened).status == .ok)
            #expect(try await RiskWatch.watch(on: t.db, now: Date().addingTimeInterval(120)) == [falling])
            #expect(try await notices(admin, falling) == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anAlertTriggerFiresOnANewAlertOfItsGrade(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let monitor = try #require(
                try await t.api(.POST, base + "/listening/monitors", token: token, json: ["name": "Brand", "query": "品牌"]).json["id"] as? String)
            let monitorID = try #require(UUID(uuidString: monitor))
            func alert(_ grade: String, at: Date) async throws {
                let alert = ListeningAlert()
                alert.id = UUID()
                alert.$workspace.id = ws.id!
                alert.monitorID = monitorID
                (alert.grade, alert.state, alert.openedAt, alert.lastSpikeAt) = (grade, "open", at, at)
                (alert.mentions, alert.negative, alert.expected, alert.usualNegativeShare, alert.previous) = (10, 5, 1, 0.1, 0)
                (alert.byVolume, alert.byShare, alert.bySpeed, alert.escalations) = (true, true, false, 0)
                try await alert.create(on: t.db)
            }
            // An alert raised before the trigger was written does not fire it.
            try await alert("red", at: Date().addingTimeInterval(-600))
            var input = Self.risk("Storm")
            input["triggers"] = [["kind": "alert", "min_grade": "orange", "monitor_id": monitor]]
            let id = try await Self.create(t, base, token, input)
            #expect(try await RiskWatch.watch(on: t.db, now: Date()).isEmpty)
            try await alert("yellow", at: Date().addingTimeInterval(1))
            #expect(try await RiskWatch.watch(on: t.db, now: Date().addingTimeInterval(2)).isEmpty)
            try await alert("orange", at: Date().addingTimeInterval(3))
            #expect(try await RiskWatch.watch(on: t.db, now: Date().addingTimeInterval(4)) == [id])
            #expect(try await Risk.find(id, on: t.db)?.state == "triggered")
            // No owner: its writer (the admin) is told.
            #expect(
                try await UserNotification.query(on: t.db).filter(\.$user.$id == admin.id!).filter(\.$link == "/risks/\(id.uuidString.lowercased())")
                    .count() == 1)
            let page = try await t.api(.GET, base + "/risks/\(id.uuidString)", token: token)
            #expect((page.json["events"] as? [[String: Any]])?.first?["note"] as? String == "alert:orange:orange")
        }
    }

    @Test(arguments: TestDatabase.available)
    func theReviewReminderTellsTheOwnerOncePerDueDay(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)"
            let owner = try await t.makeUser("owner@example.com")
            try await t.addMember(owner, to: ws, as: .analyst)
            var input = Self.risk()
            input["owner_id"] = owner.id!.uuidString
            let id = try await Self.create(t, base, token, input)
            var closed = Self.risk("Closed one")
            closed["owner_id"] = owner.id!.uuidString
            let closedID = try #require(try await t.api(.POST, base + "/risks", token: token, json: closed).json["id"] as? String)
            closed["state"] = "closed"
            _ = try await t.api(.PUT, base + "/risks/\(closedID)", token: token, json: closed)
            func notices(_ user: User) async throws -> Int {
                try await UserNotification.query(on: t.db).filter(\.$user.$id == user.id!).filter(
                    \.$link ~~ ["/risks/\(id.uuidString.lowercased())", "/risks/\(closedID.lowercased())"]
                ).count()
            }
            // 29 days on: not yet due.
            #expect(try await RiskReviewReminder.remind(on: t.db, now: Date().addingTimeInterval(29 * 86_400)).isEmpty)
            // 31 days on: due; the owner alone is told, once, also with two workers.
            let later = Date().addingTimeInterval(31 * 86_400)
            async let first = RiskReviewReminder.remind(on: t.db, now: later)
            async let second = RiskReviewReminder.remind(on: t.db, now: later)
            #expect(try await first + second == [id])
            #expect(try await notices(owner) == 1)
            #expect(try await notices(admin) == 0)
            #expect(try await RiskReviewReminder.remind(on: t.db, now: later.addingTimeInterval(86_400)).isEmpty)
            // Reviewed: the next reminder is thirty days after the review.
            #expect(try await t.api(.POST, base + "/risks/\(id.uuidString)/review", token: token).status == .ok)
            #expect(try await Risk.find(id, on: t.db)?.remindedFor == nil)
            #expect(try await RiskReviewReminder.remind(on: t.db, now: Date().addingTimeInterval(29 * 86_400)).isEmpty)
            #expect(try await RiskReviewReminder.remind(on: t.db, now: Date().addingTimeInterval(31 * 86_400)) == [id])
            #expect(try await notices(owner) == 2)
        }
    }

    // MARK: Pages

    static func dto(_ title: String, _ a: RiskAssessment, state: String = "open") -> RiskDTO {
        let risk = Risk()
        risk.id = UUID()
        (risk.title, risk.category, risk.state) = (title, "content", state)
        (risk.probability, risk.impactBrand, risk.impactUsers, risk.impactBusiness) = (a.probability, a.impactBrand, a.impactUsers, a.impactBusiness)
        risk.score = a.score
        (risk.controlPreventive, risk.controlInProcess, risk.controlEmergency) = ("审核清单", "", "下架")
        (risk.lastReviewedAt, risk.createdAt, risk.updatedAt) = (
            Date(timeIntervalSince1970: 1_796_000_000), Date(timeIntervalSince1970: 1_796_000_000), Date(timeIntervalSince1970: 1_796_000_000)
        )
        return RiskDTO(risk, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    }

    @Test func theRegisterDrawsTheHeatMapWithItsTableAndPrints() {
        let risks = [
            Self.dto("负面舆情爆发", RiskAssessment(probability: 4, impactBrand: 5, impactUsers: 3, impactBusiness: 3), state: "triggered"),
            Self.dto("内容同质化", RiskAssessment(probability: 3, impactBrand: 3, impactUsers: 3, impactBusiness: 2)),
            Self.dto("数据泄露", RiskAssessment(probability: 1, impactBrand: 5, impactUsers: 5, impactBusiness: 5)),
        ]
        let map = RiskHeatMap([
            RiskAssessment(probability: 4, impactBrand: 5, impactUsers: 3, impactBusiness: 3),
            RiskAssessment(probability: 3, impactBrand: 3, impactUsers: 3, impactBusiness: 2),
            RiskAssessment(probability: 1, impactBrand: 5, impactUsers: 5, impactBusiness: 5),
        ])
        let model = RisksPage.ListModel(
            base: "/w/lab", risks: risks, heatMap: map, total: 3, owners: [:], filter: RiskFilter(level: .high), today: "2026-12-01", canEdit: true)
        let zh = RisksPage.listView(model, ListeningTests.ctx(.zhHans)).description
        // The drawing: 25 cells, then its data table (5 rows of 5) for readers and print.
        #expect(zh.contains("id=\"risk-heatmap\"") && zh.contains("<svg"))
        #expect(zh.components(separatedBy: "<rect").count - 1 >= 25)
        #expect(zh.contains("<table") && zh.contains("概率 \\ 影响") && zh.contains("5 — 几乎肯定 / 严重"))
        #expect(zh.contains("1 项风险 · 得分 20 · 高"))
        #expect(zh.contains("风险登记册") && zh.contains("已触发") && zh.contains("class=\"no-print\""))
        #expect(zh.contains("/w/lab/risks.csv?level=high"))
        #expect(zh.components(separatedBy: "data-risk=").count - 1 == 3)
        #expect(VisibleText.latinWords(zh).isEmpty, "\(VisibleText.latinWords(zh))")
        let en = RisksPage.listView(model, ListeningTests.ctx(.en)).description
        #expect(en.contains("Risk register") && en.contains("Triggered") && en.contains("Probability \\ impact"))
        // Empty: what to do next, and the button that adds the typical risks.
        let empty = RisksPage.ListModel(
            base: "/w/lab", risks: [], heatMap: RiskHeatMap([]), total: 0, owners: [:], filter: RiskFilter(), today: "2026-12-01", canEdit: true)
        let none = RisksPage.listView(empty, ListeningTests.ctx(.zhHans)).description
        #expect(none.contains("id=\"risks-empty\"") && none.contains("/w/lab/risks/templates") && none.contains("添加典型风险"))
        #expect(VisibleText.latinWords(none).isEmpty)
    }

    @Test func everyDynamicKeyHasBothLanguagesAndNoLatinInChinese() {
        for key in RisksFeature().dynamicKeys {
            let zh = I18n.text(key, .zhHans)
            #expect(zh != key && I18n.text(key, .en) != key, "\(key)")
            #expect(zh.range(of: "[A-Za-z]", options: .regularExpression) == nil, "\(key): \(zh)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesWriteReviewAndShowRisksInChinese(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("lead@example.com", workspace: "Brand")
            let zhUser = try await t.makeUser("zh-lead@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: ws, as: .manager)
            let browser = Browser(t)
            #expect(try await browser.signIn("zh-lead@example.com").status == .seeOther)
            let base = "/w/\(ws.slug)"
            let empty = try await browser.get(base + "/risks")
            #expect(empty.status == .ok && empty.body.contains("id=\"risks-empty\""))
            // A refused form: errors next to the fields, nothing written.
            _ = try await browser.get(base + "/risks/new")
            let bad = try await browser.post(
                base + "/risks",
                [
                    ("title", ""), ("category", "content"), ("probability", "9"), ("impact_brand", "3"), ("impact_users", "3"),
                    ("impact_business", "3"), ("trigger_metric", "impressions"), ("trigger_threshold", "lots"), ("trigger_window_days", "7"),
                ])
            #expect(bad.status == .unprocessableEntity)
            #expect(
                bad.body.contains("id=\"title-error\"") && bad.body.contains("id=\"trigger_threshold-error\""))
            #expect(bad.body.contains("须为 1（极少发生、轻微）到 5"))
            #expect(try await Risk.query(on: t.db).count() == 0)
            let good = try await browser.post(
                base + "/risks",
                [
                    ("title", "曝光下滑"), ("category", "platform_rules"), ("probability", "4"), ("impact_brand", "2"), ("impact_users", "4"),
                    ("impact_business", "4"), ("control_preventive", "多平台分散"), ("trigger_metric", "impressions"), ("trigger_comparison", "below"),
                    ("trigger_threshold", "1,000"), ("trigger_window_days", "7"), ("trigger_alert_grade", "red"),
                ])
            #expect(good.status == .seeOther, "\(good.body)")
            let risk = try #require(try await Risk.query(on: t.db).first())
            #expect(risk.score == 16)
            #expect(try await RiskTriggerRow.query(on: t.db).count() == 2)
            let page = try await browser.get(base + "/risks/\(risk.id!.uuidString.lowercased())")
            #expect(page.status == .ok && page.body.contains("曝光量 在最近 7 天低于 1000") && page.body.contains("出现红色及以上等级的舆情预警"))
            #expect(page.body.contains("id=\"review-form\"") && page.body.contains("多平台分散"))
            #expect(VisibleText.latinWords(Self.main(page.body)).isEmpty, "\(VisibleText.latinWords(Self.main(page.body)))")
            let edit = try await browser.get(base + "/risks/\(risk.id!.uuidString.lowercased())/edit")
            #expect(edit.status == .ok && edit.body.contains("value=\"1000\""))
            #expect(try await browser.post(base + "/risks/\(risk.id!.uuidString.lowercased())/review", [("note", "已复核")]).status == .seeOther)
            #expect(try await RiskEvent.query(on: t.db).filter(\.$kind == "reviewed").first()?.note == "已复核")
            // The typical risks from the register's own button.
            #expect(try await browser.post(base + "/risks/templates", []).status == .seeOther)
            let list = try await browser.get(base + "/risks")
            #expect(list.status == .ok && list.body.contains("id=\"risk-heatmap\"") && list.body.contains("负面舆情爆发"))
            #expect(VisibleText.latinWords(Self.main(list.body)).isEmpty, "\(VisibleText.latinWords(Self.main(list.body)))")
            let csv = try await browser.get(base + "/risks.csv")
            #expect(csv.status == .ok && csv.body.contains("负面舆情爆发"))
        }
    }
}
