import FanfareCore
import Fluent
import Vapor

/// Feedback tickets from messages, the API and the public form; scored,
/// routed, merged, closed with a notice to every fan behind them; the
/// fans' public pages.
struct FeedbackFeature: Feature {
    var name: String { "feedback" }

    var migrations: [ShippedMigration] { [ShippedMigration(8, AddPublicFeedbackForm())] }

    func routes(_ routes: FeatureRoutes) throws {
        try routes.publicPages.register(collection: PublicFeedbackPages())
        FeedbackPages().bootScoped(routes.workspacePages)
        FeedbackAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        var keys = FeedbackKind.allCases.map { "feedback.kind.\($0.rawValue)" }
        keys += FeedbackStatus.allCases.map { "feedback.status.\($0.rawValue)" }
        keys += FeedbackResolution.allCases.map { "feedback.resolution.\($0.rawValue)" }
        keys += InboxReply.Status.allCases.map { "feedback.notice.\($0.rawValue)" }
        keys += FeedbackPages.statusFilters.map { "feedback.filter.\($0)" }
        return keys
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 30, path: "/feedback", label: "nav.feedback", permission: .inboxView)]
    }
}
