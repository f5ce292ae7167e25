import FanfareCore
import Fluent
import Vapor

/// A tracked short link: `/l/{code}` redirects to `destination` with UTM
/// parameters and records the click.
final class ShortLink: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "short_links"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "code") var code: String
    @Field(key: "destination") var destination: String
    @Field(key: "destination_with_utm") var destinationWithUTM: String
    @OptionalField(key: "utm_source") var utmSource: String?
    @OptionalField(key: "utm_medium") var utmMedium: String?
    @OptionalField(key: "utm_campaign") var utmCampaign: String?
    @OptionalField(key: "utm_content") var utmContent: String?
    @OptionalField(key: "utm_term") var utmTerm: String?
    @Field(key: "target_kind") var targetKind: String
    @OptionalField(key: "post_id") var postID: UUID?
    @OptionalField(key: "variant_id") var variantID: UUID?
    @OptionalField(key: "account_id") var accountID: UUID?
    @OptionalField(key: "campaign") var campaign: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @OptionalField(key: "disabled_at") var disabledAt: Date?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<ShortLink, ParentProperty<ShortLink, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $code, $destination, $destinationWithUTM, $utmSource, $utmMedium, $utmCampaign, $utmContent, $utmTerm, $targetKind,
            $postID, $variantID, $accountID, $campaign, $createdBy, $disabledAt, $createdAt,
        ]
    }

    var utm: UTM { UTM(source: utmSource, medium: utmMedium, campaign: utmCampaign, content: utmContent, term: utmTerm) }
}

/// Clicks on a link, named explicitly: `total` is every click by a person
/// (repeats included, robots not), `unique` counts one per visitor key per
/// link per day, `bots` the robots' fetches (recorded, counted in neither).
struct ClickCounts: Content, Equatable, Sendable {
    var total: Int = 0
    var unique: Int = 0
    var bots: Int = 0
}

/// A link as the API shows it.
struct ShortLinkDTO: Content {
    var id: UUID
    var code: String
    var shortUrl: String
    var destination: String
    var destinationWithUtm: String
    var utmSource: String?
    var utmMedium: String?
    var utmCampaign: String?
    var utmContent: String?
    var utmTerm: String?
    var targetKind: String
    var postId: UUID?
    var variantId: UUID?
    var accountId: UUID?
    var campaign: String?
    var clicks: ClickCounts
    var disabledAt: Date?
    var createdAt: Date

    init(_ link: ShortLink, base: String, clicks: ClickCounts) {
        id = link.id!
        code = link.code
        shortUrl = LinkService.shortURL(base: base, code: link.code)
        destination = link.destination
        destinationWithUtm = link.destinationWithUTM
        utmSource = link.utmSource
        utmMedium = link.utmMedium
        utmCampaign = link.utmCampaign
        utmContent = link.utmContent
        utmTerm = link.utmTerm
        targetKind = link.targetKind
        postId = link.postID
        variantId = link.variantID
        accountId = link.accountID
        campaign = link.campaign
        self.clicks = clicks
        disabledAt = link.disabledAt
        createdAt = link.createdAt
    }
}
