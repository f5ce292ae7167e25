import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// One thing done through the platform about a fan's message, by a person
/// or by the workspace's rule: hid or deleted it, or blocked its author;
/// whether it was undone; and, for a rule's, whether it could be done.
final class MessageAction: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "message_actions"

    /// How the move went. A person's click is recorded only once the
    /// platform did it; a rule's move is recorded before it is tried (the
    /// claim that keeps it from being made twice) and then settled.
    enum Outcome: String, Sendable, Codable, CaseIterable {
        /// Claimed by a rule, the platform not answered yet.
        case pending
        case done
        /// The platform refused or failed; `reason` has its words.
        case failed
        /// The account's platform does not allow the move.
        case notPossible = "not_possible"
        /// The work stopped while the platform was asked: whether it was
        /// done is unknown, so it is not asked again.
        case unknown
    }

    /// The audit actor of a rule's moves.
    static let ruleActor = "rule"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "message_id") var messageID: UUID
    /// `ModerationMove`: hide, delete or block.
    @Field(key: "move") var move: String
    /// Done by the workspace's rule rather than a person's click.
    @Field(key: "by_rule") var byRule: Bool
    @Field(key: "actor") var actor: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "undone_at") var undoneAt: Date?
    @OptionalField(key: "undone_by") var undoneBy: String?
    @Field(key: "outcome") var outcome: String
    /// What the platform said when it refused or failed.
    @OptionalField(key: "reason") var reason: String?
    /// `<message id>:<move>` for a rule's move (unique), nil for a person's.
    @OptionalField(key: "rule_key") var ruleKey: String?

    static var workspaceKey: KeyPath<MessageAction, ParentProperty<MessageAction, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] {
        [$id, $workspace, $messageID, $move, $byRule, $actor, $at, $undoneAt, $undoneBy, $outcome, $reason, $ruleKey]
    }

    var settled: Outcome { Outcome(rawValue: outcome) ?? .done }

    /// Carried out and not taken back.
    var inEffect: Bool { settled == .done && undoneAt == nil }
}

struct MessageActionDTO: Content {
    var id: UUID
    var messageId: UUID
    var move: String
    var byRule: Bool
    var actor: String
    var at: Date
    var undoneAt: Date?
    /// done, failed, not_possible, unknown, or pending while a rule asks.
    var outcome: String
    /// The platform's words when it refused or failed.
    var reason: String?
    /// Whether the platform lets it be taken back now.
    var undoable: Bool

    init(_ action: MessageAction) {
        id = action.id!
        messageId = action.messageID
        move = action.move
        byRule = action.byRule
        actor = action.actor
        at = action.at
        undoneAt = action.undoneAt
        outcome = action.outcome
        reason = action.reason
        undoable = action.inEffect && ModerationMove(rawValue: action.move)?.undo != nil
    }
}
