import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Experiments randomised by audience (issue 21): the account's fans split
/// at random into one group per arm (the split recorded and checkable from
/// its seed), each group sent its arm's post once however often the send
/// is retried, the platform's counts read into the read-out with the
/// sample-ratio check, and bad input named.
@Suite struct ExperimentAudienceTests {
    struct Lab {
        var t: TestApp
        var token: String
        var ws: Workspace
        var account: SocialAccount
        var api: String { "/api/v1/workspaces/\(ws.slug)" }

        static func make(_ t: TestApp, fans: Int, email: String = "audience@example.com", name: String = "Audience") async throws -> Lab {
            let (_, token, ws) = try await t.makeWorkspaceAdmin(email, workspace: name)
            let created = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            let account = try #require(try await SocialAccount.find(UUID(uuidString: created.json["id"] as? String ?? ""), on: t.db))
            let lab = Lab(t: t, token: token, ws: ws, account: account)
            try await lab.fansWrite(fans)
            return lab
        }

        /// `count` fans follow or write to the account (through the inbox's intake).
        func fansWrite(_ count: Int, from first: Int = 0) async throws {
            guard count > 0 else { return }
            let engine = try await t.app.moderationEngine(for: ws)
            let now = Date()
            var interactions: [Interaction] = []
            for i in first..<(first + count) {
                let follows = i % 3 == 0
                let kind: InteractionKind = follows ? .follow : .comment
                interactions.append(
                    Interaction(
                        remoteID: "m\(i)", kind: kind, postRemoteID: follows ? nil : "p1", authorID: "openid-\(i)", authorName: "粉丝\(i)",
                        text: follows ? nil : "好看", at: now.addingTimeInterval(Double(-i))))
            }
            _ = try await MessageIntake.store(interactions, for: account, engine: engine, cursor: "\(first + count)", now: now, on: t.db)
        }

        func post(_ title: String) async throws -> String {
            let reply = try await t.api(
                .POST, api + "/posts", token: token, json: ["title": title, "body": title + "的正文", "account_ids": [account.id!.uuidString]])
            return try #require(reply.json["id"] as? String, "\(reply.body)")
        }

        func create(_ arms: [[String: Any]], _ extra: [String: Any] = [:]) async throws -> Reply {
            var body: [String: Any] = [
                "name": "标题测试", "hypothesis": "问句标题阅读率更高", "varies": "title", "assignment": "audience",
                "account_id": account.id!.uuidString, "arms": arms,
            ]
            body.merge(extra) { $1 }
            return try await t.api(.POST, api + "/experiments", token: token, json: body)
        }
    }

    @Test(arguments: TestDatabase.available)
    func fansAreSplitSentOnceAndReadOut(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t, fans: 60)
            let a = try await lab.post("标题 A")
            let b = try await lab.post("标题 B？")

            // Bad input, each field named: no account, two posts in one arm,
            // a metric the audience cannot be read by, a platform without group sends.
            let bad = try await lab.create(
                [["name": "A", "post_ids": [a, b]], ["name": "B", "post_ids": []]], ["account_id": "", "metric": "conversion"])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["account_id", "metric", "arms[0].post_ids", "arms[1].post_ids"], "\(bad.body)")
            let codes = (bad.json["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            #expect(codes.contains("experiment_audience"))
            let mastodon = try await t.api(
                .POST, lab.api + "/accounts", token: lab.token,
                json: ["platform": "mastodon", "handle": "brand@example.social", "instance": "https://example.social", "access_token": "x"])
            if let other = mastodon.json["id"] as? String {
                let refused = try await lab.create([["name": "A", "post_ids": [a]], ["name": "B", "post_ids": [b]]], ["account_id": other])
                #expect(refused.problemFields == ["account_id"], "\(refused.body)")
            }
            #expect(try await Experiment.query(on: t.db).count() == 0)

            let created = try await lab.create([["name": "A", "post_ids": [a]], ["name": "B", "post_ids": [b]]])
            #expect(created.status == .created, "\(created.body)")
            #expect(created.json["metric"] as? String == "read_rate" && created.json["randomised"] as? Bool == true)
            #expect(created.json["account_id"] as? String == lab.account.id!.uuidString)
            let id = try #require(created.json["id"] as? String)
            let experimentID = try #require(UUID(uuidString: id))

            // Start: 60 fans split 30/30, the seed kept, two sends waiting.
            let started = try await t.api(.POST, lab.api + "/experiments/\(id)/start", token: lab.token)
            #expect(started.status == .ok, "\(started.body)")
            let sends = try #require(started.json["sends"] as? [[String: Any]])
            #expect(sends.map { $0["state"] as? String } == ["pending", "pending"])
            #expect(sends.map { $0["addressed"] as? Int } == [30, 30])
            let sql = try #require(t.db as? any SQLDatabase)
            let rows = try await sql.raw(
                "SELECT fan_id, position FROM experiment_audience_members WHERE experiment_id = \(bind: experimentID)"
            ).all()
            #expect(rows.count == 60)
            var stored: [String: Int] = [:]
            for row in rows {
                stored[try row.decode(column: "fan_id", as: UUID.self).uuidString.lowercased()] = try row.decode(column: "position", as: Int.self)
            }
            // Anyone with the seed and the fans recomputes the same groups.
            let experiment = try #require(try await Experiment.find(experimentID, on: t.db))
            let seed = try #require(experiment.audienceSeed)
            #expect(seed.count == 32)
            #expect(AudienceSplit.assign(fanIDs: Array(stored.keys), seed: seed, weights: [1, 1]) == stored)
            // The start queued the send job once.
            #expect(try await Job.query(on: t.db).filter(\.$kind == AudienceSends.sendKind.name).count() == 1)

            // Sending: each group gets its post; sending again changes nothing.
            try await AudienceSends.send(experimentID, app: t.app, now: Date())
            var after = try await AudienceSends.sends(of: experimentID, workspaceID: lab.ws.id!, on: t.db)
            #expect(after.map(\.state) == ["sent", "sent"], "\(after.map(\.failure))")
            let firstIDs = after.map(\.messageID)
            #expect(Set(firstIDs.compactMap { $0 }).count == 2)
            // A worker that died after the platform took the send, before it
            // was recorded, sends again: the platform keeps it to one send.
            after[1].state = ExperimentSend.State.pending.rawValue
            after[1].messageID = nil
            try await after[1].save(on: t.db)
            try await AudienceSends.send(experimentID, app: t.app, now: Date())
            after = try await AudienceSends.sends(of: experimentID, workspaceID: lab.ws.id!, on: t.db)
            #expect(after.map(\.messageID) == firstIDs)

            // Nothing counted yet: the read-out is empty, not zero rates.
            let early = try await t.api(.GET, lab.api + "/experiments/\(id)/readout", token: lab.token)
            #expect((early.json["arms"] as? [[String: Any]])?.allSatisfy { $0["visitors"] as? Int == 0 } == true)

            // Three days on, the counts are read: fans reached and readers per arm.
            try await AudienceSends.count(app: t.app, now: Date().addingTimeInterval(3 * 86_400))
            after = try await AudienceSends.sends(of: experimentID, workspaceID: lab.ws.id!, on: t.db)
            for send in after {
                let delivered = try #require(send.delivered)
                #expect(delivered > 25 && delivered <= 30)
                #expect((send.readers ?? -1) >= 0 && (send.readers ?? 99) <= delivered)
            }
            let readout = try await t.api(.GET, lab.api + "/experiments/\(id)/readout", token: lab.token)
            #expect(readout.status == .ok)
            let arms = try #require(readout.json["arms"] as? [[String: Any]])
            #expect(arms.map { $0["visitors"] as? Int } == after.map(\.delivered))
            #expect(arms.map { $0["converted"] as? Int } == after.map(\.readers))
            #expect(readout.json["srm_applies"] as? Bool == true && readout.json["quasi_experiment"] as? Bool == false)
            #expect(readout.json["srm_p_value"] as? Double != nil)

            // The page shows the groups and their counts.
            let shown = try await t.api(.GET, lab.api + "/experiments/\(id)", token: lab.token)
            #expect((shown.json["sends"] as? [[String: Any]])?.allSatisfy { $0["delivered"] as? Int != nil } == true)

            // Planning the next test: the account's 60 fans at the read rate the counted sends had.
            let next = try #require(try await lab.create([["name": "A", "post_ids": [a]], ["name": "B", "post_ids": [b]]]).json["id"] as? String)
            let plan = try await t.api(.GET, lab.api + "/experiments/\(next)/power", token: lab.token)
            #expect(plan.json["basis"] as? String == "audience" && plan.json["audience_fans"] as? Int == 60, "\(plan.body)")
            let rate = Double(after.compactMap(\.readers).reduce(0, +)) / Double(after.compactMap(\.delivered).reduce(0, +))
            #expect(abs((plan.json["baseline"] as? Double ?? -1) - rate) < 1e-9)
            // Core's plan for 60 fans split evenly at that rate (nil: no change up to a 100 % read rate could show).
            let expected = PowerPlan(baseline: .binomial(rate: rate), unitsPerDay: 60, weights: [1, 1]).minimumDetectableEffect(days: 1)
            #expect(plan.json["mde_audience"] as? Double == expected)
            let firstPlan = try await t.api(.GET, lab.api + "/experiments/\(id)/power", token: lab.token)
            #expect(firstPlan.json["basis"] as? String == "none" && firstPlan.json["audience_fans"] as? Int == 60, "\(firstPlan.body)")

            // Ending with B as the winner marks its post a hit; deleting takes the split away.
            let armB = try #require((created.json["arms"] as? [[String: Any]])?.last?["id"] as? String)
            let ended = try await t.api(.POST, lab.api + "/experiments/\(id)/end", token: lab.token, json: ["winner_arm_id": armB])
            #expect(ended.status == .ok, "\(ended.body)")
            #expect(try await ContentHit.query(on: t.db).all().map { $0.postID.uuidString.lowercased() } == [b.lowercased()])
            // The hourly count leaves a finished experiment as it ended.
            try await AudienceSends.count(app: t.app, now: Date().addingTimeInterval(9 * 86_400))
            #expect(try await AudienceSends.sends(of: experimentID, workspaceID: lab.ws.id!, on: t.db).map(\.countedAt) == after.map(\.countedAt))
            #expect(try await t.api(.DELETE, lab.api + "/experiments/\(id)", token: lab.token).status == .noContent)
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM experiment_audience_members").first()?.decode(column: "n", as: Int.self) == 0)
            #expect(try await ExperimentSend.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func tooFewFansRefuseTheStartAndARefusedSendSaysWhy(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let lab = try await Lab.make(t, fans: 15)
            let a = try await lab.post("A")
            let b = try await lab.post("B")
            let id = try #require(try await lab.create([["name": "A", "post_ids": [a]], ["name": "B", "post_ids": [b]]]).json["id"] as? String)
            // 15 fans make groups of 8 and 7: fewer than 10 each.
            let refused = try await t.api(.POST, lab.api + "/experiments/\(id)/start", token: lab.token)
            #expect(refused.status == .conflict)
            #expect((refused.json["type"] as? String)?.hasSuffix(AudienceSends.tooFewType) == true, "\(refused.body)")
            #expect(try await t.api(.GET, lab.api + "/experiments/\(id)", token: lab.token).json["state"] as? String == "draft")
            #expect(try await ExperimentSend.query(on: t.db).count() == 0)

            // The page says it in the user's language.
            let zhUser = try await t.makeUser("zh-audience@example.com", locale: "zh-Hans")
            try await t.addMember(zhUser, to: lab.ws, as: .manager)
            let browser = Browser(t)
            browser.acceptLanguage = "zh-Hans"
            #expect(try await browser.signIn("zh-audience@example.com").status == .seeOther)
            let page = "/w/\(lab.ws.slug)/experiments/\(id)"
            #expect(try await browser.get(page).body.contains("开始后将拆分账号的粉丝"))
            _ = try await browser.post(page + "/start", [])
            let shown = try await browser.get(page)
            #expect(shown.body.contains("每组至少需要 10 位粉丝"), "\(shown.body)")

            // With enough fans it starts; a post deleted meanwhile is a refused send, with the reason.
            try await lab.fansWrite(10, from: 100)
            _ = try await browser.post(page + "/start", [])
            #expect(try await t.api(.GET, lab.api + "/experiments/\(id)", token: lab.token).json["state"] as? String == "running")
            #expect(try await t.api(.DELETE, lab.api + "/posts/\(b)", token: lab.token).status.code < 300)
            try await AudienceSends.send(try #require(UUID(uuidString: id)), app: t.app, now: Date())
            let sends = try await AudienceSends.sends(of: try #require(UUID(uuidString: id)), workspaceID: lab.ws.id!, on: t.db)
            #expect(sends.map(\.state) == ["sent", "failed"])
            #expect(sends.last?.failure?.contains("deleted") == true)
            let running = try await browser.get(page)
            #expect(running.body.contains("id=\"sends\"") && running.body.contains("被拒绝") && running.body.contains("分组群发"))
            #expect(running.body.contains("尚未统计"))
        }
    }
}
