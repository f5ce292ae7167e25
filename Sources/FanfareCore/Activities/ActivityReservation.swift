import Foundation

/// Who may enter an activity beyond its audience segment: only fans whose
/// loyalty level grants `privilege` (a meet-up for `meetup` holders, a
/// lottery for `lottery_entry` holders), and from `openToAllAt` on every
/// fan, which is what early access is: holders get in first.
public struct ActivityReservation: Sendable, Equatable {
    public var privilege: String?
    public var openToAllAt: Date?

    public init(privilege: String? = nil, openToAllAt: Date? = nil) {
        self.privilege = privilege
        self.openToAllAt = openToAllAt
    }

    /// Whether a fan with these lifetime points may enter at `now`.
    public func admits(lifetimePoints: Int, ladder: LevelLadder, now: Date) -> Bool {
        guard let privilege else { return true }
        if let openToAllAt, now >= openToAllAt { return true }
        return ladder.grants(privilege, lifetimePoints: lifetimePoints)
    }

    /// The lowest level that grants the privilege, for telling a fan what
    /// they need; nil when no level of the ladder grants it (then nobody
    /// gets in until the activity opens to all).
    public func lowestLevel(in ladder: LevelLadder) -> LoyaltyLevel? {
        guard let privilege else { return nil }
        return ladder.levels.first { $0.privileges.contains(privilege) }
    }

    /// Problems: an unknown privilege (naming
    /// the accepted ones); an opening to all without a privilege to open
    /// from; an opening outside the activity's time.
    public func problems(startsAt: Date, endsAt: Date) -> [FieldIssue] {
        var problems: [FieldIssue] = []
        if let privilege, LoyaltyPrivilege.layer(of: privilege) == nil {
            problems.append(FieldIssue(field: "privilege", .unknownValue(value: privilege, choices: LoyaltyPrivilege.known)))
        }
        if let openToAllAt {
            if privilege == nil {
                problems.append(FieldIssue(field: "open_to_all_at", .openToAllNeedsPrivilege))
            } else if openToAllAt <= startsAt || openToAllAt >= endsAt {
                problems.append(FieldIssue(field: "open_to_all_at", .withinActivity))
            }
        }
        return problems
    }
}
