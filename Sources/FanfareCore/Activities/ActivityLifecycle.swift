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

    /// Problems with a status change: a move
    /// the lifecycle does not have (drawing twice, skipping a step, drawing
    /// anything but a lottery); opening a lottery without a published seed
    /// commitment or after its entries close; drawing before entries close.
    public static func problems(transition t: ActivityTransition) -> [FieldIssue] {
        if t.from == .drawn, t.to == .drawn {
            return [FieldIssue(field: "status", .lotteryDrawn)]
        }
        let allowed = allowed(from: t.from, kind: t.kind)
        guard allowed.contains(t.to) else {
            if t.to == .drawn, t.kind != .lottery {
                return [FieldIssue(field: "status", .onlyLotteryDrawn(kind: t.kind.rawValue))]
            }
            let move: CodedMessage =
                allowed.isEmpty
                ? .statusMoveFinal(from: t.from.rawValue, to: t.to.rawValue)
                : .statusMove(from: t.from.rawValue, to: t.to.rawValue, next: allowed.map(\.rawValue))
            return [FieldIssue(field: "status", move)]
        }
        guard t.kind == .lottery else { return [] }
        var problems: [FieldIssue] = []
        if t.to == .open || t.to == .drawn {
            let hash = t.seedHash ?? ""
            if hash.utf8.count != 64 || !hash.lowercased().allSatisfy({ $0.isHexDigit }) {
                problems.append(FieldIssue(field: "seed_hash", .seedHashUnpublished))
            }
        }
        guard let close = t.entriesCloseAt else {
            return problems + [FieldIssue(field: "entries_close_at", .entriesCloseRequired)]
        }
        if t.to == .open, close <= t.now {
            problems.append(FieldIssue(field: "entries_close_at", .entriesClosePassed(at: close)))
        }
        if t.to == .drawn, t.now < close {
            problems.append(FieldIssue(field: "status", .drawBeforeClose(at: close)))
        }
        return problems
    }
}
