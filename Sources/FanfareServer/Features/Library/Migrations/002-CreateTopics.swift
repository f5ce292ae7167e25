import Fluent

struct CreateTopics: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("topics")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("notes", .string, .required)
            .field("hot", .bool, .required)
            .field("status", .string, .required)
            .field("raised_at", .datetime, .required)
            .field("created_by", .uuid, .references("users", "id", onDelete: .setNull))
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("topics").delete()
    }
}
