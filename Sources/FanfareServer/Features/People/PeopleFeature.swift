import Fluent
import Vapor

/// People: first-run setup, signing in and out, the language switch, one's
/// own profile, password and `/api/v1/me`; sessions and the limits on
/// guessing secrets.
struct PeopleFeature: Feature {
    var name: String { "people" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(1, CreateUsers()), ShippedMigration(1, CreateLoginFailures()), ShippedMigration(1, CreateSetupTokens()),
            ShippedMigration(1, CreateBrowserSessions()), ShippedMigration(8, CreateThrottleEvents()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        try routes.publicPages.register(collection: SessionPages())
        try routes.signedInPages.register(collection: SettingsPages())
        try routes.api.register(collection: AccountAPI())
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }
}
