import FanfareCore
import Foundation

/// Where the Sandbox platform keeps what it published. A real platform
/// remembers its posts whatever happens to the client; so must the Sandbox:
/// the server keeps them in its database, so that every worker process
/// (and a worker restarted after a crash) sees the same platform.
public protocol SandboxStore: Sendable {
    /// Counts a call against the account's rate limit, or refuses it.
    func admit(account: String, now: Date, limit: Int, window: TimeInterval) async throws(ConnectorError)
    /// The number of this attempt to publish under `key` (1 for the first).
    func attempt(_ key: String) async throws(ConnectorError) -> Int
    /// Records a post under `key`; when the key already has one, that one
    /// is kept and returned, so two racing publishes make one post.
    func record(_ post: PublishedPost, account: String, key: String) async throws(ConnectorError) -> PublishedPost
    func post(forKey key: String) async throws(ConnectorError) -> PublishedPost?
    /// A live (not deleted) post.
    func post(_ id: String) async throws(ConnectorError) -> PublishedPost?
    func livePosts(account: String) async throws(ConnectorError) -> [PublishedPost]
    func delete(_ id: String) async throws(ConnectorError) -> Bool
    /// Records a reply under `key`, received `at`; a second reply under the
    /// same key returns the first one's id, so a retried send answers once.
    func reply(
        key: String, account: String, inReplyTo: String, text: String, at: Date, make: @Sendable () -> String
    ) async throws(ConnectorError)
        -> String
    /// What Sandbox fans wrote to an account on purpose (the demo, a person
    /// trying the inbox), besides what the simulated audience says.
    func fanMessages(account: String) async throws(ConnectorError) -> [Interaction]
    /// Records what the account did to a message or a fan: `target` is
    /// the message's id (hide, delete) or the author's (block); an undo
    /// clears it.
    func moderate(account: String, target: String, move: ModerationMove, at: Date) async throws(ConnectorError)
    /// The state of each target the account acted on (`hidden`,
    /// `deleted`, `blocked`).
    func moderation(account: String) async throws(ConnectorError) -> [String: String]
}

extension ModerationMove {
    /// The state a target is left in (nil: cleared).
    public var sandboxState: String? {
        switch self {
        case .hide: "hidden"
        case .delete: "deleted"
        case .block: "blocked"
        case .unhide, .unblock: nil
        }
    }
}

/// The Sandbox's memory in one process: for tests and single-process use.
/// One ledger stands for one platform; connectors for several accounts may
/// share it.
public actor SandboxLedger: SandboxStore {
    var posts: [String: PublishedPost] = [:]
    var postsByKey: [String: String] = [:]
    var accounts: [String: String] = [:]
    var deleted: Set<String> = []
    var replies: [String: String] = [:]
    var written: [String: [Interaction]] = [:]
    var calls: [String: [Date]] = [:]
    var attempts: [String: Int] = [:]
    var acted: [String: [String: String]] = [:]

    public init() {}

    public func moderate(account: String, target: String, move: ModerationMove, at: Date) {
        acted[account, default: [:]][target] = move.sandboxState
    }

    public func moderation(account: String) -> [String: String] { acted[account] ?? [:] }

    public func admit(account: String, now: Date, limit: Int, window: TimeInterval) throws(ConnectorError) {
        var recent = (calls[account] ?? []).filter { now.timeIntervalSince($0) < window }
        if recent.count >= limit, let oldest = recent.first {
            throw .rateLimited(retryAfter: window - now.timeIntervalSince(oldest))
        }
        recent.append(now)
        calls[account] = recent
    }

    public func attempt(_ key: String) -> Int {
        attempts[key, default: 0] += 1
        return attempts[key]!
    }

    public func record(_ post: PublishedPost, account: String, key: String) -> PublishedPost {
        if let existing = postsByKey[key].flatMap({ posts[$0] }) { return existing }
        posts[post.remoteID] = post
        postsByKey[key] = post.remoteID
        accounts[post.remoteID] = account
        return post
    }

    public func post(forKey key: String) -> PublishedPost? { postsByKey[key].flatMap { posts[$0] } }
    public func post(_ id: String) -> PublishedPost? { deleted.contains(id) ? nil : posts[id] }
    public func livePosts(account: String) -> [PublishedPost] {
        posts.values.filter { !deleted.contains($0.remoteID) && accounts[$0.remoteID] == account }
    }

    public func delete(_ id: String) -> Bool {
        guard posts[id] != nil, !deleted.contains(id) else { return false }
        deleted.insert(id)
        return true
    }

    public func reply(key: String, account: String, inReplyTo: String, text: String, at: Date, make: @Sendable () -> String) -> String {
        if let existing = replies[key] { return existing }
        let id = make()
        replies[key] = id
        return id
    }

    /// How many replies the platform has received.
    public var replyCount: Int { replies.count }

    public func fanMessages(account: String) -> [Interaction] { written[account] ?? [] }

    /// A fan writes to `account`: it arrives with the next fetch.
    public func write(_ message: Interaction, to account: String) { written[account, default: []].append(message) }
}

/// The Sandbox platform: behaves like a real one (ids, links, rate limits,
/// occasional failures, an audience that reacts over time) without a
/// network. Content can ask for a fault on purpose, for tests and demos:
/// `[sandbox:reject]` is refused, `[sandbox:timeout]` is published but
/// answers with an unknown outcome, `[sandbox:expired]` fails as an expired
/// token.
public struct SandboxConnector: Connector {
    public let platform = "sandbox"
    public let account: String
    public let audience: SandboxAudience
    public let ledger: any SandboxStore
    /// When the account joined the platform: follows count from here.
    public let accountCreated: Date
    public let initialFollowers: Int
    /// Share of first attempts that fail with a passing fault.
    public var failureRate: Double
    public var rateLimit: (calls: Int, window: TimeInterval)
    /// Where the platform's post pages are: a post's link is
    /// `<postLinkBase>/@<account>/<post id>`. The server passes its own
    /// address, where it serves each Sandbox post's page.
    public let postLinkBase: String
    public let clock: @Sendable () -> Date

    public init(
        account: String, audience: SandboxAudience, ledger: any SandboxStore, accountCreated: Date, initialFollowers: Int? = nil,
        failureRate: Double = 0.02, rateLimit: (calls: Int, window: TimeInterval) = (300, 300),
        postLinkBase: String = "https://sandbox.fanfare.local", clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.account = account
        self.audience = audience
        self.ledger = ledger
        self.accountCreated = accountCreated
        self.initialFollowers = initialFollowers ?? Self.followersBefore(audience)
        self.failureRate = failureRate
        self.rateLimit = rateLimit
        self.postLinkBase = postLinkBase
        self.clock = clock
    }

    /// The page of post `id` of `account` under `base`.
    public static func postLink(base: String, account: String, id: String) -> String {
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))
        return "\(base)/@\(account.addingPercentEncoding(withAllowedCharacters: allowed) ?? account)/\(id)"
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: true, canReply: true,
            interactionKinds: [.comment, .directMessage, .like, .share, .follow], postMetrics: true, receivesWebhooks: false,
            moderation: Set(ModerationMove.allCases))
    }

    /// The Sandbox lets an account do everything a platform might: the
    /// moves are recorded, and a hidden or deleted message, or one by a
    /// blocked fan, is no longer among the account's interactions.
    public func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError) {
        let target = move == .block || move == .unblock ? authorID : interactionID
        guard !target.isEmpty else { throw .notFound }
        try await ledger.moderate(account: account, target: target, move: move, at: clock())
    }

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        let now = clock()
        try await ledger.admit(account: account, now: now, limit: rateLimit.calls, window: rateLimit.window)
        if let existing = try await ledger.post(forKey: request.idempotencyKey) { return existing }
        let text = request.variant.text
        if text.contains("[sandbox:expired]") { throw .expiredCredentials }
        if text.contains("[sandbox:reject]") { throw .rejected(reason: "the Sandbox refused this content on request ([sandbox:reject])") }
        let problems = VariantValidator.violations(of: request.variant, against: PlatformRules.standard["sandbox"]!).filter { $0.severity == .error }
        if !problems.isEmpty {
            throw .rejected(reason: problems.map { "\($0.field) \($0.message)" }.joined(separator: "; "))
        }
        // Occasional passing faults, decided by the key and the attempt so
        // that a retry can succeed and a run can be repeated.
        let attempt = try await ledger.attempt(request.idempotencyKey)
        var dice = SplitMix(seed: audience.seed ^ SandboxAudience.hash("\(request.idempotencyKey)#\(attempt)"))
        if dice.uniform(0, 1) < failureRate { throw .temporary(reason: "Sandbox returned 503 (simulated)") }
        let id =
            "sbx_\(String(UInt64(now.timeIntervalSince1970 * 1000), radix: 36))_\(String(SandboxAudience.hash(account + request.idempotencyKey) % 0xFFFF_FFFF, radix: 16))"
        let post = PublishedPost(remoteID: id, url: Self.postLink(base: postLinkBase, account: account, id: id), publishedAt: now)
        let kept = try await ledger.record(post, account: account, key: request.idempotencyKey)
        if text.contains("[sandbox:timeout]") { throw .outcomeUnknown(reason: "no answer from the Sandbox within the timeout (simulated)") }
        return kept
    }

    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        try await ledger.post(forKey: idempotencyKey)
    }

    public func delete(remoteID: String) async throws(ConnectorError) {
        guard try await ledger.delete(remoteID) else { throw .notFound }
    }

    /// Cursor: `<milliseconds>:<id>` of the last interaction returned.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        let now = clock()
        var all = audience.follows(account: account, from: accountCreated, to: now)
        for post in try await ledger.livePosts(account: account) {
            all += audience.interactions(for: post).filter { $0.at <= now }
        }
        all += try await ledger.fanMessages(account: account).filter { $0.at <= now }
        let acted = try await ledger.moderation(account: account)
        if !acted.isEmpty { all = all.filter { acted[$0.remoteID] == nil && acted[$0.authorID] != "blocked" } }
        all.sort { ($0.at, $0.remoteID) < ($1.at, $1.remoteID) }
        if let cursor {
            let parts = cursor.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, let millis = Double(parts[0]) else { throw .rejected(reason: "malformed cursor '\(cursor)'") }
            let after = (Date(timeIntervalSince1970: millis / 1000), parts[1])
            all = all.filter { (Self.millis($0.at), $0.remoteID) > (millis, after.1) }
        }
        let page = Array(all.prefix(max(1, limit)))
        let next = page.last.map { "\(Int64(Self.millis($0.at))):\($0.remoteID)" } ?? cursor ?? "0:"
        return InteractionPage(interactions: page, nextCursor: next)
    }

    private static func millis(_ date: Date) -> Double { (date.timeIntervalSince1970 * 1000).rounded(.down) }

    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        try await ledger.admit(account: account, now: clock(), limit: rateLimit.calls, window: rateLimit.window)
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .rejected(reason: "a reply needs text") }
        return try await ledger.reply(key: idempotencyKey, account: account, inReplyTo: interactionID, text: text, at: clock()) {
            "sbx_reply_\(String(SandboxAudience.hash(idempotencyKey), radix: 16))"
        }
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        guard let post = try await ledger.post(remoteID) else { throw .notFound }
        let now = clock()
        let arrived = audience.interactions(for: post).filter { $0.at <= now }
        let likes = arrived.filter { $0.kind == .like }.count
        let comments = arrived.filter { $0.kind == .comment }.count
        let shares = arrived.filter { $0.kind == .share }.count
        let impressions = likes * 12 + arrived.count * 3
        return PostMetrics(
            impressions: impressions, likes: likes, comments: comments, shares: shares, at: now,
            platformValues: ["impressions": Double(impressions), "likes": Double(likes), "comments": Double(comments), "shares": Double(shares)])
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        let now = clock()
        let count = followers(at: now)
        return AccountStats(
            followers: count, posts: try await ledger.livePosts(account: account).count, at: now, platformValues: ["followers": Double(count)])
    }

    /// How long the Sandbox account had been on its platform before
    /// `accountCreated`, gaining followers at its audience's pace.
    public static let priorHistory: TimeInterval = 365 * 86_400

    /// The followers an account has when it is connected, unless told: what
    /// its audience's pace gives over `priorHistory` (about 13,000 at 1.5 an
    /// hour).
    public static func followersBefore(_ audience: SandboxAudience) -> Int {
        Int((audience.followsPerHour * priorHistory / 3_600).rounded())
    }

    /// Followers at `time`: from `accountCreated` on, `initialFollowers`
    /// plus the audience's follows since; before it, `initialFollowers` less
    /// the same audience's follows between `time` and `accountCreated`,
    /// never below 0. The account grew at one pace before and after it was
    /// connected, so a backfill continues the curve the snapshots draw
    /// rather than bending where connecting began (a bend the anomaly
    /// detector would rightly flag as a jump in net growth every day for
    /// weeks).
    public func followers(at time: Date) -> Int {
        if time >= accountCreated { return initialFollowers + audience.followCount(account: account, from: accountCreated, to: time) }
        return max(0, initialFollowers - audience.followCount(account: account, from: time, to: accountCreated))
    }

    /// The Sandbox keeps every day's follower count (computed from its
    /// audience): the end of each of the last `days` days before today.
    /// Posts are not reported for the past (the Sandbox keeps no deletion
    /// dates).
    public func accountHistory(days: Int, timeZone: TimeZone) async throws(ConnectorError) -> [AccountHistoryDay] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: clock())
        return (1...max(1, min(days, 3_650))).reversed().compactMap { back in
            guard let start = calendar.date(byAdding: .day, value: -back, to: today),
                let end = calendar.date(byAdding: .day, value: 1, to: start)
            else { return nil }
            let parts = calendar.dateComponents([.year, .month, .day], from: start)
            let day = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            let count = followers(at: end.addingTimeInterval(-1))
            return AccountHistoryDay(day: day, followers: count, platformValues: ["followers": Double(count)])
        }
    }

    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        ConnectorCredentials(accessToken: "sbx_token_\(Int(now.timeIntervalSince1970))", refreshToken: nil, expiresAt: now.addingTimeInterval(7_200))
    }
}
