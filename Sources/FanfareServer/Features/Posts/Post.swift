import FanfareCore
import Fluent
import Vapor

/// One piece of content: written once, published as a variant to each
/// chosen account. `version` grows with every edit; queued publishing work
/// carries the version it was queued for and does nothing once it is stale,
/// which is how an edit cancels what was queued.
final class Post: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "posts"

    enum Status: String, CaseIterable, Codable {
        case draft
        case inReview = "in_review"
        case approved
        case rejected
        case scheduled
        case publishing
        case published
        case failed
        case handOff = "hand_off"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @OptionalField(key: "title") var title: String?
    @Field(key: "body") var body: String
    @Field(key: "pillar") var pillar: String
    @Field(key: "format") var format: String
    @Field(key: "pool") var pool: String
    @OptionalField(key: "topic_id") var topicID: UUID?
    /// The campaign's name, kept beside its reference for the analytics
    /// filters that group by it (renaming the campaign renames it here).
    @OptionalField(key: "campaign") var campaign: String?
    @OptionalField(key: "campaign_id") var campaignID: UUID?
    /// JSON array of strings.
    @Field(key: "tags") var tagsJSON: String
    @Field(key: "status") var status: String
    /// JSON of the review state and its whole history.
    @Field(key: "review") var reviewJSON: String
    @Field(key: "version") var version: Int
    @OptionalField(key: "scheduled_at") var scheduledAt: Date?
    @OptionalField(key: "author_id") var authorID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Post, ParentProperty<Post, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $title, $body, $pillar, $format, $pool, $topicID, $campaign, $campaignID, $tagsJSON, $status, $reviewJSON, $version,
            $scheduledAt,
            $authorID, $createdAt, $updatedAt,
        ]
    }

    var postStatus: Status { Status(rawValue: status) ?? .draft }
    var tags: [String] {
        get { (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? [] }
        set { tagsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }
}

/// A post as one account publishes it, and how publishing it went.
final class PostVariant: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "post_variants"

    /// `pending`: not scheduled yet. `queued`: waiting for its minute.
    /// `publishing`: a worker holds it (until `claim_expires_at`).
    /// `unconfirmed`: sent, no answer; reconciled before any re-send.
    /// The moves between them are `VariantLifecycle`'s.
    typealias State = VariantProgress

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "post_id") var post: Post
    @Parent(key: "account_id") var account: SocialAccount
    @Field(key: "platform") var platform: String
    @OptionalField(key: "title") var title: String?
    @Field(key: "text") var text: String
    @Field(key: "tags") var tagsJSON: String
    @Field(key: "state") var state: String
    @Field(key: "attempts") var attempts: Int
    @OptionalField(key: "claim_expires_at") var claimExpiresAt: Date?
    /// The worker holding the claim; a claim of a worker that stopped
    /// reporting is void before it expires.
    @OptionalField(key: "claimed_by") var claimedBy: String?
    @OptionalField(key: "remote_id") var remoteID: String?
    @OptionalField(key: "url") var url: String?
    @OptionalField(key: "published_at") var publishedAt: Date?
    @OptionalField(key: "error_code") var errorCode: String?
    @OptionalField(key: "last_error") var lastError: String?
    /// Hand-off only: the package for a person, as JSON.
    @OptionalField(key: "hand_off") var handOffJSON: String?
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<PostVariant, ParentProperty<PostVariant, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $post, $account, $platform, $title, $text, $tagsJSON, $state, $attempts, $claimExpiresAt, $claimedBy, $remoteID, $url,
            $publishedAt, $errorCode, $lastError, $handOffJSON, $updatedAt,
        ]
    }

    var variantState: State { State(rawValue: state) ?? .pending }

    /// The publishing fields as the lifecycle reads and writes them.
    var status: VariantStatus {
        get { VariantStatus(progress: variantState, claimExpiresAt: claimExpiresAt, errorCode: errorCode, lastError: lastError) }
        set {
            state = newValue.progress.rawValue
            claimExpiresAt = newValue.claimExpiresAt
            errorCode = newValue.errorCode
            lastError = newValue.lastError
        }
    }

    /// Moves the variant by `event`; throws for a move the lifecycle does
    /// not have, leaving it as it was.
    @discardableResult
    func move(_ event: VariantEvent) throws(IllegalVariantMove) -> VariantMove {
        let move = try VariantLifecycle.apply(event, to: status)
        status = move.status
        return move
    }
    var tags: [String] {
        get { (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? [] }
        set { tagsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("[]".utf8), as: UTF8.self) }
    }

    /// The same key on every attempt: platforms that honour one (and the
    /// Sandbox) turn a repeated send into the same post.
    var idempotencyKey: String { "fanfare-\(id!.uuidString.lowercased())" }
}

/// One try at publishing a variant: the attempt history a person reads
/// when something went wrong.
final class PublishAttempt: Model, @unchecked Sendable {
    static let schema = "publish_attempts"

    @ID(key: .id) var id: UUID?
    @Parent(key: "variant_id") var variant: PostVariant
    @Field(key: "number") var number: Int
    @Field(key: "worker") var worker: String
    @Field(key: "started_at") var startedAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?
    /// `published`, `reconciled`, `retry`, `unconfirmed`, `failed`, `hand_off`.
    @Field(key: "outcome") var outcome: String
    @OptionalField(key: "message") var message: String?

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $variant, $number, $worker, $startedAt, $finishedAt, $outcome, $message] }
}

/// A post's numbers at a moment: `3d`, `7d` and `30d` after publishing,
/// and `latest`, refreshed on request.
final class MetricSnapshot: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "metric_snapshots"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "variant_id") var variant: PostVariant
    @Field(key: "label") var label: String
    @OptionalField(key: "impressions") var impressions: Int?
    @Field(key: "likes") var likes: Int
    @Field(key: "comments") var comments: Int
    @Field(key: "shares") var shares: Int
    @Field(key: "taken_at") var takenAt: Date

    static var workspaceKey: KeyPath<MetricSnapshot, ParentProperty<MetricSnapshot, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $variant, $label, $impressions, $likes, $comments, $shares, $takenAt] }
}
