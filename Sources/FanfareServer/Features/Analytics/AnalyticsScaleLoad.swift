import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The rest of issue 18's benchmark workspace, written straight into the
/// tables (a benchmark fixture, never demo data): published posts with a
/// daily snapshot each, conversion events and fans, many rows to a
/// statement and many statements to a transaction.
extension AnomalyLoad {
    /// Opens the application on a database `fanfare serve --demo` made and
    /// migrated, on the workspace `slug` (nothing is dropped or migrated).
    public static func withWorkspace<T>(settings: Settings, slug: String, _ body: (Session) async throws -> T) async throws -> T {
        try await BenchmarkWorkspace.existing(settings: settings, slug: slug) { app, workspace in
            try await body(
                Session(
                    app: app, workspaceID: workspace.id!, zone: TimeZone(identifier: workspace.timeZone) ?? .gmt,
                    access: WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)))
        }
    }
}

extension AnomalyLoad.Session {
    /// Rows per statement and statements per transaction.
    static let rowsPerStatement = 500
    static let rowsPerTransaction = 100_000

    /// The Sandbox accounts `generate` connected, oldest first.
    public func benchAccounts() async throws -> [UUID] {
        guard let sql = app.db as? any SQLDatabase else { return [] }
        return try await sql.raw(
            """
            SELECT id FROM social_accounts WHERE workspace_id = \(bind: workspaceID) AND platform = 'sandbox' AND handle LIKE 'bench%'
            ORDER BY handle
            """
        ).all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// `rows` into `table` (`columns` in order), in transactions of
    /// `rowsPerTransaction`, `rowsPerStatement` to an INSERT.
    func insert(_ table: String, columns: [String], _ rows: [[any Encodable & Sendable]]) async throws {
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        for start in stride(from: 0, to: rows.count, by: Self.rowsPerTransaction) {
            let slice = rows[start..<min(rows.count, start + Self.rowsPerTransaction)]
            try await app.db.writeTransaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                if sql.dialect.name == "sqlite" { try await sql.raw("PRAGMA cache_size = -262144").run() }
                for chunk in stride(from: slice.startIndex, to: slice.endIndex, by: Self.rowsPerStatement) {
                    let values: [any SQLExpression] = slice[chunk..<min(slice.endIndex, chunk + Self.rowsPerStatement)].map { row in
                        SQLGroupExpression(row.map { SQLBind($0) })
                    }
                    try await sql.raw("\(unsafeRaw: head)\(SQLList(values))").run()
                }
            }
        }
    }

    /// `count` published posts, one variant each on the accounts in turn,
    /// spread evenly over `days` days ending `through`, each with a
    /// cumulative daily snapshot from its day for `snapshotDays` days (none
    /// after `through`). Returns the posts and the snapshot rows.
    public func posts(count: Int, snapshotDays: Int, days: Int, through: String, seed: UInt64) async throws -> (posts: Int, snapshots: Int) {
        let accounts = try await benchAccounts()
        guard !accounts.isEmpty, count > 0 else { return (0, 0) }
        var random = AnomalyLoad.SplitMix(seed: seed)
        let first = MetricDay.adding(-(days - 1), to: through)
        let review = try ReviewProcess(chain: access.workspace.reviewChain).json()
        let pillars = Pillar.allCases.map(\.rawValue)
        let formats = ContentFormat.allCases.map(\.rawValue)
        let published = PostVariant.State.published.rawValue
        var snapshots = 0
        let perRound = 5_000
        for round in stride(from: 0, to: count, by: perRound) {
            var posts: [[any Encodable & Sendable]] = []
            var variants: [[any Encodable & Sendable]] = []
            var days: [[any Encodable & Sendable]] = []
            for index in round..<min(count, round + perRound) {
                let offset = index * (MetricDay.distance(from: first, to: through) + 1) / count
                let day = MetricDay.adding(offset, to: first)
                let at = DashboardQueries.start(of: day, in: zone).addingTimeInterval(Double(9 * 3_600 + index % 36_000))
                let postID = TimeOrderedID.make(at: at)
                let variantID = TimeOrderedID.make(at: at)
                let account = accounts[index % accounts.count]
                let campaign: String? = index % 10 == 0 ? "campaign-\(index % 7)" : nil
                posts.append([
                    postID, workspaceID, "Bench post \(index)", "Bench post \(index): what happened today", pillars[index % pillars.count],
                    formats[index % formats.count], ContentPool.regular.rawValue, campaign, "[]", Post.Status.published.rawValue, review, 1, at,
                    at, at,
                ])
                variants.append([
                    variantID, workspaceID, postID, account, "sandbox", "Bench post \(index)", "Bench post \(index): what happened today", "[]",
                    published, 1, "bench-\(index)", "https://sandbox.example/p/\(index)", at, at,
                ])
                let reach = 200 + Double(random.next() % 20_000)
                let rate = 0.01 + random.unit() * 0.08
                var previous: (impressions: Int, engagements: Int) = (0, 0)
                for age in 0..<snapshotDays {
                    let snapshotDay = MetricDay.adding(age, to: day)
                    if snapshotDay > through { break }
                    // Most of a post's reach comes in its first days.
                    let share = 1 - pow(0.7, Double(age + 1))
                    let impressions = Int(reach * share)
                    let engagements = Int(Double(impressions) * rate)
                    let likes = engagements * 7 / 10
                    let comments = engagements / 10
                    let shares = engagements - likes - comments
                    days.append([
                        workspaceID, variantID, account, snapshotDay, impressions, Int(Double(impressions) * 0.8), likes, comments, shares, 0,
                        nil as Int?, nil as Double?, 0, engagements, nil as String?,
                        DashboardQueries.start(of: snapshotDay, in: zone).addingTimeInterval(20 * 3_600), 1,
                        engagements - previous.engagements, impressions - previous.impressions,
                    ])
                    previous = (impressions, engagements)
                }
            }
            try await insert(
                "posts",
                columns: [
                    "id", "workspace_id", "title", "body", "pillar", "format", "pool", "campaign", "tags", "status", "review", "version",
                    "scheduled_at", "created_at", "updated_at",
                ], posts)
            try await insert(
                "post_variants",
                columns: [
                    "id", "workspace_id", "post_id", "account_id", "platform", "title", "text", "tags", "state", "attempts", "remote_id", "url",
                    "published_at", "updated_at",
                ], variants)
            try await insert(
                "post_metric_days",
                columns: [
                    "workspace_id", "variant_id", "account_id", "day", "impressions", "reach", "likes", "comments", "shares", "saves", "plays",
                    "completion", "link_clicks", "engagements", "platform_values", "taken_at", "writes", "gain_engagements", "gain_impressions",
                ], days)
            snapshots += days.count
        }
        // The accounts' daily sums, made from the days just written (the
        // posts' own gains were written with them).
        try await app.db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await PostGainStore.rebuildSums(workspaceID: workspaceID, on: sql)
        }
        return (count, snapshots)
    }

    /// `count` fans, first seen over the last 400 days in id order, stale
    /// tiers, the columns the fans benchmark writes (the same values).
    /// Returns their ids.
    public func fans(count: Int, now: Date) async throws -> [UUID] {
        let start = now.addingTimeInterval(-400 * 86_400)
        let step = 400 * 86_400 / Double(max(1, count))
        var ids: [UUID] = []
        ids.reserveCapacity(count)
        let empty = RollingActivity().compact
        let columns = [
            "id", "workspace_id", "display_name", "attributes", "rolling_activity", "interactions_30d", "activity_tier", "value_tier", "stage",
            "points_balance", "lifetime_points", "level", "badges", "check_in_streak", "best_streak", "spend_fen", "referrals", "contributions",
            "first_seen_at", "created_at", "updated_at", "last_interaction_at",
        ]
        for round in stride(from: 0, to: count, by: Self.rowsPerTransaction) {
            var rows: [[any Encodable & Sendable]] = []
            for index in round..<min(count, round + Self.rowsPerTransaction) {
                let firstSeen = start.addingTimeInterval(Double(index) * step)
                let id = TimeOrderedID.make(at: firstSeen)
                ids.append(id)
                rows.append([
                    id, workspaceID, "Fan \(index + 1)", "{}", empty, 0, ActivityTier.silent.rawValue, ValueTier.none.rawValue,
                    LifecycleStage.reach.rawValue, 0, 0, 1, "[]", 0, 0, Int64(0), 0, 0, firstSeen, firstSeen, now, nil as Date?,
                ])
            }
            try await insert("fans", columns: columns, rows)
        }
        return ids
    }

    /// `count` conversion events spread evenly over `days` days ending
    /// `through` (in time order, ids time-ordered), each naming one of
    /// `fans`: follows, sign-ups, community joins, purchases and refunds
    /// with amounts, referrals naming a second fan. Returns the events written.
    public func events(count: Int, days: Int, through: String, fans: [UUID], seed: UInt64) async throws -> Int {
        guard count > 0 else { return 0 }
        var random = AnomalyLoad.SplitMix(seed: seed)
        let start = DashboardQueries.start(of: MetricDay.adding(-(days - 1), to: through), in: zone)
        let end = DashboardQueries.start(of: MetricDay.adding(1, to: through), in: zone)
        let step = end.timeIntervalSince(start) / Double(count)
        // Out of 20: 8 follows, 3 sign-ups, 2 joins, 5 purchases, 1 refund, 1 referral.
        let kinds: [ConversionType] =
            Array(repeating: .follow, count: 8) + Array(repeating: .signUp, count: 3) + Array(repeating: .joinCommunity, count: 2)
            + Array(repeating: .purchase, count: 5) + [.refund, .referral]
        let columns = [
            "id", "workspace_id", "event_id", "type", "at", "amount_fen", "currency", "fan_id", "referred_fan_id", "click_id", "link_id",
            "properties", "received_at",
        ]
        // The quarter-hour counts, as `EventService` keeps them.
        var slots: [ConversionSlots.Key: ConversionSlots.Count] = [:]
        for round in stride(from: 0, to: count, by: Self.rowsPerTransaction) {
            var rows: [[any Encodable & Sendable]] = []
            rows.reserveCapacity(Self.rowsPerTransaction)
            for index in round..<min(count, round + Self.rowsPerTransaction) {
                let at = start.addingTimeInterval(Double(index) * step)
                let kind = kinds[Int(random.next() % UInt64(kinds.count))]
                let fan: UUID? = fans.isEmpty ? nil : fans[Int(random.next() % UInt64(fans.count))]
                let amount: Int64? = kind == .purchase || kind == .refund ? Int64(100 + random.next() % 50_000) : nil
                let referred: UUID? = kind == .referral && !fans.isEmpty ? fans[Int(random.next() % UInt64(fans.count))] : nil
                let key = ConversionSlots.Key(slot: ConversionSlots.slot(of: at), type: kind.rawValue)
                slots[key, default: .init()].events += 1
                slots[key, default: .init()].amountFen += amount ?? 0
                rows.append([
                    TimeOrderedID.make(at: at), workspaceID, "bench-\(index)", kind.rawValue, at, amount, "CNY", fan, referred, nil as UUID?,
                    nil as UUID?, nil as String?, at,
                ])
            }
            try await insert("conversion_events", columns: columns, rows)
        }
        let counted = slots
        let workspaceID = self.workspaceID
        try await app.db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await ConversionSlots.add(counted, workspaceID: workspaceID, on: sql)
        }
        return count
    }

    /// Planner statistics for the loaded tables on PostgreSQL (autovacuum
    /// has not seen them yet; a database that grew in production has
    /// them). SQLite is left as the product leaves it (no `ANALYZE`).
    public func analyzeLoaded() async throws {
        guard let sql = app.db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        for table in ["posts", "post_variants", "post_metric_days", "account_metric_days", "conversion_events", "fans"] {
            try await sql.raw("ANALYZE \(unsafeRaw: table)").run()
        }
    }
}
