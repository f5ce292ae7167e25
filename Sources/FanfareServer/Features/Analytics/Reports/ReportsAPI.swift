import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/reports/…`: the archive, one report with its
/// content, its CSV, and making one for any period.
struct ReportsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let reports = ws.grouped("reports")
        reports.get(use: list)
        reports.post(use: create)
        reports.get(":report_id", use: show)
        reports.get(":report_id", "csv", use: csv)
    }

    @Sendable func list(req: Request) async throws -> Page<ReportDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        var errors = ValidationErrors()
        var kind: ReportKind?
        if let raw = req.query[String.self, at: "kind"], !raw.isEmpty {
            kind = ReportKind(rawValue: raw)
            if kind == nil { errors.add("kind", .unknownValue(value: raw, choices: ReportKind.allCases.map(\.rawValue))) }
        }
        let page = try req.pageRequest()
        try errors.throwIfAny()
        let (reports, next) = try await ReportService(db: req.db).list(page: page, kind: kind, in: access)
        return Page(items: try reports.map { try ReportDTO($0, workspaceSlug: access.workspace.slug, withContent: false) }, nextCursor: next)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let input = try req.decodeInput(ReportService.Input.self)
        let (period, comparison) = try ReportService.period(input, today: MetricDay.of(Date(), in: access.workspace.zone))
        let report = try await ReportService(db: req.db).make(
            .custom, period: period, comparison: comparison, workspace: access.workspace, by: req.auth.get(User.self)?.id)
        return try await Self.dto(report, access: access).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> ReportDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        return try Self.dto(try await ReportService(db: req.db).find(req.parameters.get("report_id"), in: access), access: access)
    }

    @Sendable func csv(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let report = try await ReportService(db: req.db).find(req.parameters.get("report_id"), in: access)
        return ReportPage.csvResponse(report, workspaceSlug: access.workspace.slug, inbox: access.can(.inboxView))
    }

    /// A report with the KPIs the caller may see.
    static func dto(_ report: AnalyticsReport, access: WorkspaceAccess) throws -> ReportDTO {
        var dto = try ReportDTO(report, workspaceSlug: access.workspace.slug, withContent: true)
        if !access.can(.inboxView) { dto.content?.kpis.removeAll { ReportPage.inboxKPIs.contains($0.key) } }
        return dto
    }
}
