import Foundation

/// Something a fan does that can earn points. The raw values are the ones
/// stored and sent over the API.
public enum LoyaltyAction: String, Sendable, Codable, CaseIterable {
    case comment, share, post
    case checkIn = "check_in"
    case pollVote = "poll_vote"
    case quizAnswer = "quiz_answer"
    case ugcEntry = "ugc_entry"
    case ugcFeatured = "ugc_featured"
    case referral, purchase
}

/// Points for one action, and at most how many points a fan can collect from
/// that action in one local day (nil: no daily cap).
public struct PointsRule: Sendable, Codable, Equatable {
    public var action: LoyaltyAction
    public var points: Int
    public var dailyCap: Int?

    public init(action: LoyaltyAction, points: Int, dailyCap: Int? = nil) {
        self.action = action
        self.points = points
        self.dailyCap = dailyCap
    }

    private enum CodingKeys: String, CodingKey {
        case action, points
        case dailyCap = "daily_cap"
    }
}

/// A workspace's points rules. An action without a rule earns nothing.
public struct PointsPolicy: Sendable, Codable, Equatable {
    public static let pointsRange = 1...10_000

    public var rules: [PointsRule]

    public init(rules: [PointsRule]) {
        self.rules = rules
    }

    /// The rules a new workspace starts with. Cheap, frequent actions are
    /// capped so that points measure engagement rather than spam; a featured
    /// UGC pick and a purchase are decided by the brand, so they are not.
    public static let standard = PointsPolicy(rules: [
        PointsRule(action: .comment, points: 2, dailyCap: 20),
        PointsRule(action: .share, points: 5, dailyCap: 25),
        PointsRule(action: .post, points: 10, dailyCap: 30),
        PointsRule(action: .checkIn, points: 5, dailyCap: 5),
        PointsRule(action: .pollVote, points: 3, dailyCap: 15),
        PointsRule(action: .quizAnswer, points: 5, dailyCap: 50),
        PointsRule(action: .ugcEntry, points: 20, dailyCap: 40),
        PointsRule(action: .ugcFeatured, points: 100),
        PointsRule(action: .referral, points: 50, dailyCap: 250),
        PointsRule(action: .purchase, points: 100),
    ])

    public func rule(for action: LoyaltyAction) -> PointsRule? {
        rules.first { $0.action == action }
    }

    /// Problems as (field, English message): points outside 1…10000, a cap
    /// below the points of one action (the action could never be rewarded),
    /// two rules for one action.
    public func problems() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        var seen: Set<LoyaltyAction> = []
        let range = Self.pointsRange
        for (index, rule) in rules.enumerated() {
            let field = "rules[\(index)]"
            if !seen.insert(rule.action).inserted {
                problems.append(FieldIssue(field: "\(field).action", .pointsRuleRepeated(action: rule.action.rawValue)))
            }
            if !range.contains(rule.points) {
                problems.append(FieldIssue(field: "\(field).points", .wholeNumberBetween(min: range.lowerBound, max: range.upperBound)))
            }
            if let cap = rule.dailyCap, cap < max(rule.points, range.lowerBound) {
                problems.append(FieldIssue(field: "\(field).daily_cap", .dailyCapAtLeast(action: rule.action.rawValue, points: rule.points)))
            }
        }
        return problems
    }
}

public enum LoyaltyPoints {
    /// The points one action earns, given what the fan has already earned
    /// from the same action today (in the workspace's zone): the rule's
    /// points, reduced to what the daily cap leaves, 0 once the cap is
    /// reached or when the action has no rule.
    public static func award(action: LoyaltyAction, earnedTodaySoFar: Int, policy: PointsPolicy) -> Int {
        guard let rule = policy.rule(for: action), rule.points > 0 else { return 0 }
        guard let cap = rule.dailyCap else { return rule.points }
        return max(0, min(rule.points, cap - max(0, earnedTodaySoFar)))
    }
}
