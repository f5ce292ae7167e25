import ArgumentParser
import FanfareCore
import Vapor

/// Analytics: the numbers the team plans with. The metric store (daily
/// account and post totals written by periodic jobs through the
/// connectors), its series, metrics and quality API, and the anomaly
/// detector outside the product (`fanfare anomalies`); dashboards and
/// reports of issue 18 join this folder.
struct AnalyticsFeature: Feature {
    var name: String { "analytics" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(9, CreateMetricDays()), ShippedMigration(9, CreateAnalyticsReports()), ShippedMigration(10, CreateAnomalies()),
            ShippedMigration(11, CreateMetricImports()), ShippedMigration(11, AddOverviewIndexes()), ShippedMigration(12, AddPostGains()),
            ShippedMigration(13, AddSlotTypeAndRewriteIndexes()),
            ShippedMigration(13, AddImportedPostDays()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        AnalyticsAPI().bootScoped(routes.workspaceAPI)
        DashboardPages().bootScoped(routes.workspacePages)
        ReportPages().bootScoped(routes.workspacePages)
        ReportsAPI().bootScoped(routes.workspaceAPI)
        AnomalyAPI().bootScoped(routes.workspaceAPI)
        AnomalyPages().bootScoped(routes.workspacePages)
        MetricImportsAPI().bootScoped(routes.workspaceAPI)
        MetricImportsPages().bootScoped(routes.workspacePages)
    }

    var strings: StringTable {
        StringTable(
            en: Self.stringsEn.merging(Self.reportStringsEn) { _, report in report }.merging(Self.anomalyStringsEn) { _, anomaly in anomaly }
                .merging(Self.importStringsEn) { _, imported in imported },
            zhHans: Self.stringsZhHans.merging(Self.reportStringsZhHans) { _, report in report }.merging(Self.anomalyStringsZhHans) { _, anomaly in
                anomaly
            }.merging(Self.importStringsZhHans) { _, imported in imported })
    }

    /// Names looked up from a code (a period, a KPI, a column, a stored value, an anomaly's series).
    var dynamicKeys: [String] {
        Self.stringsEn.keys.filter { key in Self.dynamicPrefixes.contains { key.hasPrefix($0) } }.sorted()
            + ReportKind.allCases.map { "reports.kind.\($0.rawValue)" }
            + AnomalySeriesKind.allCases.map { "anomalies.series.\($0.rawValue)" } + AnomalySeriesKey.eventTypes.map { "anomalies.event.\($0)" }
            + ["anomalies.above", "anomalies.below", "anomalies.note_one", "anomalies.note_many"]
            + Self.importValueNames.keys.sorted().map { "imports.value.\($0)" } + Self.importKindNames.keys.sorted().map { "imports.kind.\($0)" }
            + MetricImportPlan.Action.allCases.map { "imports.action.\($0.rawValue)" } + Self.importReasonCodes.map { "imports.reason.\($0)" }
    }

    static let dynamicPrefixes = [
        "analytics.period.", "analytics.compare.", "analytics.kpi.", "analytics.basis.", "analytics.basis_explained.", "analytics.by.",
        "analytics.col.", "analytics.rows_explained.", "analytics.value.",
    ]

    /// 数据概览 comes first in the 数据 group, before the links. Anomalies
    /// and imports are tabs of 数据概览 (`AnalyticsTabs`), so that the
    /// navigation fits on one line at 1366 px.
    var navigation: [NavigationEntry] {
        [
            NavigationEntry(.data, order: 10, path: "/analytics", label: "nav.analytics_overview", permission: .analyticsView),
            NavigationEntry(.data, order: 15, path: "/reports", label: "nav.reports", permission: .analyticsView),
        ]
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(MetricsPass.kind, run: .single(MetricsPass.run), schedule: .every(MetricsPass.period)),
            JobRegistration(MetricsTake.kind, run: .single(MetricsTake.run)),
            JobRegistration(MetricsBackfill.kind, run: .single(MetricsBackfill.run)),
            JobRegistration(MetricsRetention.kind, run: .single(MetricsRetention.run), schedule: .every(MetricsRetention.period)),
            JobRegistration(NightlyAnomalyPass.kind, run: .single(NightlyAnomalyPass.run), schedule: .every(NightlyAnomalyPass.period)),
            JobRegistration(ReportSchedulePass.kind, run: .single(ReportSchedulePass.run), schedule: .every(ReportSchedulePass.period)),
        ]
    }

    var commands: [any ParsableCommand.Type] { [AnomaliesCommand.self] }
}
