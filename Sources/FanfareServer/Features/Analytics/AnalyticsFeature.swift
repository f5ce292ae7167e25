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

    var migrations: [ShippedMigration] { [ShippedMigration(9, CreateMetricDays()), ShippedMigration(10, CreateAnomalies())] }

    func routes(_ routes: FeatureRoutes) throws {
        AnalyticsAPI().bootScoped(routes.workspaceAPI)
        AnomalyAPI().bootScoped(routes.workspaceAPI)
        AnomalyPages().bootScoped(routes.workspacePages)
    }

    var strings: StringTable { StringTable(en: Self.anomalyStringsEn, zhHans: Self.anomalyStringsZhHans) }

    var dynamicKeys: [String] {
        AnomalySeriesKind.allCases.map { "anomalies.series.\($0.rawValue)" } + AnomalySeriesKey.eventTypes.map { "anomalies.event.\($0)" }
            + ["anomalies.above", "anomalies.below", "anomalies.note_one", "anomalies.note_many"]
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 40, path: "/analytics/anomalies", label: "nav.anomalies", permission: .analyticsView)]
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(MetricsPass.kind, run: .single(MetricsPass.run), schedule: .every(MetricsPass.period)),
            JobRegistration(MetricsTake.kind, run: .single(MetricsTake.run)),
            JobRegistration(MetricsBackfill.kind, run: .single(MetricsBackfill.run)),
            JobRegistration(MetricsRetention.kind, run: .single(MetricsRetention.run), schedule: .every(MetricsRetention.period)),
            JobRegistration(NightlyAnomalyPass.kind, run: .single(NightlyAnomalyPass.run), schedule: .every(NightlyAnomalyPass.period)),
        ]
    }

    var commands: [any ParsableCommand.Type] { [AnomaliesCommand.self] }
}
