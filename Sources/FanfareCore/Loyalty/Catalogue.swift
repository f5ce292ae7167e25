import Foundation

/// Something fans can redeem points for.
public struct RedemptionItem: Sendable, Codable, Equatable {
    public var name: String
    public var cost: Int
    /// Units left; nil for unlimited (a digital coupon, say).
    public var stock: Int?
    /// How many one fan may redeem in all; nil for no limit.
    public var perFanLimit: Int?
    /// The lowest level that may redeem it (1: everyone).
    public var levelRequired: Int

    public init(name: String, cost: Int, stock: Int? = nil, perFanLimit: Int? = nil, levelRequired: Int = 1) {
        self.name = name
        self.cost = cost
        self.stock = stock
        self.perFanLimit = perFanLimit
        self.levelRequired = levelRequired
    }

    private enum CodingKeys: String, CodingKey {
        case name, cost, stock
        case perFanLimit = "per_fan_limit"
        case levelRequired = "level_required"
    }

    public static let maximumCost = 1_000_000

    /// Problems as (field, English message) for an item being saved: name
    /// 1…80 characters, cost 1…1000000, stock 0 or more, per-fan limit 1
    /// or more, level required between 1 and the ladder's top level.
    public func problems(ladder: LevelLadder = .standard) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 80 {
            problems.append(FieldIssue(field: "name", .lengthBetween(min: 1, max: 80)))
        }
        if !(1...Self.maximumCost).contains(cost) {
            problems.append(FieldIssue(field: "cost", .pointsBetween(min: 1, max: Self.maximumCost)))
        }
        if let stock, stock < 0 {
            problems.append(FieldIssue(field: "stock", .zeroOrMoreOrUnlimited))
        }
        if let perFanLimit, perFanLimit < 1 {
            problems.append(FieldIssue(field: "per_fan_limit", .oneOrMoreOrNoLimit))
        }
        let top = max(1, ladder.levels.count)
        if !(1...top).contains(levelRequired) {
            problems.append(FieldIssue(field: "level_required", .levelBetween(max: top)))
        }
        return problems
    }
}

public enum Redemption {
    /// Why a fan may not redeem `item` now; empty when they may. Every
    /// reason is given at once. The server still decrements the stock and
    /// spends the points with conditional updates (`stock > 0`,
    /// `balance >= cost`) in one transaction, so this check is advice that
    /// concurrency may overrule, never the guard itself.
    /// `grantsRedemption`: whether the fan's level carries the
    /// `points_redemption` privilege (a workspace may keep redemption for
    /// higher levels by taking it off level 1).
    public static func canRedeem(
        item: RedemptionItem, fanLevel: Int, balance: Int, alreadyRedeemedByFan: Int, grantsRedemption: Bool = true
    ) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if !grantsRedemption {
            problems.append(FieldIssue(field: "fan_id", .noRedemptionPrivilege(level: fanLevel)))
        }
        if let stock = item.stock, stock <= 0 {
            problems.append(FieldIssue(field: "stock", .rewardOutOfStock(name: item.name)))
        }
        if fanLevel < item.levelRequired {
            problems.append(FieldIssue(field: "level_required", .rewardNeedsLevel(name: item.name, required: item.levelRequired, level: fanLevel)))
        }
        if let limit = item.perFanLimit, alreadyRedeemedByFan >= limit {
            problems.append(FieldIssue(field: "per_fan_limit", .rewardPerFanLimit(name: item.name, limit: limit, count: alreadyRedeemedByFan)))
        }
        if balance < item.cost {
            problems.append(FieldIssue(field: "cost", .pointsBalance(cost: item.cost, balance: max(0, balance))))
        }
        return problems
    }
}
