import Fluent
import SQLKit

/// Other brands' public accounts a workspace tracks, and their days.
struct CreateTrackedAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("tracked_accounts")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            .field("handle", .string, .required)
            // Lower-cased handle: one brand is tracked once whatever its spelling.
            .field("handle_key", .string, .required)
            .field("display_name", .string, .required)
            .field("added_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "workspace_id", "platform", "handle_key")
            .create()
        try await database.schema("tracked_account_days")
            .field("tracked_account_id", .uuid, .required, .references("tracked_accounts", "id", onDelete: .cascade))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("followers", .int)
            .field("posts", .int)
            .field("posts_that_day", .int, .required)
            .field("engagements", .int, .required)
            .field("content_types", .string)
            .field("source", .string, .required)
            .field("taken_at", .datetime, .required)
            .unique(on: "tracked_account_id", "day")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "tracked_account_days_workspace_day_idx").on("tracked_account_days").column("workspace_id").column("day").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("tracked_account_days").delete()
        try await database.schema("tracked_accounts").delete()
    }
}
