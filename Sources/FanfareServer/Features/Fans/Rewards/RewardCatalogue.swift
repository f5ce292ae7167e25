import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Keeping the redemption catalogue: rewards checked by the Core
/// (`RedemptionItem`), names unique in the workspace, every change audited.
struct RewardCatalogue {
    let db: any Database

    /// A whole reward, as `PUT` replaces it: `stock` and `per_fan_limit`
    /// null mean unlimited.
    struct Input: Content {
        var name: String?
        var description: String?
        var cost: Int?
        var stock: Int?
        var perFanLimit: Int?
        var levelRequired: Int?
        var active: Bool?
    }

    func list(activeOnly: Bool = false, in access: WorkspaceAccess) async throws -> [Reward] {
        try access.require(.fansView)
        let query = access.query(Reward.self, on: db)
        if activeOnly { query.filter(\.$active == true) }
        return try await query.sort(\.$cost).sort(\.$name).all()
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> Reward {
        try access.require(.fansView)
        return try await access.find(Reward.self, rawID, on: db, what: "Reward")
    }

    private func checked(_ input: Input, in access: WorkspaceAccess, except id: UUID? = nil) async throws -> RedemptionItem {
        let programme = try await FanProgrammeStore.load(access.workspaceID, on: db)
        var errors = ValidationErrors()
        if input.cost == nil { errors.add("cost", .pointsRequiredBetween(min: 1, max: RedemptionItem.maximumCost)) }
        let item = RedemptionItem(
            name: (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines), cost: input.cost ?? 1, stock: input.stock,
            perFanLimit: input.perFanLimit, levelRequired: input.levelRequired ?? 1)
        for problem in item.problems(ladder: programme.levels) { errors.add(problem.field, problem.coded) }
        if (input.description ?? "").count > 500 { errors.add("description", .lengthAtMost(max: 500)) }
        if !item.name.isEmpty {
            let clash = access.query(Reward.self, on: db).filter(\.$name == item.name)
            if let id { clash.filter(\.$id != id) }
            if try await clash.first() != nil { errors.add("name", .rewardNameTaken) }
        }
        try errors.throwIfAny()
        return item
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Reward {
        try access.require(.fansManage)
        let item = try await checked(input, in: access)
        let reward = Reward()
        reward.id = TimeOrderedID.make(at: now)
        reward.$workspace.id = access.workspaceID
        apply(item, input, to: reward)
        reward.redeemed = 0
        reward.createdAt = now
        reward.updatedAt = now
        try await db.writeTransaction { tx in
            try await reward.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reward.created", targetType: "reward", targetID: reward.id,
                after: Self.audited(reward), now: now)
        }
        return reward
    }

    /// Replaces a reward. The row is written first, so a redemption under
    /// way finishes before (and its unit is not given back by an older
    /// stock figure) or waits and takes from the new stock.
    func replace(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Reward {
        try access.require(.fansManage)
        let found = try await access.find(Reward.self, rawID, on: db, what: "Reward")
        let item = try await checked(input, in: access, except: found.id)
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Rewards need an SQL database.") }
            try await sql.raw("UPDATE rewards SET updated_at = \(bind: now) WHERE id = \(bind: found.id!)").run()
            guard let reward = try await Reward.find(found.id, on: tx) else { throw Problem.notFound("Reward") }
            let before = Self.audited(reward)
            apply(item, input, to: reward)
            reward.updatedAt = now
            try await reward.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reward.updated", targetType: "reward", targetID: reward.id,
                before: before, after: Self.audited(reward), now: now)
            return reward
        }
    }

    private func apply(_ item: RedemptionItem, _ input: Input, to reward: Reward) {
        reward.name = item.name
        reward.details = (input.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        reward.cost = item.cost
        reward.stock = item.stock
        reward.perFanLimit = item.perFanLimit
        reward.levelRequired = item.levelRequired
        reward.active = input.active ?? true
    }

    private static func audited(_ reward: Reward) -> [String: String] {
        [
            "name": reward.name, "cost": String(reward.cost), "stock": reward.stock.map(String.init) ?? "unlimited",
            "per_fan_limit": reward.perFanLimit.map(String.init) ?? "none", "level_required": String(reward.levelRequired),
            "active": String(reward.active),
        ]
    }
}
