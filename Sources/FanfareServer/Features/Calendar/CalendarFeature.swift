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

    var navigation: [NavigationEntry] {
        [NavigationEntry(.content, order: 20, path: "/calendar", label: "nav.calendar", permission: .contentView)]
    }
}
