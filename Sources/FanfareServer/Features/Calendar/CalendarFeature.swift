import Fluent
import Vapor

/// The calendar: the month and week of scheduled posts, weekly themes,
/// cadence warnings and the best times to post.
struct CalendarFeature: Feature {
    var name: String { "calendar" }

    var migrations: [ShippedMigration] { [ShippedMigration(2, CreateCalendarSettings())] }

    func routes(_ routes: FeatureRoutes) throws {
        CalendarPages().bootScoped(routes.workspacePages)
        CalendarAPI().bootScoped(routes.workspaceAPI)
        BestTimesAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        ["too_close", "duplicate_same_account", "duplicate_across_accounts", "over_capacity", "reserve_used"].map { "calendar.warning.\($0)" }
            + (1...12).map { "month.\($0)" } + (1...7).map { "weekday.\($0)" } + ["week", "month"].map { "calendar.view.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.content, order: 20, path: "/calendar", label: "nav.calendar", permission: .contentView)]
    }
}
