import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One core series of a workspace as the detector reads it: days in the
/// workspace's time zone, a value each (missing days absent).
struct CoreSeries: Sendable {
    var key: AnomalySeriesKey
    var accountID: UUID?
    var points: [(day: String, value: Double)]

    /// The flags on days from `judgeFrom` on (earlier days are history).
    func flags(judgeFrom: String) -> [AnomalyFlag] {
        switch key.kind {
        case .followers: AnomalyPass.judgeLevels(points, judgeFrom: judgeFrom)
        case .followersNet: AnomalyPass.judge(AnomalyPass.changes(points).changes, judgeFrom: judgeFrom, settings: key.kind.settings)
        default: AnomalyPass.judge(points, judgeFrom: judgeFrom, settings: key.kind.settings)
        }
    }

    /// The values the chart of this series draws: the changes for
    /// `followers_net` (stored as totals), else the points as they are.
    var drawn: [(day: String, value: Double)] {
        key.kind == .followersNet ? AnomalyPass.changes(points).changes : points
    }

    /// Every core series of the workspace from `from` to `to`: four reads
    /// (account days ordered by account and day; post days with each
    /// post's last day before the window; tracked-link clicks and
    /// conversion events counted per quarter hour, which any time zone's
    /// days are made of).
    static func read(workspaceID: UUID, from: String, to: String, zone: TimeZone, on db: any Database) async throws -> [CoreSeries] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var result: [CoreSeries] = []

        // Accounts: followers totals (followers_net is read from the same rows).
        var levels: [UUID: [(day: String, value: Double)]] = [:]
        var order: [UUID] = []
        for row in try await sql.raw(
            """
            SELECT account_id, day, followers FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to) AND followers IS NOT NULL
            ORDER BY account_id, day
            """
        ).all() {
            let id = try row.decode(column: "account_id", as: UUID.self)
            if levels[id] == nil { order.append(id) }
            levels[id, default: []].append(
                (try row.decode(column: "day", as: String.self), Double(try row.decode(column: "followers", as: Int.self))))
        }
        for id in order {
            result.append(CoreSeries(key: AnomalySeriesKey(.followers), accountID: id, points: levels[id]!))
            result.append(CoreSeries(key: AnomalySeriesKey(.followersNet), accountID: id, points: levels[id]!))
        }

        // Posts: what they gained each day, from the accounts' kept sums
        // (`PostGainStore`): days where some post reported the metric.
        var impressionSeries: [(day: String, value: Double)] = []
        var engagementSeries: [(day: String, value: Double)] = []
        for row in try await sql.raw(
            """
            SELECT day, CAST(SUM(impressions) AS BIGINT) AS i, CAST(SUM(engagements) AS BIGINT) AS e FROM post_gain_days
            WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: from) AND day <= \(bind: to) GROUP BY day ORDER BY day
            """
        ).all() {
            let day = try row.decode(column: "day", as: String.self)
            if let value = DashboardQueries.number(row, "i") { impressionSeries.append((day, value)) }
            if let value = DashboardQueries.number(row, "e") { engagementSeries.append((day, value)) }
        }
        if !impressionSeries.isEmpty { result.append(CoreSeries(key: AnomalySeriesKey(.impressions), points: impressionSeries)) }
        if !engagementSeries.isEmpty {
            result.append(CoreSeries(key: AnomalySeriesKey(.engagements), points: engagementSeries))
            let rate = AnomalyPass.engagementRate(
                engagements: engagementSeries, impressions: impressionSeries, followers: followerTotals(levels, from: from, to: to))
            if !rate.isEmpty { result.append(CoreSeries(key: AnomalySeriesKey(.engagementRate), points: rate)) }
        }

        // Clicks on tracked links (people's, repeats included: `total`) and conversion events, per local day.
        let start = dayStart(from, zone)
        let end = dayStart(MetricDay.adding(1, to: to), zone)
        let bucket: SQLQueryString =
            sql.dialect.name == "sqlite" ? "CAST(at / 900 AS INTEGER)" : "CAST(FLOOR(EXTRACT(EPOCH FROM at) / 900) AS BIGINT)"
        var dayOfBucket: [Int: String] = [:]
        func day(_ row: any SQLRow) throws -> String {
            let quarter = try row.decode(column: "bucket", as: Int.self)
            if let known = dayOfBucket[quarter] { return known }
            let day = MetricDay.of(Date(timeIntervalSince1970: Double(quarter) * 900), in: zone)
            dayOfBucket[quarter] = day
            return day
        }
        var clicks: [String: Double] = [:]
        for row in try await sql.raw(
            """
            SELECT \(bucket) AS bucket, COUNT(*) AS n FROM link_clicks
            WHERE link_id IN (SELECT id FROM short_links WHERE workspace_id = \(bind: workspaceID))
            AND day >= \(bind: MetricDay.adding(-1, to: from)) AND day <= \(bind: MetricDay.adding(1, to: to))
            AND at >= \(bind: start) AND at < \(bind: end) AND NOT bot GROUP BY \(bucket)
            """
        ).all() {
            clicks[try day(row), default: 0] += Double(try row.decode(column: "n", as: Int.self))
        }
        let clickSeries = AnomalyPass.counts(clicks, through: to)
        if !clickSeries.isEmpty { result.append(CoreSeries(key: AnomalySeriesKey(.linkClicks), points: clickSeries)) }
        var events: [String: [String: Double]] = [:]
        // Events from their quarter-hour counts (`ConversionSlots`), the same
        // quarter hours as the events' own.
        for row in try await sql.raw(
            """
            SELECT type, slot AS bucket, CAST(SUM(events) AS BIGINT) AS n FROM conversion_event_slots
            WHERE workspace_id = \(bind: workspaceID) AND slot >= \(bind: ConversionSlots.slot(of: start))
            AND slot < \(bind: ConversionSlots.slot(of: end) + (ConversionSlots.starting(at: end) == nil ? 1 : 0)) GROUP BY type, slot
            """
        ).all() {
            events[try row.decode(column: "type", as: String.self), default: [:]][try day(row), default: 0] += Double(
                try row.decode(column: "n", as: Int.self))
        }
        for type in AnomalySeriesKey.eventTypes {
            let series = AnomalyPass.counts(events[type] ?? [:], through: to)
            if !series.isEmpty { result.append(CoreSeries(key: AnomalySeriesKey(.events, eventType: type), points: series)) }
        }
        return result
    }

    /// The followers of all accounts each day, each account's last total
    /// carried forward over a missing day.
    static func followerTotals(_ levels: [UUID: [(day: String, value: Double)]], from: String, to: String) -> [String: Double] {
        var totals: [String: Double] = [:]
        for points in levels.values {
            var index = 0
            var last: Double?
            for day in MetricDay.range(from, to) {
                while index < points.count, points[index].day <= day {
                    last = points[index].value
                    index += 1
                }
                if let last { totals[day, default: 0] += last }
            }
        }
        return totals
    }

    /// Midnight starting `day` in `zone`.
    static func dayStart(_ day: String, _ zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = day.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return Date(timeIntervalSince1970: 0) }
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) ?? Date(timeIntervalSince1970: 0)
    }
}

/// Every night, in each workspace's time zone (the hourly job finds the
/// workspaces where it is past `localHour` and yesterday is not judged
/// yet): the anomaly detector over every core series, judging only the
/// days after the last pass (at most a week of them), with four months of
/// history behind them. Flags are stored once per series and day; the
/// workspace's members who may see analytics get one notification per
/// night that found something.
enum NightlyAnomalyPass {
    static let kind = JobKind<NoPayload>("analytics.anomaly_pass")
    static let period: TimeInterval = 3_600
    /// The hour (local) from which yesterday counts as complete: the
    /// metrics pass takes a day's snapshots through the day, and the
    /// hourly job may run up to an hour late.
    static let localHour = 2

    struct Outcome: Sendable {
        var judged: (from: String, to: String)?
        var series: Int
        var found: [AnomalyDTO]
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let now = Date()
        for workspace in try await Workspace.query(on: app.db).all() {
            let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
            guard let through = yesterday(now: now, zone: zone) else { continue }
            _ = try await pass(workspaceID: workspace.id!, zone: zone, through: through, now: now, on: app.db)
        }
    }

    /// Yesterday in `zone` once it is past `localHour` there, else nil.
    static func yesterday(now: Date, zone: TimeZone) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        guard calendar.component(.hour, from: now) >= localHour else { return nil }
        return MetricDay.adding(-1, to: MetricDay.of(now, in: zone))
    }

    /// Judges the days after the workspace's last pass up to `through`,
    /// stores the new flags (a flag already stored is not stored again),
    /// notifies when there are any, and remembers `through`.
    static func pass(workspaceID: UUID, zone: TimeZone, through: String, now: Date, on db: any Database) async throws -> Outcome {
        guard let sql = db as? any SQLDatabase else { return Outcome(series: 0, found: []) }
        let last = try await sql.raw("SELECT through_day FROM analytics_anomaly_runs WHERE workspace_id = \(bind: workspaceID)").first()?
            .decode(column: "through_day", as: String.self)
        guard let judged = AnomalyPass.daysToJudge(lastJudged: last, through: through) else { return Outcome(series: 0, found: []) }
        let series = try await CoreSeries.read(
            workspaceID: workspaceID, from: MetricDay.adding(-AnomalyPass.historyDays, to: judged.from), to: judged.to, zone: zone, on: db)
        var rows: [AnalyticsAnomaly] = []
        for one in series {
            for flag in one.flags(judgeFrom: judged.from) {
                let row = AnalyticsAnomaly()
                row.id = TimeOrderedID.make(at: now)
                row.$workspace.id = workspaceID
                row.series = one.key.text
                row.scopeID = one.accountID ?? AnalyticsAnomaly.workspaceScope
                row.accountID = one.accountID
                row.day = flag.day
                row.value = flag.value
                row.expected = flag.expected
                row.low = flag.low
                row.high = flag.high
                row.score = flag.score
                row.detectedAt = now
                rows.append(row)
            }
        }
        let flagged = rows
        let found = try await db.writeTransaction { tx -> [AnomalyDTO] in
            guard let sql = tx as? any SQLDatabase else { return [] }
            let inserted = try await store(flagged, in: sql)
            try await sql.raw(
                """
                INSERT INTO analytics_anomaly_runs (workspace_id, through_day, ran_at) VALUES (\(bind: workspaceID), \(bind: judged.to), \(bind: now))
                ON CONFLICT (workspace_id) DO UPDATE SET through_day = excluded.through_day, ran_at = excluded.ran_at
                """
            ).run()
            let found = flagged.filter { inserted.contains($0.id!) }.map(AnomalyDTO.init)
            if !found.isEmpty { try await notify(found, workspaceID: workspaceID, on: tx, now: now) }
            return found
        }
        return Outcome(judged: judged, series: series.count, found: found)
    }

    /// Inserts the rows, 100 to a statement, skipping a series' day already
    /// stored; the ids of those inserted.
    static func store(_ rows: [AnalyticsAnomaly], in sql: any SQLDatabase) async throws -> Set<UUID> {
        var inserted = Set<UUID>()
        for start in stride(from: 0, to: rows.count, by: 100) {
            let values = rows[start..<min(rows.count, start + 100)].map { row -> any SQLExpression in
                SQLGroupExpression([
                    SQLBind(row.id!), SQLBind(row.$workspace.id), SQLBind(row.series), SQLBind(row.scopeID), SQLBind(row.accountID), SQLBind(row.day),
                    SQLBind(row.value), SQLBind(row.expected), SQLBind(row.low), SQLBind(row.high), SQLBind(row.score), SQLBind(row.detectedAt),
                ])
            }
            for row in try await sql.raw(
                """
                INSERT INTO analytics_anomalies (id, workspace_id, series, scope_id, account_id, day, value, expected, low, high, score, detected_at)
                VALUES \(SQLList(values)) ON CONFLICT (workspace_id, series, scope_id, day) DO NOTHING RETURNING id
                """
            ).all() {
                inserted.insert(try row.decode(column: "id", as: UUID.self))
            }
        }
        return inserted
    }

    /// The roles that may see analytics (`analytics.view`, which the
    /// Analytics API requires): every role as shipped.
    static var readers: Set<Role> { Set(Role.allCases.filter { PermissionMatrix.standard.allows($0, .analyticsView) }) }

    /// One notification for the night: how many, over which days, linking
    /// to the list of those days.
    static func notify(_ found: [AnomalyDTO], workspaceID: UUID, on db: any Database, now: Date) async throws {
        let days = found.map(\.day)
        let (first, last) = (days.min()!, days.max()!)
        let people = try await Notifier.members(with: readers, in: workspaceID, on: db)
        // Also to the outbound channels that take anomalies; the night's
        // first new anomaly names the notice, so a rerun sends nothing new.
        let event = OutboundEvent(
            kind: .anomaly, workspaceID: workspaceID, key: found.count == 1 ? "anomalies.note_one" : "anomalies.note_many",
            args: [String(found.count), first, last], link: "/analytics/anomalies?from=\(first)&to=\(last)",
            dedupeKey: "anomaly:\(found.map(\.id.uuidString).min()!)")
        try await Notifier.announce(event, to: people, on: db, now: now)
    }
}
