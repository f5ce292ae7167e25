import Fluent

/// Signing in on Weibo and Douyin (issue 19): each workspace's own app on
/// those platforms, the notices the token watch sent, and the account a
/// sign-in reconnects.
struct AddPlatformApps: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("platform_apps")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            .field("client_id", .string, .required)
            .field("client_secret", .data, .required)
            .field("settings", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "platform")
            .create()
        try await database.schema("account_notices")
            .id()
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("notice_key", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "account_id", "notice_key")
            .create()
        // No reference: a sign-in whose account was disconnected meanwhile
        // finds nothing to reconnect and says so.
        try await database.schema("oauth_sign_ins").field("account_id", .uuid).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("oauth_sign_ins").deleteField("account_id").update()
        try await database.schema("account_notices").delete()
        try await database.schema("platform_apps").delete()
    }
}
