import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Writes a post's day with its gains kept (see `PostGainChange`): the
/// day's own `gain_engagements` / `gain_impressions`, those of the post's
/// next stored day, and each account's daily sums in `post_gain_days`
/// (every summable post metric, and how many posts reported impressions).
/// The overview, the series API and the reports read those sums instead of
/// every post's history.
enum PostGainStore {
    /// The post metrics summed per account and day (completion is an
    /// average of shares, not a count, and is read from the posts' days).
    static let summed = ["impressions", "reach", "likes", "comments", "shares", "saves", "plays", "link_clicks", "engagements"]

    /// One post day's totals by column (`summed`), as written.
    typealias Totals = [String: Int?]

    /// Stores the day (`upsert` writes the post_metric_days row and is given
    /// its two gains) and the gains around it, in one write transaction.
    /// `keepLive`: a day a connector read from the platform (source
    /// `snapshot`) stays as it is and nothing is written (an import's
    /// precedence, checked here under the post's lock so a snapshot stored
    /// since the import read the day still wins); returns whether the day
    /// was written.
    @discardableResult
    static func record(
        workspaceID: UUID, variantID: UUID, accountID: UUID, day: String, totals: Totals, keepLive: Bool = false, on db: any Database,
        upsert: @escaping @Sendable (any SQLDatabase, _ gainEngagements: Int, _ gainImpressions: Int) async throws -> Void
    ) async throws -> Bool {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return false }
            if sql.dialect.name == "postgresql" {
                // Two writers of one post's days would each read the other's
                // neighbours stale; the post's variant row orders them.
                try await sql.raw("SELECT id FROM post_variants WHERE id = \(bind: variantID) FOR UPDATE").run()
            }
            if keepLive,
                try await sql.raw(
                    "SELECT source FROM post_metric_days WHERE variant_id = \(bind: variantID) AND day = \(bind: day) AND source = 'snapshot'"
                ).first() != nil
            {
                return false
            }
            let columns = summed.map { SQLIdentifier($0) as any SQLExpression }
            func read(_ condition: SQLQueryString, _ order: String) async throws -> (day: String, values: Totals)? {
                guard
                    let row = try await sql.raw(
                        """
                        SELECT day, \(SQLList(columns)) FROM post_metric_days WHERE variant_id = \(bind: variantID) AND \(condition) \
                        ORDER BY day \(unsafeRaw: order) LIMIT 1
                        """
                    ).first()
                else { return nil }
                var values: Totals = [:]
                for column in summed { values[column] = try row.decode(column: column, as: Int?.self) }
                return (try row.decode(column: "day", as: String.self), values)
            }
            let old = try await read("day = \(bind: day)", "ASC")
            let previous = try await read("day < \(bind: day)", "DESC")
            let next = try await read("day > \(bind: day)", "ASC")
            var changes: [String: PostGainChange.Result] = [:]
            for column in summed {
                changes[column] = PostGainChange.writing(
                    totals[column] ?? nil,
                    around: PostGainChange.Around(
                        existed: old != nil, old: old?.values[column] ?? nil, previous: previous?.values[column] ?? nil, hasNext: next != nil,
                        next: next?.values[column] ?? nil))
            }
            try await upsert(sql, changes["engagements"]!.dayGain, changes["impressions"]!.dayGain)
            if let next {
                try await sql.raw(
                    """
                    UPDATE post_metric_days SET gain_engagements = \(bind: changes["engagements"]!.nextGain ?? 0), \
                    gain_impressions = \(bind: changes["impressions"]!.nextGain ?? 0) \
                    WHERE variant_id = \(bind: variantID) AND day = \(bind: next.day)
                    """
                ).run()
            }
            let reporting = PostGainChange.reportingChange(
                new: totals["impressions"] ?? nil, existed: old != nil, old: old?.values["impressions"] ?? nil)
            try await add(
                workspaceID: workspaceID, accountID: accountID, day: day, deltas: changes.mapValues(\.delta), reporting: reporting, on: sql)
            if let next {
                try await add(
                    workspaceID: workspaceID, accountID: accountID, day: next.day, deltas: changes.mapValues { $0.delta.map { -$0 } },
                    reporting: 0, on: sql)
            }
            return true
        }
    }

    /// Adds to an account's day; a nil delta leaves the column as it is
    /// (NULL stays "not reported").
    static func add(
        workspaceID: UUID, accountID: UUID, day: String, deltas: [String: Int?], reporting: Int, on sql: any SQLDatabase
    ) async throws {
        guard deltas.values.contains(where: { $0 != nil }) || reporting != 0 else { return }
        let values = summed.map { SQLBind(deltas[$0] ?? nil) as any SQLExpression }
        let updates = summed.map { column in
            "\(column) = CASE WHEN excluded.\(column) IS NULL THEN post_gain_days.\(column) ELSE COALESCE(post_gain_days.\(column), 0) + excluded.\(column) END"
        }.joined(separator: ", ")
        try await sql.raw(
            """
            INSERT INTO post_gain_days (workspace_id, account_id, day, \(unsafeRaw: summed.joined(separator: ", ")), reporting_impressions)
            VALUES (\(bind: workspaceID), \(bind: accountID), \(bind: day), \(SQLList(values)), \(bind: reporting))
            ON CONFLICT (workspace_id, day, account_id) DO UPDATE SET \(unsafeRaw: updates), \
            reporting_impressions = post_gain_days.reporting_impressions + excluded.reporting_impressions
            """
        ).run()
    }

    /// Makes every gain again from the stored totals (the migration's
    /// backfill, the benchmark's generator after its inserts, and what a
    /// test compares the kept gains with): of one workspace, or of all.
    static func rebuild(workspaceID: UUID?, on sql: any SQLDatabase) async throws {
        let scope: SQLQueryString = workspaceID.map { " WHERE workspace_id = \(bind: $0)" } ?? ""
        let scopeAnd: SQLQueryString = workspaceID.map { " AND post_metric_days.workspace_id = \(bind: $0)" } ?? ""
        try await sql.raw(
            """
            UPDATE post_metric_days SET gain_engagements = g.ge, gain_impressions = g.gi FROM (
              SELECT variant_id AS v, day AS d,
                COALESCE(engagements, 0) - COALESCE(LAG(engagements) OVER w, 0) AS ge,
                COALESCE(impressions, 0) - COALESCE(LAG(impressions) OVER w, 0) AS gi
              FROM post_metric_days\(scope) WINDOW w AS (PARTITION BY variant_id ORDER BY day)) g
            WHERE post_metric_days.variant_id = g.v AND post_metric_days.day = g.d\(scopeAnd)
            """
        ).run()
        try await rebuildSums(workspaceID: workspaceID, on: sql)
    }

    /// Makes the accounts' daily sums again from the stored totals.
    static func rebuildSums(workspaceID: UUID?, on sql: any SQLDatabase) async throws {
        let scope: SQLQueryString = workspaceID.map { " WHERE workspace_id = \(bind: $0)" } ?? ""
        try await sql.raw("DELETE FROM post_gain_days\(scope)").run()
        let lags = summed.map { "LAG(\($0)) OVER w AS p_\($0)" }.joined(separator: ", ")
        let sums = summed.map {
            "CAST(SUM(CASE WHEN \($0) IS NULL AND p_\($0) IS NULL THEN NULL ELSE COALESCE(\($0), 0) - COALESCE(p_\($0), 0) END) AS BIGINT)"
        }.joined(separator: ", ")
        try await sql.raw(
            """
            INSERT INTO post_gain_days (workspace_id, account_id, day, \(unsafeRaw: summed.joined(separator: ", ")), reporting_impressions)
            SELECT workspace_id, account_id, day, \(unsafeRaw: sums), CAST(SUM(CASE WHEN impressions IS NULL THEN 0 ELSE 1 END) AS BIGINT)
            FROM (SELECT workspace_id, account_id, day, \(unsafeRaw: summed.joined(separator: ", ")), \(unsafeRaw: lags)
                  FROM post_metric_days\(scope) WINDOW w AS (PARTITION BY variant_id ORDER BY day)) x
            GROUP BY workspace_id, account_id, day
            """
        ).run()
    }
}
