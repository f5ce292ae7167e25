import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Link experiments (issue 21): planned with every bad field named, started
/// (the link splits its visitors, sticky per visitor), read out from the
/// clicks and the conversions they led to, ended with the winner promoted.
@Suite struct ExperimentsTests {
    static let agent = ConversionsTests.browserAgent

    struct Room {
        var t: TestApp
        var token: String
        var ws: Workspace
        var linkID: String
        var code: String
        var api: String { "/api/v1/workspaces/\(ws.slug)" }

        static func make(_ t: TestApp) async throws -> Room {
            let (_, token, ws) = try await t.makeWorkspaceAdmin("lab@example.com", workspace: "Lab")
            let link = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/links", token: token, json: ["destination": "https://shop.example.com/a", "campaign": "spring"])
            return Room(
                t: t, token: token, ws: ws, linkID: try #require(link.json["id"] as? String), code: try #require(link.json["code"] as? String))
        }

        func create(_ extra: [String: Any] = [:]) async throws -> Reply {
            var body: [String: Any] = [
                "name": "问句标题", "hypothesis": "问句标题带来更多购买", "varies": "title", "link_id": linkID,
                "arms": [
                    ["name": "陈述句", "destination": "https://shop.example.com/a"], ["name": "问句", "destination": "https://shop.example.com/b"],
                ],
            ]
            body.merge(extra) { $1 }
            return try await t.api(.POST, api + "/experiments", token: token, json: body)
        }
    }

    @Test(arguments: TestDatabase.available)
    func planningNamesEveryBadFieldAndWritesNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let bad = try await room.create([
                "name": "", "varies": "colour", "metric": "ctr", "link_id": UUID().uuidString,
                "arms": [["name": "A", "weight": 0, "destination": "javascript:alert(1)"]],
            ])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["name", "varies", "metric", "arms", "arms[0].weight", "link_id"], "\(bad.body)")
            let twins = try await room.create([
                "arms": [["name": "A", "destination": "https://x.example"], ["name": "a", "destination": "ftp://x"]]
            ])
            #expect(Set(twins.problemFields) == ["arms[1].name", "arms[1].destination"], "\(twins.body)")
            let experiments = try await Experiment.query(on: t.db).count()
            let armRows = try await ExperimentArm.query(on: t.db).count()
            #expect(experiments == 0 && armRows == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aLinkExperimentSplitsStickyReadsOutAndPromotesTheWinner(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let made = try await room.create()
            #expect(made.status == .created, "\(made.body)")
            let id = try #require(made.json["id"] as? String)
            let arms = try #require(made.json["arms"] as? [[String: Any]])
            #expect(made.json["state"] as? String == "draft" && arms.count == 2 && arms[0]["control"] as? Bool == true)

            // Before it starts: no tracked link had visitors yet, so nothing can be planned from history.
            let nothing = try await t.api(.GET, room.api + "/experiments/\(id)/power", token: room.token)
            #expect(nothing.json["basis"] as? String == "none" && nothing.json["mde14_days"] == nil, "\(nothing.body)")
            // A draft does not split: the link goes where it always went, without a cookie.
            let before = try await t.api(.GET, "/l/\(room.code)", token: nil, headers: [("User-Agent", Self.agent)])
            #expect(before.headers.first(name: .location)?.hasPrefix("https://shop.example.com/a?") == true && before.headers[.setCookie].isEmpty)

            #expect(try await t.api(.POST, room.api + "/experiments/\(id)/start", token: room.token).json["state"] as? String == "running")
            // A second experiment on the same link cannot start while this one runs.
            let other = try #require(try await room.create(["name": "另一个"]).json["id"] as? String)
            #expect(try await t.api(.POST, room.api + "/experiments/\(other)/start", token: room.token).status == .conflict)

            // Forty visitors, each with their own browser; each comes back twice and lands where they landed.
            var landed: [String: Int] = [:]
            var clicksByArm: [String: [String]] = [:]
            for _ in 0..<40 {
                let visitor = Browser(t)
                visitor.extraHeaders = [("User-Agent", Self.agent)]
                let first = try await visitor.get("/l/\(room.code)")
                let location = try #require(first.headers.first(name: .location))
                let again = try await visitor.get("/l/\(room.code)")
                #expect(visitor.cookies["fnf_v"]?.count == 32)
                let page = location.hasPrefix("https://shop.example.com/b?") ? "b" : "a"
                #expect(again.headers.first(name: .location)?.hasPrefix("https://shop.example.com/\(page)?") == true, "sticky")
                landed[page, default: 0] += 1
                let click = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "fnf_click" }?.value)
                clicksByArm[page, default: []].append(click)
            }
            #expect(landed["a", default: 0] > 5 && landed["b", default: 0] > 5, "both arms get visitors: \(landed)")
            try await t.app.clickRecorder.flush()
            // Purchases: 2 of the control's visitors, every other one of the variant's.
            var events: [[String: Any]] = []
            for (index, click) in (clicksByArm["a"] ?? []).prefix(2).enumerated() {
                var event = ConversionsTests.event("a\(index)", "purchase", handle: "fa\(index)", amount: 5_000)
                event["click_id"] = click
                events.append(event)
            }
            for (index, click) in (clicksByArm["b"] ?? []).enumerated() where index % 2 == 0 {
                var event = ConversionsTests.event("b\(index)", "purchase", handle: "fb\(index)", amount: 5_000)
                event["click_id"] = click
                events.append(event)
            }
            #expect(try await t.api(.POST, room.api + "/events", token: room.token, json: ["events": events]).status == .ok)

            let readout = try await t.api(.GET, room.api + "/experiments/\(id)/readout", token: room.token)
            let rows = try #require(readout.json["arms"] as? [[String: Any]])
            #expect(rows.map { $0["visitors"] as? Int } == [landed["a"], landed["b"]], "\(readout.body)")
            #expect(rows.map { $0["converted"] as? Int } == [2, ((landed["b"] ?? 0) + 1) / 2])
            #expect((readout.json["srm_p_value"] as? Double).map { $0 > 0 && $0 <= 1 } == true)
            let comparison = try #require((readout.json["comparisons"] as? [[String: Any]])?.first)
            let bayes = try #require((comparison["relative"] as? [String: Any])?["bayesian"] as? [String: Any])
            #expect((bayes["chance_to_win"] as? Double).map { $0 > 0.5 } == true && bayes["error"] == nil, "\(bayes)")
            // The same numbers as the statistics themselves on the same samples.
            let expected = ExperimentStatistics.readout(
                control: .binomial(users: landed["a"]!, conversions: 2), variant: .binomial(users: landed["b"]!, conversions: (landed["b"]! + 1) / 2),
                weights: [1, 1], inverse: false)
            if case .success(let r) = expected.relative.bayesian { #expect(abs((bayes["chance_to_win"] as? Double ?? 0) - r.chanceToWin) < 1e-12) }

            // Ending promotes the winner: every visitor, new or known, goes to its page.
            let winner = try #require(arms[1]["id"] as? String)
            let badEnd = try await t.api(.POST, room.api + "/experiments/\(id)/end", token: room.token, json: ["winner_arm_id": UUID().uuidString])
            #expect(badEnd.status == .unprocessableEntity && badEnd.problemFields == ["winner_arm_id"])
            let ended = try await t.api(
                .POST, room.api + "/experiments/\(id)/end", token: room.token, json: ["winner_arm_id": winner, "decision": "问句胜出"])
            #expect(ended.json["state"] as? String == "finished" && ended.json["winner_arm_id"] as? String == winner)
            for _ in 0..<5 {
                let after = try await Browser(t).get("/l/\(room.code)")
                #expect(after.headers.first(name: .location)?.hasPrefix("https://shop.example.com/b?") == true)
            }
            // The read-out is kept as it stood.
            let kept = try await t.api(.GET, room.api + "/experiments/\(id)/readout", token: room.token)
            #expect((kept.json["arms"] as? [[String: Any]])?.map { $0["visitors"] as? Int } == [landed["a"], landed["b"]])
            #expect(try await t.api(.POST, room.api + "/experiments/\(id)/end", token: room.token, json: [:]).status == .conflict)
            // Planning the next test on the link reads the link's own history: its people a day and their conversion rate.
            let plan = try await t.api(.GET, room.api + "/experiments/\(other)/power", token: room.token)
            #expect(plan.json["basis"] as? String == "link" && (plan.json["visitors_per_day"] as? Double).map { $0 > 1 } == true, "\(plan.body)")
            // A couple of people a day: finding +10 % takes years, which is what the page should say.
            #expect((plan.json["days_for10_percent"] as? Int).map { $0 > 365 } == true, "\(plan.body)")
            #expect((plan.json["baseline"] as? Double).map { $0 > 0 && $0 < 1 } == true)
            // Now the other experiment may start on the link.
            #expect(try await t.api(.POST, room.api + "/experiments/\(other)/start", token: room.token).status == .ok)
        }
    }

    @Test(arguments: TestDatabase.available)
    func twoStartsAtOnceOnOneLinkLetOneRun(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let a = try #require(try await room.create(["name": "甲"]).json["id"] as? String)
            let b = try #require(try await room.create(["name": "乙"]).json["id"] as? String)
            async let first = t.api(.POST, room.api + "/experiments/\(a)/start", token: room.token)
            async let second = t.api(.POST, room.api + "/experiments/\(b)/start", token: room.token)
            let statuses = [try await first.status, try await second.status].map(\.code).sorted()
            #expect(statuses == [200, 409], "\(statuses)")
            #expect(try await Experiment.query(on: t.db).filter(\.$state == "running").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePagesPlanStartAndShowTheReadout(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Room.make(t)
            let zhUser = try await t.makeUser("zh-lab@example.com", locale: "zh-Hans")
            try await t.addMember(zhUser, to: room.ws, as: .manager)
            let browser = Browser(t)
            browser.acceptLanguage = "zh-Hans"
            #expect(try await browser.signIn("zh-lab@example.com").status == .seeOther)
            let base = "/w/\(room.ws.slug)/experiments"
            let empty = try await browser.get(base)
            #expect(empty.status == .ok && empty.body.contains("还没有实验") && empty.body.contains("id=\"experiment-form\""))
            let refused = try await browser.post(
                base,
                [("name", ""), ("hypothesis", "h"), ("varies", "title"), ("link_id", room.linkID), ("arm0_name", "A"), ("arm0_destination", "x")])
            #expect(refused.status == .unprocessableEntity)
            #expect(
                refused.body.contains("id=\"name-error\"") && refused.body.contains("id=\"arm0_destination-error\"")
                    && refused.body.contains("id=\"arm1_name-error\""))
            let saved = try await browser.post(
                base,
                [
                    ("name", "封面测试"), ("hypothesis", "人物封面更吸引人"), ("varies", "cover"), ("link_id", room.linkID), ("metric", "conversion"),
                    ("conversion_type", "sign_up"), ("arm0_name", "产品图"), ("arm0_destination", "https://shop.example.com/a"), ("arm1_name", "人物图"),
                    ("arm1_destination", "https://shop.example.com/b"), ("arm1_weight", "3"),
                ])
            #expect(saved.status == .seeOther)
            let page = try #require(saved.headers.first(name: .location))
            let draft = try await browser.get(page)
            #expect(draft.body.contains("草稿") && draft.body.contains("尚未开始") && draft.body.contains("id=\"start-experiment\""))
            _ = try await browser.post(page + "/start", [])
            let running = try await browser.get(page)
            #expect(running.body.contains("进行中") && running.body.contains("还没有访客") && running.body.contains("id=\"end-form\""))
            let armWeights = try await ExperimentArm.query(on: t.db).sort(\.$position).all().map(\.weight)
            #expect(armWeights == [1, 3])
        }
    }

    @Test func theReadoutViewDrawsAndSaysWhyThereIsNoNumber() {
        let control = UUID()
        let variant = UUID()
        let arms = [
            ExperimentDTO.Arm(id: control, name: "陈述句", control: true, weight: 1, destination: "https://a.example", postIds: []),
            ExperimentDTO.Arm(id: variant, name: "问句", control: false, weight: 1, destination: "https://b.example", postIds: []),
        ]
        func readout(_ c: (Int, Int), _ v: (Int, Int)) -> ReadoutDTO {
            let samples = [ArmSample.binomial(users: c.0, conversions: c.1), .binomial(users: v.0, conversions: v.1)]
            let r = ExperimentStatistics.readout(control: samples[0], variant: samples[1], weights: [1, 1], inverse: false)
            return ReadoutDTO(
                at: Date(), metric: "conversion", inverse: false,
                arms: [
                    .init(id: control, name: "陈述句", control: true, weight: 1, visitors: c.0, converted: c.1, mean: samples[0].mean, stddev: 0),
                    .init(id: variant, name: "问句", control: false, weight: 1, visitors: v.0, converted: v.1, mean: samples[1].mean, stddev: 0),
                ], srmPValue: ExperimentStatistics.sampleRatioPValue(units: [c.0, v.0], weights: [1, 1]), srmWarning: false,
                comparisons: [.init(armId: variant, relative: ReadoutDTO.difference(r.relative), absolute: ReadoutDTO.difference(r.absolute))],
                quasiExperiment: false, srmApplies: true, warning: nil)
        }
        var experiment = ExperimentDTO.sample(arms: arms)
        experiment.state = "running"
        var model = ExperimentsPage.ShowModel(
            base: "/w/lab", experiment: experiment, readout: readout((1_000, 50), (1_000, 80)), shortURL: "https://f.example/l/abc", canEdit: true)
        let zh = ExperimentsPage.showView(model, ListeningTests.ctx(.zhHans)).description
        #expect(zh.contains("胜出概率") && zh.contains("id=\"intervals-\(variant.uuidString.lowercased())\"") && zh.contains("chart-posterior"))
        #expect(zh.contains("分流比例与权重相符") && !zh.contains("ZERO_NEGATIVE"))
        // No conversions in the control: gbstats' error, said in words, never a number.
        model.readout = readout((1_000, 0), (1_000, 5))
        let none = ExperimentsPage.showView(model, ListeningTests.ctx(.zhHans)).description
        #expect(none.contains("data-error=\"ZERO_NEGATIVE_BASELINE_VARIATION\"") && none.contains("对照组还没有转化"))
        // A broken split is said before any result.
        model.readout = readout((1_000, 50), (700, 40))
        model.readout.srmWarning = true
        let broken = ExperimentsPage.showView(model, ListeningTests.ctx(.en)).description
        #expect(broken.contains("id=\"srm-warning\"") && broken.range(of: "srm-warning")!.lowerBound < broken.range(of: "Chance to win")!.lowerBound)
        #expect(ExperimentsPage.formField("arms[2].destination") == "arm2_destination" && ExperimentsPage.formField("arms") == "arms")
    }
}

extension ExperimentDTO {
    /// A running link experiment with `arms`, for view tests.
    static func sample(arms: [Arm]) -> ExperimentDTO {
        let experiment = Experiment()
        experiment.id = UUID()
        (experiment.name, experiment.hypothesis, experiment.varies, experiment.assignment) = ("问句标题", "问句更好", "title", "link")
        (experiment.metric, experiment.conversionType, experiment.inverse, experiment.state) = ("conversion", "purchase", false, "draft")
        (experiment.linkID, experiment.createdAt) = (UUID(), Date())
        var dto = ExperimentDTO(experiment, arms: [])
        dto.arms = arms
        return dto
    }
}
