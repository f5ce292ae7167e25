import Fluent
import SQLKit

/// The library's hits (爆款, issue 21): posts an experiment proved. One row
/// per post and experiment; a post's hits go with the post.
struct CreateContentHits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("content_hits")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("post_id", .uuid, .required, .references("posts", "id", onDelete: .cascade))
            .field("experiment_id", .uuid, .required)
            .field("experiment_name", .string, .required)
            .field("arm_name", .string, .required)
            .field("uplift", .double)
            .field("chance_to_win", .double)
            .field("quasi_experiment", .bool, .required)
            .field("marked_by", .uuid)
            .field("marked_at", .datetime, .required)
            .unique(on: "post_id", "experiment_id")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "content_hits_workspace").on("content_hits").column("workspace_id").column("marked_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("content_hits").delete()
    }
}
