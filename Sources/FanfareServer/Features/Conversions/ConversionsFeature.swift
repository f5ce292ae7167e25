import FanfareCore
import Fluent
import Vapor

/// Conversions: tracked short links (`/l/{code}` records each click) and
/// the event API (follows, sign-ups, purchases, refunds, referrals), which
/// feeds the fans' value through the Fans feature's Surface.
struct ConversionsFeature: Feature {
    var name: String { "conversions" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(9, CreateConversions()), ShippedMigration(11, CreateConversionSlots()), ShippedMigration(19, AddLinkSplits())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        LinkRedirect().boot(routes.root)
        LinksPages().bootScoped(routes.workspacePages)
        ConversionsAPI().bootScoped(routes.workspaceAPI)
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] { ["post", "campaign", "account"].map { "links.target.\($0)" } }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 20, path: "/links", label: "nav.links", permission: .contentView)]
    }

    func boot(_ app: Application) throws {
        app.installClickRecorder()
    }
}
