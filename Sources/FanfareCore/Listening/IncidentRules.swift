import Foundation

/// Where an incident stands. The moves (docs/listening.md § Incidents):
///
///     open ──▶ acknowledged ──▶ responding ──▶ resolved ──▶ closed
///       │            └──────────────────────────▲  │
///       └──────────▶ responding / resolved ─────┘  └──▶ responding (reopened)
///
/// `acknowledged`: someone has taken it (the team knows); `responding`:
/// the team is answering in public; `resolved`: the story is over and the
/// resolution clock stops; `closed`: the review is done, nothing moves it.
public enum IncidentState: String, Sendable, Codable, CaseIterable {
    case open, acknowledged, responding, resolved, closed

    /// The states this one may move to.
    public var next: [IncidentState] {
        switch self {
        case .open: [.acknowledged, .responding, .resolved]
        case .acknowledged: [.responding, .resolved]
        case .responding: [.resolved]
        case .resolved: [.responding, .closed]
        case .closed: []
        }
    }

    public func canMove(to target: IncidentState) -> Bool { next.contains(target) }

    /// Still being worked: clocks run, reminders go out, publications count.
    public var isActive: Bool { self != .resolved && self != .closed }
}

/// The people of an incident; a person holds one role per incident.
public enum IncidentRole: String, Sendable, Codable, CaseIterable {
    /// Runs it: decides, approves holding statements.
    case lead
    /// Writes what the brand says; approves holding statements too.
    case communications
    /// Checks what is said and kept.
    case legal
    /// Reads along and is told.
    case observer

    /// Roles whose approval a holding statement's fast review accepts
    /// (besides a workspace admin).
    public var approvesStatements: Bool { self == .lead || self == .communications }
}

/// The playbook: four phases (识别 identify → 分析原因 analyse → 统一口径
/// one voice → 评估 evaluate), each a few steps; more serious grades add
/// steps. A step's text is the feature's `incidents.step.<id>` string.
public enum IncidentPlaybook {
    public enum Phase: String, Sendable, CaseIterable {
        case identify, analyse, oneVoice = "one_voice", evaluate
    }

    public struct Step: Sendable, Equatable {
        public let id: String
        public let phase: Phase
        /// The lowest grade the step is on the list for.
        public let from: AlertGrade
    }

    /// Every step, in order, with the lowest grade it applies to.
    public static let steps: [Step] = [
        Step(id: "identify.scope", phase: .identify, from: .blue),
        Step(id: "identify.roles", phase: .identify, from: .blue),
        Step(id: "identify.management", phase: .identify, from: .orange),
        Step(id: "identify.legal", phase: .identify, from: .red),
        Step(id: "analyse.facts", phase: .analyse, from: .blue),
        Step(id: "analyse.cause", phase: .analyse, from: .blue),
        Step(id: "analyse.spread", phase: .analyse, from: .yellow),
        Step(id: "one_voice.statement", phase: .oneVoice, from: .blue),
        Step(id: "one_voice.hold", phase: .oneVoice, from: .orange),
        Step(id: "one_voice.status_updates", phase: .oneVoice, from: .yellow),
        Step(id: "one_voice.spokesperson", phase: .oneVoice, from: .red),
        Step(id: "evaluate.resolved", phase: .evaluate, from: .blue),
        Step(id: "evaluate.review", phase: .evaluate, from: .blue),
        Step(id: "evaluate.actions", phase: .evaluate, from: .yellow),
    ]

    /// The checklist for an incident of `grade`.
    public static func checklist(for grade: AlertGrade) -> [Step] { steps.filter { $0.from <= grade } }

    public static func step(_ id: String) -> Step? { steps.first { $0.id == id } }
}

/// What stops the first-response clock: the brand's first public word on
/// the story after it was detected. A holding statement used as a reply or
/// as a post counts, and so does any post published while the incident is
/// active (with publishing held, a post that goes out was sent on purpose).
/// An ordinary reply to a fan does not (the inbox answers every day about
/// everything); neither do status updates, which are for the team.
public enum IncidentFirstResponse {
    public enum Kind: String, Sendable, CaseIterable {
        case statementReply = "statement_reply"
        case statementPost = "statement_post"
        case postPublished = "post_published"
        case replyPublished = "reply_published"
        case statusUpdate = "status_update"
    }

    public static func counts(_ kind: Kind) -> Bool {
        switch kind {
        case .statementReply, .statementPost, .postPublished: true
        case .replyPublished, .statusUpdate: false
        }
    }

    /// The first counting event at or after `detected` (and, when resolved,
    /// not after `resolved`).
    public static func time(of events: [(kind: Kind, at: Date)], detected: Date, resolved: Date? = nil) -> Date? {
        events.filter { event in counts(event.kind) && event.at >= detected && (resolved.map { event.at <= $0 } ?? true) }.map(\.at).min()
    }
}
