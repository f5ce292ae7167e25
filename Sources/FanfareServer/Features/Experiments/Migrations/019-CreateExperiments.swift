import Fluent
import SQLKit

/// Experiments and their arms (issue 21). `running_link` holds the link's
/// id while an experiment splits it and is unique, so two experiments can
/// never split one link at once, whichever node starts them.
struct CreateExperiments: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("experiments")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("hypothesis", .string, .required)
            .field("varies", .string, .required)
            .field("assignment", .string, .required)
            .field("metric", .string, .required)
            .field("conversion_type", .string, .required)
            .field("inverse", .bool, .required)
            .field("state", .string, .required)
            .field("link_id", .uuid, .required, .references("short_links", "id", onDelete: .cascade))
            .field("running_link", .uuid)
            .field("started_at", .datetime)
            .field("ended_at", .datetime)
            .field("winner_arm_id", .uuid)
            .field("decision", .string)
            .field("readout", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "running_link")
            .create()
        try await database.schema("experiment_arms")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("experiment_id", .uuid, .required, .references("experiments", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("name", .string, .required)
            .field("weight", .double, .required)
            .field("destination", .string, .required)
            .unique(on: "experiment_id", "position")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "experiments_workspace").on("experiments").column("workspace_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("experiment_arms").delete()
        try await database.schema("experiments").delete()
    }
}
