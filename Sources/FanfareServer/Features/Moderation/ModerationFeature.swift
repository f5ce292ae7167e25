import ArgumentParser
import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Moderation: the sensitive-word engine on every draft and message, the
/// workspace's lexicon and allow-list, imports, the moderation queue.
struct ModerationFeature: Feature {
    var name: String { "moderation" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(3, CreateModeration()), ShippedMigration(8, AddLexiconImports()), ShippedMigration(14, CreateMessageActions()),
            ShippedMigration(15, AddModerationRules()),
        ]
    }

    /// Acting by rule on messages as they arrive.
    var jobs: [JobRegistration] { [JobRegistration(ModerationByRule.kind, run: .single(ModerationByRule.run))] }

    func routes(_ routes: FeatureRoutes) throws {
        ModerationPages().bootScoped(routes.workspacePages)
        LexiconPages().bootScoped(routes.workspacePages)
        ModerationAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var commands: [any ParsableCommand.Type] { [ModerateCommand.self] }

    /// Severities, scopes, actions and base categories are named by the code stored with each term or message.
    var dynamicKeys: [String] {
        ModerationSeverity.allCases.map { "moderation.severity.\($0.rawValue)" } + ModerationScope.allCases.map { "moderation.scope.\($0.rawValue)" }
            + ModerationAction.allCases.map { "moderation.action.\($0.rawValue)" }
            + Self.moveKeys + Self.ruleKeys + LexiconTerm.baseCategories.map { "moderation.category.\($0)" }
            + ["moderation.not_analysed"]
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 20, path: "/moderation", label: "nav.moderation", permission: .contentView)]
    }

    func boot(_ app: Application) throws {
        app.installModerationEngines()
    }

    /// The words of each move a person can make on the platform.
    static var moveKeys: [String] {
        var keys: [String] = []
        for move in PlatformModeration.offered {
            for prefix in ["moderation.move.", "moderation.done.", "moderation.acted.", "moderation.failed.", "moderation.impossible."] {
                keys.append(prefix + move.rawValue)
            }
        }
        return keys
    }

    /// The words of the rules' choices and of how a rule's move went.
    static var ruleKeys: [String] {
        ModerationRules.MessageMove.allCases.map { "moderation.rule_message.\($0.rawValue)" }
            + MessageAction.Outcome.allCases.map { "moderation.outcome.\($0.rawValue)" }
    }
}
