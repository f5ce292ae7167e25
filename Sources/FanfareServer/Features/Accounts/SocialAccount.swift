import FanfareCore
import Fluent
import Vapor

/// A brand's account on one platform, connected to a workspace. Its
/// credentials are sealed with the installation's secret key and never
/// leave the server.
final class SocialAccount: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "social_accounts"

    enum Status: String, Codable, CaseIterable { case connected, needsReconnect = "needs_reconnect" }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "platform") var platform: String
    @Field(key: "handle") var handle: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "status") var status: String
    @Field(key: "credentials") var sealedCredentials: Data
    @OptionalField(key: "credentials_expire_at") var credentialsExpireAt: Date?
    /// Sandbox only: the seed of the simulated audience.
    @Field(key: "seed") var seed: Int64
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<SocialAccount, ParentProperty<SocialAccount, Workspace>> { \.$workspace }

    init() {}
}

struct SocialAccountDTO: Content {
    var id: UUID
    var platform: String
    var handle: String
    var displayName: String
    var status: String
    var credentialsExpireAt: Date?
    var createdAt: Date

    init(_ account: SocialAccount) {
        id = account.id!
        platform = account.platform
        handle = account.handle
        displayName = account.displayName
        status = account.status
        credentialsExpireAt = account.credentialsExpireAt
        createdAt = account.createdAt
    }
}
