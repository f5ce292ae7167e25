import FanfareCore
import Foundation

/// What a platform's connector can do. The scheduler and the pages read
/// these instead of asking which platform it is.
public struct ConnectorCapabilities: Sendable, Equatable {
    /// Whether posts can be published without a person; when not, why, and
    /// the post goes to hand-off (a package and checklist for a person).
    public var unattendedPublishing: Bool
    public var handOffReason: String?
    public var canDelete: Bool
    public var canReply: Bool
    public var interactionKinds: Set<InteractionKind>
    public var postMetrics: Bool
    public var receivesWebhooks: Bool
    /// What the account may do to fans' messages and fans through the
    /// platform's API (moderation that acts); empty where it can do nothing.
    public var moderation: Set<ModerationMove>

    public init(
        unattendedPublishing: Bool, handOffReason: String? = nil, canDelete: Bool, canReply: Bool,
        interactionKinds: Set<InteractionKind>, postMetrics: Bool, receivesWebhooks: Bool, moderation: Set<ModerationMove> = []
    ) {
        self.moderation = moderation
        self.unattendedPublishing = unattendedPublishing
        self.handOffReason = handOffReason
        self.canDelete = canDelete
        self.canReply = canReply
        self.interactionKinds = interactionKinds
        self.postMetrics = postMetrics
        self.receivesWebhooks = receivesWebhooks
    }
}

/// What a fan did.
public enum InteractionKind: String, Sendable, Codable, CaseIterable {
    case comment
    case mention
    case directMessage = "direct_message"
    case like
    case share
    case follow
}

/// A post as the platform knows it after publishing.
public struct PublishedPost: Sendable, Equatable, Codable {
    public var remoteID: String
    public var url: String
    public var publishedAt: Date

    public init(remoteID: String, url: String, publishedAt: Date) {
        self.remoteID = remoteID
        self.url = url
        self.publishedAt = publishedAt
    }
}

/// One interaction of a fan with an account.
public struct Interaction: Sendable, Equatable, Codable {
    public var remoteID: String
    public var kind: InteractionKind
    /// The post it is about, if any (a follow is about none).
    public var postRemoteID: String?
    public var authorID: String
    public var authorName: String
    public var text: String?
    public var at: Date

    public init(remoteID: String, kind: InteractionKind, postRemoteID: String?, authorID: String, authorName: String, text: String?, at: Date) {
        self.remoteID = remoteID
        self.kind = kind
        self.postRemoteID = postRemoteID
        self.authorID = authorID
        self.authorName = authorName
        self.text = text
        self.at = at
    }
}

/// A batch of interactions and where to continue.
public struct InteractionPage: Sendable, Equatable {
    public var interactions: [Interaction]
    public var nextCursor: String

    public init(interactions: [Interaction], nextCursor: String) {
        self.interactions = interactions
        self.nextCursor = nextCursor
    }
}

/// A post's numbers as the platform reports them: totals since
/// publishing, as of `at`. What a platform does not report is nil; the
/// platform's own names and numbers are kept in `platformValues`.
public struct PostMetrics: Sendable, Equatable, Codable {
    public var impressions: Int?
    public var likes: Int
    public var comments: Int
    public var shares: Int
    public var at: Date
    /// Distinct people reached, where the platform counts them.
    public var reach: Int?
    public var saves: Int?
    /// Video plays.
    public var plays: Int?
    /// Share of plays watched to the end, 0…1.
    public var completion: Double?
    public var linkClicks: Int?
    /// The platform's own metric names and values, as it sent them.
    public var platformValues: [String: Double]?

    public init(
        impressions: Int?, likes: Int, comments: Int, shares: Int, at: Date, reach: Int? = nil, saves: Int? = nil, plays: Int? = nil,
        completion: Double? = nil, linkClicks: Int? = nil, platformValues: [String: Double]? = nil
    ) {
        self.impressions = impressions
        self.likes = likes
        self.comments = comments
        self.shares = shares
        self.at = at
        self.reach = reach
        self.saves = saves
        self.plays = plays
        self.completion = completion
        self.linkClicks = linkClicks
        self.platformValues = platformValues
    }
}

/// An account's numbers as the platform reports them, as of `at`.
public struct AccountStats: Sendable, Equatable, Codable {
    public var followers: Int
    public var posts: Int
    public var at: Date
    /// Accounts this one follows, where the platform says.
    public var following: Int?
    /// The platform's own metric names and values, as it sent them.
    public var platformValues: [String: Double]?

    public init(followers: Int, posts: Int, at: Date, following: Int? = nil, platformValues: [String: Double]? = nil) {
        self.followers = followers
        self.posts = posts
        self.at = at
        self.following = following
        self.platformValues = platformValues
    }
}

/// One past day of an account as the platform's history reports it
/// (`Connector.accountHistory(days:)`): totals at the end of `day`
/// (`YYYY-MM-DD`, in the time zone the caller asked for).
public struct AccountHistoryDay: Sendable, Equatable, Codable {
    public var day: String
    public var followers: Int?
    public var following: Int?
    public var posts: Int?
    public var platformValues: [String: Double]?

    public init(day: String, followers: Int?, following: Int? = nil, posts: Int? = nil, platformValues: [String: Double]? = nil) {
        self.day = day
        self.followers = followers
        self.following = following
        self.posts = posts
        self.platformValues = platformValues
    }
}

/// Why a connector call failed, in terms a person and the scheduler can
/// act on.
public enum ConnectorError: Error, Sendable, Equatable {
    /// The token expired or was revoked: reconnect the account.
    case expiredCredentials
    /// Too many calls: try again after the given time.
    case rateLimited(retryAfter: TimeInterval)
    /// The platform refused the content; sending it again will not help.
    case rejected(reason: String)
    /// The request went out and no answer came: it may have been published.
    /// Never re-send blindly; reconcile with `findPost` first.
    case outcomeUnknown(reason: String)
    /// A passing fault (server error, network): retry with back-off.
    case temporary(reason: String)
    case notSupported(String)
    case notFound

    /// Whether retrying the same call later can succeed.
    public var isRetriable: Bool {
        switch self {
        case .rateLimited, .temporary: true
        case .expiredCredentials, .rejected, .outcomeUnknown, .notSupported, .notFound: false
        }
    }
}

/// A post to publish: the variant, and the key that makes publishing it
/// twice publish it once.
public struct PublishRequest: Sendable, Equatable {
    public var idempotencyKey: String
    public var variant: Variant
    /// The files of `variant.media`, in the same order. Connectors upload
    /// them first and publish the post only once every upload is done:
    /// an upload repeated after a fault makes at most an unattached copy
    /// on the platform, never a second post.
    public var media: [MediaUpload]

    public init(idempotencyKey: String, variant: Variant, media: [MediaUpload] = []) {
        self.idempotencyKey = idempotencyKey
        self.variant = variant
        self.media = media
    }
}

/// One picture or video to upload with a post: the file and what the
/// library knows of it.
public struct MediaUpload: Sendable, Equatable {
    public var name: String
    public var format: MediaFormat
    public var width: Int?
    public var height: Int?
    /// Alt text, for platforms that take one.
    public var altText: String?
    public var sha256: String
    public var data: Data

    public init(name: String, format: MediaFormat, width: Int?, height: Int?, altText: String?, sha256: String, data: Data) {
        self.name = name
        self.format = format
        self.width = width
        self.height = height
        self.altText = altText
        self.sha256 = sha256
        self.data = data
    }

    /// The file name platforms see: the checksum and the format's extension
    /// (the name people gave it may be anything, in any script).
    public var fileName: String { "\(sha256.prefix(16)).\(format.fileExtension)" }
}

/// The one protocol every platform implements. A new platform is a new
/// folder in this module and a registration line.
public protocol Connector: Sendable {
    var platform: String { get }
    var capabilities: ConnectorCapabilities { get }

    func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost
    /// The post published under `idempotencyKey`, if the platform has it:
    /// how an unknown outcome is reconciled before anything is re-sent.
    func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost?
    func delete(remoteID: String) async throws(ConnectorError)
    /// Interactions after `cursor` (nil: from the start), oldest first.
    func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage
    func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String
    func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics
    func accountStats() async throws(ConnectorError) -> AccountStats
    /// The account's past `days` days (oldest first, ending yesterday) in
    /// `timeZone`, where the platform's API offers history; the default
    /// throws `.notSupported` (most platforms report only the present).
    func accountHistory(days: Int, timeZone: TimeZone) async throws(ConnectorError) -> [AccountHistoryDay]
    /// Whether a webhook call really comes from the platform (signature,
    /// timestamp within 5 minutes).
    func verifyWebhook(_ call: WebhookCall, now: Date) -> Bool
    /// The fans' messages in a verified push.
    func interactions(inPush call: WebhookCall) throws(ConnectorError) -> [Interaction]
    /// A push's unique id (its nonce), which replay protection remembers.
    func pushID(of call: WebhookCall) -> String?
    /// The answer to a verified push that only checks the address (Douyin's
    /// `verify_webhook`), or nil for a push of messages.
    func handshakeAnswer(toPush call: WebhookCall) -> PushHandshake?
    /// New credentials before the old expire; callers store
    /// `old.updated(with: new)`.
    func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials
    /// Carries out `move` on the message `interactionID` (hide, delete) or
    /// on its author `authorID` (block), where `capabilities.moderation`
    /// says the platform allows it. Doing it twice is harmless.
    func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError)
}

/// An account's secrets as a connector uses them. Sealed at rest with
/// `CredentialSealer`; never logged, never returned by the API.
public struct ConnectorCredentials: Sendable, Equatable, Codable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresAt: Date?
    /// When the refresh token itself stops working, where the platform
    /// says (Douyin's 30 days); nil: it lasts, or nobody knows.
    public var refreshExpiresAt: Date?
    /// Long-lived secrets some platforms need besides the token (an app
    /// secret to fetch new tokens, a webhook signing secret).
    public var secrets: [String: String]

    public init(
        accessToken: String, refreshToken: String? = nil, expiresAt: Date? = nil, refreshExpiresAt: Date? = nil, secrets: [String: String] = [:]
    ) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.refreshExpiresAt = refreshExpiresAt
        self.secrets = secrets
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        accessToken = try container.decode(String.self, forKey: .accessToken)
        refreshToken = try container.decodeIfPresent(String.self, forKey: .refreshToken)
        expiresAt = try container.decodeIfPresent(Date.self, forKey: .expiresAt)
        refreshExpiresAt = try container.decodeIfPresent(Date.self, forKey: .refreshExpiresAt)
        // Credentials sealed before `secrets` existed have none.
        secrets = try container.decodeIfPresent([String: String].self, forKey: .secrets) ?? [:]
    }

    /// Whether to refresh now: within `margin` of expiry (before, not after).
    public func needsRefresh(now: Date, margin: TimeInterval = 600) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt.timeIntervalSince(now) < margin
    }

    /// The stored credentials after a refresh: what the platform sent, but
    /// never an empty token in place of a stored one (platforms that rotate
    /// only the access token send no refresh token back). A refresh token's
    /// expiry goes with the refresh token it was sent with.
    public func updated(with refreshed: ConnectorCredentials) -> ConnectorCredentials {
        let newRefresh = !(refreshed.refreshToken?.isEmpty ?? true)
        return ConnectorCredentials(
            accessToken: refreshed.accessToken.isEmpty ? accessToken : refreshed.accessToken,
            refreshToken: newRefresh ? refreshed.refreshToken : refreshToken,
            expiresAt: refreshed.accessToken.isEmpty ? expiresAt : refreshed.expiresAt,
            refreshExpiresAt: newRefresh ? (refreshed.refreshExpiresAt ?? refreshExpiresAt) : refreshExpiresAt,
            secrets: secrets.merging(refreshed.secrets.filter { !$0.value.isEmpty }) { _, new in new })
    }
}

/// An incoming webhook call as the connector needs to verify it.
public struct WebhookCall: Sendable {
    public var headers: [String: String]
    public var query: [String: String]
    public var body: Data

    public init(headers: [String: String], query: [String: String] = [:], body: Data) {
        self.headers = headers
        self.query = query
        self.body = body
    }

    /// A header by name, whatever case the sender wrote it in.
    public func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// What a platform expects back from an address check made by push.
public struct PushHandshake: Sendable, Equatable {
    public var contentType: String
    public var body: String

    public init(contentType: String, body: String) {
        self.contentType = contentType
        self.body = body
    }
}

extension Connector {
    /// Connectors whose platform pushes nothing accept no webhook.
    public func verifyWebhook(_ call: WebhookCall, now: Date) -> Bool { false }

    /// The fans' messages in a verified push; only connectors whose
    /// platform pushes them implement it.
    public func interactions(inPush call: WebhookCall) throws(ConnectorError) -> [Interaction] {
        throw .notSupported("\(platform) does not push messages.")
    }

    /// What replay protection remembers of a push: its unique id.
    public func pushID(of call: WebhookCall) -> String? { nil }

    /// Most platforms check the address some other way, or not at all.
    public func handshakeAnswer(toPush call: WebhookCall) -> PushHandshake? { nil }

    /// Platforms whose API lets an account act on nothing.
    public func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError) {
        throw .notSupported("\(platform) does not let an account \(move.rawValue) through its API")
    }

    /// Most platforms' APIs report only today's numbers.
    public func accountHistory(days: Int, timeZone: TimeZone) async throws(ConnectorError) -> [AccountHistoryDay] {
        throw .notSupported("\(platform) reports no account history")
    }
}

/// The platform's own names and numbers, leaving out what it did not send.
public enum PlatformValues {
    public static func of(_ pairs: [(String, Int?)]) -> [String: Double]? {
        let kept = pairs.compactMap { name, value in value.map { (name, Double($0)) } }
        return kept.isEmpty ? nil : Dictionary(kept, uniquingKeysWith: { first, _ in first })
    }
}
