import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// One thing the team did through the platform about a fan's message:
/// hid or deleted it, or blocked its author; and whether it was undone.
final class MessageAction: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "message_actions"

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

    static var workspaceKey: KeyPath<MessageAction, ParentProperty<MessageAction, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $messageID, $move, $byRule, $actor, $at, $undoneAt, $undoneBy] }
}

struct MessageActionDTO: Content {
    var id: UUID
    var messageId: UUID
    var move: String
    var byRule: Bool
    var actor: String
    var at: Date
    var undoneAt: Date?
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
        undoable = action.undoneAt == nil && ModerationMove(rawValue: action.move)?.undo != nil
    }
}
