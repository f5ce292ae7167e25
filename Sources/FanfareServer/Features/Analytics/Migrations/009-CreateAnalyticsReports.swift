import Fluent
import SQLKit

/// Archived weekly, monthly and custom reports.
struct CreateAnalyticsReports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("analytics_reports")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("period_from", .string, .required)
            .field("period_to", .string, .required)
            .field("compared_from", .string, .required)
            .field("compared_to", .string, .required)
            .field("time_zone", .string, .required)
            .field("content", .string, .required)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        // The schedule makes each weekly and monthly report once, however
        // many nodes run the pass (custom reports may repeat a period: the
        // numbers may have changed since).
        try await (database as? any SQLDatabase)?.raw(
            """
            CREATE UNIQUE INDEX analytics_reports_scheduled ON analytics_reports (workspace_id, kind, period_from, period_to) \
            WHERE kind <> 'custom'
            """
        ).run()
        try await (database as? any SQLDatabase)?.raw(
            "CREATE INDEX analytics_reports_listed ON analytics_reports (workspace_id, created_at)"
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("analytics_reports").delete()
    }
}
