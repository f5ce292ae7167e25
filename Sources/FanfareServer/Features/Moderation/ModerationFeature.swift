import ArgumentParser
import Fluent
import Vapor

/// Moderation: the sensitive-word engine on every draft and message, the
/// workspace's lexicon and allow-list, imports, the moderation queue.
struct ModerationFeature: Feature {
    var name: String { "moderation" }

    var migrations: [ShippedMigration] { [ShippedMigration(3, CreateModeration()), ShippedMigration(8, AddLexiconImports())] }

    func routes(_ routes: FeatureRoutes) throws {
        ModerationPages().bootScoped(routes.workspacePages)
        LexiconPages().bootScoped(routes.workspacePages)
        ModerationAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var commands: [any ParsableCommand.Type] { [ModerateCommand.self] }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 20, path: "/moderation", label: "nav.moderation", permission: .contentView)]
    }

    func boot(_ app: Application) throws {
        app.installModerationEngines()
    }
}
