import FanfareCore
import Fluent
import Vapor

/// An in-app message for one person: a post waits for their review, or
/// their post was approved, rejected or failed to publish.
final class UserNotification: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "notifications"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "user_id") var user: User
    @Field(key: "text") var text: String
    @Field(key: "link") var link: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "read_at") var readAt: Date?

    static var workspaceKey: KeyPath<UserNotification, ParentProperty<UserNotification, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $user, $text, $link, $createdAt, $readAt] }
}
