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

    /// Problems as (field, English message): an unknown privilege (naming
    /// the accepted ones); an opening to all without a privilege to open
    /// from; an opening outside the activity's time.
    public func problems(startsAt: Date, endsAt: Date) -> [(field: String, message: String)] {
        var problems: [(field: String, message: String)] = []
        if let privilege, LoyaltyPrivilege.layer(of: privilege) == nil {
            problems.append(("privilege", "has unknown value '\(privilege)'; accepted: \(LoyaltyPrivilege.known.joined(separator: ", "))"))
        }
        if let openToAllAt {
            if privilege == nil {
                problems.append(("open_to_all_at", "needs a privilege: it is when fans without the privilege may enter too"))
            } else if openToAllAt <= startsAt || openToAllAt >= endsAt {
                problems.append(("open_to_all_at", "must be after the activity starts and before it ends"))
            }
        }
        return problems
    }
}
