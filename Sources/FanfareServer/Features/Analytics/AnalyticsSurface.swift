import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Analytics: writing a day of an account
/// or a post into the metric store (the snapshotter, the demo), backfilling
/// an account's history from its platform, and reading what is stored
/// (the accounts page's followers and sparkline, a post's latest numbers).
/// Pages read the store, never the platform.
enum MetricHistoryService {
    /// One day of an account as stored.
    struct AccountDay: Sendable, Equatable {
        var day: String
        var followers: Int?
        var following: Int?
        var posts: Int?
        var platformValues: [String: Double]?
        /// `snapshot` (read on the day), `backfill` (the platform's history) or `import`.
        var source: String
        var takenAt: Date
    }

    /// One day of a post as stored: its totals since publishing.
    struct PostDay: Sendable, Equatable {
        var day: String
        var impressions: Int?
        var reach: Int?
        var likes: Int?
        var comments: Int?
        var shares: Int?
        var saves: Int?
        var plays: Int?
        var completion: Double?
        var linkClicks: Int?
        var engagements: Int?
        var takenAt: Date
    }

    /// The workspace's time zone (UTC when it names none the system knows).
    static func timeZone(of workspaceID: UUID, on db: any Database) async throws -> TimeZone {
        let name = try await Workspace.find(workspaceID, on: db)?.timeZone
        return name.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")!
    }

    static func json(_ values: [String: Double]?) -> String? {
        guard let values, !values.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(values)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// Writes one account day. A second write of the same day replaces it
    /// (and counts in `writes`), except that the platform's history never
    /// replaces a day read on the day.
    static func recordAccount(workspaceID: UUID, accountID: UUID, _ day: AccountDay, on db: any Database) async throws {
        try await recordAccounts(workspaceID: workspaceID, [(accountID, day)], on: db)
    }

    /// Writes account days with the same statement as `recordAccount`, 500
    /// rows to a statement (the benchmark's generator; a caller wanting
    /// them in one transaction opens it). Days of one source only: the
    /// rule for replacing a snapshot depends on it.
    static func recordAccounts(workspaceID: UUID, _ days: [(accountID: UUID, day: AccountDay)], on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        for source in Set(days.map(\.day.source)).sorted() {
            let ofSource = days.filter { $0.day.source == source }
            let keep: SQLQueryString = source == "snapshot" ? "" : " WHERE account_metric_days.source <> 'snapshot'"
            for start in stride(from: 0, to: ofSource.count, by: 500) {
                let rows = ofSource[start..<min(ofSource.count, start + 500)].map { item -> any SQLExpression in
                    let day = item.day
                    return SQLGroupExpression([
                        SQLBind(workspaceID), SQLBind(item.accountID), SQLBind(day.day), SQLBind(day.followers), SQLBind(day.following),
                        SQLBind(day.posts),
                        SQLBind(json(day.platformValues)), SQLBind(day.source), SQLBind(day.takenAt), SQLLiteral.numeric("1"),
                    ])
                }
                try await sql.raw(
                    """
                    INSERT INTO account_metric_days (workspace_id, account_id, day, followers, following, posts, platform_values, source, taken_at, writes)
                    VALUES \(SQLList(rows))
                    ON CONFLICT (account_id, day) DO UPDATE SET followers = excluded.followers, following = excluded.following, posts = excluded.posts,
                    platform_values = excluded.platform_values, source = excluded.source, taken_at = excluded.taken_at,
                    writes = account_metric_days.writes + 1\(keep)
                    """
                ).run()
            }
        }
    }

    /// Writes one post day (the day of `metrics.at` in the workspace's time
    /// zone); the same day again replaces it.
    static func recordPost(
        workspaceID: UUID, variantID: UUID, accountID: UUID, platform: String, metrics: PostMetrics, timeZone: TimeZone, on db: any Database
    ) async throws {
        let engagements = MetricTaxonomy.engagements(
            platform: platform,
            values: [
                .likes: metrics.likes, .comments: metrics.comments, .shares: metrics.shares, .saves: metrics.saves, .linkClicks: metrics.linkClicks,
            ])
        let day = MetricDay.of(metrics.at, in: timeZone)
        let totals: PostGainStore.Totals = [
            "impressions": metrics.impressions, "reach": metrics.reach, "likes": metrics.likes, "comments": metrics.comments,
            "shares": metrics.shares, "saves": metrics.saves, "plays": metrics.plays, "link_clicks": metrics.linkClicks,
            "engagements": engagements,
        ]
        try await writePost(
            workspaceID: workspaceID, variantID: variantID, accountID: accountID, day: day,
            PostDayRow(
                totals: totals, completion: metrics.completion, platformValues: metrics.platformValues, takenAt: metrics.at, source: "snapshot"),
            on: db)
    }

    /// One post day as written: the summed columns (`PostGainStore.summed`),
    /// completion, the platform's own values, when and from where
    /// (`snapshot` read by a connector, `import` from a per-post export).
    struct PostDayRow: Sendable {
        var totals: PostGainStore.Totals
        var completion: Double?
        var platformValues: [String: Double]?
        var takenAt: Date
        var source: String
    }

    /// Writes one post day through `PostGainStore.record` (its gains kept
    /// in the same transaction): the snapshot job's path and an import's.
    /// The same day again replaces it; with `keepLive` a day read from the
    /// platform is kept and nothing is written (returns false).
    @discardableResult
    static func writePost(
        workspaceID: UUID, variantID: UUID, accountID: UUID, day: String, _ row: PostDayRow, keepLive: Bool = false, on db: any Database
    ) async throws -> Bool {
        let values = json(row.platformValues)
        let columns = PostGainStore.summed
        let names = SQLList(columns.map { SQLIdentifier($0) as any SQLExpression })
        let totals = SQLList(columns.map { SQLBind(row.totals[$0] ?? nil) as any SQLExpression })
        let replace = columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        return try await PostGainStore.record(
            workspaceID: workspaceID, variantID: variantID, accountID: accountID, day: day, totals: row.totals, keepLive: keepLive, on: db
        ) { sql, gainEngagements, gainImpressions in
            try await sql.raw(
                """
                INSERT INTO post_metric_days (workspace_id, variant_id, account_id, day, \(names), completion, platform_values, taken_at, source, \
                writes, gain_engagements, gain_impressions)
                VALUES (\(bind: workspaceID), \(bind: variantID), \(bind: accountID), \(bind: day), \(totals), \(bind: row.completion), \
                \(bind: values), \(bind: row.takenAt), \(bind: row.source), 1, \(bind: gainEngagements), \(bind: gainImpressions))
                ON CONFLICT (variant_id, day) DO UPDATE SET \(unsafeRaw: replace), completion = excluded.completion, \
                platform_values = excluded.platform_values, taken_at = excluded.taken_at, source = excluded.source, \
                writes = post_metric_days.writes + 1, gain_engagements = excluded.gain_engagements, gain_impressions = excluded.gain_impressions
                """
            ).run()
        }
    }

    /// A published variant's numbers as the snapshotter read them.
    static func recordPost(_ variant: PostVariant, platform: String, metrics: PostMetrics, on db: any Database) async throws {
        let zone = try await timeZone(of: variant.$workspace.id, on: db)
        try await recordPost(
            workspaceID: variant.$workspace.id, variantID: variant.id!, accountID: variant.$account.id, platform: platform, metrics: metrics,
            timeZone: zone, on: db)
    }

    /// Reads the account's numbers from its platform now and stores them as
    /// today's (in the workspace's time zone).
    static func snapshotAccount(_ account: SocialAccount, app: Application, connector: (any Connector)? = nil) async throws {
        let connector = try connector ?? AccountService(db: app.db, app: app).connector(for: account)
        let stats = try await connector.accountStats()
        let zone = try await timeZone(of: account.$workspace.id, on: app.db)
        try await recordAccount(
            workspaceID: account.$workspace.id, accountID: account.id!,
            AccountDay(
                day: MetricDay.of(stats.at, in: zone), followers: stats.followers, following: stats.following, posts: stats.posts,
                platformValues: stats.platformValues, source: "snapshot", takenAt: stats.at),
            on: app.db)
    }

    /// Asks the platform for the account's last `days` days (no further
    /// back than it keeps) and stores those not stored yet (source
    /// `backfill`); returns how many days the platform returned, 0 when it
    /// keeps no history (`notSupported`).
    @discardableResult
    static func backfill(
        _ account: SocialAccount, days: Int, app: Application, connector: (any Connector)? = nil, now: Date = Date()
    ) async throws
        -> Int
    {
        let connector = try connector ?? AccountService(db: app.db, app: app).connector(for: account)
        let zone = try await timeZone(of: account.$workspace.id, on: app.db)
        // No further back than the platform keeps (WeChat's statistics: the
        // window in MetricTaxonomy): fewer calls, the same days.
        let days = min(days, MetricTaxonomy.of(account.platform).exportWindowDays ?? days)
        let fetch: @Sendable () async throws -> [AccountHistoryDay] = { try await connector.accountHistory(days: days, timeZone: zone) }
        let history: [AccountHistoryDay]
        do {
            history = try await fetch()
        } catch {
            if let refusal = error as? ConnectorError, case .notSupported = refusal { return 0 }
            throw error
        }
        // Days already stored stay as they are: a second run (or a gap
        // fill) writes only the missing days, never a day twice.
        var stored: Set<String> = []
        if let sql = app.db as? any SQLDatabase, let oldest = history.map(\.day).min() {
            stored = Set(
                try await sql.raw(
                    """
                    SELECT day FROM account_metric_days WHERE workspace_id = \(bind: account.$workspace.id) AND account_id = \(bind: account.id!)
                    AND day >= \(bind: oldest)
                    """
                ).all().map { try $0.decode(column: "day", as: String.self) })
        }
        for day in history where MetricDay.parse(day.day) != nil && !stored.contains(day.day) {
            try await recordAccount(
                workspaceID: account.$workspace.id, accountID: account.id!,
                AccountDay(
                    day: day.day, followers: day.followers, following: day.following, posts: day.posts, platformValues: day.platformValues,
                    source: "backfill", takenAt: now),
                on: app.db)
        }
        return history.count
    }

    /// Each account's stored followers: the latest day with a value, and
    /// the values of the last `days` days up to `today` (oldest first).
    static func followers(
        of accountIDs: [UUID], workspaceID: UUID, today: String, days: Int, on db: any Database
    ) async throws
        -> [UUID: (latest: Int, day: String, recent: [Double])]
    {
        guard !accountIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let since = MetricDay.adding(-(days - 1), to: today)
        let rows = try await sql.raw(
            """
            SELECT account_id, day, followers FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: since) AND day <= \(bind: today) AND followers IS NOT NULL
            ORDER BY account_id, day
            """
        ).all()
        var result: [UUID: (latest: Int, day: String, recent: [Double])] = [:]
        let wanted = Set(accountIDs)
        for row in rows {
            let id = try row.decode(column: "account_id", as: UUID.self)
            guard wanted.contains(id) else { continue }
            let day = try row.decode(column: "day", as: String.self)
            let value = try row.decode(column: "followers", as: Int.self)
            var entry = result[id] ?? (value, day, [])
            entry.latest = value
            entry.day = day
            entry.recent.append(Double(value))
            result[id] = entry
        }
        // An account without a day in the window shows its last stored one.
        for id in wanted where result[id] == nil {
            if let row = try await sql.raw(
                """
                SELECT day, followers FROM account_metric_days WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: id)
                AND followers IS NOT NULL ORDER BY day DESC LIMIT 1
                """
            ).first() {
                let value = try row.decode(column: "followers", as: Int.self)
                result[id] = (value, try row.decode(column: "day", as: String.self), [Double(value)])
            }
        }
        return result
    }

    /// A post's latest stored day, if any.
    static func latestPost(variantID: UUID, workspaceID: UUID, on db: any Database) async throws -> PostDay? {
        guard let sql = db as? any SQLDatabase,
            let row = try await sql.raw(
                """
                SELECT day, impressions, reach, likes, comments, shares, saves, plays, completion, link_clicks, engagements, taken_at
                FROM post_metric_days WHERE workspace_id = \(bind: workspaceID) AND variant_id = \(bind: variantID) ORDER BY day DESC LIMIT 1
                """
            ).first()
        else { return nil }
        return PostDay(
            day: try row.decode(column: "day", as: String.self), impressions: try row.decode(column: "impressions", as: Int?.self),
            reach: try row.decode(column: "reach", as: Int?.self), likes: try row.decode(column: "likes", as: Int?.self),
            comments: try row.decode(column: "comments", as: Int?.self), shares: try row.decode(column: "shares", as: Int?.self),
            saves: try row.decode(column: "saves", as: Int?.self), plays: try row.decode(column: "plays", as: Int?.self),
            completion: try row.decode(column: "completion", as: Double?.self), linkClicks: try row.decode(column: "link_clicks", as: Int?.self),
            engagements: try row.decode(column: "engagements", as: Int?.self), takenAt: try row.decode(column: "taken_at", as: Date.self))
    }

    /// Takes today's snapshot of every connected account not yet taken
    /// today and of every post due one, at once (the demo, tests; the
    /// worker spreads the same through `analytics.metrics_take` jobs).
    /// `now` is also the platform's clock (the demo's replay).
    static func takeDueNow(workspaceID: UUID, app: Application, now: Date = Date()) async throws {
        for item in try await MetricsPass.due(workspaceID: workspaceID, on: app.db, now: now) {
            do {
                try await MetricsTake.take(item, app: app, clock: { now })
            } catch let error as ConnectorError {
                app.logger.info("metrics not taken", metadata: ["account": .string(item.accountID.uuidString), "why": .string("\(error)")])
            }
        }
    }

    /// Asks each connected account's platform for its last `days` days
    /// (the demo's history; the worker does it through `analytics.metrics_backfill`).
    static func backfillAll(workspaceID: UUID, days: Int, app: Application, now: Date) async throws {
        let accounts = try await SocialAccount.query(on: app.db).filter(\.$workspace.$id == workspaceID)
            .filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id).all()
        for account in accounts {
            let connector = try AccountService(db: app.db, app: app).connector(for: account, clock: { now })
            try await backfill(account, days: days, app: app, connector: connector, now: now)
        }
    }
}

extension MetricHistoryService {
    /// A metric's daily series over `from`…`to`, as the analytics API's
    /// `series` answers it at day granularity (Goals' progress reads live
    /// metrics through this): day → value, days without a value absent.
    /// `accountIDs` nil reads every account, empty reads none.
    static func dailySeries(
        _ metric: NormalisedMetric, workspaceID: UUID, accountIDs: [UUID]?, from: String, to: String, on db: any Database
    ) async throws -> [String: Double] {
        let scope = AnalyticsAPI.Scope(from: from, to: to, accountIDs: accountIDs, platform: nil)
        let (points, _) = try await MetricSeriesReader(db: db, workspaceID: workspaceID, scope: scope).series(metric, granularity: .day)
        var out: [String: Double] = [:]
        for point in points { if let value = point.value { out[point.period] = value } }
        return out
    }
}

extension MetricHistoryService {
    /// A post's numbers summed over its variants (its accounts), each at its
    /// latest stored day (the totals since publishing).
    struct PostTotals: Sendable, Equatable {
        var impressions = 0
        var engagements = 0
        var linkClicks = 0
        /// Variants with a stored day.
        var variants = 0
    }

    /// The stored totals of the workspace's posts `postIDs` (Experiments'
    /// post arms read these), in one query; a post without a stored day is
    /// absent. A missing value counts as 0.
    static func postTotals(_ postIDs: [UUID], workspaceID: UUID, on db: any Database) async throws -> [UUID: PostTotals] {
        guard !postIDs.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let ids = SQLList(postIDs.map { SQLBind($0) as any SQLExpression })
        let rows = try await sql.raw(
            """
            SELECT v.post_id, d.impressions, d.engagements, d.link_clicks FROM post_metric_days d
            JOIN post_variants v ON v.id = d.variant_id AND v.workspace_id = d.workspace_id
            WHERE d.workspace_id = \(bind: workspaceID) AND v.post_id IN (\(ids))
            AND d.day = (SELECT MAX(l.day) FROM post_metric_days l WHERE l.variant_id = d.variant_id AND l.workspace_id = d.workspace_id)
            """
        ).all()
        var result: [UUID: PostTotals] = [:]
        for row in rows {
            let id = try row.decode(column: "post_id", as: UUID.self)
            var totals = result[id] ?? PostTotals()
            totals.impressions += try row.decode(column: "impressions", as: Int?.self) ?? 0
            totals.engagements += try row.decode(column: "engagements", as: Int?.self) ?? 0
            totals.linkClicks += try row.decode(column: "link_clicks", as: Int?.self) ?? 0
            totals.variants += 1
            result[id] = totals
        }
        return result
    }
}
