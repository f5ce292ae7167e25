import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The redemption catalogue: stock, limits and balances that hold when
/// many redeem at once, refusals that name their field and write nothing,
/// cancellations that give everything back once.
@Suite struct RewardTests {
    /// A fan with `points` to spend, paid through the ledger.
    func fan(_ room: InboxRoom, _ name: String, points: Int) async throws -> UUID {
        try await room.fan(name, "hello from \(name)")
        let id = try #require(UUID(uuidString: try await room.fanID(name)))
        if points > 0 {
            _ = try await PointsLedger(db: room.t.db).post(
                LedgerEntry(sourceKey: "gift:\(name)", delta: points, kind: .earn), to: id, in: room.ws.id!, actor: .system)
        }
        return id
    }

    func balance(_ id: UUID, _ t: TestApp) async throws -> Int {
        try #require(try await Fan.find(id, on: t.db)).pointsBalance
    }

    @Test(arguments: TestDatabase.available)
    func theLastUnitGoesToOneFanAndEveryRefusalNamesItsField(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let rewards = room.api + "/rewards"
            let bad = try await t.api(
                .POST, rewards, token: room.admin, json: ["name": " ", "cost": 0, "stock": -1, "per_fan_limit": 0, "level_required": 9])
            #expect(bad.status == .unprocessableEntity, "\(bad.body)")
            #expect(Set(bad.problemFields) == ["name", "cost", "stock", "per_fan_limit", "level_required"], "\(bad.body)")
            let noCost = try await t.api(.POST, rewards, token: room.admin, json: ["name": "Mug"])
            #expect(noCost.status == .unprocessableEntity && noCost.problemFields == ["cost"], "\(noCost.body)")
            #expect(try await Reward.query(on: t.db).count() == 0, "a refused reward is not stored")

            let made = try await t.api(.POST, rewards, token: room.admin, json: ["name": "Mug", "cost": 100, "stock": 1, "per_fan_limit": 1])
            #expect(made.status == .created && made.json["stock"] as? Int == 1 && made.json["active"] as? Bool == true, "\(made.body)")
            let mug = try #require(made.json["id"] as? String)
            let twin = try await t.api(.POST, rewards, token: room.admin, json: ["name": "Mug", "cost": 5])
            #expect(twin.status == .unprocessableEntity && twin.problemFields == ["name"], "\(twin.body)")

            // act: six fans who can all afford it ask for the one mug at once
            var fans: [UUID] = []
            for n in 1...6 { fans.append(try await fan(room, "Fan\(n)", points: 150)) }
            let statuses = try await withThrowingTaskGroup(of: (UUID, HTTPStatus, [String]).self) { group in
                for id in fans {
                    group.addTask {
                        let reply = try await t.api(
                            .POST, rewards + "/\(mug)/redemptions", token: room.admin, json: ["fan_id": id.uuidString])
                        return (id, reply.status, reply.problemFields)
                    }
                }
                return try await group.reduce(into: [(UUID, HTTPStatus, [String])]()) { $0.append($1) }
            }
            // check: one got it and paid; the others were told it is out of stock and paid nothing
            let winners = statuses.filter { $0.1 == .created }
            #expect(winners.count == 1, "\(statuses.map { ($0.1.code, $0.2) })")
            #expect(statuses.filter { $0.1 == .unprocessableEntity && $0.2 == ["stock"] }.count == 5)
            let winner = try #require(winners.first?.0)
            for id in fans { #expect(try await balance(id, t) == (id == winner ? 50 : 150)) }
            let stored = try #require(try await Reward.find(UUID(uuidString: mug), on: t.db))
            #expect(stored.stock == 0 && stored.redeemed == 1)
            #expect(try await RewardRedemption.query(on: t.db).count() == 1)

            // Restocked, the winner still may not have a second: one per fan.
            let restocked = try await t.api(
                .PUT, rewards + "/\(mug)", token: room.admin, json: ["name": "Mug", "cost": 100, "stock": 5, "per_fan_limit": 1])
            #expect(restocked.status == .ok && restocked.json["stock"] as? Int == 5, "\(restocked.body)")
            let second = try await t.api(.POST, rewards + "/\(mug)/redemptions", token: room.admin, json: ["fan_id": winner.uuidString])
            #expect(second.status == .unprocessableEntity && Set(second.problemFields) == ["per_fan_limit", "cost"], "\(second.body)")

            let poor = try await fan(room, "Poor", points: 0)
            let vip = try await t.api(.POST, rewards, token: room.admin, json: ["name": "VIP pass", "cost": 10, "level_required": 2])
            let vipID = try #require(vip.json["id"] as? String, "\(vip.body)")
            let refused = try await t.api(.POST, rewards + "/\(vipID)/redemptions", token: room.admin, json: ["fan_id": poor.uuidString])
            #expect(Set(refused.problemFields) == ["level_required", "cost"], "\(refused.body)")
            let nobody = try await t.api(.POST, rewards + "/\(mug)/redemptions", token: room.admin, json: ["fan_id": UUID().uuidString])
            #expect(nobody.status == .unprocessableEntity && nobody.problemFields == ["fan_id"], "\(nobody.body)")
            let missing = try await t.api(.POST, rewards + "/\(mug)/redemptions", token: room.admin, json: [:])
            #expect(missing.problemFields == ["fan_id"], "\(missing.body)")
            let filter = try await t.api(.GET, room.api + "/redemptions?status=lost", token: room.admin)
            #expect(filter.status == .unprocessableEntity && filter.problemFields == ["status"], "\(filter.body)")

            // Cancelled: the points and the unit come back, once.
            let list = try await t.api(.GET, room.api + "/redemptions?status=pending&fan_id=\(winner.uuidString)", token: room.admin)
            let redemption = try #require(list.items.first?["id"] as? String, "\(list.body)")
            #expect(list.items.first?["reward_name"] as? String == "Mug")
            let cancelled = try await t.api(.POST, room.api + "/redemptions/\(redemption)/cancel", token: room.admin, json: ["note": "out of colour"])
            #expect(cancelled.status == .ok && cancelled.json["status"] as? String == "cancelled", "\(cancelled.body)")
            let twice = try await t.api(.POST, room.api + "/redemptions/\(redemption)/cancel", token: room.admin)
            #expect(twice.status == .conflict, "\(twice.body)")
            let fulfilled = try await t.api(.POST, room.api + "/redemptions/\(redemption)/fulfil", token: room.admin)
            #expect(fulfilled.status == .conflict, "a cancelled redemption is not fulfilled")
            #expect(try await balance(winner, t) == 150)
            let after = try #require(try await Reward.find(UUID(uuidString: mug), on: t.db))
            #expect(after.stock == 6 && after.redeemed == 0)
            #expect(try await PointsLedgerLine.query(on: t.db).filter(\.$kind == "refund").count() == 1)
            let again = try await t.api(.POST, rewards + "/\(mug)/redemptions", token: room.admin, json: ["fan_id": winner.uuidString])
            #expect(again.status == .created && again.json["balance"] as? Int == 50, "a cancelled redemption does not count against the limit")
            let done = try await t.api(
                .POST, room.api + "/redemptions/\(try #require(again.json["id"] as? String))/fulfil", token: room.admin, json: ["note": "SF123"])
            #expect(done.status == .ok && done.json["status"] as? String == "fulfilled" && done.json["note"] as? String == "SF123")
            let actions = try await AuditEvent.query(on: t.db).filter(\.$action ~~ ["reward.created", "reward.updated", "reward.redeemed"]).count()
            #expect(actions == 2 + 1 + 2, "two rewards made, one changed, two redemptions")
        }
    }

    @Test(arguments: TestDatabase.available)
    func oneBalanceSpentOnManyRewardsAtOnceNeverGoesBelowZero(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let fanID = try await fan(room, "小雨", points: 100)
            var ids: [String] = []
            for n in 1...8 {
                let made = try await t.api(.POST, room.api + "/rewards", token: room.admin, json: ["name": "Coupon \(n)", "cost": 30])
                ids.append(try #require(made.json["id"] as? String, "\(made.body)"))
            }
            let outcomes = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for id in ids {
                    group.addTask {
                        try await t.api(.POST, room.api + "/rewards/\(id)/redemptions", token: room.admin, json: ["fan_id": fanID.uuidString]).status
                    }
                }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .created }.count == 3, "\(outcomes)")
            #expect(outcomes.filter { $0 == .unprocessableEntity }.count == 5, "\(outcomes)")
            #expect(try await balance(fanID, t) == 10)
            let sum = try await (t.db as! any SQLDatabase).raw(
                "SELECT CAST(SUM(delta) AS BIGINT) AS n FROM points_ledger WHERE fan_id = \(bind: fanID)"
            ).first()!.decode(column: "n", as: Int.self)
            #expect(sum == 10, "the balance is what the lines add up to")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRewardIsAddedRedeemedFromTheFanPageAndFulfilledInThePages(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let fanID = try await fan(room, "小雨", points: 120)
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let base = "/w/\(room.ws.slug)"
            let empty = try await browser.get(base + "/rewards")
            #expect(empty.status == .ok && empty.body.contains("id=\"reward-form\""), "\(empty.body.prefix(300))")
            let bad = try await browser.post(base + "/rewards", [("name", "Tote"), ("cost", "lots"), ("level_required", "1")])
            #expect(bad.status == .unprocessableEntity && bad.body.contains("must be a whole number"), "\(bad.body.prefix(300))")
            let saved = try await browser.post(
                base + "/rewards", [("name", "Tote"), ("cost", "100"), ("stock", "2"), ("level_required", "1"), ("active", "true")])
            #expect(saved.status == .seeOther, "\(saved.body.prefix(300))")
            let listed = try await browser.get(base + "/rewards")
            #expect(listed.body.contains("Tote") && listed.body.contains("class=\"reward-stock\">2<"))

            let tote = try #require(try await Reward.query(on: t.db).first())
            let page = try await browser.get(base + "/fans/\(fanID.uuidString.lowercased())")
            #expect(page.body.contains("id=\"redeem-form\""))
            let none = try await browser.post(base + "/fans/\(fanID.uuidString.lowercased())/redemptions", [("reward_id", "")])
            #expect(none.status == .unprocessableEntity && none.body.contains("choose a reward"))
            let redeemed = try await browser.post(
                base + "/fans/\(fanID.uuidString.lowercased())/redemptions",
                [("reward_id", tote.id!.uuidString.lowercased()), ("redemption_note", "到店自提")])
            #expect(redeemed.status == .seeOther)
            let shown = try await browser.get(base + "/fans/\(fanID.uuidString.lowercased())")
            #expect(shown.body.contains("id=\"fan-points\">20<") && shown.body.contains("id=\"fan-redemptions\""))
            #expect(shown.body.contains("到店自提") && shown.body.components(separatedBy: "id=\"redemption_note\"").count == 2, "one field of that id")
            let broke = try await browser.post(
                base + "/fans/\(fanID.uuidString.lowercased())/redemptions", [("reward_id", tote.id!.uuidString.lowercased())])
            #expect(broke.status == .unprocessableEntity && broke.body.contains("needs 100 points; the balance is 20"))

            let pending = try await browser.get(base + "/rewards")
            let redemption = try #require(try await RewardRedemption.query(on: t.db).first())
            #expect(pending.body.contains("/redemptions/\(redemption.id!.uuidString.lowercased())/fulfil"))
            let fulfilled = try await browser.post(base + "/redemptions/\(redemption.id!.uuidString.lowercased())/fulfil", [])
            #expect(fulfilled.status == .seeOther)
            #expect(try await RewardRedemption.find(redemption.id, on: t.db)?.status == "fulfilled")
            let reward = try await browser.get(base + "/rewards/\(tote.id!.uuidString.lowercased())")
            #expect(reward.body.contains("id=\"reward-stock\">1<") && reward.body.contains("data-code=\"fulfilled\">Fulfilled<"))
        }
    }

    @Test(arguments: TestDatabase.available)
    func redemptionsMoveWithAMergeAndBackWithItsUndoAndAreInTheExport(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let kept = try await fan(room, "Kept", points: 10)
            let merged = try await fan(room, "Merged", points: 100)
            let made = try await t.api(.POST, room.api + "/rewards", token: room.admin, json: ["name": "Pin", "cost": 40, "per_fan_limit": 1])
            let pin = try #require(made.json["id"] as? String)
            let redeemed = try await t.api(.POST, room.api + "/rewards/\(pin)/redemptions", token: room.admin, json: ["fan_id": merged.uuidString])
            #expect(redeemed.status == .created, "\(redeemed.body)")
            let merge = try await t.api(
                .POST, room.api + "/fan-merges", token: room.admin,
                json: ["kept_fan_id": kept.uuidString, "merged_fan_id": merged.uuidString, "reason": "by_hand"])
            let mergeID = try #require(merge.json["id"] as? String, "\(merge.body)")
            let moved = try await t.api(.GET, room.api + "/redemptions?fan_id=\(kept.uuidString)", token: room.admin)
            #expect(moved.items.count == 1, "\(moved.body)")
            let limit = try await t.api(.POST, room.api + "/rewards/\(pin)/redemptions", token: room.admin, json: ["fan_id": kept.uuidString])
            #expect(limit.problemFields == ["per_fan_limit"], "one person, one pin: \(limit.body)")
            let export = try await t.api(.GET, room.fans + "/\(kept.uuidString)/export", token: room.admin)
            #expect((export.json["redemptions"] as? [[String: Any]])?.count == 1, "\(export.body.prefix(400))")
            let undone = try await t.api(.POST, room.api + "/fan-merges/\(mergeID)/undo", token: room.admin)
            #expect(undone.status == .ok, "\(undone.body)")
            let back = try await t.api(.GET, room.api + "/redemptions?fan_id=\(merged.uuidString)", token: room.admin)
            #expect(back.items.count == 1, "\(back.body)")
        }
    }
}
