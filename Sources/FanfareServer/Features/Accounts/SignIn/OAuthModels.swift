import FanfareCore
import Fluent
import Foundation
import Vapor

/// Fanfare as an application registered on one platform server (a
/// Mastodon instance): registered once, used by every workspace. The
/// client secret is sealed like account credentials.
final class OAuthClient: Model, @unchecked Sendable {
    static let schema = "oauth_clients"

    @ID(key: .id) var id: UUID?
    @Field(key: "platform") var platform: String
    /// The server, as `https://host[:port][/path]`.
    @Field(key: "issuer") var issuer: String
    /// The address the platform sends people back to; a client registered
    /// for another address (the server's link base changed) is replaced.
    @Field(key: "redirect_uri") var redirectURI: String
    @Field(key: "client_id") var clientID: String
    @Field(key: "client_secret") var sealedSecret: Data
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var properties: [any AnyProperty] { [$id, $platform, $issuer, $redirectURI, $clientID, $sealedSecret, $createdAt] }
}

/// A sign-in under way: made when the person leaves for the platform,
/// used once when they come back, gone after 15 minutes. Only a hash of
/// the `state` sent to the platform is kept.
final class OAuthSignIn: Model, @unchecked Sendable {
    static let schema = "oauth_sign_ins"

    @ID(key: .id) var id: UUID?
    @Field(key: "state_hash") var stateHash: String
    @Field(key: "workspace_id") var workspaceID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "platform") var platform: String
    @Field(key: "issuer") var issuer: String
    /// The PKCE verifier: useless without the code, which only the
    /// platform and the person's browser see.
    @Field(key: "verifier") var verifier: String
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "created_at") var createdAt: Date
    /// The account this sign-in reconnects, when it began from its
    /// Reconnect button: the platform must name that same account.
    @OptionalField(key: "account_id") var accountID: UUID?

    init() {}

    var properties: [any AnyProperty] { [$id, $stateHash, $workspaceID, $userID, $platform, $issuer, $verifier, $expiresAt, $createdAt, $accountID] }
}

/// A workspace's own application on a platform that registers apps by
/// hand (Weibo, Douyin, Bilibili): its key in the open, its secret sealed
/// (never shown again), and the settings its accounts inherit.
final class PlatformApp: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "platform_apps"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "platform") var platform: String
    @Field(key: "client_id") var clientID: String
    @Field(key: "client_secret") var sealedSecret: Data
    /// What else the admin entered, by the flow's field keys (scope,
    /// safe-domain page, API address for testing…), as JSON.
    @Field(key: "settings") var settingsJSON: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<PlatformApp, ParentProperty<PlatformApp, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $platform, $clientID, $sealedSecret, $settingsJSON, $createdAt, $updatedAt] }

    var settings: [String: String] {
        get { (try? JSONDecoder().decode([String: String].self, from: Data(settingsJSON.utf8))) ?? [:] }
        set { settingsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("{}".utf8), as: UTF8.self) }
    }

    /// What the sealed secret is bound to: this workspace's app on this platform.
    var sealingContext: String { "platform_app:\($workspace.id.uuidString):\(platform)" }
}

/// A notice the token watch sent about an account's authorisation: one
/// per account, kind and authorisation end, so a run repeated, or run on
/// two nodes, never sends it twice. Reconnecting starts a new end.
final class AccountNotice: Model, @unchecked Sendable {
    static let schema = "account_notices"

    @ID(key: .id) var id: UUID?
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "kind") var kind: String
    /// `kind@seconds of the end`: unique per account.
    @Field(key: "notice_key") var noticeKey: String
    @Field(key: "created_at") var createdAt: Date

    init() {}

    var properties: [any AnyProperty] { [$id, $accountID, $kind, $noticeKey, $createdAt] }

    static func key(_ kind: CredentialWatch.Notice, endsAt: Date?) -> String {
        "\(kind.rawValue)@\(Int64((endsAt ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970.rounded(.down)))"
    }
}
