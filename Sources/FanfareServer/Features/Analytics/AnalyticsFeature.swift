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

    var migrations: [ShippedMigration] { [ShippedMigration(9, CreateMetricDays())] }

    func routes(_ routes: FeatureRoutes) throws {
        AnalyticsAPI().bootScoped(routes.workspaceAPI)
        DashboardPages().bootScoped(routes.workspacePages)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    /// Names looked up from a code (a period, a KPI, a column, a stored value).
    var dynamicKeys: [String] { Self.stringsEn.keys.filter { key in Self.dynamicPrefixes.contains { key.hasPrefix($0) } }.sorted() }

    static let dynamicPrefixes = [
        "analytics.period.", "analytics.compare.", "analytics.kpi.", "analytics.basis.", "analytics.basis_explained.", "analytics.by.",
        "analytics.col.", "analytics.rows_explained.", "analytics.value.",
    ]

    /// 数据概览 comes first in the 数据 group, before the links.
    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 10, path: "/analytics", label: "nav.analytics_overview", permission: .analyticsView)]
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(MetricsPass.kind, run: .single(MetricsPass.run), schedule: .every(MetricsPass.period)),
            JobRegistration(MetricsTake.kind, run: .single(MetricsTake.run)),
            JobRegistration(MetricsBackfill.kind, run: .single(MetricsBackfill.run)),
            JobRegistration(MetricsRetention.kind, run: .single(MetricsRetention.run), schedule: .every(MetricsRetention.period)),
        ]
    }

    var commands: [any ParsableCommand.Type] { [AnomaliesCommand.self] }
}
