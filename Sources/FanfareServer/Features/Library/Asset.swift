import FanfareCore
import Fluent
import Vapor

/// An image, video or sound in the asset library, with its entry in the
/// copyright register: where it came from, under which licence, until when,
/// and where the proof is kept.
final class Asset: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "assets"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    /// `image`, `video` or `audio` (MediaKind).
    @Field(key: "kind") var kind: String
    @Field(key: "bytes") var bytes: Int64
    /// Where the file lives (a URL or a path in the team's storage).
    @Field(key: "location") var location: String
    @Field(key: "source") var source: String
    @Field(key: "licence") var licence: String
    @OptionalField(key: "licence_expires_at") var licenceExpiresAt: Date?
    @OptionalField(key: "proof") var proof: String?
    @Field(key: "created_at") var createdAt: Date
    /// Where an uploaded file is kept in the media store (nil for an asset
    /// registered by its address only), what it really is (`MediaFormat`),
    /// its pixels, its SHA-256, its thumbnail and its alt text.
    @OptionalField(key: "storage_key") var storageKey: String?
    @OptionalField(key: "format") var format: String?
    @OptionalField(key: "width") var width: Int?
    @OptionalField(key: "height") var height: Int?
    @OptionalField(key: "sha256") var sha256: String?
    @OptionalField(key: "thumbnail_key") var thumbnailKey: String?
    @OptionalField(key: "alt_text") var altText: String?

    static var workspaceKey: KeyPath<Asset, ParentProperty<Asset, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $name, $kind, $bytes, $location, $source, $licence, $licenceExpiresAt, $proof, $createdAt, $storageKey, $format,
            $width, $height, $sha256, $thumbnailKey, $altText,
        ]
    }
}

extension Asset {
    /// The asset as the platform rules see it.
    var attachment: MediaAttachment {
        MediaAttachment(
            kind: MediaKind(rawValue: kind) ?? .image, bytes: Int(bytes), format: format.flatMap(MediaFormat.init(rawValue:)), width: width,
            height: height)
    }
}

/// Links a post to the assets it uses, in order.
final class PostAsset: Model, @unchecked Sendable {
    static let schema = "post_assets"

    @ID(key: .id) var id: UUID?
    @Parent(key: "post_id") var post: Post
    @Parent(key: "asset_id") var asset: Asset
    @Field(key: "position") var position: Int

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $post, $asset, $position] }
}
