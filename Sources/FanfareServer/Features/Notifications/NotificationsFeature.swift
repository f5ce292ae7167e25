import Fluent
import Vapor

/// Notifications inside Fanfare: a person's unread list per workspace.
struct NotificationsFeature: Feature {
    var name: String { "notifications" }

    var migrations: [ShippedMigration] { [ShippedMigration(2, CreateNotifications())] }

    func routes(_ routes: FeatureRoutes) throws {
        NotificationPages().bootScoped(routes.workspacePages)
        NotificationsAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }
}
