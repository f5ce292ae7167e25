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
    @OptionalField(key: "settings") var settingsJSON: String?

    static var workspaceKey: KeyPath<SocialAccount, ParentProperty<SocialAccount, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $platform, $handle, $displayName, $status, $sealedCredentials, $credentialsExpireAt, $seed, $createdAt, $settingsJSON]
    }

    /// The platform whose content rules this account's variants follow: its
    /// own, or for a Sandbox account the one it stands in for.
    var rulesPlatform: String { Self.rulesPlatform(platform: platform, settingsJSON: settingsJSON) }

    /// The same from the two columns, for pages that read accounts as plain
    /// rows; only a Sandbox account's settings are decoded.
    static func rulesPlatform(platform: String, settingsJSON: String?) -> String {
        guard platform == "sandbox" else { return platform }
        return settingsJSON.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }?["simulates"] ?? "sandbox"
    }

    var settings: [String: String] {
        get { settingsJSON.flatMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) } ?? [:] }
        set { settingsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("{}".utf8), as: UTF8.self) }
    }
}

struct SocialAccountDTO: Content {
    var id: UUID
    var platform: String
    var handle: String
    var displayName: String
    var status: String
    /// Sandbox only: the platform whose rules its posts follow.
    var simulates: String?
    var credentialsExpireAt: Date?
    var createdAt: Date

    init(_ account: SocialAccount) {
        id = account.id!
        platform = account.platform
        handle = account.handle
        displayName = account.displayName
        status = account.status
        simulates = account.platform == "sandbox" ? account.settings["simulates"] : nil
        credentialsExpireAt = account.credentialsExpireAt
        createdAt = account.createdAt
    }
}
