import Foundation

/// Where an activity stands. Draft → open → closed, then drawn (a lottery)
/// or finished (every other kind). Drawn and finished are final.
public enum ActivityStatus: String, Sendable, Codable, CaseIterable {
    case draft, open, closed, drawn, finished
}

/// A requested change of status, with the facts the rules need.
public struct ActivityTransition: Sendable, Equatable {
    public var kind: ActivityKind
    public var from: ActivityStatus
    public var to: ActivityStatus
    public var now: Date
    /// A lottery's entries-close time.
    public var entriesCloseAt: Date?
    /// A lottery's published seed commitment.
    public var seedHash: String?

    public init(
        kind: ActivityKind, from: ActivityStatus, to: ActivityStatus, now: Date, entriesCloseAt: Date? = nil, seedHash: String? = nil
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.now = now
        self.entriesCloseAt = entriesCloseAt
        self.seedHash = seedHash
    }
}

public enum ActivityLifecycle {
    /// The statuses each status may move to, for a kind.
    public static func allowed(from status: ActivityStatus, kind: ActivityKind) -> [ActivityStatus] {
        switch status {
        case .draft: [.open]
        case .open: [.closed]
        case .closed: kind == .lottery ? [.drawn] : [.finished]
        case .drawn, .finished: []
        }
    }

    /// Problems as (field, English message) with a status change: a move
    /// the lifecycle does not have (drawing twice, skipping a step, drawing
    /// anything but a lottery); opening a lottery without a published seed
    /// commitment or after its entries close; drawing before entries close.
    public static func problems(transition t: ActivityTransition) -> [(field: String, message: String)] {
        if t.from == .drawn, t.to == .drawn {
            return [("status", "the lottery has already been drawn; a draw is final and is never run again")]
        }
        let allowed = allowed(from: t.from, kind: t.kind)
        guard allowed.contains(t.to) else {
            if t.to == .drawn, t.kind != .lottery {
                return [("status", "only a lottery is drawn; a \(t.kind.rawValue) goes from closed to finished")]
            }
            let next =
                allowed.isEmpty
                ? "\(t.from.rawValue) is final" : "from \(t.from.rawValue) it can move to \(allowed.map(\.rawValue).joined(separator: " or "))"
            return [("status", "cannot move from \(t.from.rawValue) to \(t.to.rawValue); \(next)")]
        }
        guard t.kind == .lottery else { return [] }
        var problems: [(field: String, message: String)] = []
        if t.to == .open || t.to == .drawn {
            let hash = t.seedHash ?? ""
            if hash.utf8.count != 64 || !hash.lowercased().allSatisfy({ $0.isHexDigit }) {
                problems.append(("seed_hash", "must be published (64 hex characters, SHA-256 of the seed) before the lottery opens"))
            }
        }
        guard let close = t.entriesCloseAt else {
            return problems + [("entries_close_at", "must be set for a lottery")]
        }
        if t.to == .open, close <= t.now {
            problems.append(("entries_close_at", "has passed (\(close.formatted(.iso8601))); set a later time before opening the lottery"))
        }
        if t.to == .drawn, t.now < close {
            problems.append(("status", "cannot draw before entries close at \(close.formatted(.iso8601))"))
        }
        return problems
    }
}
