import ArgumentParser
import FanfareCore
import Vapor

/// Analytics: the numbers the team plans with. For now the anomaly
/// detector outside the product (`fanfare anomalies`); the metric store,
/// dashboards and reports of issue 18 join this folder.
struct AnalyticsFeature: Feature {
    var name: String { "analytics" }

    var commands: [any ParsableCommand.Type] { [AnomaliesCommand.self] }
}
