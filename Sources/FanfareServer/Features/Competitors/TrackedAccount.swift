import FanfareCore
import Fluent
import Vapor

/// Another brand's public account the workspace tracks (competitor benchmark).
final class TrackedAccount: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "tracked_accounts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "platform") var platform: String
    @Field(key: "handle") var handle: String
    @Field(key: "handle_key") var handleKey: String
    @Field(key: "display_name") var displayName: String
    @OptionalField(key: "added_by") var addedBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<TrackedAccount, ParentProperty<TrackedAccount, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $platform, $handle, $handleKey, $displayName, $addedBy, $createdAt] }
}

struct TrackedAccountDTO: Content, Equatable {
    var id: UUID
    var platform: String
    var handle: String
    var displayName: String
    var addedBy: UUID?
    var createdAt: Date
    /// Whether Fanfare reads it from the platform (else: CSV import).
    var readable: Bool

    init(_ account: TrackedAccount) {
        id = account.id!
        platform = account.platform
        handle = account.handle
        displayName = account.displayName
        addedBy = account.addedBy
        createdAt = account.createdAt
        readable = TrackedAccountRules.readable.contains(account.platform)
    }
}
