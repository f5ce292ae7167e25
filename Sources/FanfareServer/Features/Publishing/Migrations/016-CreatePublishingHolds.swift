import Fluent
import SQLKit

/// Publishing holds (issue 20): a workspace's or one account's pause.
struct CreatePublishingHolds: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("publishing_holds")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid)
            .field("incident_id", .uuid)
            .field("started_by", .uuid)
            .field("started_at", .datetime, .required)
            .field("released_by", .uuid)
            .field("released_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        // The claim's NOT EXISTS reads the active holds of a workspace.
        try await sql.create(index: "publishing_holds_workspace_idx").on("publishing_holds").column("workspace_id").column("released_at").run()
        // What went out when, per workspace: an incident's timeline and its
        // first-response clock read it every minute (`PublishingService.published`).
        try await sql.create(index: "post_variants_workspace_published_idx").on("post_variants").column("workspace_id").column("published_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "post_variants_workspace_published_idx").run()
        try await database.schema("publishing_holds").delete()
    }
}
