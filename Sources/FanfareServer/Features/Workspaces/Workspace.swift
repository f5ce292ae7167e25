import FanfareCore
import Fluent
import Vapor

/// One brand: its accounts, content, fans and people live inside it.
final class Workspace: Model, @unchecked Sendable {
    static let schema = "workspaces"

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "slug") var slug: String
    @Field(key: "time_zone") var timeZone: String
    @Field(key: "created_at") var createdAt: Date
    /// JSON of the workspace's review chain; nil: the standard chain.
    @OptionalField(key: "review_chain") var reviewChainJSON: String?
    /// Share of calendar slots kept free for hot topics; nil: 30 %.
    @OptionalField(key: "hot_topic_share") var hotTopicShare: Double?
    /// Bumped by every change of the workspace's lexicon; a node whose
    /// compiled engine is older rebuilds it.
    @Field(key: "lexicon_version") var lexiconVersion: Int

    init() {}

    /// Listed by hand because FluentKit otherwise finds them by reflection
    /// for every row it reads, the largest single cost of a request (see
    /// docs/benchmarks.md); `HandListedFieldsTests` holds the list to what
    /// reflection finds, so a field added above and forgotten here fails.
    var properties: [any AnyProperty] { [$id, $name, $slug, $timeZone, $createdAt, $reviewChainJSON, $hotTopicShare, $lexiconVersion] }

    var zone: TimeZone { TimeZone(identifier: timeZone) ?? .gmt }

    init(name: String, slug: String, timeZone: String, now: Date) {
        id = TimeOrderedID.make(at: now)
        self.name = name
        self.slug = slug
        self.timeZone = timeZone
        createdAt = now
        lexiconVersion = 0
    }
}

final class Membership: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "memberships"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "user_id") var user: User
    @Field(key: "role") var role: String
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<Membership, ParentProperty<Membership, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand because FluentKit otherwise finds them by reflection
    /// for every row it reads, the largest single cost of a request (see
    /// docs/benchmarks.md); `HandListedFieldsTests` holds the list to what
    /// reflection finds, so a field added above and forgotten here fails.
    var properties: [any AnyProperty] { [$id, $workspace, $user, $role, $createdAt] }

    init(workspaceID: UUID, userID: UUID, role: Role, now: Date) {
        id = TimeOrderedID.make(at: now)
        self.$workspace.id = workspaceID
        self.$user.id = userID
        self.role = role.rawValue
        createdAt = now
    }

    var memberRole: Role { Role(rawValue: role) ?? .viewer }
}

/// An invitation to join a workspace with a role, passed on as a link.
final class Invitation: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "invitations"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "role") var role: String
    @OptionalField(key: "email") var email: String?
    @Field(key: "token_hash") var tokenHash: String
    @Parent(key: "invited_by") var invitedBy: User
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalParent(key: "accepted_by") var acceptedBy: User?
    @OptionalField(key: "accepted_at") var acceptedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    static var workspaceKey: KeyPath<Invitation, ParentProperty<Invitation, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $role, $email, $tokenHash, $invitedBy, $createdAt, $expiresAt, $acceptedBy, $acceptedAt, $revokedAt]
    }

    init(workspaceID: UUID, role: Role, email: String?, tokenHash: String, invitedBy: UUID, now: Date, validFor: TimeInterval) {
        id = TimeOrderedID.make(at: now)
        self.$workspace.id = workspaceID
        self.role = role.rawValue
        self.email = email
        self.tokenHash = tokenHash
        self.$invitedBy.id = invitedBy
        createdAt = now
        expiresAt = now.addingTimeInterval(validFor)
    }

    enum State: String, Codable { case pending, accepted, revoked, expired }

    func state(now: Date) -> State {
        if acceptedAt != nil { return .accepted }
        if revokedAt != nil { return .revoked }
        if expiresAt <= now { return .expired }
        return .pending
    }
}
