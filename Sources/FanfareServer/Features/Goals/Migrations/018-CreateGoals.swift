import Fluent
import SQLKit

/// Goals (issue 21): objectives (the OKR form), goals (standalone or an
/// objective's key results) and each workspace's off-track tolerance.
struct CreateGoals: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("goal_objectives")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("title", .string, .required)
            // The three-phase plan's phase when written from the template.
            .field("phase", .string)
            .field("start_day", .string, .required)
            .field("deadline", .string, .required)
            .field("owner_id", .uuid)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("goals")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            // Set for a key result; removing the objective removes them.
            .field("objective_id", .uuid, .references("goal_objectives", "id", onDelete: .cascade))
            .field("title", .string, .required)
            // `GoalMetric.code`: a store metric, a rate, conversions, or untracked:<name>.
            .field("metric", .string, .required)
            .field("target", .double, .required)
            .field("target_mode", .string, .required)
            .field("direction", .string, .required)
            .field("start_day", .string, .required)
            .field("deadline", .string, .required)
            .field("owner_id", .uuid)
            .field("platform", .string)
            // JSON lists: the accounts in scope, the month weights.
            .field("account_ids", .string, .required)
            .field("month_weights", .string)
            // The template item it was written from (`comment_rate`, …).
            .field("template_key", .string)
            // The state the last check judged, so going off track notifies
            // once per slide (compare-and-set in GoalCheck).
            .field("last_state", .string)
            .field("last_checked_at", .datetime)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("goal_settings")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("off_track_tolerance", .double, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "goals_workspace_idx").on("goals").column("workspace_id").column("deadline").run()
        try await sql.create(index: "goals_objective_idx").on("goals").column("objective_id").run()
        try await sql.create(index: "goal_objectives_workspace_idx").on("goal_objectives").column("workspace_id").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["goal_settings", "goals", "goal_objectives"] { try await database.schema(table).delete() }
    }
}
