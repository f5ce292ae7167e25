import Foundation

/// A workspace's whole fan programme: how tiers are cut, what earns points,
/// the streak bonuses, the level ladder, the badges and how long inactive
/// fans' personal data is kept. Stored as one JSON document so that a
/// change is one audited write; every part falls back to Fanfare's defaults
/// when a client leaves it out.
public struct FanProgramme: Codable, Equatable, Sendable {
    public var activity: ActivityThresholds
    public var value: ValueThresholds
    public var lifecycle: LifecycleRule
    public var points: PointsPolicy
    public var checkIn: CheckInPolicy
    public var levels: LevelLadder
    public var badges: [BadgeRule]
    /// Days without an interaction after which a fan's personal data is
    /// purged by the retention job; nil keeps it until erased by hand.
    public var retentionDays: Int?
    /// What one point costs the brand, in yuan, for the incentive report.
    public var pointValueYuan: Double

    public static let standard = FanProgramme()

    public static let standardBadges = [
        BadgeRule(id: "streak-7", name: "7-day streak", condition: .streak(atLeast: 7)),
        BadgeRule(id: "streak-30", name: "30-day streak", condition: .streak(atLeast: 30)),
        BadgeRule(id: "voice", name: "Voice of the community", condition: .actionCount(.comment, atLeast: 50)),
        BadgeRule(id: "creator", name: "Featured creator", condition: .featuredUGC(atLeast: 1)),
        BadgeRule(id: "thousand", name: "1,000 points", condition: .lifetimePoints(atLeast: 1_000)),
    ]

    public init(
        activity: ActivityThresholds = .standard, value: ValueThresholds = .standard, lifecycle: LifecycleRule = .standard,
        points: PointsPolicy = .standard, checkIn: CheckInPolicy = .standard, levels: LevelLadder = .standard,
        badges: [BadgeRule] = FanProgramme.standardBadges, retentionDays: Int? = 730, pointValueYuan: Double = 0.01
    ) {
        self.activity = activity
        self.value = value
        self.lifecycle = lifecycle
        self.points = points
        self.checkIn = checkIn
        self.levels = levels
        self.badges = badges
        self.retentionDays = retentionDays
        self.pointValueYuan = pointValueYuan
    }

    enum CodingKeys: String, CodingKey {
        case activity, value, lifecycle, points, levels, badges
        case checkIn = "check_in"
        case retentionDays = "retention_days"
        case pointValueYuan = "point_value_yuan"
    }

    // By hand, so that a client may send only the parts it changes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let standard = FanProgramme()
        activity = try container.decodeIfPresent(ActivityThresholds.self, forKey: .activity) ?? standard.activity
        value = try container.decodeIfPresent(ValueThresholds.self, forKey: .value) ?? standard.value
        lifecycle = try container.decodeIfPresent(LifecycleRule.self, forKey: .lifecycle) ?? standard.lifecycle
        points = try container.decodeIfPresent(PointsPolicy.self, forKey: .points) ?? standard.points
        checkIn = try container.decodeIfPresent(CheckInPolicy.self, forKey: .checkIn) ?? standard.checkIn
        levels = try container.decodeIfPresent([LoyaltyLevel].self, forKey: .levels).map(LevelLadder.init(levels:)) ?? standard.levels
        badges = try container.decodeIfPresent([BadgeRule].self, forKey: .badges) ?? standard.badges
        retentionDays = container.contains(.retentionDays) ? try container.decodeIfPresent(Int.self, forKey: .retentionDays) : standard.retentionDays
        pointValueYuan = try container.decodeIfPresent(Double.self, forKey: .pointValueYuan) ?? standard.pointValueYuan
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(activity, forKey: .activity)
        try container.encode(value, forKey: .value)
        try container.encode(lifecycle, forKey: .lifecycle)
        try container.encode(points, forKey: .points)
        try container.encode(checkIn, forKey: .checkIn)
        try container.encode(levels.levels, forKey: .levels)
        try container.encode(badges, forKey: .badges)
        // Written even when nil: "keep until erased by hand" must survive a round trip.
        try container.encode(retentionDays, forKey: .retentionDays)
        try container.encode(pointValueYuan, forKey: .pointValueYuan)
    }

    /// Every part's problems, fields prefixed by the part.
    public func problems() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        problems += activity.problems.map { FieldIssue(field: "activity", .fieldSays(field: $0.field, message: $0.coded)) }
        problems += value.problems.map { FieldIssue(field: "value.\($0.field)", $0.coded) }
        problems += lifecycle.problems.map { FieldIssue(field: "lifecycle.\($0.field)", $0.coded) }
        problems += points.problems().map { FieldIssue(field: "points.\($0.field)", $0.coded) }
        problems += checkIn.problems().map { FieldIssue(field: "check_in.\($0.field)", $0.coded) }
        problems += levels.problems()
        problems += LoyaltyBadges.problems(rules: badges)
        if let days = retentionDays, !(30...3_650).contains(days) {
            problems.append(FieldIssue(field: "retention_days", .retentionDays(min: 30, max: 3_650)))
        }
        if !(pointValueYuan > 0 && pointValueYuan <= 100) {
            problems.append(FieldIssue(field: "point_value_yuan", .yuanUpTo(max: 100)))
        }
        return problems
    }
}

extension FanProgramme {
    /// A fan's three tiers from what is counted about them, as of a local
    /// day: the one computation behind the incremental update as messages
    /// arrive and the nightly full recomputation, so the two cannot drift.
    public func tiers(
        activity rolling: RollingActivity, asOfDay today: Int, value facts: ValueFacts, redemptions: Int
    ) -> (interactions30d: Int, snapshot: FanTierSnapshot) {
        let interactions = rolling.count(asOfDay: today)
        let lifecycleFacts = LifecycleFacts(
            interactions30d: interactions, activeWeeks: rolling.activeWeeks(asOfDay: today, weeks: lifecycle.windowWeeks), spend: facts.spend,
            redemptions: redemptions)
        return (
            interactions,
            FanTierSnapshot(
                activity: activity.tier(forInteractions: interactions), value: value.tier(for: facts), stage: lifecycle.stage(for: lifecycleFacts))
        )
    }
}
