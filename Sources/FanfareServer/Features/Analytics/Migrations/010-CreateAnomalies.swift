import Fluent
import SQLKit

/// The nightly anomaly pass's findings (issue 18, scope 8): one row per
/// flagged day of a series, unique per series and day so that a rerun adds
/// nothing; and, per workspace, the last day the pass judged.
struct CreateAnomalies: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("analytics_anomalies")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("series", .string, .required)
            // The empty id for a workspace series, so that the unique key holds (NULLs never collide).
            .field("scope_id", .uuid, .required)
            .field("account_id", .uuid, .references("social_accounts", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("value", .double, .required)
            .field("expected", .double, .required)
            .field("low", .double, .required)
            .field("high", .double, .required)
            .field("score", .double, .required)
            .field("detected_at", .datetime, .required)
            .unique(on: "workspace_id", "series", "scope_id", "day")
            .create()
        try await database.schema("analytics_anomaly_runs")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("through_day", .string, .required)
            .field("ran_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "analytics_anomalies_workspace_day_idx").on("analytics_anomalies").column("workspace_id").column("day").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("analytics_anomaly_runs").delete()
        try await database.schema("analytics_anomalies").delete()
    }
}
