import FanfareCore
import Fluent
import Vapor

/// The knowledge base (issue 22 scope 2): post-mortems and incident
/// reviews searched together in Chinese and English on SQLite and
/// PostgreSQL alike, with filters by kind, tag, platform and year
/// (docs/knowledge.md).
struct KnowledgeFeature: Feature {
    var name: String { "knowledge" }

    var migrations: [ShippedMigration] { [ShippedMigration(22, CreateKnowledge())] }

    func routes(_ routes: FeatureRoutes) throws {
        KnowledgeAPI().bootScoped(routes.workspaceAPI)
        KnowledgePages().bootScoped(routes.workspacePages)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] { KnowledgeBase.Kind.allCases.map { "knowledge.kind.\($0.rawValue)" } }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.planning, order: 50, path: "/knowledge", label: "nav.knowledge", permission: .analyticsView)]
    }
}
