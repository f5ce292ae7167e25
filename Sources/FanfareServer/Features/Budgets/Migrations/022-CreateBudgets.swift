import Fluent
import SQLKit

/// Budgets and ROI (issue 22 scope 3): budget lines per month, the
/// channels' stop-loss rules, the spend ledger and each workspace's
/// approval threshold and deviation tolerance.
struct CreateBudgets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("budget_channels")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            // Matched to short links' utm_source for revenue.
            .field("key", .string, .required)
            .field("label", .string, .required)
            .field("pilot", .bool, .required)
            .field("validated_at", .datetime)
            .field("stop_loss_ratio", .double, .required)
            .field("min_spend_fen", .int64, .required)
            .field("hold_posts_on_breach", .bool, .required)
            .field("fallback_destination", .string)
            // The state the last stop-loss pass judged, so a breach is told
            // once per slide (compare-and-set in StopLossCheck).
            .field("last_state", .string)
            .field("breached_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "key")
            .create()
        try await database.schema("budget_lines")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("channel_key", .string)
            .field("campaign_id", .uuid, .references("campaigns", "id", onDelete: .setNull))
            // The campaign's name as short links carry it (`short_links.campaign`) until links carry campaign_id.
            .field("campaign", .string)
            .field("month", .string, .required)
            .field("planned_fen", .int64, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("spend_entries")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("line_id", .uuid, .required, .references("budget_lines", "id", onDelete: .cascade))
            .field("amount_fen", .int64, .required)
            .field("spent_on", .string, .required)
            .field("note", .string, .required)
            .field("source", .string, .required)
            .field("state", .string, .required)
            .field("created_by", .uuid)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("decision_note", .string)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("budget_settings")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("approval_threshold_fen", .int64, .required)
            .field("deviation_tolerance", .double, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "budget_lines_workspace_idx").on("budget_lines").column("workspace_id").column("month").run()
        try await sql.create(index: "spend_entries_line_idx").on("spend_entries").column("line_id").column("spent_on").run()
        try await sql.create(index: "spend_entries_workspace_idx").on("spend_entries").column("workspace_id").column("state").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["budget_settings", "spend_entries", "budget_lines", "budget_channels"] { try await database.schema(table).delete() }
    }
}
