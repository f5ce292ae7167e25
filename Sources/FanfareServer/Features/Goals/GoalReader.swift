import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Reads a goal's daily series from live data, through the Analytics and
/// Conversions features' surfaces (never typed in), and judges it with
/// Core's rules (docs/goals.md).
struct GoalReader {
    let db: any Database
    let workspaceID: UUID
    let timeZone: TimeZone
    let settings: GoalSettings
    /// Series already read by this reader (one request or one pass of the
    /// hourly check): goals of one plan share metrics, scopes and days.
    let memo = GoalSeriesMemo()

    static func make(_ workspaceID: UUID, on db: any Database) async throws -> GoalReader {
        GoalReader(
            db: db, workspaceID: workspaceID, timeZone: try await MetricHistoryService.timeZone(of: workspaceID, on: db),
            settings: GoalSettings(tolerance: try await GoalSettingsStore.tolerance(workspaceID, on: db)))
    }

    var today: String { MetricDay.of(Date(), in: timeZone) }

    /// The accounts in the goal's scope: nil for all, else the named ones
    /// of its platform (empty when none is left).
    func accounts(_ goal: GoalDefinition) async throws -> [UUID]? {
        guard goal.platform != nil || !goal.accountIDs.isEmpty else { return nil }
        let all: [(id: UUID, platform: String)]
        if let known = await memo.accounts {
            all = known
        } else {
            all = try await SocialAccount.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$id).all().map { ($0.id!, $0.platform) }
            await memo.keep(accounts: all)
        }
        let ids = all.filter { goal.platform == nil || $0.platform == goal.platform }.map(\.id)
        return goal.accountIDs.isEmpty ? ids : ids.filter { goal.accountIDs.contains($0) }
    }

    /// The goal's daily values from `GoalProgressRule.readFrom` to today
    /// (or its deadline): each day's gain for a cumulative metric, each
    /// day's value for a level; days without a value absent.
    func series(_ goal: GoalDefinition, today: String) async throws -> [String: Double] {
        let from = GoalProgressRule.readFrom(goal, settings: settings)
        let to = GoalProgressRule.readTo(goal, today: today)
        guard from <= to else { return [:] }
        let accounts = try await accounts(goal)
        let scope = accounts.map { $0.map(\.uuidString).joined(separator: ",") } ?? "*"
        func memoised(_ what: String, scoped: Bool = false, _ read: () async throws -> [String: Double]) async throws -> [String: Double] {
            let key = "\(what)|\(scoped ? scope : "*")|\(from)|\(to)"
            if let known = await memo.series[key] { return known }
            let series = try await read()
            await memo.keep(key, series)
            return series
        }
        func store(_ metric: NormalisedMetric) async throws -> [String: Double] {
            try await memoised("store:\(metric.rawValue)", scoped: true) {
                try await MetricHistoryService.dailySeries(metric, workspaceID: workspaceID, accountIDs: accounts, from: from, to: to, on: db)
            }
        }
        // Conversions are the workspace's whole stream: not narrowed by accounts.
        func conversions(_ event: String?) async throws -> [String: Double] {
            try await memoised("conversions:\(event ?? "*")") {
                try await ConversionCounts.daily(workspaceID: workspaceID, type: event, from: from, to: to, timeZone: timeZone, on: db)
            }
        }
        switch goal.metric {
        case .store(let metric):
            return try await store(metric)
        case .rate(let numerator, let denominator):
            return Self.ratio(try await store(numerator), try await store(denominator))
        case .conversions(let event):
            return try await conversions(event)
        case .conversionRate(let event):
            let converted = try await conversions(event)
            let clicks = try await memoised("clicks") {
                try await ConversionCounts.dailyClicks(workspaceID: workspaceID, from: from, to: to, on: db)
            }
            // A day with clicks and no conversion converted 0 %.
            return Self.ratio(clicks.mapValues { _ in 0 }.merging(converted) { _, counted in counted }, clicks)
        case .untracked:
            return [:]
        }
    }

    /// Day by day, numerator over denominator where the denominator is above 0.
    static func ratio(_ numerator: [String: Double], _ denominator: [String: Double]) -> [String: Double] {
        var out: [String: Double] = [:]
        for (day, base) in denominator where base > 0 {
            if let value = numerator[day] { out[day] = value / base }
        }
        return out
    }

    struct Reading: Sendable {
        var progress: GoalProgress
        var series: [String: Double]
    }

    func read(_ goal: GoalDefinition, today: String? = nil) async throws -> Reading {
        let day = today ?? self.today
        let series = try await series(goal, today: day)
        return Reading(progress: GoalProgressRule.progress(goal, series: series, today: day, settings: settings), series: series)
    }
}

/// What one `GoalReader` has read. Bounded: past `limit` series it keeps
/// no more (a pass over the workspace's cap of 1,000 goals reads at most
/// two series a goal, so the bound is never the common case).
actor GoalSeriesMemo {
    static let limit = 2_048
    private(set) var series: [String: [String: Double]] = [:]
    private(set) var accounts: [(id: UUID, platform: String)]?

    func keep(_ key: String, _ value: [String: Double]) {
        if series.count < Self.limit { series[key] = value }
    }

    func keep(accounts: [(id: UUID, platform: String)]) { self.accounts = accounts }
}

/// Each workspace's off-track tolerance (0.2 unless set).
enum GoalSettingsStore {
    static func tolerance(_ workspaceID: UUID, on db: any Database) async throws -> Double {
        guard let sql = db as? any SQLDatabase else { return GoalRules.defaultTolerance }
        return try await sql.raw("SELECT off_track_tolerance FROM goal_settings WHERE workspace_id = \(bind: workspaceID)").first()?
            .decode(column: "off_track_tolerance", as: Double.self) ?? GoalRules.defaultTolerance
    }

    static func setTolerance(_ value: Double?, in access: WorkspaceAccess, actor: Actor, now: Date = Date(), on db: any Database) async throws {
        try access.require(.planningManage)
        guard let value else { throw ValidationErrors("off_track_tolerance", .required) }
        try GoalRules.validateTolerance(value).throwIfAny()
        let before = try await tolerance(access.workspaceID, on: db)
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw(
                """
                INSERT INTO goal_settings (workspace_id, off_track_tolerance, updated_at) VALUES (\(bind: access.workspaceID), \(bind: value), \(bind: now))
                ON CONFLICT (workspace_id) DO UPDATE SET off_track_tolerance = excluded.off_track_tolerance, updated_at = excluded.updated_at
                """
            ).run()
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "goal.settings_updated", targetType: "goal_settings",
                targetID: access.workspaceID, before: ["off_track_tolerance": String(before)], after: ["off_track_tolerance": String(value)],
                now: now)
        }
    }
}
