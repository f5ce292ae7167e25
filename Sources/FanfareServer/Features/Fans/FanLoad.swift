import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What `fanfare-bench fans` needs from inside the server: a workspace
/// whose fans the benchmark writes straight into the table (generated
/// counters, a chunk of rows per statement, as `FanAssembly.create` does),
/// then the nightly recomputation and the per-interaction update, through
/// the very functions the job and intake call.
public enum FanLoad {
    /// One generated fan, with the tiers the benchmark wants stored: stale
    /// ones, so that the recomputation has real work to do.
    public struct Row: Sendable {
        public var id: UUID
        public var displayName: String
        /// `RollingActivity.compact`.
        public var rollingActivity: String
        public var interactions30d: Int
        public var activityTier: ActivityTier
        public var valueTier: ValueTier
        public var stage: LifecycleStage
        public var spendFen: Int64
        public var referrals: Int
        public var contributions: Int
        public var firstSeenAt: Date
        public var lastInteractionAt: Date?

        public init(
            id: UUID, displayName: String, rollingActivity: String, interactions30d: Int, activityTier: ActivityTier, valueTier: ValueTier,
            stage: LifecycleStage, spendFen: Int64, referrals: Int, contributions: Int, firstSeenAt: Date, lastInteractionAt: Date?
        ) {
            self.id = id
            self.displayName = displayName
            self.rollingActivity = rollingActivity
            self.interactions30d = interactions30d
            self.activityTier = activityTier
            self.valueTier = valueTier
            self.stage = stage
            self.spendFen = spendFen
            self.referrals = referrals
            self.contributions = contributions
            self.firstSeenAt = firstSeenAt
            self.lastInteractionAt = lastInteractionAt
        }
    }

    /// A migrated database with one fresh workspace, for the length of `withSession`.
    public struct Session: Sendable {
        let db: any Database
        /// Another connection: the recomputation reads its next chunk there while writing.
        let reader: any Database
        let workspace: Workspace
        public let workspaceID: UUID
        public let zone: TimeZone
        public let usesPostgres: Bool

        /// The workspace's programme, as intake and the recomputation load it.
        public func programme() async throws -> FanProgramme {
            try await FanProgrammeStore.load(workspaceID, on: db)
        }

        /// The rows in one transaction, 500 to a statement.
        public func insert(_ fans: [Row], now: Date) async throws {
            let workspaceID = self.workspaceID
            var statements: [[any SQLExpression]] = []
            for start in stride(from: 0, to: fans.count, by: 500) {
                var rows: [any SQLExpression] = []
                for fan in fans[start..<min(fans.count, start + 500)] {
                    let values: [any Encodable & Sendable] = [
                        fan.id, workspaceID, fan.displayName, "{}", fan.rollingActivity, fan.interactions30d, fan.activityTier.rawValue,
                        fan.valueTier.rawValue, fan.stage.rawValue, 0, 0, 1, "[]", 0, 0, fan.spendFen, fan.referrals, fan.contributions,
                        fan.firstSeenAt, fan.firstSeenAt, now,
                    ]
                    var row: [any SQLExpression] = values.map { SQLBind($0) }
                    if let last = fan.lastInteractionAt { row.append(SQLBind(last)) } else { row.append(SQLLiteral.null) }
                    rows.append(SQLGroupExpression(row))
                }
                statements.append(rows)
            }
            let chunks = statements
            try await db.writeTransaction { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                for rows in chunks {
                    try await sql.raw(
                        """
                        INSERT INTO fans (id, workspace_id, display_name, attributes, rolling_activity, interactions_30d, activity_tier,
                        value_tier, stage, points_balance, lifetime_points, level, badges, check_in_streak, best_streak, spend_fen, referrals,
                        contributions, first_seen_at, created_at, updated_at, last_interaction_at) VALUES \(SQLList(rows))
                        """
                    ).run()
                }
            }
        }

        /// A table loaded in bulk has no planner statistics until autovacuum
        /// gets to it; a table that grew in production has them.
        public func analyze() async throws {
            guard let sql = db as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
            try await sql.raw("ANALYZE fans").run()
        }

        /// The nightly recomputation of every fan of the workspace.
        public func recompute(now: Date) async throws -> (fans: Int, changed: Int) {
            let summary = try await FanTiering.recompute(workspace, now: now, on: db, reader: reader)
            return (summary.fans, summary.changed)
        }

        /// One message of one fan counted in a transaction of its own.
        /// `inside`: how long the counting took within the transaction,
        /// which is what it adds to intake, where it runs in the transaction
        /// that stores the messages; intake reads the fan's state with the
        /// identity lookup it makes anyway, so `read` (the same read made on
        /// its own, as this benchmark has no identities) is timed apart.
        /// The tier is nil when the fan was not found.
        public func count(
            fan: UUID, at: Date, programme: FanProgramme
        ) async throws -> (
            tier: ActivityTier?, inside: Duration, read: Duration
        ) {
            let (workspaceID, zone) = (self.workspaceID, self.zone)
            return try await db.writeTransaction { (tx: any Database) async throws -> (tier: ActivityTier?, inside: Duration, read: Duration) in
                guard let sql = tx as? any SQLDatabase else { return (nil, .zero, .zero) }
                let start = ContinuousClock.now
                let states = try await FanAssembly.states(of: [fan], in: sql)
                let read = ContinuousClock.now - start
                let counting = ContinuousClock.now
                let tiers = try await FanAssembly.count(
                    [FanAssembly.Sighting(authorID: "bench", authorName: "Bench", at: at)], fans: ["bench": fan], states: states,
                    workspaceID: workspaceID, programme: programme, zone: zone, now: at, in: sql)
                return (tiers[fan], ContinuousClock.now - counting, read)
            }
        }

        /// The day's tier counts the recomputation wrote: dimension → tier → fans.
        public func tierCounts(on day: Date) async throws -> [String: [String: Int]] {
            guard let sql = db as? any SQLDatabase else { return [:] }
            var counts: [String: [String: Int]] = [:]
            for row in try await sql.raw(
                """
                SELECT dimension, tier, fans FROM fan_tier_counts
                WHERE workspace_id = \(bind: workspaceID) AND day = \(bind: CheckInStreak.dayString(day, zone: zone))
                """
            ).all() {
                let dimension = try row.decode(column: "dimension", as: String.self)
                let tier = try row.decode(column: "tier", as: String.self)
                counts[dimension, default: [:]][tier] = try row.decode(column: "fans", as: Int.self)
            }
            return counts
        }

        public func tierChangeCount() async throws -> Int {
            guard let sql = db as? any SQLDatabase else { return 0 }
            return try await sql.raw("SELECT COUNT(*) AS n FROM fan_tier_changes WHERE workspace_id = \(bind: workspaceID)").first()?
                .decode(column: "n", as: Int.self) ?? 0
        }
    }

    /// Boots the application on `settings`, migrates, and makes a workspace
    /// in `timeZone`. On PostgreSQL the schema is dropped and made again
    /// first, as `fanfare-bench ingest` does: each run counts its own rows
    /// only, and a million fans left by the last run would weigh on this one.
    public static func withSession<T>(settings: Settings, timeZone: String, _ body: (Session) async throws -> T) async throws -> T {
        try await BenchmarkWorkspace.with(settings: settings, timeZone: timeZone, name: "Fans bench") { app, workspace in
            let (writer, reader) = FanTiering.connections(app)
            return try await body(
                Session(
                    db: writer, reader: reader, workspace: workspace, workspaceID: workspace.id!,
                    zone: TimeZone(identifier: workspace.timeZone) ?? .gmt, usesPostgres: settings.usesPostgres))
        }
    }
}
