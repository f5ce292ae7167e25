import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A platform's public search the workspace listens to: a Bluesky query,
/// a Mastodon hashtag, or (with a connected Mastodon account's token) a
/// Mastodon full-text search.
final class ListeningSearch: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "listening_searches"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "platform") var platform: String
    @Field(key: "query") var query: String
    /// The service asked: a Mastodon instance, or a Bluesky AppView.
    @Field(key: "instance") var instance: String
    /// The connected Mastodon account whose token searches (nil: public reads only).
    @OptionalField(key: "account_id") var accountID: UUID?
    @Field(key: "interval_minutes") var intervalMinutes: Int
    /// Where the next poll starts: the newest post the last one saw.
    @OptionalField(key: "marker") var marker: String?
    @Field(key: "next_poll_at") var nextPollAt: Date
    @OptionalField(key: "last_polled_at") var lastPolledAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<ListeningSearch, ParentProperty<ListeningSearch, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $platform, $query, $instance, $accountID, $intervalMinutes, $marker, $nextPollAt, $lastPolledAt, $lastError, $createdAt]
    }

    /// A Mastodon query written `#tag` follows the tag's timeline.
    var hashtag: String? { platform == "mastodon" && query.hasPrefix("#") ? String(query.dropFirst()) : nil }
}

struct SearchSourceDTO: Content, Equatable {
    var id: UUID
    var platform: String
    var query: String
    var instance: String
    var accountId: UUID?
    var intervalMinutes: Int
    var nextPollAt: Date
    var lastPolledAt: Date?
    var lastError: String?
    var createdAt: Date

    init(_ search: ListeningSearch) {
        id = search.id!
        platform = search.platform
        query = search.query
        instance = search.instance
        accountId = search.accountID
        intervalMinutes = search.intervalMinutes
        nextPollAt = search.nextPollAt
        lastPolledAt = search.lastPolledAt
        lastError = search.lastError
        createdAt = search.createdAt
    }
}

/// Search sources: added (a typed instance checked against the outbound
/// policy before anything is asked of it), polled by the worker, removed.
enum SearchSourceService {
    struct Input: Content {
        var platform: String?
        var query: String?
        var instance: String?
        var accountId: String?
        var intervalMinutes: Int?
    }

    static let platforms = ["bluesky", "mastodon"]
    /// Five minutes at the least: a poll costs at most three calls, so a
    /// workspace's 50 searches stay far inside Bluesky's 3,000 calls and
    /// Mastodon's 300 calls per five minutes (docs/listening.md).
    static let intervals = 5...1_440
    static let maxSearches = 50
    static let maxQuery = 200

    /// Every wrong field at once, each named.
    static func validate(
        _ input: Input, in access: WorkspaceAccess, policy: OutboundAddressPolicy, on db: any Database
    ) async throws -> (platform: String, query: String, instance: String, accountID: UUID?, interval: Int) {
        var errors = ValidationErrors()
        let platform = (input.platform ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        if !platforms.contains(platform) { errors.add("platform", .oneOf(choices: platforms)) }
        var query = (input.query ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if query.isEmpty || query.count > maxQuery { errors.add("query", .lengthBetween(min: 1, max: maxQuery)) }
        let interval = input.intervalMinutes ?? 15
        if !intervals.contains(interval) {
            errors.add("interval_minutes", .wholeNumberBetween(min: intervals.lowerBound, max: intervals.upperBound))
        }
        var account: SocialAccount?
        let named = input.accountId?.trimmingCharacters(in: .whitespaces) ?? ""
        if !named.isEmpty, platforms.contains(platform) {
            // Another workspace's account, or one of another platform, is refused alike.
            if let id = UUID(uuidString: named), let found = try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first(),
                found.platform == platform
            {
                account = found
            } else {
                errors.add("account_id", .notAWorkspaceAccount(id: named))
            }
        }
        var instance = ""
        if let account {
            // Asked where the account lives: its Mastodon instance, its
            // Bluesky PDS (which forwards the search with the account's session).
            instance =
                platform == "mastodon"
                ? account.settings[MastodonKind.Setting.instanceURL] ?? ""
                : account.settings[BlueskyKind.Setting.serviceURL] ?? BlueskyKind.defaultService
        } else if !named.isEmpty {
            // The account named was refused: its instance is the one meant.
        } else if platform == "mastodon" || !(input.instance ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            switch address(input.instance ?? "", policy: policy) {
            case .address(let url): instance = url
            case .refused(let message): errors.add("instance", message)
            }
        } else {
            instance = BlueskySearch.publicAppView.absoluteString
        }
        if platform == "mastodon", !query.isEmpty {
            if query.hasPrefix("#") {
                let tag = query.dropFirst()
                if tag.isEmpty || tag.count > 100 || !tag.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    errors.add("query", .searchHashtag)
                }
            } else if named.isEmpty {
                errors.add("query", .searchNeedsAccount)
            }
        } else if platform == "bluesky" {
            query = query.replacingOccurrences(of: "\n", with: " ")
        }
        try errors.throwIfAny()
        return (platform, query, instance, account?.id, interval)
    }

    /// A typed instance as `https://host[:port]` (a bare host is https),
    /// refused when the outbound policy would not let Fanfare reach it.
    enum Address {
        case address(String)
        case refused(CodedMessage)
    }

    static func address(_ typed: String, policy: OutboundAddressPolicy) -> Address {
        var text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if !text.isEmpty, !text.contains("://") { text = "https://" + text }
        guard text.count <= 300, let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil
        else { return .refused(.typeUrl) }
        if case .refused = policy.decide(host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host) {
            return .refused(.addressUnreachable(host: host))
        }
        return .address("\(scheme)://\(host.lowercased())\(url.port.map { ":\($0)" } ?? "")")
    }

    static func create(
        _ input: Input, in access: WorkspaceAccess, actor: Actor, policy: OutboundAddressPolicy, now: Date = Date(), on db: any Database
    ) async throws -> ListeningSearch {
        try access.require(.inboxRulesManage)
        let checked = try await validate(input, in: access, policy: policy, on: db)
        if try await access.query(ListeningSearch.self, on: db).count() >= maxSearches {
            throw ValidationErrors("query", .itemsAtMost(max: maxSearches, count: maxSearches + 1))
        }
        let search = ListeningSearch()
        search.id = TimeOrderedID.make(at: now)
        search.$workspace.id = access.workspaceID
        (search.platform, search.query, search.instance, search.accountID) = (checked.platform, checked.query, checked.instance, checked.accountID)
        search.intervalMinutes = checked.interval
        search.nextPollAt = now
        search.createdAt = now
        do {
            try await db.writeTransaction { tx in
                try await search.create(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_search.created", targetType: "listening_search",
                    targetID: search.id,
                    after: [
                        "platform": search.platform, "query": search.query, "instance": search.instance, "interval_minutes": "\(checked.interval)",
                    ],
                    now: now)
            }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Problem(.conflict, "This search is already heard in this workspace.", type: "conflict")
        }
        return search
    }

    static func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date(), on db: any Database) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let search = try await access.find(ListeningSearch.self, rawID, on: tx, what: "Search")
            try await search.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_search.deleted", targetType: "listening_search",
                targetID: search.id, before: ["platform": search.platform, "query": search.query, "instance": search.instance], now: now)
        }
    }
}

/// Every minute: the searches whose time has come are asked for the posts
/// since their marker, through the guarded transport; the posts the
/// workspace's monitors hear are stored as mentions (the search's own id
/// as source key, so a post found again is dropped), the marker moved on.
enum SearchPolling {
    static let kind = JobKind<NoPayload>("listening.searches")
    static let period: TimeInterval = 60
    static let batch = 50

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let now = Date()
        let due = try await ListeningSearch.query(on: app.db).filter(\.$nextPollAt <= now).sort(\.$nextPollAt).limit(batch).all()
        for search in due { try await poll(search, app: app, now: now) }
    }

    /// Polls one search; a failure is kept on the search (shown to people)
    /// and it is tried again at its next time, or when the platform asks.
    static func poll(_ search: ListeningSearch, app: Application, now: Date) async throws {
        let found: SearchPoll
        do {
            found = try await fetch(search, app: app, now: now)
        } catch {
            search.lastError = PolledSource.failureText(error)
            search.lastPolledAt = now
            search.nextPollAt = PolledSource.nextPoll(intervalMinutes: search.intervalMinutes, now: now, failure: error as? ConnectorError)
            try await search.update(on: app.db)
            return
        }
        let next = PolledSource.nextPoll(intervalMinutes: search.intervalMinutes, now: now)
        let origin = PolledSource.Origin(
            source: .search, key: search.id!, workspaceID: search.$workspace.id, platform: search.platform, accountID: search.accountID)
        let posts = found.posts.map {
            PolledSource.Found(externalID: $0.id, text: $0.text, author: $0.author, url: $0.link?.absoluteString, published: $0.published)
        }
        let mentions = try await PolledSource.heard(posts, from: origin, app: app, now: now)
        try await PolledSource.store(
            mentions, from: origin,
            update: """
                UPDATE listening_searches SET marker = \(bind: found.marker), last_polled_at = \(bind: now), next_poll_at = \(bind: next),
                last_error = NULL WHERE id = \(bind: search.id!)
                """, app: app, now: now)
    }

    static func fetch(_ search: ListeningSearch, app: Application, now: Date) async throws -> SearchPoll {
        guard let instance = URL(string: search.instance) else { throw ConnectorError.rejected(reason: "\(search.instance) is not an address") }
        switch search.platform {
        case "bluesky":
            let token = try await accountToken(search, app: app)
            return try await BlueskySearch.poll(
                search.query, since: search.marker, appView: instance, token: token, transport: app.connectorTransport, now: now)
        default:
            let token = try await accountToken(search, app: app) ?? ""
            let query: MastodonSearch.Query = search.hashtag.map { .hashtag($0) } ?? .statuses(search.query)
            return try await MastodonSearch.poll(
                query, instance: instance, token: token, since: search.marker, transport: app.connectorTransport, now: now)
        }
    }

    /// The access token of the account the search uses (nil: none). The
    /// account was removed, or its workspace changed: its token is no
    /// longer ours to use. Its session is kept fresh by the token watch
    /// (Bluesky's two-hour sessions are refreshed half an hour ahead).
    static func accountToken(_ search: ListeningSearch, app: Application) async throws -> String? {
        guard let accountID = search.accountID else { return nil }
        guard let account = try await SocialAccount.find(accountID, on: app.db), account.$workspace.id == search.$workspace.id,
            account.platform == search.platform
        else { throw ConnectorError.expiredCredentials }
        return try AccountService(db: app.db, app: app).credentials(of: account).accessToken
    }
}
