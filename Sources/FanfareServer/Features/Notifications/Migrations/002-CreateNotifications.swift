import Fluent

struct CreateNotifications: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("text", .string, .required)
            .field("link", .string, .required)
            .field("created_at", .datetime, .required)
            .field("read_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notifications").delete()
    }
}
