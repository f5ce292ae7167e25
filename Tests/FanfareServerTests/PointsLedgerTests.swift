import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

@Suite struct PointsLedgerTests {
    func sumOfLines(_ fanID: UUID, _ t: TestApp) async throws -> Int {
        try await (t.db as! any SQLDatabase).raw(
            "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS n FROM points_ledger WHERE fan_id = \(bind: fanID)"
        ).first()!
        .decode(column: "n", as: Int.self)
    }

    @Test(arguments: TestDatabase.available)
    func manySpendsOfOneBalanceAtOnceNeverTakeItBelowZero(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("points@example.com", workspace: "Points")
            let wsID = ws.id!
            let fan = try await FanDirectory.fan(workspaceID: wsID, platform: "weibo", authorID: "u1", name: "小雨", now: Date(), on: t.db)
            let ledger = PointsLedger(db: t.db)
            let earned = try await ledger.post(LedgerEntry(sourceKey: "check_in:u1:1", delta: 100, kind: .earn), to: fan, in: wsID, actor: .system)
            #expect(earned.balance == 100 && !earned.repeated)

            // act: 24 spends of 10 from 24 tasks at once
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for n in 0..<24 {
                    group.addTask {
                        (try? await ledger.post(LedgerEntry(sourceKey: "redeem:\(n)", delta: -10, kind: .spend), to: fan, in: wsID, actor: .system))
                            != nil
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            // check: exactly ten went through; the balance is what the lines add up to
            #expect(outcomes.filter { $0 }.count == 10)
            let stored = try #require(try await Fan.find(fan, on: t.db))
            #expect(stored.pointsBalance == 0 && stored.lifetimePoints == 100)
            #expect(try await sumOfLines(fan, t) == 0)
            #expect(try await PointsLedgerLine.query(on: t.db).filter(\.$kind == "spend").count() == 10)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anEventPostedTwiceCountsOnceEvenAtTheSameTime(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("once@example.com", workspace: "Once")
            let wsID = ws.id!
            let fan = try await FanDirectory.fan(workspaceID: wsID, platform: "mastodon", authorID: "@mia@x", name: "Mia", now: Date(), on: t.db)
            let ledger = PointsLedger(db: t.db)
            let entry = LedgerEntry(sourceKey: "comment:mastodon:777", delta: 5, kind: .earn)
            let posted = try await withThrowingTaskGroup(of: PointsLedger.Posted.self) { group in
                for _ in 0..<8 { group.addTask { try await ledger.post(entry, to: fan, in: wsID, actor: .system) } }
                return try await group.reduce(into: [PointsLedger.Posted]()) { $0.append($1) }
            }
            #expect(posted.filter { !$0.repeated }.count == 1)
            #expect(Set(posted.map(\.lineID)).count == 1, "every caller is told about the one line")
            #expect(try await Fan.find(fan, on: t.db)?.pointsBalance == 5)
            #expect(try await sumOfLines(fan, t) == 5)
        }
    }

    @Test(arguments: TestDatabase.available)
    func refusalsNameTheFieldAndWriteNothingAndAdjustmentsAreAudited(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("adjust@example.com", workspace: "Adjust")
            let wsID = ws.id!
            let fan = try await FanDirectory.fan(workspaceID: wsID, platform: "weibo", authorID: "u9", name: "阿杰", now: Date(), on: t.db)
            let ledger = PointsLedger(db: t.db)
            _ = try await ledger.post(LedgerEntry(sourceKey: "share:1", delta: 80, kind: .earn), to: fan, in: wsID, actor: .system)

            do {
                _ = try await ledger.post(LedgerEntry(sourceKey: "redeem:big", delta: -120, kind: .spend), to: fan, in: wsID, actor: .system)
                Issue.record("a spend beyond the balance went through")
            } catch let errors as ValidationErrors {
                #expect(errors.issues.map(\.message) == ["needs 120 points; the balance is 80"] && errors.issues.map(\.field) == ["delta"])
            }
            do {
                _ = try await ledger.post(
                    LedgerEntry(sourceKey: "adjust:1", delta: 10, reason: "ok", kind: .adjust), to: fan, in: wsID, actor: .system)
                Issue.record("an adjustment without a reason went through")
            } catch let errors as ValidationErrors {
                #expect(errors.issues.map(\.field) == ["reason"])
            }
            #expect(try await PointsLedgerLine.query(on: t.db).count() == 1, "refused lines leave nothing behind")
            #expect(try await Fan.find(fan, on: t.db)?.pointsBalance == 80)

            let admin = Actor(userID: nil, label: "admin@example.com", address: nil)
            let adjusted = try await ledger.post(
                LedgerEntry(sourceKey: "adjust:2", delta: -30, reason: "Duplicate share removed", kind: .adjust), to: fan, in: wsID, actor: admin)
            #expect(adjusted.balance == 50)
            let audit = try #require(try await AuditEvent.query(on: t.db).filter(\.$action == "loyalty.points_adjusted").first())
            #expect(audit.actorLabel == "admin@example.com")
            #expect(try await Fan.find(fan, on: t.db)?.lifetimePoints == 80, "taking points away does not lower what was earned")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPersonSeenTwiceAtOnceBecomesOneFan(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("seen@example.com", workspace: "Seen")
            let wsID = ws.id!
            let ids = try await withThrowingTaskGroup(of: UUID.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await FanDirectory.fan(workspaceID: wsID, platform: "weibo", authorID: "u42", name: "Lin", now: Date(), on: t.db)
                    }
                }
                return try await group.reduce(into: Set<UUID>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
            #expect(try await Fan.query(on: t.db).filter(\.$workspace.$id == wsID).count() == 1)
            let other = try await FanDirectory.fan(workspaceID: wsID, platform: "mastodon", authorID: "u42", name: "Lin", now: Date(), on: t.db)
            #expect(!ids.contains(other), "the same id on another platform is another identity until merged")
        }
    }
}
