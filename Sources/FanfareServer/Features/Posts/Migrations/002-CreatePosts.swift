import Fluent

struct CreatePosts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("posts")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("title", .string)
            .field("body", .string, .required)
            .field("pillar", .string, .required)
            .field("format", .string, .required)
            .field("pool", .string, .required)
            .field("topic_id", .uuid, .references("topics", "id", onDelete: .setNull))
            .field("campaign", .string)
            .field("tags", .string, .required)
            .field("status", .string, .required)
            .field("review", .string, .required)
            .field("version", .int, .required)
            .field("scheduled_at", .datetime)
            .field("author_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("post_assets")
            .id()
            .field("post_id", .uuid, .required, .references("posts", "id", onDelete: .cascade))
            .field("asset_id", .uuid, .required, .references("assets", "id", onDelete: .restrict))
            .field("position", .int, .required)
            .unique(on: "post_id", "asset_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("post_assets").delete()
        try await database.schema("posts").delete()
    }
}
