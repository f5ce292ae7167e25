import Fluent

/// Signing in on a platform to connect an account: the applications
/// Fanfare registered per platform server, and sign-ins under way.
struct CreateOAuthSignIns: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("oauth_clients")
            .id()
            .field("platform", .string, .required)
            .field("issuer", .string, .required)
            .field("redirect_uri", .string, .required)
            .field("client_id", .string, .required)
            .field("client_secret", .data, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "platform", "issuer")
            .create()
        try await database.schema("oauth_sign_ins")
            .id()
            .field("state_hash", .string, .required)
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            .field("issuer", .string, .required)
            .field("verifier", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "state_hash")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("oauth_sign_ins").delete()
        try await database.schema("oauth_clients").delete()
    }
}
