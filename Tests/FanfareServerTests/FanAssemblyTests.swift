import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

@Suite struct FanAssemblyTests {
    @Test(arguments: TestDatabase.available)
    func aFansMessagesMakeOnePersonWhoseTierMovesAsTheyWrite(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...11 { try await room.fan("小雨", "第\(n)条：请问什么时候补货？") }
            try await room.fan("阿杰", "Love this!")
            let fans = try await Fan.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).sort(\.$displayName).all()
            #expect(fans.map(\.displayName) == ["小雨", "阿杰"])
            let rain = try #require(fans.first { $0.displayName == "小雨" })
            #expect(rain.interactions30d == 11 && rain.activityTier == "active")
            #expect(fans.first { $0.displayName == "阿杰" }?.activityTier == "potential")
            // Every message knows its fan; every identity its person.
            let unassigned = try await IncomingMessage.query(on: t.db).filter(\.$workspace.$id == room.ws.id!).all().filter { $0.fanID == nil }
            #expect(unassigned.isEmpty)
            #expect(try await FanIdentity.query(on: t.db).filter(\.$fan.$id == rain.id!).count() == 1)
            // silent → potential on the first message, potential → active on the eleventh, and the stage reach → activate: all kept.
            let moves = try await (t.db as! any SQLDatabase).raw(
                "SELECT from_tier, to_tier FROM fan_tier_changes WHERE fan_id = \(bind: rain.id!) ORDER BY at, to_tier"
            ).all().map { "\(try $0.decode(column: "from_tier", as: String.self))→\(try $0.decode(column: "to_tier", as: String.self))" }
            #expect(moves.sorted() == ["potential→active", "reach→activate", "silent→potential"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func aMessageStoredTwiceIsCountedOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let engine = try await t.app.moderationEngine(for: room.ws)
            let interaction = Interaction(
                remoteID: "dup-1", kind: .comment, postRemoteID: "p1", authorID: "fan-7", authorName: "Mia", text: "hello", at: Date())
            for cursor in ["1", "2"] {
                _ = try await MessageIntake.store(
                    [interaction, interaction], for: room.account, engine: engine, cursor: cursor, now: Date(), on: t.db)
            }
            let fan = try #require(try await Fan.query(on: t.db).filter(\.$displayName == "Mia").first())
            #expect(fan.interactions30d == 1)
        }
    }
}

@Suite struct FanEngagementBatchTests {
    /// Every stored batch enqueues its engagement job; the worker takes the
    /// claimed ones together, a workspace at a time, and pays each comment once.
    @Test(arguments: TestDatabase.available)
    func theWorkerPaysManyBatchesOfTwoWorkspacesInOnePass(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let (_, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Other")
            let made = try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/accounts", token: tokenB, json: ["platform": "sandbox", "handle": "b"])
            let accountB = try #require(try await SocialAccount.find(UUID(uuidString: made.json["id"] as? String ?? ""), on: t.db))
            for n in 1...3 { try await room.fan("小雨", "第\(n)条") }
            try await SandboxFans.write(.init(fanName: "Bo", kind: .directMessage, text: "hi"), to: accountB, app: t.app, now: Date())
            let jobs = try await Job.query(on: t.db).filter(\.$kind == FanEngagement.kind.name).count()
            #expect(jobs == 4, "one job per stored batch")
            let worker = JobWorker(app: t.app)
            #expect(try await worker.runBatch() >= 4)
            while try await worker.runBatch() > 0 {}
            let rain = try #require(try await Fan.query(on: t.db).filter(\.$displayName == "小雨").first())
            let bo = try #require(try await Fan.query(on: t.db).filter(\.$displayName == "Bo").first())
            #expect(rain.pointsBalance == 6 && bo.pointsBalance == 2, "2 points a comment, each paid once: \(rain.pointsBalance) \(bo.pointsBalance)")
            #expect(try await PointsLedgerLine.query(on: t.db).count() == 4)
        }
    }
}

extension FanEngagementBatchTests {
    /// A burst's engagement is paid a slice per transaction; a fan whose
    /// comments straddle two slices still earns no more than the day's cap
    /// (comments: 2 points, 20 a day), because each slice reads what the
    /// ones before it paid.
    @Test(arguments: TestDatabase.available)
    func theDailyCapHoldsAcrossTheSlicesOfABurst(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let engine = try await t.app.moderationEngine(for: room.ws)
            let start = Date().addingTimeInterval(-3_600)
            let fillers = FanEngagement.ledgerSlice - 2
            var interactions = (0..<fillers).map { n in
                Interaction(
                    remoteID: "f\(n)", kind: .comment, postRemoteID: "p1", authorID: "filler-\(n)", authorName: "Filler \(n)", text: "hi",
                    at: start.addingTimeInterval(Double(n)))
            }
            interactions += (0..<12).map { n in
                Interaction(
                    remoteID: "r\(n)", kind: .comment, postRemoteID: "p1", authorID: "rain", authorName: "小雨", text: "第\(n)条",
                    at: start.addingTimeInterval(Double(fillers + n)))
            }
            _ = try await MessageIntake.store(interactions, for: room.account, engine: engine, cursor: "1", now: Date(), on: t.db)
            try await room.engage()
            // The batch's fans were counted together, each with its movements.
            let filler = try #require(try await Fan.query(on: t.db).filter(\.$displayName == "Filler 7").first())
            #expect(filler.interactions30d == 1 && filler.activityTier == "potential" && filler.lastInteractionAt != nil)
            let moved = try await (t.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM fan_tier_changes WHERE dimension = 'activity'").first()
            #expect(try moved?.decode(column: "n", as: Int.self) == fillers + 1, "each fan's first move, out of silent")
            let rain = try #require(try await Fan.query(on: t.db).filter(\.$displayName == "小雨").first())
            #expect(rain.interactions30d == 12 && rain.activityTier == "active")
            #expect(rain.pointsBalance == 20, "2 in the first slice, then up to the cap in the second: \(rain.pointsBalance)")
            #expect(try await PointsLedgerLine.query(on: t.db).filter(\.$fan.$id == rain.id!).count() == 10)
            // Run again (a retried job): nothing is paid twice.
            try await room.engage()
            #expect(try await PointsLedgerLine.query(on: t.db).count() == fillers + 10)
        }
    }

    /// Paid in one pass, a fan's lines get ids of the same moment; the fan's
    /// page lists them by when they were earned, newest first.
    @Test(arguments: TestDatabase.available)
    func aFansLinesAreListedByWhenTheyWereEarned(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            // Oldest first: the Sandbox's cursor only moves forward in time.
            for hour in (1...6).reversed() { try await room.fan("Mia", "第\(7 - hour)条", now: Date().addingTimeInterval(-Double(hour) * 3_600)) }
            let worker = JobWorker(app: t.app)
            while try await worker.runBatch() > 0 {}
            let detail = try await t.api(.GET, room.fans + "/\(try await room.fanID("Mia"))", token: room.admin)
            let times = (detail.json["points"] as? [[String: Any]] ?? []).compactMap { $0["at"] as? String }
            #expect(times.count == 6 && times == times.sorted(by: >), "newest first: \(times)")
        }
    }
}

@Suite struct FansAPITests {
    @Test(arguments: TestDatabase.available)
    func namesAreMaskedForRolesWithoutPersonalDataAndEveryUnmaskedViewIsAudited(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            for n in 1...3 { try await room.fan("小雨同学", "第\(n)条留言") }
            try await room.fan("Mia", "hello")
            let base = "/api/v1/workspaces/\(room.ws.slug)/fans"
            let editor = try await t.makeToken(
                try await t.makeUser("editor@example.com").with { try await t.addMember($0, to: room.ws, as: .editor) })

            let masked = try await t.api(.GET, base, token: editor)
            #expect(masked.status == .ok, "\(masked.body)")
            #expect(Set(masked.items.map { $0["display_name"] as? String }) == ["小***", "M***"])
            #expect(masked.items.allSatisfy { $0["personal_data"] as? Bool == false })
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fans.personal_data_viewed").count() == 0)

            let open = try await t.api(.GET, base + "?tier=potential&platform=sandbox", token: room.admin)
            #expect(Set(open.items.map { $0["display_name"] as? String }) == ["小雨同学", "Mia"])
            let rain = try #require(open.items.first { $0["display_name"] as? String == "小雨同学" })
            #expect(rain["interactions_30d"] as? Int == 3 && rain["activity_tier"] as? String == "potential")
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "fans.personal_data_viewed").count() == 1)
            #expect(try await t.api(.GET, base + "?platform=weibo", token: room.admin).items.isEmpty)
            let bad = try await t.api(.GET, base + "?tier=vip", token: room.admin)
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["tier"], "\(bad.body)")

            let id = try #require(rain["id"] as? String)
            let refused = try await t.api(.POST, base + "/\(id)/points", token: room.admin, json: ["delta": 50])
            #expect(refused.status == .unprocessableEntity && refused.problemFields == ["reason"], "\(refused.body)")
            #expect(try await t.api(.POST, base + "/\(id)/points", token: editor, json: ["delta": 50, "reason": "Prize"]).status == .forbidden)
            let given = try await t.api(.POST, base + "/\(id)/points", token: room.admin, json: ["delta": 50, "reason": "Prize for the best photo"])
            #expect(given.status == .created, "\(given.body)")
            #expect((given.json["fan"] as? [String: Any])?["points_balance"] as? Int == 50)
            let lines = try #require(given.json["points"] as? [[String: Any]])
            #expect(lines.count == 1 && lines[0]["kind"] as? String == "adjust" && lines[0]["balance_after"] as? Int == 50)
            let tooMuch = try await t.api(.POST, base + "/\(id)/points", token: room.admin, json: ["delta": -80, "reason": "Prize withdrawn"])
            #expect(tooMuch.status == .unprocessableEntity && tooMuch.body.contains("needs 80 points; the balance is 50"), "\(tooMuch.body)")
            let detail = try await t.api(.GET, base + "/\(id)", token: editor)
            #expect((detail.json["fan"] as? [String: Any])?["display_name"] as? String == "小***")
            let moves = try #require(detail.json["tier_changes"] as? [[String: Any]])
            #expect(moves.first { $0["dimension"] as? String == "activity" }?["to"] as? String == "potential")
            #expect(moves.first { $0["dimension"] as? String == "stage" }?["to"] as? String == "activate")
        }
    }
}

extension User {
    /// Runs `body` with the user and returns the user, for setting one up in a line.
    func with(_ body: (User) async throws -> some Any) async rethrows -> User {
        _ = try await body(self)
        return self
    }
}
