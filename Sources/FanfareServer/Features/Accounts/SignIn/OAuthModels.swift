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

    init() {}

    var properties: [any AnyProperty] { [$id, $stateHash, $workspaceID, $userID, $platform, $issuer, $verifier, $expiresAt, $createdAt] }
}
