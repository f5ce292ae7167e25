import FanfareCore
import Fluent
import Vapor

/// Posts: written once, adapted into a variant per account, reviewed,
/// scheduled; CSV import; the adaptation API.
struct PostsFeature: Feature {
    var name: String { "posts" }

    var migrations: [ShippedMigration] { [ShippedMigration(2, CreatePosts()), ShippedMigration(2, CreatePostVariants())] }

    func routes(_ routes: FeatureRoutes) throws {
        PostPages().bootScoped(routes.workspacePages)
        PostsAPI().bootScoped(routes.workspaceAPI)
        try routes.api.register(collection: AdaptationAPI())
        AdaptationAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        Post.Status.allCases.map { "post.status.\($0.rawValue)" } + PostVariant.State.allCases.map { "variant.state.\($0.rawValue)" }
            + Pillar.allCases.map { "pillar.\($0.rawValue)" } + ContentFormat.allCases.map { "format.\($0.rawValue)" }
            + ContentPool.allCases.map { "pool.\($0.rawValue)" } + ReviewDecision.allCases.map { "review.decision.\($0.rawValue)" }
            + ["running", "published", "reconciled", "retry", "unconfirmed", "failed", "hand_off"].map { "attempt.\($0)" }
            + PublishingService.milestones.map { "metrics.\($0.label)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.content, order: 10, path: "/posts", label: "nav.posts", permission: .contentView)]
    }
}
