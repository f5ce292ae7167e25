import Fluent

/// Public searches a workspace listens to (Bluesky queries, Mastodon
/// hashtags and searches), with where the last poll stopped.
struct CreateListeningSearches: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("listening_searches")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            .field("query", .string, .required)
            .field("instance", .string, .required)
            // Removing the account stops its searches from using its token
            // (the poll then says so) rather than removing them.
            .field("account_id", .uuid, .references("social_accounts", "id", onDelete: .setNull))
            .field("interval_minutes", .int, .required)
            .field("marker", .string)
            .field("next_poll_at", .datetime, .required)
            .field("last_polled_at", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "workspace_id", "platform", "instance", "query")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("listening_searches").delete()
    }
}
