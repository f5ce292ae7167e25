import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Making, listing and finding archived reports. A report is filled once
/// from the overview's numbers (`AnalyticsOverview.query`, the same the
/// 数据 overview shows for that period) and kept as it was made.
struct ReportService {
    let db: any Database

    struct Input: Content {
        var from: String?
        var to: String?
        var compare: String?
    }

    /// Reads a custom report's period; each wrong value named.
    static func period(_ input: Input, today: String) throws -> (DashboardPeriod, DashboardComparison) {
        var errors = ValidationErrors()
        func day(_ name: String, _ raw: String?) -> String? {
            guard let raw = raw?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
                errors.add(name, .required)
                return nil
            }
            guard MetricDay.parse(raw) != nil else {
                errors.add(name, .dateFormat(value: raw))
                return nil
            }
            return raw
        }
        let from = day("from", input.from)
        let to = day("to", input.to)
        var comparison = DashboardComparison.previous
        if let raw = input.compare, !raw.isEmpty {
            if let kind = DashboardComparison(rawValue: raw) {
                comparison = kind
            } else {
                errors.add("compare", .unknownValue(value: raw, choices: DashboardComparison.allCases.map(\.rawValue)))
            }
        }
        if let from, let to {
            let span = MetricDay.distance(from: from, to: to)
            if span < 0 || span >= ReportSchedule.maxDays { errors.add("to", .seriesPeriod(max: ReportSchedule.maxDays - 1)) }
            if to > today { errors.add("to", .dayNotAfter(day: today)) }
        }
        try errors.throwIfAny()
        return (DashboardPeriod(from: from!, to: to!), comparison)
    }

    /// Makes a report of `period` now. A weekly or monthly one that exists
    /// already is returned as it is (the schedule runs on every node).
    @discardableResult
    func make(
        _ kind: ReportKind, period: DashboardPeriod, comparison: DashboardComparison = .previous, workspace: Workspace, by userID: UUID?,
        now: Date = Date()
    ) async throws -> AnalyticsReport {
        let workspaceID = try workspace.requireID()
        if kind != .custom, let existing = try await scheduled(kind, period: period, workspaceID: workspaceID) { return existing }
        // The report is the workspace's, not its maker's: it is read with
        // every permission and shows each reader what their role may see.
        let access = WorkspaceAccess(workspace: workspace, workspaceID: workspaceID, role: .admin, matrix: .standard)
        let request = DashboardRequest(
            preset: "custom", period: period, comparisonKind: comparison, filter: DashboardFilter(), accountIDs: nil)
        let result = try await AnalyticsOverview.query(access: access, request: request, inbox: true, on: db, now: now)
        let content = Self.content(result)
        let report = AnalyticsReport()
        report.id = TimeOrderedID.make(at: now)
        report.$workspace.id = workspaceID
        report.kind = kind.rawValue
        report.periodFrom = period.from
        report.periodTo = period.to
        report.comparedFrom = result.comparison.from
        report.comparedTo = result.comparison.to
        report.timeZone = workspace.timeZone
        report.contentJSON = String(decoding: try JSONEncoder.sortedKeys.encode(content), as: UTF8.self)
        report.createdBy = userID
        report.createdAt = now
        guard kind != .custom, let sql = db as? any SQLDatabase else {
            try await report.create(on: db)
            return report
        }
        // Two nodes making the same weekly report: the second insert does
        // nothing and both answer the one stored.
        try await sql.raw(
            """
            INSERT INTO analytics_reports (id, workspace_id, kind, period_from, period_to, compared_from, compared_to, time_zone, content, \
            created_by, created_at) VALUES (\(bind: report.id!), \(bind: workspaceID), \(bind: report.kind), \(bind: period.from), \
            \(bind: period.to), \(bind: report.comparedFrom), \(bind: report.comparedTo), \(bind: report.timeZone), \(bind: report.contentJSON), \
            \(bind: userID), \(bind: now)) ON CONFLICT (workspace_id, kind, period_from, period_to) WHERE kind <> 'custom' DO NOTHING
            """
        ).run()
        return try await scheduled(kind, period: period, workspaceID: workspaceID) ?? report
    }

    func scheduled(_ kind: ReportKind, period: DashboardPeriod, workspaceID: UUID) async throws -> AnalyticsReport? {
        try await AnalyticsReport.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$kind == kind.rawValue)
            .filter(\.$periodFrom == period.from).filter(\.$periodTo == period.to).first()
    }

    /// What a report keeps of the overview's numbers.
    static func content(_ result: AnalyticsOverview.Result) -> ReportContent {
        let (top, bottom) = result.ranked()
        func post(_ item: AnalyticsOverview.PostPeriod) -> ReportContent.Post {
            ReportContent.Post(
                postID: item.postID, title: item.title, platform: item.platform, engagements: item.engagements, rate: item.rate,
                basis: item.basis.rawValue)
        }
        return ReportContent(
            kpis: result.kpis.map { ReportContent.KPI(key: $0.key, unit: $0.unit, value: $0.value, previous: $0.previous, daily: $0.daily) },
            basis: result.basis.rawValue, top: top.map(post), bottom: bottom.map(post), anomalies: anomalies(result),
            quality: result.quality.map {
                ReportContent.QualityNote(
                    platform: $0.platform, handle: $0.handle, missingDays: $0.missingDays, jumps: $0.jumps.count,
                    duplicatesReplaced: $0.duplicatesReplaced)
            },
            postsCounted: result.posts.filter { $0.engagements > 0 }.count)
    }

    /// The points the overview's charts mark, judged the same way: net
    /// follower growth and the engagement rate, each day on the days before
    /// it (the comparison period is the history when it is the previous one).
    static func anomalies(_ result: AnalyticsOverview.Result) -> [ReportContent.Anomaly] {
        let history = result.request.comparisonKind == .previous
        let followerDays = (history ? result.comparisonFollowerDays : []) + result.followerDays
        let net: [(day: String, value: Double?)] = followerDays.map { ($0.day, $0.followers == nil ? nil : $0.net) }
        let rate = AnalyticsOverview.dailyRate(period: result.period, days: result.postDays, basis: result.basis, followers: result.followerDays)
        let earlierRate =
            history
            ? AnalyticsOverview.dailyRate(
                period: result.comparison, days: result.comparisonPostDays, basis: result.basis, followers: result.comparisonFollowerDays)
            : []
        let rates: [(day: String, value: Double?)] =
            (history ? Array(zip(result.comparison.allDays, earlierRate)).map { ($0, $1) } : []) + zip(result.period.allDays, rate).map { ($0, $1) }
        var found: [ReportContent.Anomaly] = []
        for (series, points, minChange) in [("followers_net", net, 50.0), ("engagement_rate", rates, 0.005)] {
            let flags = DashboardAnomalies.flags(points, judgeFrom: result.period.from, minChange: minChange)
            for point in points where flags.contains(point.day) {
                if let value = point.value { found.append(ReportContent.Anomaly(series: series, day: point.day, value: value)) }
            }
        }
        return found.sorted { ($0.day, $0.series) < ($1.day, $1.series) }
    }

    func list(page: PageQuery, kind: ReportKind?, in access: WorkspaceAccess) async throws -> (items: [AnalyticsReport], next: String?) {
        var query = access.query(AnalyticsReport.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let kind { query = query.filter(\.$kind == kind.rawValue) }
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }

    func find(_ rawID: String?, in access: WorkspaceAccess) async throws -> AnalyticsReport {
        try await access.find(AnalyticsReport.self, rawID, on: db, what: "report")
    }
}

/// Every hour: in each workspace whose local week or month has turned,
/// the last week's and the last month's reports, each made once. "On
/// Monday the weekly report is already there": the first pass after local
/// midnight makes it.
enum ReportSchedulePass {
    static let kind = JobKind<NoPayload>("analytics.reports_pass")
    static let period: TimeInterval = 3_600

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await run(app.db, now: Date(), logger: app.logger)
    }

    static func run(_ db: any Database, now: Date, logger: Logger, only workspaceID: UUID? = nil) async throws {
        var workspaces = Workspace.query(on: db)
        if let workspaceID { workspaces = workspaces.filter(\.$id == workspaceID) }
        for workspace in try await workspaces.all() {
            let zone = workspace.zone
            let today = MetricDay.of(now, in: zone)
            let firstDay = try await firstDataDay(workspace.requireID(), on: db)
            for (kind, period) in ReportSchedule.due(today: today, createdOn: MetricDay.of(workspace.createdAt, in: zone), firstDataDay: firstDay) {
                if try await ReportService(db: db).scheduled(kind, period: period, workspaceID: workspace.requireID()) != nil { continue }
                do {
                    try await ReportService(db: db).make(kind, period: period, workspace: workspace, by: nil, now: now)
                } catch {
                    // One workspace's failure does not keep the others' reports back.
                    logger.error(
                        "report \(kind.rawValue) \(period.from)…\(period.to) of workspace \(workspace.slug) failed: \(String(reflecting: error))")
                }
            }
        }
    }

    /// The workspace's first stored account day, if any.
    static func firstDataDay(_ workspaceID: UUID, on db: any Database) async throws -> String? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.raw("SELECT MIN(day) AS first FROM account_metric_days WHERE workspace_id = \(bind: workspaceID)").first()?
            .decode(column: "first", as: String?.self)
    }
}

extension MetricHistoryService {
    /// The weekly and monthly reports due for one workspace, made now (the
    /// demo, once its history is in).
    static func makeDueReports(workspaceID: UUID, app: Application, now: Date) async throws {
        try await ReportSchedulePass.run(app.db, now: now, logger: app.logger, only: workspaceID)
    }
}
