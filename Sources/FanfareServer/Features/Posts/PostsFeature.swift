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
        var keys: [String] = Post.Status.allCases.map { "post.status.\($0.rawValue)" }
        keys += PostVariant.State.allCases.map { "variant.state.\($0.rawValue)" }
        keys += Pillar.allCases.map { "pillar.\($0.rawValue)" }
        keys += ContentFormat.allCases.map { "format.\($0.rawValue)" }
        keys += ContentPool.allCases.map { "pool.\($0.rawValue)" }
        keys += ReviewDecision.allCases.map { "review.decision.\($0.rawValue)" }
        keys += ["running", "published", "reconciled", "retry", "unconfirmed", "failed", "hand_off"].map { "attempt.\($0)" }
        keys += PublishingService.milestones.map { "metrics.\($0.label)" }
        keys += PostBulk.Action.allCases.map { "posts.bulk.action.\($0.rawValue)" }
        keys += ["submitted", "approved", "unscheduled", "deleted"].map { "posts.bulk.done.\($0)" }
        keys += (PostVocabulary.refusals + ["other"]).map { "posts.refused.\($0)" }
        keys += ["status", "review", "due", "q", "limit", "cursor"].map { "posts.invalid.\($0)" }
        keys += ["text", "title", "tags", "media"].map { "post.field.\($0)" }
        keys += ["video", "note", "post"].map { "handoff.what.\($0)" }
        return keys
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.content, order: 10, path: "/posts", label: "nav.posts", permission: .contentView)]
    }
}
