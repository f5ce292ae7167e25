import Foundation

/// What earns a badge. JSON: `{"kind": "streak", "at_least": 7}`, with
/// `"action"` added for `action_count`.
public enum BadgeCondition: Sendable, Equatable, Codable {
    /// A check-in streak of at least n days (the best streak, so a badge
    /// once earned stays earned).
    case streak(atLeast: Int)
    case lifetimePoints(atLeast: Int)
    case actionCount(LoyaltyAction, atLeast: Int)
    case featuredUGC(atLeast: Int)

    public var threshold: Int {
        switch self {
        case .streak(let n), .lifetimePoints(let n), .actionCount(_, let n), .featuredUGC(let n): n
        }
    }

    public var kind: String {
        switch self {
        case .streak: "streak"
        case .lifetimePoints: "lifetime_points"
        case .actionCount: "action_count"
        case .featuredUGC: "featured_ugc"
        }
    }

    private enum CodingKeys: String, CodingKey {
        case kind, action
        case atLeast = "at_least"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let n = try container.decode(Int.self, forKey: .atLeast)
        switch kind {
        case "streak": self = .streak(atLeast: n)
        case "lifetime_points": self = .lifetimePoints(atLeast: n)
        case "action_count": self = .actionCount(try container.decode(LoyaltyAction.self, forKey: .action), atLeast: n)
        case "featured_ugc": self = .featuredUGC(atLeast: n)
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container,
                debugDescription: "unknown badge condition '\(kind)'; accepted: streak, lifetime_points, action_count, featured_ugc")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(threshold, forKey: .atLeast)
        if case .actionCount(let action, _) = self { try container.encode(action, forKey: .action) }
    }
}

public struct BadgeRule: Sendable, Codable, Equatable {
    public var id: String
    public var name: String
    public var condition: BadgeCondition

    public init(id: String, name: String, condition: BadgeCondition) {
        self.id = id
        self.name = name
        self.condition = condition
    }
}

/// What is known about one fan, as far as badges are concerned.
public struct LoyaltyFacts: Sendable, Equatable {
    public var bestStreak: Int
    public var lifetimePoints: Int
    public var actionCounts: [LoyaltyAction: Int]
    public var featuredUGC: Int

    public init(bestStreak: Int = 0, lifetimePoints: Int = 0, actionCounts: [LoyaltyAction: Int] = [:], featuredUGC: Int = 0) {
        self.bestStreak = bestStreak
        self.lifetimePoints = lifetimePoints
        self.actionCounts = actionCounts
        self.featuredUGC = featuredUGC
    }
}

public enum LoyaltyBadges {
    /// The rules the facts satisfy, in rule order. Awarding is the caller's:
    /// badges already held are simply found again.
    public static func earnedBadges(facts: LoyaltyFacts, rules: [BadgeRule]) -> [BadgeRule] {
        rules.filter { rule in
            switch rule.condition {
            case .streak(let n): facts.bestStreak >= n
            case .lifetimePoints(let n): facts.lifetimePoints >= n
            case .actionCount(let action, let n): facts.actionCounts[action, default: 0] >= n
            case .featuredUGC(let n): facts.featuredUGC >= n
            }
        }
    }

    /// Problems as (field, English message) for a workspace's badge rules:
    /// ids as lowercase slugs and unique, names 1…40 characters, thresholds
    /// of at least 1.
    public static func problems(rules: [BadgeRule]) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        var seen: Set<String> = []
        let slug = Set("abcdefghijklmnopqrstuvwxyz0123456789_-")
        for (index, rule) in rules.enumerated() {
            let field = "badges[\(index)]"
            if rule.id.isEmpty || rule.id.count > 40 || !rule.id.allSatisfy(slug.contains) {
                problems.append(FieldIssue(field: "\(field).id", .badgeId(max: 40)))
            } else if !seen.insert(rule.id).inserted {
                problems.append(FieldIssue(field: "\(field).id", .badgeIdTaken(id: rule.id)))
            }
            let name = rule.name.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty || name.count > 40 {
                problems.append(FieldIssue(field: "\(field).name", .lengthBetween(min: 1, max: 40)))
            }
            if rule.condition.threshold < 1 {
                problems.append(FieldIssue(field: "\(field).condition.at_least", .wholeNumberAtLeast(min: 1)))
            }
        }
        return problems
    }
}
