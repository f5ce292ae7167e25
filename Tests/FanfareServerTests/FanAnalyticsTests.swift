import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Fan analytics on both databases: the funnel with refunds and
/// duplicates, repurchase and value, cohorts and DAU / WAU / MAU from
/// events at known days, bad input named, the empty workspace's next
/// step, and another workspace's facts and ids kept out.
@Suite struct FanAnalyticsTests {
    static var iso: ISO8601DateFormatter { ISO8601DateFormatter() }

    func send(_ t: TestApp, _ slug: String, _ token: String, _ events: [[String: Any]]) async throws {
        let reply = try await t.api(.POST, "/api/v1/workspaces/\(slug)/events", token: token, json: ["events": events])
        #expect(reply.status == .ok, "\(reply.body)")
        #expect((reply.json["rejected"] as? Int ?? 0) == 0, "\(reply.body)")
    }

    static func event(_ id: String, _ type: String, _ handle: String, at: Date, amount: Int? = nil) -> [String: Any] {
        var event: [String: Any] = ["id": id, "type": type, "at": iso.string(from: at), "fan": ["platform": "sandbox", "handle": handle]]
        if let amount { event["amount_fen"] = amount }
        if type == "referral" { event["referred"] = ["external_id": "friend-of-\(handle)"] }
        return event
    }

    @Test(arguments: TestDatabase.available)
    func theFunnelCountsUniqueFansStrictlyWithRefundsAndDuplicates(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let at = Date().addingTimeInterval(-2 * 86_400)
            let events: [[String: Any]] = [
                // A: every step, two follows (one fan once).
                Self.event("a1", "follow", "a", at: at), Self.event("a1b", "follow", "a", at: at.addingTimeInterval(60)),
                Self.event("a2", "join_community", "a", at: at), Self.event("a3", "purchase", "a", at: at, amount: 10_000),
                Self.event("a4", "purchase", "a", at: at, amount: 5_000), Self.event("a5", "referral", "a", at: at),
                // B: the only purchase refunded in full.
                Self.event("b1", "follow", "b", at: at), Self.event("b2", "join_community", "b", at: at),
                Self.event("b3", "purchase", "b", at: at, amount: 8_000), Self.event("b4", "refund", "b", at: at, amount: 8_000),
                // C: refunded in part, still a buyer.
                Self.event("c1", "follow", "c", at: at), Self.event("c2", "join_community", "c", at: at),
                Self.event("c3", "purchase", "c", at: at, amount: 30_000), Self.event("c4", "refund", "c", at: at, amount: 10_000),
                // D: follows only. E: buys twice without following (not in the funnel, in the repurchase rate).
                Self.event("d1", "follow", "d", at: at),
                Self.event("e1", "purchase", "e", at: at, amount: 1_000), Self.event("e2", "purchase", "e", at: at, amount: 1_000),
            ]
            try await send(t, ws.slug, token, events)
            // The same batch again: duplicates, nothing counts twice.
            try await send(t, ws.slug, token, events)

            let reply = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/funnel", token: token)
            #expect(reply.status == .ok, "\(reply.body)")
            #expect(reply.json["counting"] as? String == "unique_fans")
            let steps = try #require(reply.json["steps"] as? [[String: Any]])
            #expect(steps.map { $0["step"] as? String } == ["follow", "join_community", "first_purchase", "repurchase", "referral"])
            #expect(steps.map { $0["fans"] as? Int } == [4, 3, 2, 1, 1])
            #expect(steps[1]["step_conversion"] as? Double == 0.75 && steps[2]["overall_conversion"] as? Double == 0.5)
            let repurchase = try #require(reply.json["repurchase"] as? [String: Any])
            #expect(repurchase["buyers"] as? Int == 3)  // A, C, E (B's refund cancelled its purchase)
            #expect(repurchase["repeat_buyers"] as? Int == 2)  // A, E
            #expect(repurchase["net_spend_fen"] as? Int == 15_000 + 0 + 20_000 + 2_000)
            #expect(repurchase["net_spend_per_buyer_fen"] as? Double == 37_000.0 / 3)

            // The fans behind a step, their page and their CSV.
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/fan-analytics")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"fan-funnel\"") && page.body.contains("data-step=\"first_purchase\""))
            #expect(page.body.contains("66.7%"))  // repurchase rate 2 of 3
            let listed = try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/first_purchase")
            #expect(listed.status == .ok)
            #expect(listed.body.components(separatedBy: "<tr><td><a href=\"/w/\(ws.slug)/fans/").count - 1 == 2)
            let csv = try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/first_purchase/export")
            #expect(csv.status == .ok && csv.body.hasPrefix("\u{FEFF}fan_id,display_name,step"))
            #expect(csv.body.split(separator: "\r\n").count == 3)
            #expect(try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/nonsense").status == .notFound)

            // The fan page shows A's value and repeat purchases.
            let fanA = try #require(
                try await FanIdentity.query(on: t.db).filter(\.$platform == "sandbox").filter(\.$authorID == "a").first()?.$fan.id)
            let fanPage = try await browser.get("/w/\(ws.slug)/fans/\(fanA.uuidString.lowercased())")
            #expect(fanPage.body.contains("id=\"fan-ltv\">¥150.00<"))
            #expect(fanPage.body.contains("2 standing (0 refunded) · repeat buyer"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func cohortsAndActiveFansCountDaysInTheWorkspacesZone(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let zone = ws.zone
            let today = MetricDay.of(Date(), in: zone)
            let d0 = MetricDay.adding(-40, to: today)
            func noon(_ offset: Int) -> Date { LocalDays.start(of: MetricDay.adding(offset, to: d0), in: zone)!.addingTimeInterval(12 * 3_600) }
            try await send(
                t, ws.slug, token,
                [
                    Self.event("x0", "follow", "x", at: noon(0)), Self.event("x1", "join_community", "x", at: noon(1)),
                    Self.event("x7", "sign_up", "x", at: noon(7)),
                    Self.event("x7b", "purchase", "x", at: noon(7).addingTimeInterval(60), amount: 100),
                    Self.event("y0", "follow", "y", at: noon(0)),
                ])
            let range = "from=\(MetricDay.adding(-3, to: d0))&to=\(MetricDay.adding(3, to: d0))"
            let cohorts = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/cohorts?\(range)", token: token)
            #expect(cohorts.status == .ok, "\(cohorts.body)")
            let rows = try #require(cohorts.json["cohorts"] as? [[String: Any]]).filter { ($0["size"] as? Int ?? 0) > 0 }
            #expect(rows.count == 1)
            #expect(rows.first?["week"] as? String == Granularity.week.period(of: d0))
            #expect(rows.first?["size"] as? Int == 2)
            #expect((rows.first?["day1"] as? [String: Any])?["share"] as? Double == 0.5)
            #expect((rows.first?["day7"] as? [String: Any])?["active"] as? Int == 1)
            #expect((rows.first?["day30"] as? [String: Any])?["active"] as? Int == 0)

            let window = "from=\(d0)&to=\(MetricDay.adding(9, to: d0))"
            let active = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/active-fans?\(window)", token: token)
            #expect(active.status == .ok, "\(active.body)")
            let points = try #require(active.json["points"] as? [[String: Any]])
            #expect(points.map { $0["dau"] as? Double } == [2, 1, 0, 0, 0, 0, 0, 1, 0, 0])
            #expect(points.map { $0["wau"] as? Int } == [2, 2, 2, 2, 2, 2, 2, 1, 1, 1])
            #expect(points.map { $0["mau"] as? Int } == [2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
            let weekly = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/active-fans?\(window)&granularity=week", token: token)
            #expect(
                weekly.status == .ok && (weekly.json["points"] as? [[String: Any]])?.first?["period"] as? String == Granularity.week.period(of: d0))

            // The page draws all three, in Chinese too.
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/fan-analytics?\(window)")
            #expect(page.body.contains("id=\"fan-cohorts\"") && page.body.contains("id=\"fan-active\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func badInputIsNamedAndAnEmptyWorkspaceSaysWhatToDo(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let accountB = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "beta"])
                    .json["id"] as? String)
            let base = "/api/v1/workspaces/\(ws.slug)/analytics"
            let cases: [(String, String)] = [
                ("funnel?from=2026-13-01", "from"), ("funnel?to=yesterday", "to"), ("funnel?from=2026-12-02&to=2026-12-01", "to"),
                ("funnel?platform=myspace", "platform"), ("funnel?account=nope", "account"), ("funnel?account=\(accountB)", "account"),
                ("funnel?granularity=week", "granularity"), ("cohorts?granularity=day", "granularity"),
                ("active-fans?granularity=hour", "granularity"), ("active-fans?from=2020-01-01&to=2026-01-01", "to"),
            ]
            for (path, field) in cases {
                let reply = try await t.api(.GET, "\(base)/\(path)", token: token)
                #expect(reply.status == .unprocessableEntity, "\(path) gave \(reply.status)")
                #expect(reply.problemFields == [field], "\(path) named \(reply.problemFields)")
            }
            // Empty: zeros, no error; the page says where facts come from.
            let funnel = try await t.api(.GET, "\(base)/funnel", token: token)
            #expect((funnel.json["steps"] as? [[String: Any]])?.map { $0["fans"] as? Int } == [0, 0, 0, 0, 0])
            let active = try await t.api(.GET, "\(base)/active-fans", token: token)
            #expect(active.json["stickiness"] == nil && (active.json["points"] as? [[String: Any]])?.count == 90)
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/fan-analytics")
            #expect(page.status == .ok && page.body.contains("id=\"fan-analytics-empty\"") && page.body.contains("/w/\(ws.slug)/accounts"))
            let wrong = try await browser.get("/w/\(ws.slug)/fan-analytics?from=nope")
            #expect(wrong.status == .unprocessableEntity && wrong.body.contains("from-error"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func anotherWorkspacesFactsAreNotCounted(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let at = Date().addingTimeInterval(-86_400)
            try await send(t, wsB.slug, tokenB, [Self.event("f", "follow", "same", at: at), Self.event("j", "join_community", "same", at: at)])
            try await send(t, ws.slug, token, [Self.event("f", "follow", "same", at: at)])
            let mine = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/funnel", token: token)
            #expect((mine.json["steps"] as? [[String: Any]])?.map { $0["fans"] as? Int } == [1, 0, 0, 0, 0])
            let theirs = try await t.api(.GET, "/api/v1/workspaces/\(wsB.slug)/analytics/funnel", token: token)
            #expect(theirs.status == .notFound)
            let active = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/analytics/active-fans", token: token)
            #expect((active.json["points"] as? [[String: Any]])?.compactMap { $0["mau"] as? Int }.max() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSavedSegmentRestrictsTheFunnelItsFansAndTheCohorts(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            let at = Date().addingTimeInterval(-2 * 86_400)
            try await send(
                t, ws.slug, token,
                [
                    // A: every step. C: a buyer (refunded in part). B, D: follow and more, outside the segment. E: buys twice, outside.
                    Self.event("a1", "follow", "a", at: at), Self.event("a2", "join_community", "a", at: at),
                    Self.event("a3", "purchase", "a", at: at, amount: 10_000), Self.event("a4", "purchase", "a", at: at, amount: 5_000),
                    Self.event("a5", "referral", "a", at: at),
                    Self.event("b1", "follow", "b", at: at), Self.event("b2", "join_community", "b", at: at),
                    Self.event("c1", "follow", "c", at: at), Self.event("c2", "join_community", "c", at: at),
                    Self.event("c3", "purchase", "c", at: at, amount: 30_000), Self.event("c4", "refund", "c", at: at, amount: 10_000),
                    Self.event("d1", "follow", "d", at: at),
                    Self.event("e1", "purchase", "e", at: at, amount: 1_000), Self.event("e2", "purchase", "e", at: at, amount: 1_000),
                ])
            let api = "/api/v1/workspaces/\(ws.slug)"
            for handle in ["a", "c"] {
                let fan = try #require(
                    try await FanIdentity.query(on: t.db).filter(\.$platform == "sandbox").filter(\.$authorID == handle).first()?.$fan.id)
                let patched = try await t.api(
                    .PATCH, api + "/fans/\(fan.uuidString.lowercased())", token: token, json: ["attributes": ["region": "上海"]])
                #expect(patched.status == .ok, "\(patched.body)")
            }
            let rule: [String: Any] = ["all": [["field": "region", "op": "eq", "value": "上海"]]]
            let made = try await t.api(.POST, api + "/segments", token: token, json: ["name": "上海粉丝", "rule": rule])
            let segment = try #require(made.json["id"] as? String, "\(made.body)")
            let theirs = try #require(
                try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/segments", token: tokenB, json: ["name": "Theirs", "rule": rule])
                    .json["id"] as? String)

            // act
            let all = try await t.api(.GET, api + "/analytics/funnel", token: token)
            let funnel = try await t.api(.GET, api + "/analytics/funnel?segment=\(segment)", token: token)
            let cohorts = try await t.api(.GET, api + "/analytics/cohorts?segment=\(segment)", token: token)
            let allCohorts = try await t.api(.GET, api + "/analytics/cohorts", token: token)

            // check: the funnel counts A and C only; repurchase A and C (not E)
            #expect((all.json["steps"] as? [[String: Any]])?.map { $0["fans"] as? Int } == [4, 3, 2, 1, 1])
            #expect(funnel.status == .ok && (funnel.json["segment"] as? String)?.lowercased() == segment.lowercased())
            #expect((funnel.json["steps"] as? [[String: Any]])?.map { $0["fans"] as? Int } == [2, 2, 2, 1, 1], "\(funnel.body)")
            let repurchase = try #require(funnel.json["repurchase"] as? [String: Any])
            #expect(repurchase["buyers"] as? Int == 2 && repurchase["repeat_buyers"] as? Int == 1)
            #expect(repurchase["net_spend_fen"] as? Int == 15_000 + 20_000)
            func size(_ reply: Reply) -> Int { (reply.json["cohorts"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["size"] as? Int ?? 0) } }
            #expect(cohorts.status == .ok && size(cohorts) == 2 && size(allCohorts) == 5, "\(cohorts.body)")
            // DAU / WAU / MAU take no segment: the parameter is not read there.
            let active = try await t.api(.GET, api + "/analytics/active-fans?segment=nope", token: token)
            #expect(active.status == .ok)
            // A wrong segment is named: not an id, unknown, another workspace's.
            for bad in ["nope", UUID().uuidString, theirs] {
                for path in ["funnel", "cohorts"] {
                    let reply = try await t.api(.GET, api + "/analytics/\(path)?segment=\(bad)", token: token)
                    #expect(reply.status == .unprocessableEntity && reply.problemFields == ["segment"], "\(path) \(bad): \(reply.body)")
                }
            }

            // The page: the filter, the restricted funnel, the step's fans and CSV, the DAU note.
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            let page = try await browser.get("/w/\(ws.slug)/fan-analytics?segment=\(segment)")
            #expect(page.status == .ok && page.body.contains("name=\"segment\"") && page.body.contains("上海粉丝"))
            #expect(
                page.body.contains("id=\"fan-active-all-fans\"") && page.body.contains("funnel/follow?")
                    && page.body.contains("segment=\(segment.lowercased())"))
            let listed = try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/follow?segment=\(segment)")
            #expect(listed.body.components(separatedBy: "<tr><td><a href=\"/w/\(ws.slug)/fans/").count - 1 == 2)
            let everyone = try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/follow")
            #expect(everyone.body.components(separatedBy: "<tr><td><a href=\"/w/\(ws.slug)/fans/").count - 1 == 4)
            let csv = try await browser.get("/w/\(ws.slug)/fan-analytics/funnel/follow/export?segment=\(segment)")
            #expect(csv.status == .ok && csv.body.split(separator: "\r\n").count == 3)
            let wrong = try await browser.get("/w/\(ws.slug)/fan-analytics?segment=\(theirs)")
            #expect(wrong.status == .unprocessableEntity && wrong.body.contains("is not a segment of this workspace"), "\(wrong.body.prefix(0))")
        }
    }
}
