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
    }

    func revert(on database: any Database) async throws {
        try await database.schema("publishing_holds").delete()
    }
}
