import FanfareCore
import Vapor

/// Reports: the weekly and monthly report of every workspace, made by an
/// hourly pass in the workspace's time zone and archived; a report for any
/// period on demand; each printable and as CSV (issue 18, scope 7).
struct ReportsFeature: Feature {
    var name: String { "reports" }

    var migrations: [ShippedMigration] { [ShippedMigration(9, CreateAnalyticsReports())] }

    func routes(_ routes: FeatureRoutes) throws {
        ReportPages().bootScoped(routes.workspacePages)
        ReportsAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(ReportSchedulePass.kind, run: .single(ReportSchedulePass.run), schedule: .every(ReportSchedulePass.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] { ReportKind.allCases.map { "reports.kind.\($0.rawValue)" } }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 15, path: "/reports", label: "nav.reports", permission: .analyticsView)]
    }
}
