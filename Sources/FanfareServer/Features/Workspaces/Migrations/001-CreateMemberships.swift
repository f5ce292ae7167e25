import Fluent
import SQLKit

struct CreateMemberships: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("memberships")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "workspace_id", "user_id")
            .create()
        try await (database as! any SQLDatabase).create(index: "memberships_user_idx").on("memberships").column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("memberships").delete()
    }
}
