import Fluent
import SQLKit

/// Gains kept on write (`PostGainStore`): two columns on each post day and
/// the per-account daily sums, filled from the totals already stored.
struct AddPostGains: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // One column to a statement: SQLite adds one at a time.
        try await sql.raw("ALTER TABLE post_metric_days ADD COLUMN gain_engagements BIGINT").run()
        try await sql.raw("ALTER TABLE post_metric_days ADD COLUMN gain_impressions BIGINT").run()
        var schema = database.schema("post_gain_days")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("day", .string, .required)
        for column in PostGainStore.summed { schema = schema.field(FieldKey(stringLiteral: column), .int64) }
        try await schema.field("reporting_impressions", .int64, .required).unique(on: "account_id", "day").create()
        try await sql.create(index: "post_gain_days_workspace_day_idx").on("post_gain_days").column("workspace_id").column("day").run()
        try await PostGainStore.rebuild(workspaceID: nil, on: sql)
        // The period's rows with what the overview sums of them, in the
        // index itself: read in day order, a month of the benchmark's posts
        // (57,000 rows) was a table read per row scattered over the file
        // (140 ms; 30 ms from the index). It leads with (workspace_id, day),
        // so it replaces that index.
        try await sql.raw(
            """
            CREATE INDEX post_metric_days_period_idx ON post_metric_days
            (workspace_id, day, variant_id, gain_engagements, gain_impressions, impressions, writes)
            """
        ).run()
        try await sql.raw("DROP INDEX post_metric_days_workspace_day_idx").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("post_gain_days").delete()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "post_metric_days_workspace_day_idx").on("post_metric_days").column("workspace_id").column("day").run()
        try await sql.raw("DROP INDEX post_metric_days_period_idx").run()
        try await sql.raw("ALTER TABLE post_metric_days DROP COLUMN gain_impressions").run()
        try await sql.raw("ALTER TABLE post_metric_days DROP COLUMN gain_engagements").run()
    }
}
