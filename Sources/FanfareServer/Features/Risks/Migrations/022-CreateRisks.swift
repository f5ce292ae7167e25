import Fluent
import SQLKit

/// The risk register (issue 22 scope 4): risks with their assessment and
/// controls, their triggers, and each risk's timeline.
struct CreateRisks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("risks")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("category", .string, .required)
            .field("probability", .int, .required)
            .field("impact_brand", .int, .required)
            .field("impact_users", .int, .required)
            .field("impact_business", .int, .required)
            // Kept by the service from the four numbers, so the register
            // sorts and filters by level in the database.
            .field("score", .int, .required)
            .field("owner_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("state", .string, .required)
            .field("control_preventive", .string, .required)
            .field("control_in_process", .string, .required)
            .field("control_emergency", .string, .required)
            .field("incident_id", .uuid, .references("incidents", "id", onDelete: .setNull))
            .field("campaign_id", .uuid, .references("campaigns", "id", onDelete: .setNull))
            // The seeds' template item it was written from, so the
            // template adds each typical risk once.
            .field("template_key", .string)
            .field("last_reviewed_at", .datetime, .required)
            // The last day a review reminder was sent for, so the daily job tells once.
            .field("reminded_for", .string)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("risk_triggers")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("risk_id", .uuid, .required, .references("risks", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            // metric: its store key, above|below, threshold, window days;
            // alert: the lowest grade and, optionally, one monitor.
            .field("metric", .string)
            .field("comparison", .string)
            .field("threshold", .double)
            .field("window_days", .int)
            .field("min_grade", .string)
            .field("monitor_id", .uuid)
            .field("last_fired_at", .datetime)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("risk_events")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("risk_id", .uuid, .required, .references("risks", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("note", .string, .required)
            .field("actor_id", .uuid)
            .field("at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "risks_workspace_idx").on("risks").column("workspace_id").column("score").run()
        try await sql.create(index: "risk_triggers_risk_idx").on("risk_triggers").column("risk_id").run()
        try await sql.create(index: "risk_events_risk_idx").on("risk_events").column("risk_id").column("at").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["risk_events", "risk_triggers", "risks"] { try await database.schema(table).delete() }
    }
}
