import FanfareCore
import Fluent
import Vapor

/// An archived report: its period, the period it was compared with, and
/// what it said (`ReportContent` as JSON), kept as it was made.
final class AnalyticsReport: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "analytics_reports"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    /// weekly | monthly | custom
    @Field(key: "kind") var kind: String
    @Field(key: "period_from") var periodFrom: String
    @Field(key: "period_to") var periodTo: String
    @Field(key: "compared_from") var comparedFrom: String
    @Field(key: "compared_to") var comparedTo: String
    @Field(key: "time_zone") var timeZone: String
    @Field(key: "content") var contentJSON: String
    /// Who asked for it; nil when the schedule made it.
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<AnalyticsReport, ParentProperty<AnalyticsReport, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $kind, $periodFrom, $periodTo, $comparedFrom, $comparedTo, $timeZone, $contentJSON, $createdBy, $createdAt]
    }

    var period: DashboardPeriod { DashboardPeriod(from: periodFrom, to: periodTo) }
    var comparison: DashboardPeriod { DashboardPeriod(from: comparedFrom, to: comparedTo) }
    var reportKind: ReportKind { ReportKind(rawValue: kind) ?? .custom }

    func content() throws -> ReportContent {
        try JSONDecoder().decode(ReportContent.self, from: Data(contentJSON.utf8))
    }
}

/// A report as the API shows it.
struct ReportDTO: Content {
    var id: UUID
    var kind: String
    var from: String
    var to: String
    var comparedFrom: String
    var comparedTo: String
    var timeZone: String
    var createdAt: Date
    var createdBy: UUID?
    /// Present when one report is asked for, absent in lists.
    var content: ReportContent?
    var csvUrl: String

    init(_ report: AnalyticsReport, workspaceSlug: String, withContent: Bool) throws {
        id = report.id!
        kind = report.kind
        from = report.periodFrom
        to = report.periodTo
        comparedFrom = report.comparedFrom
        comparedTo = report.comparedTo
        timeZone = report.timeZone
        createdAt = report.createdAt
        createdBy = report.createdBy
        content = withContent ? try report.content() : nil
        csvUrl = "/api/v1/workspaces/\(workspaceSlug)/reports/\(report.id!.uuidString.lowercased())/csv"
    }
}
