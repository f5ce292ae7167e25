import Foundation

/// The graded response to an incoming comment or message (S4 六:
/// 预警 → 提醒 → 删除 → 封号). Fanfare recommends; a person decides.
public enum ModerationAction: String, Sendable, Codable, CaseIterable, Comparable {
    /// Nothing found.
    case none
    /// 预警: flag it for the team; nothing is said to the fan.
    case warn
    /// 提醒: remind the fan of the community rules.
    case remind
    /// 删除: remove the comment.
    case delete
    /// 封号: block the fan from the account.
    case ban

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    /// The recommendation for one message. The worst term decides the
    /// grade (warn → warn, review → remind, block → delete); a fan with
    /// `repeatThreshold` or more flagged messages in the recent past moves
    /// one grade up, so only a repeat offender with a `block` term reaches
    /// `ban`.
    public static func recommend(for matches: [ModerationMatch], priorOffences: Int, repeatThreshold: Int = 2) -> ModerationAction {
        guard let worst = matches.map(\.severity).max() else { return .none }
        let grade: ModerationAction =
            switch worst {
            case .warn: .warn
            case .review: .remind
            case .block: .delete
            }
        guard priorOffences >= repeatThreshold else { return grade }
        return Self.allCases[min(grade.rank + 1, Self.allCases.count - 1)]
    }
}
