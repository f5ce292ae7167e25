import FanfareCore
import Vapor

/// Fan analytics (数据 → 粉丝分析): the fan funnel (follow → join the
/// community → first purchase → repurchase → referral), repurchase rate
/// and value per buying fan, retention cohorts by first-interaction week,
/// and community DAU / WAU / MAU, as a page and an API, aggregated in the
/// database from the event API's events and the connectors' messages.
struct FanAnalyticsFeature: Feature {
    var name: String { "fan-analytics" }

    var migrations: [ShippedMigration] { [ShippedMigration(9, AddFanAnalyticsIndexes())] }

    func routes(_ routes: FeatureRoutes) throws {
        FanAnalyticsPages().bootScoped(routes.workspacePages)
        FanAnalyticsAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        FunnelStepKind.allCases.map { "fananalytics.step.\($0.rawValue)" }
            + Granularity.allCases.map { "fananalytics.granularity.\($0.rawValue)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 30, path: "/fan-analytics", label: "nav.fan_analytics", permission: .analyticsView)]
    }
}
