import FanfareCore
import Fluent
import Vapor

/// What `fanfare-bench experiments --part goals` needs from inside the
/// server: goals written into the analytics benchmark's workspace (made
/// by Analytics' own load first) through the product's own service,
/// validated as the API validates them, and the hourly check's pass over
/// them as the job runs it.
public enum GoalScaleLoad {
    public struct Session: Sendable {
        let app: Application
        let access: WorkspaceAccess
        public let timeZone: TimeZone
    }

    /// Opens the application on a database `fanfare serve --demo` made, on
    /// the workspace `slug` (nothing is dropped or migrated).
    public static func withWorkspace<T>(settings: Settings, slug: String, _ body: (Session) async throws -> T) async throws -> T {
        try await BenchmarkWorkspace.existing(settings: settings, slug: slug) { app, workspace in
            try await body(
                Session(
                    app: app, access: WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard),
                    timeZone: TimeZone(identifier: workspace.timeZone) ?? .gmt))
        }
    }
}

extension GoalScaleLoad.Session {
    /// Metrics the generated goals measure, with a target of the right
    /// size for a year of the benchmark's accounts: every kind the check
    /// reads (account levels and gains, post metrics, a rate of two,
    /// conversions of one type and of all, conversions per click) and one
    /// Fanfare cannot track.
    static let benchGoalMetrics: [(code: String, target: Double, mode: String)] = [
        ("followers", 200_000, "absolute"), ("followers_net", 50_000, "absolute"), ("impressions", 40, "increase_percent"),
        ("comments", 20_000, "absolute"), ("engagements", 30, "increase_percent"), ("engagement_rate", 0.05, "absolute"),
        ("comments/impressions", 0.02, "absolute"), ("conversions", 500_000, "absolute"), ("conversions:purchase", 25, "increase_percent"),
        ("conversion_rate", 0.08, "absolute"), ("conversion_rate:sign_up", 0.03, "absolute"), ("likes", 100_000, "absolute"),
        ("untracked:roi", 3, "absolute"),
    ]

    /// Writes goals until the workspace has `count` (at most its cap; the
    /// demo's three-phase plan is already there): spans of a year,
    /// a quarter and a month around `through`, scoped to all accounts, one
    /// account or five; every fifth group of five are the key results of
    /// an objective (OKR). Returns how many were written and how many the
    /// workspace has.
    public func goals(count: Int, through: String, seed: UInt64) async throws -> (written: Int, inWorkspace: Int) {
        // The generated accounts (Sandbox, `bench…`), oldest first.
        let accounts = try await access.query(SocialAccount.self, on: app.db).filter(\.$platform == "sandbox").sort(\.$handle).all()
            .filter { $0.handle.hasPrefix("bench") }.compactMap(\.id)
        let service = GoalService(db: app.db)
        let objectives = ObjectiveService(db: app.db)
        let spans: [(before: Int, after: Int)] = [(180, 185), (45, 45), (15, 15)]
        var objectiveID: UUID?
        let existing = try await access.query(Goal.self, on: app.db).count()
        let total = max(0, min(count, GoalService.maxGoals) - existing)
        for index in 0..<total {
            if index % 25 == 0 {
                let objective = try await objectives.create(
                    .init(
                        title: "Bench objective \(index / 25)", startDay: MetricDay.adding(-90, to: through),
                        deadline: MetricDay.adding(90, to: through), ownerId: nil),
                    in: access, actor: .system)
                objectiveID = objective.id
            }
            // Metrics, spans and scopes cycle at different paces, so every
            // pairing occurs; `seed` shifts where the metrics start.
            let metric = Self.benchGoalMetrics[(index * 7 + Int(seed % 13)) % Self.benchGoalMetrics.count]
            let span = spans[index % spans.count]
            var scope: [String] = []
            switch (index / 3) % 3 {
            case 1 where !accounts.isEmpty: scope = [accounts[index % accounts.count].uuidString]
            case 2 where accounts.count >= 5: scope = (0..<5).map { accounts[(index + $0 * 7) % accounts.count].uuidString }
            default: break
            }
            let keyResult = index % 25 < 5
            let input = GoalService.Input(
                title: "Bench goal \(index)", metric: metric.code, target: metric.target, targetMode: metric.mode, direction: "at_least",
                startDay: keyResult ? MetricDay.adding(-90, to: through) : MetricDay.adding(-span.before, to: through),
                deadline: keyResult ? MetricDay.adding(90, to: through) : MetricDay.adding(span.after, to: through), ownerId: nil,
                platform: nil, accountIds: scope, monthWeights: nil, objectiveId: keyResult ? objectiveID?.uuidString : nil)
            _ = try await service.create(input, in: access, actor: .system)
        }
        return (total, existing + total)
    }

    /// The hourly check over every goal, as the job runs it: how many goals
    /// it judged (tracked ones) and how many went off track (each told).
    public func goalPass(now: Date) async throws -> (judged: Int, wentOffTrack: Int) {
        let judged = try await Goal.query(on: app.db).all().filter { $0.definition?.metric.isTracked == true }.count
        let off = try await GoalCheck.check(on: app.db, now: now)
        return (judged, off.count)
    }
}
