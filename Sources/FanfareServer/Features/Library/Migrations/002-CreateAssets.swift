import Fluent

struct CreateAssets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("assets")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("bytes", .int64, .required)
            .field("location", .string, .required)
            .field("source", .string, .required)
            .field("licence", .string, .required)
            .field("licence_expires_at", .datetime)
            .field("proof", .string)
            .field("created_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("assets").delete()
    }
}
