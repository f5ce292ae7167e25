import ArgumentParser
import FanfareCore
import Fluent
import Vapor

/// The content library: the topic library and the asset register with
/// its licences.
struct LibraryFeature: Feature {
    var name: String { "library" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(2, CreateTopics()), ShippedMigration(2, CreateAssets()), ShippedMigration(14, AddAssetFiles()),
            ShippedMigration(20, CreateContentHits()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        LibraryPages().bootScoped(routes.workspacePages)
        LibraryAPI().bootScoped(routes.workspaceAPI)
        ContentHitsPages().bootScoped(routes.workspacePages)
        ContentHitsAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        Topic.Status.allCases.map { "topic.status.\($0.rawValue)" } + LicenceKind.allCases.map { "licence.\($0.rawValue)" }
            + MediaKind.allCases.map { "media.kind.\($0.rawValue)" }
            + ["reserve_low", "premium_weekly_low", "premium_weekly_high", "light_weekly_low", "light_weekly_high", "pillar_mix_off"].map {
                "library.cadence.\($0)"
            }
    }

    /// The media store the settings name (docs/media.md).
    func boot(_ app: Application) throws {
        app.installMediaStore()
    }

    var commands: [any ParsableCommand.Type] { [MediaCheckCommand.self] }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.content, order: 30, path: "/library", label: "nav.library", permission: .contentView)]
    }
}
