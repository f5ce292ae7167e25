import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What `fanfare-bench analytics` needs from inside the server for the
/// nightly anomaly pass: a migrated database with one workspace, Sandbox
/// accounts connected through the product's own service, their daily
/// history written with the metric store's upsert (`recordAccounts`) in
/// transactions, and the pass itself, as the job runs it.
public enum AnomalyLoad {
    public struct Session: Sendable {
        let app: Application
        public let workspaceID: UUID
        public let zone: TimeZone
        let access: WorkspaceAccess

        /// Connects `accounts` Sandbox accounts and writes `days` days of
        /// followers for each, ending `through`: growth, a weekly rhythm,
        /// noise, and now and then a burst or a loss (seeded). Returns the
        /// rows written and how many bursts or losses were put in.
        public func generate(accounts: Int, days: Int, through: String, seed: UInt64) async throws -> (rows: Int, unusual: Int) {
            var random = SplitMix(seed: seed)
            let service = AccountService(db: app.db, app: app)
            var ids: [UUID] = []
            for index in 0..<accounts {
                let account = try await service.connect(
                    .init(platform: "sandbox", handle: "bench\(index)", displayName: "Bench \(index)", seed: Int64(index + 1)), in: access,
                    actor: .system)
                ids.append(account.id!)
            }
            let first = MetricDay.adding(-(days - 1), to: through)
            var rows = 0
            var unusual = 0
            let takenAt = Date()
            for id in ids {
                var followers = 1_000 + Double(random.next() % 200_000)
                let growth = followers * 0.0005 * (0.5 + random.unit())
                var batch: [(accountID: UUID, day: MetricHistoryService.AccountDay)] = []
                for offset in 0..<days {
                    let weekday = offset % 7
                    var change = growth * (weekday >= 5 ? 0.6 : 1.1) + (random.unit() - 0.5) * growth * 0.8
                    if random.next() % 500 == 0 {
                        change += (random.next() % 2 == 0 ? 1 : -1) * followers * 0.05
                        unusual += 1
                    }
                    followers = max(0, followers + change)
                    batch.append(
                        (
                            id,
                            MetricHistoryService.AccountDay(
                                day: MetricDay.adding(offset, to: first), followers: Int(followers), following: 100, posts: offset / 2,
                                platformValues: nil, source: "snapshot", takenAt: takenAt)
                        ))
                }
                let workspaceID = self.workspaceID
                let written = batch
                try await app.db.writeTransaction { tx in
                    try await MetricHistoryService.recordAccounts(workspaceID: workspaceID, written, on: tx)
                }
                rows += batch.count
            }
            if let sql = app.db as? any SQLDatabase, sql.dialect.name == "postgresql" { try await sql.raw("ANALYZE account_metric_days").run() }
            return (rows, unusual)
        }

        /// The nightly pass judging `through` (yesterday), as the job runs
        /// it: the series it read and the anomalies it stored.
        public func nightly(through: String) async throws -> (series: Int, found: Int) {
            // A workspace the server already judged (the demo's) is judged
            // again from the day after the pass's history would start.
            if let sql = app.db as? any SQLDatabase {
                try await sql.raw("DELETE FROM analytics_anomaly_runs WHERE workspace_id = \(bind: workspaceID)").run()
            }
            let outcome = try await NightlyAnomalyPass.pass(workspaceID: workspaceID, zone: zone, through: through, now: Date(), on: app.db)
            return (outcome.series, outcome.found.count)
        }

        /// Every series of the whole history read and judged from its start
        /// (nothing stored): what replaying the pass over two years costs.
        public func replay(from: String, through: String) async throws -> (series: Int, flags: Int) {
            let series = try await CoreSeries.read(workspaceID: workspaceID, from: from, to: through, zone: zone, on: app.db)
            return (series.count, series.reduce(0) { $0 + $1.flags(judgeFrom: from).count })
        }
    }

    /// Boots the application on `settings`, migrates (on PostgreSQL the
    /// schema is dropped and made again first, as the other benchmarks do),
    /// and makes a workspace in `timeZone`.
    public static func withSession<T>(settings: Settings, timeZone: String, _ body: (Session) async throws -> T) async throws -> T {
        try await BenchmarkWorkspace.with(settings: settings, timeZone: timeZone, name: "Analytics bench") { app, workspace in
            try await body(
                Session(
                    app: app, workspaceID: workspace.id!, zone: TimeZone(identifier: workspace.timeZone) ?? .gmt,
                    access: WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)))
        }
    }

    /// A small seeded generator (the benchmark's data is the same each run).
    struct SplitMix {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    }
}
