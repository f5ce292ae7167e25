import Fluent

/// Campaigns' post-mortems (issue 22 scope 2): one per campaign, drafted
/// when it is closed.
struct CreatePostMortems: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("campaign_post_mortems")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("summary", .string, .required)
            .field("lessons", .string, .required)
            .field("tags", .string, .required)
            .field("figures", .string, .required)
            .field("drafted_at", .datetime, .required)
            .field("updated_by", .uuid)
            .field("updated_at", .datetime, .required)
            .unique(on: "campaign_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("campaign_post_mortems").delete()
    }
}
