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
        // Keyed by (workspace, day, account): a period of the workspace is
        // one range of the key. On SQLite the table is that key
        // (WITHOUT ROWID), so the range is read in order, not row by row
        // wherever each row was written (a year of 100 accounts: 22 ms
        // through an index, 10 ms from the key).
        let metrics = PostGainStore.summed.map { "\($0) BIGINT" }.joined(separator: ", ")
        try await sql.raw(
            """
            CREATE TABLE post_gain_days (
              workspace_id UUID NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
              account_id UUID NOT NULL REFERENCES social_accounts (id) ON DELETE CASCADE,
              day TEXT NOT NULL, \(unsafeRaw: metrics), reporting_impressions BIGINT NOT NULL,
              PRIMARY KEY (workspace_id, day, account_id))\(unsafeRaw: sql.dialect.name == "sqlite" ? " WITHOUT ROWID" : "")
            """
        ).run()
        // Deleting an account deletes its sums through this.
        try await sql.create(index: "post_gain_days_account_idx").on("post_gain_days").column("account_id").run()
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
        // The same for the accounts' days: a year of followers of 100
        // accounts read through (workspace_id, day) and then each row (42 ms;
        // 4 ms from the index alone).
        try await sql.raw(
            "CREATE INDEX account_metric_days_period_idx ON account_metric_days (workspace_id, day, account_id, followers, writes)"
        ).run()
        try await sql.raw("DROP INDEX account_metric_days_workspace_day_idx").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("post_gain_days").delete()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "post_metric_days_workspace_day_idx").on("post_metric_days").column("workspace_id").column("day").run()
        try await sql.raw("DROP INDEX post_metric_days_period_idx").run()
        try await sql.create(index: "account_metric_days_workspace_day_idx").on("account_metric_days").column("workspace_id").column("day").run()
        try await sql.raw("DROP INDEX account_metric_days_period_idx").run()
        try await sql.raw("ALTER TABLE post_metric_days DROP COLUMN gain_impressions").run()
        try await sql.raw("ALTER TABLE post_metric_days DROP COLUMN gain_engagements").run()
    }
}
