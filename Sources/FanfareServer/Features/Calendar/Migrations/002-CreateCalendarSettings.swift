import Fluent

/// Weekly themes, and the workspace's review chain and hot-topic share.
struct CreateCalendarSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("weekly_themes")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("week_start", .string, .required)
            .field("theme", .string, .required)
            .unique(on: "workspace_id", "week_start")
            .create()
        // One column per statement: SQLite adds one at a time.
        try await database.schema("workspaces").field("review_chain", .string).update()
        try await database.schema("workspaces").field("hot_topic_share", .double).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("workspaces").deleteField("hot_topic_share").update()
        try await database.schema("workspaces").deleteField("review_chain").update()
        try await database.schema("weekly_themes").delete()
    }
}
