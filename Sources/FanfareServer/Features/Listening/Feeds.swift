import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// An RSS or Atom feed the workspace listens to (news sites, blogs,
/// RSSHub routes).
final class ListeningFeed: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "listening_feeds"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "url") var url: String
    @Field(key: "interval_minutes") var intervalMinutes: Int
    @OptionalField(key: "etag") var etag: String?
    @OptionalField(key: "last_modified") var lastModified: String?
    @Field(key: "next_poll_at") var nextPollAt: Date
    @OptionalField(key: "last_polled_at") var lastPolledAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<ListeningFeed, ParentProperty<ListeningFeed, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $name, $url, $intervalMinutes, $etag, $lastModified, $nextPollAt, $lastPolledAt, $lastError, $createdAt]
    }
}

struct FeedDTO: Content, Equatable {
    var id: UUID
    var name: String
    var url: String
    var intervalMinutes: Int
    var nextPollAt: Date
    var lastPolledAt: Date?
    var lastError: String?
    var createdAt: Date

    init(_ feed: ListeningFeed) {
        id = feed.id!
        name = feed.name
        url = feed.url
        intervalMinutes = feed.intervalMinutes
        nextPollAt = feed.nextPollAt
        lastPolledAt = feed.lastPolledAt
        lastError = feed.lastError
        createdAt = feed.createdAt
    }
}

/// Feeds: added (the address checked against the outbound policy before
/// anything is fetched), polled by the worker no more often than every
/// five minutes, removed.
enum FeedService {
    struct Input: Content {
        var name: String?
        var url: String?
        var intervalMinutes: Int?
    }

    static let intervals = 5...1_440
    static let maxFeeds = 200

    static func create(
        _ input: Input, in access: WorkspaceAccess, actor: Actor, policy: OutboundAddressPolicy, now: Date = Date(), on db: any Database
    )
        async throws -> ListeningFeed
    {
        try access.require(.inboxRulesManage)
        var errors = ValidationErrors()
        let typed = (input.url ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let url = URL(string: typed)
        if let url, let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty,
            typed.count <= 2_000
        {
            if case .refused = policy.decide(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host) {
                errors.add("url", .addressUnreachable(host: host))
            }
        } else {
            errors.add("url", .typeUrl)
        }
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.count > 80 { errors.add("name", .lengthBetween(min: 1, max: 80)) }
        let interval = input.intervalMinutes ?? 15
        if !intervals.contains(interval) {
            errors.add("interval_minutes", .wholeNumberBetween(min: intervals.lowerBound, max: intervals.upperBound))
        }
        try errors.throwIfAny()
        if try await access.query(ListeningFeed.self, on: db).count() >= maxFeeds {
            throw ValidationErrors("url", .itemsAtMost(max: maxFeeds, count: maxFeeds + 1))
        }
        let feed = ListeningFeed()
        feed.id = TimeOrderedID.make(at: now)
        feed.$workspace.id = access.workspaceID
        feed.name = name.isEmpty ? (url?.host ?? typed) : name
        feed.url = typed
        feed.intervalMinutes = interval
        feed.nextPollAt = now
        feed.createdAt = now
        do {
            try await db.writeTransaction { tx in
                try await feed.create(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_feed.created", targetType: "listening_feed",
                    targetID: feed.id, after: ["url": feed.url, "interval_minutes": "\(interval)"], now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Problem(.conflict, "This feed is already heard in this workspace.", type: "conflict")
        }
        return feed
    }

    static func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date(), on db: any Database) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let feed = try await access.find(ListeningFeed.self, rawID, on: tx, what: "Feed")
            try await feed.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_feed.deleted", targetType: "listening_feed",
                targetID: feed.id, before: ["url": feed.url], now: now)
        }
    }
}

/// Every minute: the feeds whose time has come are fetched through the
/// guarded transport, their new entries matched and stored as mentions
/// (the feed's own id as source key, so an entry seen again is dropped),
/// with the validators for the next poll.
enum FeedPolling {
    static let kind = JobKind<NoPayload>("listening.feeds")
    static let period: TimeInterval = 60
    static let batch = 50

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let now = Date()
        let due = try await ListeningFeed.query(on: app.db).filter(\.$nextPollAt <= now).sort(\.$nextPollAt).limit(batch).all()
        for feed in due { try await poll(feed, app: app, now: now) }
    }

    /// Polls one feed; a failure is kept on the feed (shown to people) and
    /// the feed is tried again at its next time, or when the site asks.
    static func poll(_ feed: ListeningFeed, app: Application, now: Date) async throws {
        guard let url = URL(string: feed.url) else { return }
        let fetched: FeedFetch
        do {
            fetched = try await FeedReader.fetch(url, etag: feed.etag, lastModified: feed.lastModified, transport: app.connectorTransport)
        } catch {
            feed.lastError = PolledSource.failureText(error)
            feed.lastPolledAt = now
            feed.nextPollAt = PolledSource.nextPoll(intervalMinutes: feed.intervalMinutes, now: now, failure: error)
            try await feed.update(on: app.db)
            return
        }
        let next = PolledSource.nextPoll(intervalMinutes: feed.intervalMinutes, now: now)
        guard case .feed(let document, let etag, let lastModified) = fetched else {
            feed.lastPolledAt = now
            feed.nextPollAt = next
            feed.lastError = nil
            try await feed.update(on: app.db)
            return
        }
        let origin = PolledSource.Origin(source: .feeds, key: feed.id!, workspaceID: feed.$workspace.id, platform: "rss")
        let found = document.items.map { item in
            PolledSource.Found(
                externalID: item.id, text: [item.title, item.text].filter { !$0.isEmpty }.joined(separator: "\n"), author: item.author ?? feed.name,
                url: item.link?.absoluteString, published: item.published)
        }
        let mentions = try await PolledSource.heard(found, from: origin, app: app, now: now)
        try await PolledSource.store(
            mentions, from: origin,
            update: """
                UPDATE listening_feeds SET etag = \(bind: etag), last_modified = \(bind: lastModified), last_polled_at = \(bind: now),
                next_poll_at = \(bind: next), last_error = NULL WHERE id = \(bind: feed.id!)
                """, app: app, now: now)
    }
}
