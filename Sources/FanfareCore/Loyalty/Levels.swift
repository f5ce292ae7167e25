import Foundation

/// The three incentive layers of the seeds: basic (check-in, points),
/// advanced (draws, early access), peak (meet-ups, VIP events).
public enum IncentiveLayer: String, Sendable, Codable, CaseIterable {
    case basic, advanced, peak
}

/// The privileges a level can grant, each in its incentive layer.
public enum LoyaltyPrivilege {
    public static let layers: [(privilege: String, layer: IncentiveLayer)] = [
        ("check_in_rewards", .basic),
        ("points_redemption", .basic),
        ("lottery_entry", .advanced),
        ("early_access", .advanced),
        ("vip_event", .peak),
        ("meetup", .peak),
    ]

    public static var known: [String] { layers.map(\.privilege) }

    public static func layer(of privilege: String) -> IncentiveLayer? {
        layers.first { $0.privilege == privilege }?.layer
    }
}

/// One level: reached at `minLifetimePoints` lifetime-earned points (spending
/// points never lowers a level), granting `privileges` in addition to those
/// of the levels below.
public struct LoyaltyLevel: Sendable, Codable, Equatable {
    public var number: Int
    public var name: String
    public var minLifetimePoints: Int
    public var privileges: [String]

    public init(number: Int, name: String, minLifetimePoints: Int, privileges: [String] = []) {
        self.number = number
        self.name = name
        self.minLifetimePoints = minLifetimePoints
        self.privileges = privileges
    }

    private enum CodingKeys: String, CodingKey {
        case number, name, privileges
        case minLifetimePoints = "min_lifetime_points"
    }
}

/// A workspace's levels, lowest first.
public struct LevelLadder: Sendable, Codable, Equatable {
    public var levels: [LoyaltyLevel]

    public init(levels: [LoyaltyLevel]) {
        self.levels = levels
    }

    public static let standard = LevelLadder(levels: [
        LoyaltyLevel(number: 1, name: "Newcomer", minLifetimePoints: 0, privileges: ["check_in_rewards", "points_redemption"]),
        LoyaltyLevel(number: 2, name: "Regular", minLifetimePoints: 500, privileges: ["lottery_entry"]),
        LoyaltyLevel(number: 3, name: "Insider", minLifetimePoints: 2_000, privileges: ["early_access"]),
        LoyaltyLevel(number: 4, name: "Core fan", minLifetimePoints: 8_000, privileges: ["vip_event", "meetup"]),
    ])

    /// The highest level whose threshold the points reach (level 1 for 0 or
    /// fewer points). Assumes a ladder without `problems()`.
    public func level(forLifetimePoints points: Int) -> LoyaltyLevel {
        levels.last { $0.minLifetimePoints <= points } ?? levels.first
            ?? LoyaltyLevel(number: 1, name: "Level 1", minLifetimePoints: 0)
    }

    /// Everything granted at `points`: the privileges of the level reached
    /// and of every level below it, in ladder order without repeats.
    public func privileges(forLifetimePoints points: Int) -> [String] {
        var result: [String] = []
        for level in levels where level.minLifetimePoints <= points {
            for privilege in level.privileges where !result.contains(privilege) { result.append(privilege) }
        }
        return result
    }

    /// Whether a fan with these lifetime points holds `privilege`.
    public func grants(_ privilege: String, lifetimePoints points: Int) -> Bool {
        privileges(forLifetimePoints: points).contains(privilege)
    }

    /// The next level and the lifetime points still needed for it (nil at the top).
    public func nextLevel(forLifetimePoints points: Int) -> (level: LoyaltyLevel, pointsNeeded: Int)? {
        levels.first { $0.minLifetimePoints > points }.map { ($0, $0.minLifetimePoints - points) }
    }

    /// Problems as (field, English message): no levels; levels not numbered
    /// 1, 2, 3…; level 1 not at 0 points; thresholds not strictly ascending;
    /// empty or long names; unknown privileges (naming the accepted ones).
    public func problems() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        guard !levels.isEmpty else { return [FieldIssue(field: "levels", .levelsRequired)] }
        for (index, level) in levels.enumerated() {
            let field = "levels[\(index)]"
            if level.number != index + 1 {
                problems.append(FieldIssue(field: "\(field).number", .levelNumber(number: index + 1)))
            }
            let name = level.name.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty || name.count > 40 {
                problems.append(FieldIssue(field: "\(field).name", .lengthBetween(min: 1, max: 40)))
            }
            if index == 0, level.minLifetimePoints != 0 {
                problems.append(FieldIssue(field: "\(field).min_lifetime_points", .firstLevelAtZero))
            } else if index > 0, level.minLifetimePoints <= levels[index - 1].minLifetimePoints {
                problems.append(
                    FieldIssue(
                        field: "\(field).min_lifetime_points", .levelThresholdRises(level: index, points: levels[index - 1].minLifetimePoints)))
            }
            for privilege in level.privileges where LoyaltyPrivilege.layer(of: privilege) == nil {
                problems.append(FieldIssue(field: "\(field).privileges", .unknownValue(value: privilege, choices: LoyaltyPrivilege.known)))
            }
        }
        return problems
    }
}
