import FanfareCore
import Foundation

/// One Bluesky account, through its PDS with an app-password session.
public struct BlueskyConnector: Connector {
    public let platform = "bluesky"
    let api: BlueskyAPI
    let did: String
    let handle: String
    let accessToken: String
    let clock: @Sendable () -> Date
    /// Bluesky's public AppView: other accounts' profiles and feeds, read
    /// without the account's token (`PublicAccountReading`).
    let appView: BlueskyAPI

    static let postCollection = "app.bsky.feed.post"
    /// Where public reads go; never a setting a user types.
    public static let publicAppView = URL(string: "https://public.api.bsky.app")!

    public init(
        connection: AccountConnection, transport: any HTTPTransport, appView: URL = BlueskyConnector.publicAppView,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        let service = connection.settings[BlueskyKind.Setting.serviceURL].flatMap(URL.init(string:)) ?? URL(string: BlueskyKind.defaultService)!
        api = BlueskyAPI(service: service, transport: transport)
        self.appView = BlueskyAPI(service: appView, transport: transport)
        did = connection.settings[BlueskyKind.Setting.did] ?? ""
        handle = connection.settings[BlueskyKind.Setting.handle] ?? connection.handle
        accessToken = connection.credentials.accessToken
        self.clock = clock
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: true, canReply: true, interactionKinds: [.comment, .mention, .like, .share, .follow],
            postMetrics: true, receivesWebhooks: false, moderation: [.hide, .unhide, .block, .unblock])
    }

    /// Hiding a reply goes through the thread's gate (`BlueskyThreadgate`);
    /// a post cannot be deleted by anyone but its author. A block is a
    /// record in the account's repository (`app.bsky.graph.block`); its key
    /// is derived from the fan's DID, so blocking twice writes one record
    /// and unblocking deletes it.
    public func moderate(_ move: ModerationMove, interactionID: String, authorID: String) async throws(ConnectorError) {
        switch move {
        case .hide, .unhide:
            return try await BlueskyThreadgate(api: api, did: did, token: accessToken).set(hidden: move == .hide, reply: interactionID, now: clock())
        case .delete:
            throw .notSupported("Bluesky lets only a post's author delete it; hide the reply or block its author instead")
        case .block, .unblock:
            break
        }
        guard authorID.hasPrefix("did:") else { throw .notFound }
        let now = clock()
        let rkey = BlueskyRecordKey.tid(for: "block:" + authorID)
        if move == .unblock {
            let body = try BlueskyAPI.json(BlueskyEntity.DeleteRecord(repo: did, collection: "app.bsky.graph.block", rkey: rkey))
            let response = try await api.send("POST", "com.atproto.repo.deleteRecord", body: body, token: accessToken)
            guard (200..<300).contains(response.status) else { throw api.error(for: response, now: now) }
            return
        }
        let body = try BlueskyAPI.json(
            BlueskyEntity.CreateBlock(repo: did, rkey: rkey, record: .init(subject: authorID, createdAt: BlueskyAPI.formatDate(now))))
        let response = try await api.send("POST", "com.atproto.repo.createRecord", body: body, token: accessToken)
        guard (200..<300).contains(response.status) else {
            // The key is taken: the block exists already.
            let params = [("repo", did), ("collection", "app.bsky.graph.block"), ("rkey", rkey)]
            if (try? await api.send("GET", "com.atproto.repo.getRecord", params: params, token: accessToken))?.status == 200 { return }
            throw api.error(for: response, now: now)
        }
    }

    ///
    /// Pictures and a video are uploaded as blobs first
    /// (`com.atproto.repo.uploadBlob`) and embedded in the post record; a
    /// blob no record uses is dropped by the PDS, so uploading again after
    /// a fault costs nothing, and the record key keeps the post single.
    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        guard request.media.count == request.variant.media.count else {
            throw .rejected(reason: "A picture or video of this post has no file in the library; upload it and try again.")
        }
        // If the post exists already (an earlier attempt made it), nothing is uploaded again.
        if !request.media.isEmpty, let existing = try await existingPost(rkey: BlueskyRecordKey.tid(for: request.idempotencyKey), now: clock()) {
            return existing
        }
        var embed: BlueskyEntity.Embed?
        if !request.media.isEmpty {
            var images: [BlueskyEntity.Embed.Image] = []
            for upload in request.media {
                let blob = try await uploadBlob(upload)
                let ratio = upload.width.flatMap { w in upload.height.map { BlueskyEntity.AspectRatio(width: w, height: $0) } }
                if upload.format.kind == .video {
                    embed = .video(blob, alt: upload.altText, aspectRatio: ratio)
                } else {
                    images.append(.init(alt: upload.altText ?? "", image: blob, aspectRatio: ratio))
                }
            }
            if !images.isEmpty { embed = .images(Array(images.prefix(4))) }
        }
        // A record holds at most 8 tags besides those in the text.
        let tags = Array(request.variant.tags.prefix(8))
        return try await createPost(
            text: request.variant.text, tags: tags.isEmpty ? nil : tags, reply: nil, embed: embed, idempotencyKey: request.idempotencyKey)
    }

    func uploadBlob(_ upload: MediaUpload) async throws(ConnectorError) -> BlueskyEntity.Blob {
        let now = clock()
        do {
            let response = try await api.send(
                "POST", "com.atproto.repo.uploadBlob", body: upload.data, contentType: upload.format.mimeType, token: accessToken)
            return try api.decode(BlueskyEntity.UploadedBlob.self, response, write: false, now: now).blob
        } catch {
            // A blob publishes nothing: an upload without answer is retried whole.
            if case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            throw error
        }
    }

    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        try await existingPost(rkey: BlueskyRecordKey.tid(for: idempotencyKey), now: clock())
    }

    public func delete(remoteID: String) async throws(ConnectorError) {
        guard let uri = ATURI(remoteID), uri.repo == did else { throw .notFound }
        let now = clock()
        guard try await existingPost(rkey: uri.rkey, now: now) != nil else { throw .notFound }
        let body = try BlueskyAPI.json(BlueskyEntity.DeleteRecord(repo: did, collection: uri.collection, rkey: uri.rkey))
        let response = try await api.send("POST", "com.atproto.repo.deleteRecord", body: body, token: accessToken)
        guard (200..<300).contains(response.status) else { throw api.error(for: response, now: now) }
    }

    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        try await BlueskyInbox(api: api, token: accessToken, now: clock()).interactions(since: cursor, limit: limit)
    }

    /// Replies to the post behind an interaction (a reply, mention or
    /// quote), in its thread: the parent is that post, the root its root.
    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        guard let uri = ATURI(interactionID) else { throw .notFound }
        guard uri.collection == Self.postCollection else {
            throw .rejected(reason: "This interaction is not a post (it is a like, repost or follow); there is nothing to reply to.")
        }
        let posts = try await api.query(
            BlueskyEntity.Posts.self, "app.bsky.feed.getPosts", params: [("uris", interactionID)], token: accessToken, now: clock())
        guard let parent = posts.posts.first else { throw .notFound }
        let parentRef = BlueskyEntity.StrongRef(uri: parent.uri, cid: parent.cid)
        let reply = BlueskyEntity.ReplyRef(root: parent.record.reply?.root ?? parentRef, parent: parentRef)
        return try await createPost(text: text, tags: nil, reply: reply, idempotencyKey: idempotencyKey).remoteID
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        let now = clock()
        let posts = try await api.query(
            BlueskyEntity.Posts.self, "app.bsky.feed.getPosts", params: [("uris", remoteID)], token: accessToken, now: now)
        guard let post = posts.posts.first else { throw .notFound }
        return PostMetrics(
            impressions: nil, likes: post.likeCount ?? 0, comments: post.replyCount ?? 0, shares: (post.repostCount ?? 0) + (post.quoteCount ?? 0),
            at: now,
            platformValues: PlatformValues.of([
                ("likeCount", post.likeCount), ("replyCount", post.replyCount), ("repostCount", post.repostCount), ("quoteCount", post.quoteCount),
            ]))
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        let now = clock()
        let profile = try await api.query(
            BlueskyEntity.Profile.self, "app.bsky.actor.getProfile", params: [("actor", did)], token: accessToken, now: now)
        return AccountStats(
            followers: profile.followersCount ?? 0, posts: profile.postsCount ?? 0, at: now, following: profile.followsCount,
            platformValues: PlatformValues.of([
                ("followersCount", profile.followersCount), ("followsCount", profile.followsCount), ("postsCount", profile.postsCount),
            ]))
    }

    /// Both tokens rotate: the old refresh token stops working once used.
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        guard let refreshToken = credentials.refreshToken, !refreshToken.isEmpty else { throw .expiredCredentials }
        let session = try await api.procedure(
            BlueskyEntity.Session.self, "com.atproto.server.refreshSession", body: nil, token: refreshToken, now: now)
        return BlueskyKind.credentials(session, now: now)
    }

    /// Creates a post under the record key derived from the idempotency
    /// key. If that key is taken, the post was made by an earlier attempt,
    /// and that post is the answer: PDSs refuse a taken key with an error
    /// (a 500 on the reference PDS), so any refusal is checked this way.
    func createPost(
        text: String, tags: [String]?, reply: BlueskyEntity.ReplyRef?, embed: BlueskyEntity.Embed? = nil, idempotencyKey: String
    ) async throws(ConnectorError)
        -> PublishedPost
    {
        let now = clock()
        let rkey = BlueskyRecordKey.tid(for: idempotencyKey)
        let facets = try await BlueskyRichText.facets(in: text, dids: resolveMentions(in: text, now: now)).map { BlueskyEntity.Facet(facet: $0) }
        let record = BlueskyEntity.NewPost(
            text: text, createdAt: BlueskyAPI.formatDate(now), facets: facets.isEmpty ? nil : facets, reply: reply, tags: tags, embed: embed)
        let body = try BlueskyAPI.json(BlueskyEntity.CreateRecord(repo: did, rkey: rkey, record: record))
        let response = try await api.send("POST", "com.atproto.repo.createRecord", body: body, token: accessToken)
        guard (200..<300).contains(response.status) else {
            let error = api.error(for: response, now: now)
            switch error {
            case .temporary, .rejected:
                if let existing = try await existingPost(rkey: rkey, now: now) { return existing }
            default: break
            }
            throw error
        }
        let created = try api.decode(BlueskyEntity.RecordOutput.self, response, write: true, now: now)
        return PublishedPost(remoteID: created.uri, url: webURL(rkey: rkey), publishedAt: now)
    }

    func existingPost(rkey: String, now: Date) async throws(ConnectorError) -> PublishedPost? {
        let params = [("repo", did), ("collection", Self.postCollection), ("rkey", rkey)]
        do {
            let record = try await api.query(
                BlueskyEntity.GetRecordOutput.self, "com.atproto.repo.getRecord", params: params, token: accessToken, now: now)
            return PublishedPost(
                remoteID: record.uri, url: webURL(rkey: rkey), publishedAt: record.value.createdAt.flatMap(BlueskyAPI.parseDate) ?? now)
        } catch {
            if error == .notFound { return nil }
            throw error
        }
    }

    /// DIDs of the mentioned handles that resolve; a handle that does not
    /// stays plain text rather than failing the post.
    func resolveMentions(in text: String, now: Date) async throws(ConnectorError) -> [String: String] {
        var dids: [String: String] = [:]
        for handle in BlueskyRichText.mentionedHandles(in: text) {
            do {
                let resolved = try await api.query(
                    BlueskyEntity.ResolvedHandle.self, "com.atproto.identity.resolveHandle", params: [("handle", handle)], token: accessToken,
                    now: now)
                dids[handle] = resolved.did
            } catch {
                switch error {
                case .rejected, .notFound: continue
                default: throw error
                }
            }
        }
        return dids
    }

    func webURL(rkey: String) -> String {
        "https://bsky.app/profile/\(handle.isEmpty ? did : handle)/post/\(rkey)"
    }
}
