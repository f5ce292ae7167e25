import FanfareCore
import Fluent
import Vapor

/// The brand's accounts on each platform: connected, checked, disconnected.
struct AccountsFeature: Feature {
    var name: String { "accounts" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(1, CreateSocialAccounts()), ShippedMigration(2, AddAccountSettings()), ShippedMigration(14, CreateOAuthSignIns()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        AccountPages().bootScoped(routes.workspacePages)
        SignInPages().boot(routes)
        AccountsAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        PlatformRules.standard.keys.map { "platform.\($0)" } + SocialAccount.Status.allCases.map { "accounts.status.\($0.rawValue)" }
            + AccountsVocabulary.dynamicKeys
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.settings, order: 10, path: "/accounts", label: "nav.accounts", permission: .contentView)]
    }
}
