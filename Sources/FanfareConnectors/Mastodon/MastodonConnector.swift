import FanfareCore
import Foundation

/// One Mastodon account, through the instance's REST API (v1).
public struct MastodonConnector: Connector {
    public let platform = "mastodon"
    let api: MastodonAPI
    let accountID: String
    let clock: @Sendable () -> Date

    public init(connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date = { Date() }) {
        let instance = connection.settings[MastodonKind.Setting.instanceURL].flatMap(URL.init(string:)) ?? URL(string: "https://invalid.invalid")!
        api = MastodonAPI(instance: instance, token: connection.credentials.accessToken, transport: transport)
        accountID = connection.settings[MastodonKind.Setting.accountID] ?? ""
        self.clock = clock
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: true, canReply: true, interactionKinds: [.comment, .mention, .like, .share, .follow],
            postMetrics: true, receivesWebhooks: false, moderation: [.block, .unblock])
    }

    /// Mastodon lets an account block another (`POST /api/v1/accounts/:id/block`,
    /// undone by `/unblock`); only the instance's moderators can remove
    /// someone else's reply, so hiding and deleting are not offered.
    public func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError) {
        guard move == .block || move == .unblock else {
            throw .notSupported("Mastodon lets an account block a fan, not hide or delete their replies")
        }
        guard !authorID.isEmpty else { throw .notFound }
        _ = try await api.call(
            MastodonEntity.Relationship.self, "POST", "/api/v1/accounts/\(Self.pathSegment(authorID))/\(move.rawValue)", now: clock())
    }

    /// The instance keeps an `Idempotency-Key` for one hour: within it, a
    /// repeated request returns the status already made instead of a second.
    ///
    /// Pictures and videos are uploaded first (`POST /api/v2/media`, then
    /// waited for while the instance processes them) and the status is
    /// made once with their ids. Uploading again after a fault only leaves
    /// an unattached file, which the instance removes; the status itself
    /// carries the key, so it is made once.
    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        guard request.media.count == request.variant.media.count else {
            throw .rejected(reason: "A picture or video of this post has no file in the library; upload it and try again.")
        }
        var form = [("status", request.variant.text)]
        if let title = request.variant.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty {
            form.append(("spoiler_text", title))
        }
        for upload in request.media {
            form.append(("media_ids[]", try await self.upload(upload)))
        }
        let now = clock()
        let status = try await api.call(
            MastodonEntity.Status.self, "POST", "/api/v1/statuses", form: form, idempotencyKey: request.idempotencyKey, now: now)
        return post(status, now: now)
    }

    /// Asks the instance for the status kept under the key by posting an
    /// empty status with it: Mastodon answers a known key with its status
    /// before it validates anything, and refuses an empty status otherwise,
    /// so this never publishes. Keys are kept one hour: after that the
    /// post cannot be found this way and nil is returned.
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        let now = clock()
        let response: HTTPResponseData
        do {
            response = try await api.send("POST", "/api/v1/statuses", form: [("status", "")], idempotencyKey: idempotencyKey)
        } catch {
            // The probe cannot publish, so asking again is safe.
            if case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            throw error
        }
        switch response.status {
        case 200..<300:
            guard let status = try? JSONDecoder().decode(MastodonEntity.Status.self, from: response.body) else {
                throw .temporary(reason: "\(api.host) answered in a form Fanfare does not understand; Fanfare will ask again.")
            }
            return post(status, now: now)
        // 422: nothing is kept under the key (the empty status was refused);
        // 404: the status kept under it has been deleted since.
        case 400, 404, 422: return nil
        default: throw api.error(for: response, now: now)
        }
    }

    /// How long to wait for the instance to process one upload.
    var processingWait: TimeInterval { 120 }

    /// Uploads one file and returns its id once the instance has processed
    /// it (202 means still processing; the status would be refused until
    /// the file has a URL).
    func upload(_ upload: MediaUpload) async throws(ConnectorError) -> String {
        var fields: [(String, String)] = []
        if let alt = upload.altText, !alt.isEmpty { fields.append(("description", String(alt.prefix(1_500)))) }
        let body = MultipartBody(
            fields: fields, files: [.init(field: "file", fileName: upload.fileName, contentType: upload.format.mimeType, data: upload.data)])
        let uploaded: MastodonEntity.Attachment
        do {
            uploaded = try await api.call(MastodonEntity.Attachment.self, "POST", "/api/v2/media", multipart: body, now: clock())
        } catch {
            // An upload publishes nothing: one that got no answer is only a
            // passing fault, and the post is retried whole.
            if case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            throw error
        }
        var attachment = uploaded
        let started = clock()
        var delay: UInt64 = 500_000_000
        while attachment.url == nil {
            guard clock().timeIntervalSince(started) < processingWait else {
                throw .temporary(reason: "\(api.host) is still processing an uploaded file; Fanfare will try the post again.")
            }
            try? await Task.sleep(nanoseconds: delay)
            delay = min(delay * 2, 5_000_000_000)
            attachment = try await api.call(
                MastodonEntity.Attachment.self, "GET", "/api/v1/media/\(Self.pathSegment(attachment.id))", now: clock())
        }
        return attachment.id
    }

    public func delete(remoteID: String) async throws(ConnectorError) {
        let now = clock()
        let response = try await api.send("DELETE", "/api/v1/statuses/\(Self.pathSegment(remoteID))")
        guard (200..<300).contains(response.status) else { throw api.error(for: response, now: now) }
    }

    /// The cursor is the id of the last notification returned. `min_id`
    /// (not `since_id`) pages forward from it, so a burst larger than
    /// `limit` is read in full over several calls.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        var query = ["mention", "favourite", "reblog", "follow"].map { ("types[]", $0) }
        query.append(("limit", String(min(max(limit, 1), 80))))
        query.append(("min_id", cursor ?? "0"))
        let notifications = try await api.call([MastodonEntity.Notification].self, "GET", "/api/v1/notifications", query: query, now: clock())
        let page = notifications.sorted { Self.idOrder($0.id, $1.id) }.compactMap(interaction)
        let last = notifications.map(\.id).max(by: Self.idOrder)
        return InteractionPage(interactions: page, nextCursor: last ?? cursor ?? "0")
    }

    /// Replies to the status behind a notification, mentioning its author
    /// (Mastodon notifies only mentioned accounts) and never more visibly
    /// than the status itself: a reply to a direct message stays direct.
    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        let now = clock()
        let notification = try await api.call(
            MastodonEntity.Notification.self, "GET", "/api/v1/notifications/\(Self.pathSegment(interactionID))", now: now)
        guard let status = notification.status, notification.type == "mention" else {
            throw .rejected(reason: "This interaction is a \(notification.type), not a post; there is nothing to reply to.")
        }
        let mention = "@\(notification.account.acct)"
        var form = [("status", text.contains(mention) ? text : "\(mention) \(text)"), ("in_reply_to_id", status.id)]
        if let visibility = status.visibility, visibility != "public" { form.append(("visibility", visibility)) }
        let reply = try await api.call(
            MastodonEntity.Status.self, "POST", "/api/v1/statuses", form: form, idempotencyKey: idempotencyKey, now: now)
        return reply.id
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        let now = clock()
        let status = try await api.call(MastodonEntity.Status.self, "GET", "/api/v1/statuses/\(Self.pathSegment(remoteID))", now: now)
        return PostMetrics(
            impressions: nil, likes: status.favouritesCount ?? 0, comments: status.repliesCount ?? 0, shares: status.reblogsCount ?? 0, at: now,
            platformValues: PlatformValues.of([
                ("favourites_count", status.favouritesCount), ("replies_count", status.repliesCount), ("reblogs_count", status.reblogsCount),
            ]))
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        let now = clock()
        let account = try await api.call(MastodonEntity.Account.self, "GET", "/api/v1/accounts/verify_credentials", now: now)
        return AccountStats(
            followers: account.followersCount ?? 0, posts: account.statusesCount ?? 0, at: now, following: account.followingCount,
            platformValues: PlatformValues.of([
                ("followers_count", account.followersCount), ("following_count", account.followingCount), ("statuses_count", account.statusesCount),
            ]))
    }

    /// Mastodon tokens do not expire; they stop working only when revoked.
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        credentials
    }

    private func post(_ status: MastodonEntity.Status, now: Date) -> PublishedPost {
        PublishedPost(
            remoteID: status.id, url: status.url ?? status.uri ?? "", publishedAt: MastodonAPI.parseDate(status.createdAt) ?? now)
    }

    private func interaction(_ notification: MastodonEntity.Notification) -> Interaction? {
        let kind: InteractionKind
        var postID = notification.status?.id
        switch notification.type {
        case "mention":
            // A reply reaches the account as a mention of it.
            kind = notification.status?.inReplyToID == nil ? .mention : .comment
            postID = notification.status?.inReplyToID
        case "favourite": kind = .like
        case "reblog": kind = .share
        case "follow":
            kind = .follow
            postID = nil
        default: return nil
        }
        let author = notification.account
        let name = author.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? author.acct
        return Interaction(
            remoteID: notification.id, kind: kind, postRemoteID: postID, authorID: author.id, authorName: name,
            text: kind == .mention || kind == .comment ? notification.status?.content.map(Self.plainText) : nil,
            at: MastodonAPI.parseDate(notification.createdAt) ?? clock())
    }

    /// Mastodon ids are decimal numbers in strings: longer is newer.
    static func idOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.count != rhs.count ? lhs.count < rhs.count : lhs < rhs
    }

    static func pathSegment(_ id: String) -> String {
        id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id
    }

    /// Status content is HTML; people read the text.
    static func plainText(_ html: String) -> String {
        var text = html.replacing(#/<br\s*/?>/#, with: "\n").replacing(#/</p>\s*<p>/#, with: "\n\n")
        text = text.replacing(#/<[^>]*>/#, with: "")
        for (entity, character) in [("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&apos;", "'"), ("&nbsp;", " "), ("&amp;", "&")]
        {
            text = text.replacingOccurrences(of: entity, with: character)
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
