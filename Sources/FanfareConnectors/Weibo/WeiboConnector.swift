import FanfareCore
import Foundation

/// Sina Weibo through its open API v2 (open.weibo.com/wiki/2): posts with
/// `statuses/share`, reads comments and mentions, replies with comments.
public struct WeiboConnector: Connector {
    public let platform = "weibo"
    public let uid: String
    /// A page on the app's registered safe domain (安全域名): every shared
    /// post must link there.
    public let safeDomainURL: URL?
    /// The IP reported as the poster's (`rip`), required by `statuses/share`
    /// and the comment calls.
    public let rip: String
    let api: WeiboAPI
    public let clock: @Sendable () -> Date

    static let shareLimit = 140
    static let counting = LengthCounting.halfWidth(linkCost: 20)

    public init(
        uid: String, safeDomainURL: URL?, rip: String, accessToken: String, apiBase: URL = WeiboKind.defaultAPIBase,
        transport: any HTTPTransport, clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.uid = uid
        self.safeDomainURL = safeDomainURL
        self.rip = rip
        self.api = WeiboAPI(base: apiBase, token: accessToken, transport: transport)
        self.clock = clock
    }

    public var capabilities: ConnectorCapabilities {
        // Deleting is a business API (c.api.weibo.com/2/statuses/destroy/biz),
        // not open to ordinary apps.
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: false, canReply: true, interactionKinds: [.comment, .mention], postMetrics: true,
            receivesWebhooks: false, moderation: [.delete])
    }

    /// Weibo lets the author of a post delete comments on it
    /// (`2/comments/destroy.json`, `cid`); there is no hiding, undoing or
    /// blocking in the open API, and a mention (a fan's own post) is theirs.
    public func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError) {
        guard move == .delete else { throw .notSupported("Weibo's open API lets an account delete comments on its posts, nothing else") }
        let parts = interactionID.split(separator: ":")
        guard parts.count >= 2, parts[0] == "comment" else {
            throw .rejected(reason: "Only comments on the account's own posts can be deleted on Weibo; this is a mention in a fan's post")
        }
        let reply = try await api.post("2/comments/destroy.json", [("cid", String(parts[1]))])
        // 20101: already deleted; deleting twice is done.
        if case .failed(20101, _, _) = reply { return }
        _ = try WeiboAPI.decode(reply, as: WeiboComment.self)
    }

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        let status = try shareText(for: request)
        let reply: WeiboReply
        if let picture = request.media.first {
            // The picture goes in the same call as the text (`pic`): one
            // request, so the post cannot be made without its picture.
            reply = try await api.post(
                "2/statuses/share.json", [("status", status), ("rip", rip)],
                file: .init(field: "pic", fileName: picture.fileName, contentType: picture.format.mimeType, data: picture.data))
        } else {
            reply = try await api.post("2/statuses/share.json", [("status", status), ("rip", rip)])
        }
        // 20032: "update success, while server slow now" — accepted but not
        // yet visible; reconcile instead of sending again.
        if case .failed(20032, _, _) = reply {
            throw .outcomeUnknown(reason: "Weibo accepted the post but has not confirmed it yet (error 20032); Fanfare will look for it")
        }
        let posted = try await decode(reply, as: WeiboStatus.self)
        return post(posted)
    }

    /// The `status` field: checked against what `statuses/share` refuses,
    /// with the marked safe-domain link.
    func shareText(for request: PublishRequest) throws(ConnectorError) -> String {
        guard let safeDomainURL else {
            throw .rejected(reason: "This Weibo account has no safe-domain URL; reconnect it and enter a page on your app's 安全域名")
        }
        let text = request.variant.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let topics = WeiboShareText.topics(in: text)
        if !topics.isEmpty {
            let names = topics.map { "#\($0)#" }.joined(separator: ", ")
            throw .rejected(
                reason:
                    "Weibo's share API does not accept topics (\(names)) in the text; remove the # marks and publish again, or post it by hand on weibo.com"
            )
        }
        if request.media.count != request.variant.media.count {
            throw .rejected(reason: "A picture of this post has no file in the library; upload it and try again.")
        }
        if request.media.count > 1 || request.media.contains(where: { ![.jpeg, .png, .gif].contains($0.format) || $0.data.count >= 5 * 1_048_576 }) {
            throw .rejected(
                reason: "Weibo's share API takes one JPEG, PNG or GIF picture under 5 MB; keep one such picture, or post it by hand on weibo.com")
        }
        let status = WeiboShareText.compose(text, safeDomain: safeDomainURL, marker: WeiboShareText.marker(for: request.idempotencyKey))
        let length = Self.counting.count(status)
        if length > Self.shareLimit {
            throw .rejected(
                reason:
                    "With the link Weibo requires, the post is \(length) 汉字 long; Weibo accepts \(Self.shareLimit), so shorten the text by \(length - Self.shareLimit)"
            )
        }
        return status
    }

    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        let marker = WeiboShareText.marker(for: idempotencyKey)
        let recent = try await decode(
            try await api.get("2/statuses/user_timeline.json", [("uid", uid), ("count", "100"), ("trim_user", "1")]), as: WeiboStatuses.self
        ).statuses
        var pending: [(link: String, status: WeiboStatus)] = []
        for status in recent {
            let text = status.text ?? ""
            if TextPatterns.links(in: text).contains(where: { WeiboShareText.carries(String(text[$0]), marker: marker) }) {
                return post(status)
            }
            pending += WeiboShareText.shortLinks(in: text).map { ($0, status) }
        }
        // short_url/expand takes up to 20 links a call.
        var start = 0
        while start < pending.count {
            let batch = pending[start..<min(start + 20, pending.count)]
            start += 20
            let expanded = try await decode(
                try await api.get("2/short_url/expand.json", batch.map { ("url_short", $0.link) }), as: WeiboExpandedURLs.self)
            for entry in expanded.urls where WeiboShareText.carries(entry.urlLong ?? "", marker: marker) {
                if let found = batch.first(where: { $0.link == entry.urlShort }) { return post(found.status) }
            }
        }
        return nil
    }

    public func delete(remoteID: String) async throws(ConnectorError) {
        throw .notSupported("Weibo does not let ordinary apps delete posts (only its business API can); delete it on weibo.com")
    }

    /// Cursor: `<last comment id>:<last mention id>`, the `since_id` of each
    /// stream. Weibo returns the newest 200 after `since_id`, so more than
    /// 200 new comments (or mentions) between two polls lose the oldest.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        let (commentsSince, mentionsSince) = try Self.parseCursor(cursor)
        let count = String(min(200, max(1, limit)))
        let comments = try await decode(
            try await api.get("2/comments/to_me.json", [("since_id", commentsSince), ("count", count)]), as: WeiboComments.self
        ).comments
        let mentions = try await decode(
            try await api.get("2/statuses/mentions.json", [("since_id", mentionsSince), ("count", count)]), as: WeiboStatuses.self
        ).statuses
        var all: [(Interaction, stream: Int, id: String)] = []
        for comment in comments {
            let interaction = Interaction(
                remoteID: "comment:\(comment.identifier):\(comment.status?.identifier ?? "")", kind: .comment,
                postRemoteID: comment.status?.identifier, authorID: comment.user?.id.text ?? "", authorName: comment.user?.screenName ?? "",
                text: comment.text, at: WeiboDate.parse(comment.createdAt) ?? clock())
            all.append((interaction, 0, comment.identifier))
        }
        for status in mentions {
            let interaction = Interaction(
                remoteID: "mention:\(status.identifier)", kind: .mention, postRemoteID: nil, authorID: status.user?.id.text ?? "",
                authorName: status.user?.screenName ?? "", text: status.text, at: WeiboDate.parse(status.createdAt) ?? clock())
            all.append((interaction, 1, status.identifier))
        }
        all.sort { ($0.0.at, $0.0.remoteID) < ($1.0.at, $1.0.remoteID) }
        let page = all.prefix(max(1, limit))
        let lastComment = page.filter { $0.stream == 0 }.map { $0.id }.max(by: Self.idOrder) ?? commentsSince
        let lastMention = page.filter { $0.stream == 1 }.map { $0.id }.max(by: Self.idOrder) ?? mentionsSince
        return InteractionPage(interactions: page.map { $0.0 }, nextCursor: "\(lastComment):\(lastMention)")
    }

    static func parseCursor(_ cursor: String?) throws(ConnectorError) -> (String, String) {
        guard let cursor else { return ("0", "0") }
        let parts = cursor.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, parts.allSatisfy({ UInt64($0) != nil }) else {
            throw .rejected(reason: "'\(cursor)' is not a Weibo interactions cursor (expected <comment id>:<mention id>)")
        }
        return (parts[0], parts[1])
    }

    /// Weibo ids grow with time; compared as numbers, not as text.
    static func idOrder(_ a: String, _ b: String) -> Bool {
        (UInt64(a) ?? 0) < (UInt64(b) ?? 0)
    }

    /// A comment is answered with `comments/reply`; a mention with a comment
    /// on the post that mentions the account (`comments/create`).
    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        let comment = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !comment.isEmpty else { throw .rejected(reason: "A reply needs text") }
        let length = Self.counting.count(comment)
        if length > Self.shareLimit {
            throw .rejected(reason: "The reply is \(length) 汉字 long; Weibo accepts \(Self.shareLimit), so shorten it by \(length - Self.shareLimit)")
        }
        let parts = interactionID.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let reply: WeiboReply
        switch (parts.first, parts.count) {
        case ("comment", 3) where !parts[2].isEmpty:
            reply = try await api.post("2/comments/reply.json", [("cid", parts[1]), ("id", parts[2]), ("comment", comment), ("rip", rip)])
        case ("mention", 2):
            reply = try await api.post("2/comments/create.json", [("id", parts[1]), ("comment", comment), ("rip", rip)])
        default:
            throw .rejected(reason: "'\(interactionID)' is not a Weibo comment or mention, so Fanfare cannot reply to it")
        }
        return try await decode(reply, as: WeiboComment.self).identifier
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        let counts = try await decode(try await api.get("2/statuses/count.json", [("ids", remoteID)]), as: [WeiboCount].self)
        guard let count = counts.first(where: { $0.id.text == remoteID }) ?? counts.first else { throw .notFound }
        return PostMetrics(
            impressions: nil, likes: count.attitudes, comments: count.comments, shares: count.reposts, at: clock(),
            platformValues: PlatformValues.of([("attitudes", count.attitudes), ("comments", count.comments), ("reposts", count.reposts)]))
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        let user = try await decode(try await api.get("2/users/show.json", [("uid", uid)]), as: WeiboUser.self)
        return AccountStats(
            followers: user.followersCount ?? 0, posts: user.statusesCount ?? 0, at: clock(), following: user.friendsCount,
            platformValues: PlatformValues.of([
                ("followers_count", user.followersCount), ("friends_count", user.friendsCount), ("statuses_count", user.statusesCount),
            ]))
    }

    /// Weibo gives web apps no refresh token (only its mobile SDK gets one),
    /// so the only way on is a new authorisation; `WeiboKind.reauthorisation`
    /// says so in words for the account page.
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        throw .expiredCredentials
    }

    func post(_ status: WeiboStatus) -> PublishedPost {
        PublishedPost(
            remoteID: status.identifier, url: "https://weibo.com/\(uid)/\(status.identifier)",
            publishedAt: WeiboDate.parse(status.createdAt) ?? clock())
    }

    /// Decodes, and on a rate limit asks Weibo when the hour's count resets
    /// (`account/rate_limit_status`, which does not count against it).
    func decode<T: Decodable>(_ reply: WeiboReply, as type: T.Type) async throws(ConnectorError) -> T {
        do {
            return try WeiboAPI.decode(reply, as: type)
        } catch .rateLimited(let fallback) {
            let status = try? await WeiboAPI.decode(api.get("2/account/rate_limit_status.json", []), as: WeiboRateLimitStatus.self)
            let reset = status?.resetTimeInSeconds.map { TimeInterval(min(max($0, 1), 3_600)) }
            throw .rateLimited(retryAfter: reset ?? fallback)
        }
    }
}
