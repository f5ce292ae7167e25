import Foundation

/// A fan's value tier (S2 §3.3 价值维度: 消费金额、推荐价值、社群贡献), lowest first.
public enum ValueTier: String, CaseIterable, Codable, Sendable, Comparable {
    case none, bronze, silver, gold, platinum

    public static func < (lhs: ValueTier, rhs: ValueTier) -> Bool { lhs.rank < rhs.rank }

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// What a fan's value tier is computed from.
public struct ValueFacts: Codable, Equatable, Sendable {
    /// Lifetime spend in yuan, net of refunds.
    public var spend: Decimal
    /// Fans this fan brought in (referrals that counted).
    public var referrals: Int
    /// Community contributions: featured UGC, accepted answers, challenge submissions.
    public var contributions: Int

    public init(spend: Decimal = 0, referrals: Int = 0, contributions: Int = 0) {
        self.spend = spend
        self.referrals = referrals
        self.contributions = contributions
    }
}

/// How value is scored and where each tier starts; a workspace may change all of it.
///
/// score = spend + referrals × referralWorth + contributions × contributionWorth, in yuan; each
/// part below zero (a net refund, a corrected count) counts as zero, so one part cannot cancel
/// another. A fan is in the highest tier whose threshold the score reaches. The defaults are
/// Fanfare's, not the seeds': a referral is worth ¥50, a contribution ¥10; bronze from ¥100,
/// silver ¥500, gold ¥2,000, platinum ¥10,000.
public struct ValueThresholds: Codable, Equatable, Sendable {
    public var referralWorth: Decimal
    public var contributionWorth: Decimal
    /// Lowest score that is bronze.
    public var bronze: Decimal
    public var silver: Decimal
    public var gold: Decimal
    public var platinum: Decimal

    public static let standard = ValueThresholds(
        referralWorth: 50, contributionWorth: 10, bronze: 100, silver: 500, gold: 2_000, platinum: 10_000)

    public init(referralWorth: Decimal, contributionWorth: Decimal, bronze: Decimal, silver: Decimal, gold: Decimal, platinum: Decimal) {
        self.referralWorth = referralWorth
        self.contributionWorth = contributionWorth
        self.bronze = bronze
        self.silver = silver
        self.gold = gold
        self.platinum = platinum
    }

    enum CodingKeys: String, CodingKey {
        case referralWorth = "referral_worth", contributionWorth = "contribution_worth", bronze, silver, gold, platinum
    }

    public func score(_ facts: ValueFacts) -> Decimal {
        max(facts.spend, 0) + Decimal(max(facts.referrals, 0)) * referralWorth + Decimal(max(facts.contributions, 0)) * contributionWorth
    }

    public func tier(for facts: ValueFacts) -> ValueTier { tier(forScore: score(facts)) }

    public func tier(forScore score: Decimal) -> ValueTier {
        if score >= platinum { return .platinum }
        if score >= gold { return .gold }
        if score >= silver { return .silver }
        if score >= bronze { return .bronze }
        return .none
    }

    /// Problems as (field, English message), empty when valid: worths ≥ 0, thresholds > 0 and
    /// strictly increasing bronze < silver < gold < platinum.
    public var problems: [FieldIssue] {
        var problems: [FieldIssue] = []
        for (field, value) in [("referral_worth", referralWorth), ("contribution_worth", contributionWorth)] where value < 0 || value.isNaN {
            problems.append(FieldIssue(field: field, .yuanZeroOrMore))
        }
        let ladder: [(String, Decimal)] = [("bronze", bronze), ("silver", silver), ("gold", gold), ("platinum", platinum)]
        // Zero would put every fan in bronze at least, leaving the none tier unreachable.
        for (field, value) in ladder where value <= 0 || value.isNaN {
            problems.append(FieldIssue(field: field, .scoreAboveZero))
        }
        for (lower, upper) in zip(ladder, ladder.dropFirst()) where upper.1 <= lower.1 {
            problems.append(FieldIssue(field: upper.0, .greaterThanTier(tier: lower.0, value: "\(lower.1)")))
        }
        return problems
    }
}

/// Where a fan is in the lifecycle (S2 §5.3: 触达 reach → 激活 activate → 留存 retain → 转化 convert).
public enum LifecycleStage: String, CaseIterable, Codable, Sendable, Comparable {
    case reach, activate, retain, convert

    public static func < (lhs: LifecycleStage, rhs: LifecycleStage) -> Bool { lhs.rank < rhs.rank }

    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}

/// What the lifecycle stage is computed from. `RollingActivity.lifecycleFacts` fills the activity part.
public struct LifecycleFacts: Codable, Equatable, Sendable {
    /// Interactions in the last 30 local days.
    public var interactions30d: Int
    /// Of the last `LifecycleRule.windowWeeks` rolling weeks (7 local days each, counted back from
    /// today), how many had at least one interaction.
    public var activeWeeks: Int
    /// Lifetime spend in yuan, net of refunds.
    public var spend: Decimal
    /// Lifetime purchases and points redemptions.
    public var purchases: Int
    public var redemptions: Int

    public init(interactions30d: Int = 0, activeWeeks: Int = 0, spend: Decimal = 0, purchases: Int = 0, redemptions: Int = 0) {
        self.interactions30d = interactions30d
        self.activeWeeks = activeWeeks
        self.spend = spend
        self.purchases = purchases
        self.redemptions = redemptions
    }

    enum CodingKeys: String, CodingKey {
        case interactions30d = "interactions_30d", activeWeeks = "active_weeks", spend, purchases, redemptions
    }
}

/// The lifecycle rule. The stage is the first that holds:
/// 1. convert: the fan has ever spent (spend > 0), bought or redeemed;
/// 2. retain: active in at least `retainWeeks` of the last `windowWeeks` rolling weeks (2 of 4);
/// 3. activate: at least one interaction in the last 30 days;
/// 4. reach: seen (the fan exists because a platform showed them to us) but not interacting.
///
/// The stage is recomputed from the facts, never stored as a ratchet: a retained fan who goes quiet
/// falls back to activate and then reach, which is what the team needs to see to win them back.
/// Conversion rests on lifetime facts, so it stays unless the spend is refunded. Every movement,
/// up or down, is a `TierChange`.
public struct LifecycleRule: Codable, Equatable, Sendable {
    public var retainWeeks: Int
    /// 1...4: the 30-day activity window holds four whole weeks.
    public var windowWeeks: Int

    public static let standard = LifecycleRule(retainWeeks: 2, windowWeeks: 4)

    public init(retainWeeks: Int, windowWeeks: Int) {
        self.retainWeeks = retainWeeks
        self.windowWeeks = windowWeeks
    }

    enum CodingKeys: String, CodingKey { case retainWeeks = "retain_weeks", windowWeeks = "window_weeks" }

    public func stage(for facts: LifecycleFacts) -> LifecycleStage {
        if facts.spend > 0 || facts.purchases > 0 || facts.redemptions > 0 { return .convert }
        if facts.activeWeeks >= retainWeeks { return .retain }
        if facts.interactions30d >= 1 { return .activate }
        return .reach
    }

    public var problems: [FieldIssue] {
        var problems: [FieldIssue] = []
        if !(1...RollingActivity.days / 7).contains(windowWeeks) {
            problems.append(FieldIssue(field: "window_weeks", .betweenIntegers(min: 1, max: RollingActivity.days / 7)))
        }
        if retainWeeks < 1 || retainWeeks > max(windowWeeks, 1) {
            problems.append(FieldIssue(field: "retain_weeks", .weeksWithinWindow(weeks: windowWeeks)))
        }
        return problems
    }
}

/// The three tiers of a fan at one moment.
public struct FanTierSnapshot: Codable, Equatable, Sendable {
    public var activity: ActivityTier
    public var value: ValueTier
    public var stage: LifecycleStage

    public init(activity: ActivityTier, value: ValueTier, stage: LifecycleStage) {
        self.activity = activity
        self.value = value
        self.stage = stage
    }
}

/// One tier that moved, for the fan's timeline and for "upgraded to gold" notifications.
public struct TierChange: Codable, Equatable, Sendable {
    public enum Dimension: String, CaseIterable, Codable, Sendable { case activity, value, stage }
    public enum Direction: String, Codable, Sendable {
        /// First snapshot of the fan: `from` is nil.
        case entered
        case up, down
    }

    public var dimension: Dimension
    /// Raw value of the old tier or stage; nil for a fan's first snapshot.
    public var from: String?
    public var to: String
    public var direction: Direction

    public init(dimension: Dimension, from: String?, to: String, direction: Direction) {
        self.dimension = dimension
        self.from = from
        self.to = to
        self.direction = direction
    }

    /// What moved between two snapshots, in the order activity, value, stage; all three (entered)
    /// when there is no old snapshot; empty when nothing moved.
    public static func changes(from old: FanTierSnapshot?, to new: FanTierSnapshot) -> [TierChange] {
        let pairs: [(Dimension, Int?, Int, String?, String)] = [
            (.activity, old.map { activityRank($0.activity) }, activityRank(new.activity), old?.activity.rawValue, new.activity.rawValue),
            (.value, old?.value.rank, new.value.rank, old?.value.rawValue, new.value.rawValue),
            (.stage, old?.stage.rank, new.stage.rank, old?.stage.rawValue, new.stage.rawValue),
        ]
        return pairs.compactMap { dimension, oldRank, newRank, from, to in
            guard let oldRank else { return TierChange(dimension: dimension, from: nil, to: to, direction: .entered) }
            if oldRank == newRank { return nil }
            return TierChange(dimension: dimension, from: from, to: to, direction: newRank > oldRank ? .up : .down)
        }
    }

    private static func activityRank(_ tier: ActivityTier) -> Int { ActivityTier.allCases.firstIndex(of: tier) ?? 0 }
}
