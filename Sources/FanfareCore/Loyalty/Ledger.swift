import Foundation

/// Why a ledger line exists. Earn and refund add points, spend and expire
/// take them away, adjust (a person's correction) may do either.
public enum LedgerKind: String, Sendable, Codable, CaseIterable {
    case earn, spend, adjust, expire, refund
}

/// One line of a fan's points ledger. Lines are only ever appended; a
/// mistake is corrected by another line (an adjustment or a refund), never
/// by editing or deleting one.
public struct LedgerEntry: Sendable, Codable, Equatable {
    /// The idempotency key of the event that caused the line, unique per
    /// workspace: "comment:weibo:123", "check_in:<fan>:2026-11-23",
    /// "redeem:<redemption id>", "adjust:<audit id>". Posting the same
    /// event twice finds the first line instead of adding a second.
    public var sourceKey: String
    public var delta: Int
    public var reason: String
    public var kind: LedgerKind

    public init(sourceKey: String, delta: Int, reason: String = "", kind: LedgerKind) {
        self.sourceKey = sourceKey
        self.delta = delta
        self.reason = reason
        self.kind = kind
    }

    private enum CodingKeys: String, CodingKey {
        case delta, reason, kind
        case sourceKey = "source_key"
    }
}

/// The rules a ledger line must pass, and the messages when it does not.
///
/// These are the rules only. The server makes them hold under concurrency:
/// - never negative: the balance row is changed by one conditional update,
///   `UPDATE fan_points SET balance = balance + :delta WHERE fan = :fan AND
///   balance + :delta >= 0` (for a spend of n: `… balance - n WHERE balance
///   >= n`), and the line is inserted in the same transaction only when a
///   row was updated. Two concurrent spends cannot both pass a check made
///   on a balance read earlier; the refusal message is built from this
///   type with the balance read after the update failed.
/// - idempotent: a unique index on (workspace, source_key); a conflicting
///   insert means the event was already posted, and the first line stands.
/// - audited: an adjustment writes an audit record (who, fan, delta,
///   reason) in the same transaction.
public enum LedgerPosting {
    public static let minimumAdjustReason = 5
    public static let maximumDelta = 1_000_000
    public static let maximumSourceKey = 200

    public enum Result: Sendable, Equatable {
        case accepted(newBalance: Int)
        case refused([FieldIssue])
    }

    /// Whether `entry` may be appended to a ledger whose balance is
    /// `balance`: a non-zero delta within ±1000000 whose sign fits the kind,
    /// a source key, a reason of at least 5 characters for an adjustment,
    /// and a balance that stays at 0 or above ("needs 120 points; the
    /// balance is 80").
    public static func check(balance: Int, entry: LedgerEntry) -> Result {
        var issues: [FieldIssue] = []
        let key = entry.sourceKey
        if key.isEmpty || key.count > maximumSourceKey || key.contains(where: \.isWhitespace) {
            issues.append(FieldIssue(field: "source_key", .sourceKey(max: maximumSourceKey)))
        }
        if entry.delta == 0 {
            issues.append(FieldIssue(field: "delta", .pointsNotZero))
        } else if abs(entry.delta) > maximumDelta {
            issues.append(FieldIssue(field: "delta", .pointsDeltaRange(max: maximumDelta)))
        } else {
            let adds = entry.kind == .earn || entry.kind == .refund
            let takes = entry.kind == .spend || entry.kind == .expire
            if adds, entry.delta < 0 {
                issues.append(FieldIssue(field: "delta", .pointsPositiveFor(kind: entry.kind.rawValue)))
            } else if takes, entry.delta > 0 {
                issues.append(FieldIssue(field: "delta", .pointsNegativeFor(kind: entry.kind.rawValue)))
            }
        }
        if entry.kind == .adjust, entry.reason.trimmingCharacters(in: .whitespacesAndNewlines).count < minimumAdjustReason {
            issues.append(FieldIssue(field: "reason", .adjustReason(min: minimumAdjustReason)))
        }
        if issues.isEmpty, entry.delta < 0, balance + entry.delta < 0 {
            issues.append(FieldIssue(field: "delta", .pointsBalance(cost: -entry.delta, balance: max(0, balance))))
        }
        return issues.isEmpty ? .accepted(newBalance: balance + entry.delta) : .refused(issues)
    }

    /// The balance the lines add up to (the stored balance must equal it;
    /// a reconciliation job compares them).
    public static func balance(of entries: [LedgerEntry]) -> Int {
        entries.reduce(0) { $0 + $1.delta }
    }

    /// Points ever earned, which decides the level: positive earn and
    /// adjust lines. Refunds are left out on purpose: a refund gives back
    /// points that were spent, and counting it would let a fan climb levels
    /// by redeeming and cancelling. Spending and expiry never lower it.
    public static func lifetimeEarned(of entries: [LedgerEntry]) -> Int {
        entries.filter { ($0.kind == .earn || $0.kind == .adjust) && $0.delta > 0 }.reduce(0) { $0 + $1.delta }
    }
}
