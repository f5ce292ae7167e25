import Fluent
import SQLKit

/// Campaigns (issue 22): the campaign with its launch day and buffer, its
/// phases and their checklists, its tasks with the people in each RACI
/// role, and the dependencies between tasks.
struct CreateCampaigns: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("campaigns")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            // `CampaignTemplate` it was made from.
            .field("template", .string, .required)
            // The launch day in the workspace's time zone (yyyy-MM-dd).
            .field("launch_day", .string, .required)
            .field("buffer_days", .int, .required)
            .field("goal_id", .uuid, .references("goals", "id", onDelete: .setNull))
            // JSON list of platform keys in scope.
            .field("platforms", .string, .required)
            .field("owner_id", .uuid)
            // planning | closed
            .field("state", .string, .required)
            .field("closed_at", .datetime)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("campaign_phases")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("name", .string, .required)
            .field("before_launch", .bool, .required)
            .create()
        try await database.schema("campaign_tasks")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("phase_id", .uuid, .required, .references("campaign_phases", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("duration_days", .int, .required)
            .field("done_at", .datetime)
            .field("done_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("campaign_task_people")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("task_id", .uuid, .required, .references("campaign_tasks", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            // responsible | accountable | consulted | informed
            .field("role", .string, .required)
            .unique(on: "task_id", "user_id", "role")
            .create()
        try await database.schema("campaign_dependencies")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("campaign_id", .uuid, .required, .references("campaigns", "id", onDelete: .cascade))
            .field("predecessor_id", .uuid, .required, .references("campaign_tasks", "id", onDelete: .cascade))
            .field("successor_id", .uuid, .required, .references("campaign_tasks", "id", onDelete: .cascade))
            // fs | ss | ff | sf (`DependencyKind`)
            .field("kind", .string, .required)
            .field("lag_days", .int, .required)
            .unique(on: "predecessor_id", "successor_id")
            .create()
        try await database.schema("campaign_checklist_items")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("phase_id", .uuid, .required, .references("campaign_phases", "id", onDelete: .cascade))
            .field("position", .int, .required)
            .field("text", .string, .required)
            .field("done_at", .datetime)
            .field("done_by", .uuid)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "campaigns_workspace_idx").on("campaigns").column("workspace_id").column("launch_day").run()
        try await sql.create(index: "campaign_phases_campaign_idx").on("campaign_phases").column("campaign_id").run()
        try await sql.create(index: "campaign_tasks_campaign_idx").on("campaign_tasks").column("campaign_id").run()
        try await sql.create(index: "campaign_dependencies_campaign_idx").on("campaign_dependencies").column("campaign_id").run()
        try await sql.create(index: "campaign_task_people_task_idx").on("campaign_task_people").column("task_id").run()
        try await sql.create(index: "campaign_checklist_phase_idx").on("campaign_checklist_items").column("phase_id").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["campaign_checklist_items", "campaign_dependencies", "campaign_task_people", "campaign_tasks", "campaign_phases", "campaigns"] {
            try await database.schema(table).delete()
        }
    }
}
