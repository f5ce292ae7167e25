import Fluent
import Vapor

/// API tokens: made (shown once), listed and revoked on one's settings page.
struct TokensFeature: Feature {
    var name: String { "tokens" }

    var migrations: [ShippedMigration] { [ShippedMigration(1, CreateAPITokens())] }

    func routes(_ routes: FeatureRoutes) throws {
        try routes.signedInPages.register(collection: TokenPages())
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }
}
