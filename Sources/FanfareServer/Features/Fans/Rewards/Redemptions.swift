import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Fans spending points on rewards. A redemption holds under concurrency:
/// - the fan's row is written first, so one fan's redemptions queue and
///   the per-fan limit and balance are read with nothing in between;
/// - the stock moves by one conditional update (`stock > 0`), so the last
///   unit goes to one fan however many ask at once;
/// - the points are a ledger line that cannot take the balance below zero.
/// Cancelling refunds the points and returns the unit; both only while
/// the redemption is pending.
struct Redemptions {
    let db: any Database

    struct Input: Content {
        var fanId: UUID?
        var note: String?
    }

    struct Closing: Content {
        var note: String?
    }

    struct Filter {
        var status: RewardRedemption.Status?
        var fanID: UUID?
        var rewardID: UUID?

        init(status: String?, fanID: String?, rewardID: String?) throws {
            var errors = ValidationErrors()
            if let status, !status.isEmpty {
                self.status = RewardRedemption.Status(rawValue: status)
                if self.status == nil {
                    errors.add("status", .oneOf(choices: RewardRedemption.Status.allCases.map(\.rawValue)))
                }
            }
            if let fanID, !fanID.isEmpty {
                self.fanID = UUID(uuidString: fanID)
                if self.fanID == nil { errors.add("fan_id", .fanId) }
            }
            if let rewardID, !rewardID.isEmpty {
                self.rewardID = UUID(uuidString: rewardID)
                if self.rewardID == nil { errors.add("reward_id", .rewardId) }
            }
            try errors.throwIfAny()
        }
    }

    struct Redeemed {
        var redemption: RewardRedemption
        var reward: Reward
        var balance: Int
    }

    func redeem(_ rawRewardID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Redeemed {
        try access.require(.fansManage)
        let found = try await access.find(Reward.self, rawRewardID, on: db, what: "Reward")
        guard let fanID = input.fanId else { throw ValidationErrors("fan_id", .redeemingFanRequired) }
        let note = (input.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { throw ValidationErrors("note", .lengthAtMost(max: 500)) }
        let programme = try await FanProgrammeStore.load(access.workspaceID, on: db)
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Rewards need an SQL database.") }
            let locked = try await sql.raw(
                "UPDATE fans SET updated_at = \(bind: now) WHERE id = \(bind: fanID) AND workspace_id = \(bind: access.workspaceID) RETURNING id"
            ).first()
            guard locked != nil, let fan = try await Fan.find(fanID, on: tx) else {
                throw ValidationErrors("fan_id", .workspaceFan)
            }
            if fan.mergedInto != nil || fan.erasedAt != nil {
                throw Problem(.conflict, .redeemAsRemainingFan)
            }
            guard let reward = try await Reward.find(found.id, on: tx), reward.active else {
                throw Problem(.conflict, .rewardInactive, type: "reward-inactive")
            }
            let already = try await RewardRedemption.query(on: tx).filter(\.$fan.$id == fanID).filter(\.$reward.$id == reward.id!)
                .filter(\.$status != RewardRedemption.Status.cancelled.rawValue).count()
            let grants = programme.levels.grants("points_redemption", lifetimePoints: fan.lifetimePoints)
            var errors = ValidationErrors()
            for problem in Redemption.canRedeem(
                item: reward.item, fanLevel: fan.level, balance: fan.pointsBalance, alreadyRedeemedByFan: already, grantsRedemption: grants)
            {
                errors.add(problem.field, problem.coded)
            }
            try errors.throwIfAny()
            let taken = try await sql.raw(
                """
                UPDATE rewards SET stock = CASE WHEN stock IS NULL THEN NULL ELSE stock - 1 END, redeemed = redeemed + 1,
                updated_at = \(bind: now) WHERE id = \(bind: reward.id!) AND (stock IS NULL OR stock > 0) RETURNING id
                """
            ).first()
            guard taken != nil else { throw ValidationErrors("stock", .rewardOutOfStock(name: reward.name)) }
            let redemption = RewardRedemption()
            redemption.id = TimeOrderedID.make(at: now)
            redemption.$workspace.id = access.workspaceID
            redemption.$reward.id = reward.id!
            redemption.$fan.id = fanID
            redemption.points = reward.cost
            redemption.status = RewardRedemption.Status.pending.rawValue
            redemption.note = note
            redemption.actorID = actor.userID
            redemption.createdAt = now
            redemption.updatedAt = now
            try await redemption.create(on: tx)
            let entry = LedgerEntry(
                sourceKey: Self.sourceKey(redemption.id!), delta: -reward.cost, reason: "Redeemed \(reward.name)", kind: .spend)
            guard let posted = try await PointsLedger(db: tx).append(entry, to: fanID, in: access.workspaceID, actor: actor, now: now, on: tx)
            else {
                throw ValidationErrors("cost", .pointsBalance(cost: reward.cost, balance: max(0, fan.pointsBalance)))
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reward.redeemed", targetType: "fan", targetID: fanID,
                after: ["reward": reward.name, "points": String(reward.cost), "redemption": redemption.id!.uuidString.lowercased()], now: now)
            reward.stock = reward.stock.map { $0 - 1 }
            reward.redeemed += 1
            return Redeemed(redemption: redemption, reward: reward, balance: posted.balance)
        }
    }

    static func sourceKey(_ redemptionID: UUID) -> String { "redemption:\(redemptionID.uuidString.lowercased())" }

    func fulfil(_ rawID: String?, _ closing: Closing, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> RewardRedemption {
        try await close(rawID, to: .fulfilled, closing, in: access, actor: actor, now: now)
    }

    /// Gives the points back (a refund line) and the unit back to the stock.
    func cancel(_ rawID: String?, _ closing: Closing, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> RewardRedemption {
        try await close(rawID, to: .cancelled, closing, in: access, actor: actor, now: now)
    }

    private func close(
        _ rawID: String?, to status: RewardRedemption.Status, _ closing: Closing, in access: WorkspaceAccess, actor: Actor, now: Date
    ) async throws -> RewardRedemption {
        try access.require(.fansManage)
        let found = try await access.find(RewardRedemption.self, rawID, on: db, what: "Redemption")
        let note = (closing.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { throw ValidationErrors("note", .lengthAtMost(max: 500)) }
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Rewards need an SQL database.") }
            // Only a pending redemption moves, and only once however many ask at once.
            let moved = try await sql.raw(
                """
                UPDATE redemptions SET status = \(bind: status.rawValue), updated_at = \(bind: now)
                WHERE id = \(bind: found.id!) AND status = 'pending' RETURNING id
                """
            ).first()
            guard moved != nil, let redemption = try await RewardRedemption.find(found.id, on: tx) else {
                let current = try await RewardRedemption.find(found.id, on: tx)?.status ?? found.status
                throw Problem(.conflict, .redemptionSettled(status: current))
            }
            if !note.isEmpty { redemption.note = note }
            redemption.updatedAt = now
            try await redemption.update(on: tx)
            if status == .cancelled {
                let reward = try await Reward.find(redemption.$reward.id, on: tx)
                let refund = LedgerEntry(
                    sourceKey: Self.sourceKey(redemption.id!) + ":refund", delta: redemption.points,
                    reason: "Cancelled \(reward?.name ?? "redemption")", kind: .refund)
                _ = try await PointsLedger(db: tx).append(
                    refund, to: redemption.$fan.id, in: access.workspaceID, actor: actor, now: now, on: tx)
                try await sql.raw(
                    """
                    UPDATE rewards SET stock = CASE WHEN stock IS NULL THEN NULL ELSE stock + 1 END, redeemed = redeemed - 1,
                    updated_at = \(bind: now) WHERE id = \(bind: redemption.$reward.id)
                    """
                ).run()
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reward.redemption_\(status.rawValue)", targetType: "fan",
                targetID: redemption.$fan.id, after: ["redemption": redemption.id!.uuidString.lowercased(), "note": note], now: now)
            return redemption
        }
    }

    func list(_ filter: Filter, page: PageQuery, in access: WorkspaceAccess) async throws -> (items: [RewardRedemption], next: String?) {
        try access.require(.fansView)
        let query = access.query(RewardRedemption.self, on: db).with(\.$reward).sort(\.$id, .descending).limit(page.limit + 1)
        if let status = filter.status { query.filter(\.$status == status.rawValue) }
        if let fanID = filter.fanID { query.filter(\.$fan.$id == fanID) }
        if let rewardID = filter.rewardID { query.filter(\.$reward.$id == rewardID) }
        if let after = page.after { query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }
}
