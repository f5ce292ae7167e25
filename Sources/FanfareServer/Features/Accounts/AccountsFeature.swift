import FanfareCore
import Fluent
import Vapor

/// The brand's accounts on each platform: connected, checked, disconnected.
struct AccountsFeature: Feature {
    var name: String { "accounts" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(1, CreateSocialAccounts()), ShippedMigration(2, AddAccountSettings()), ShippedMigration(14, CreateOAuthSignIns()),
            ShippedMigration(15, AddPlatformApps()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        AccountPages().bootScoped(routes.workspacePages)
        SignInPages().boot(routes)
        AccountsAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(TokenWatch.kind, run: .single(TokenWatch.run), schedule: .every(TokenWatch.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        PlatformRules.standard.keys.map { "platform.\($0)" } + SocialAccount.Status.allCases.map { "accounts.status.\($0.rawValue)" }
            + AccountsVocabulary.dynamicKeys + PlatformAppPage.dynamicKeys + CredentialWatch.Notice.allCases.map { "notify.account_\($0.rawValue)" }
            + PlatformApps.platforms.map { "accounts.sign_in_with.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.settings, order: 10, path: "/accounts", label: "nav.accounts", permission: .contentView)]
    }
}
