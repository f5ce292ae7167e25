import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

/// A Mastodon instance in memory, answering as the documentation shows:
/// statuses kept under their Idempotency-Key, notifications paged by id.
final class MastodonFake: Sendable {
    static let token = "masto-token"

    struct Status {
        var id: String
        var text: String
        var spoiler: String
        var inReplyTo: String?
        var visibility: String
        var mediaIDs: [String] = []
    }

    struct Media {
        var id: String
        var bytes: Int
        var description: String?
        var contentType: String
        /// GETs still to answer with `url: null` (processing).
        var processingPolls: Int
    }

    struct State {
        var statuses: [String: Status] = [:]
        var media: [String: Media] = [:]
        var blocked: [String: Bool] = [:]
        /// How many polls a new upload stays unprocessed (0: 200 at once).
        var processingPolls = 0
        var keys: [String: String] = [:]
        var nextID = 110_000_000_000_000_000
        /// Answers given instead of the normal ones, first to last.
        var forced: [StubResponse] = []
        /// Make the next status, then keep the request without answer.
        var hangAfterCreating = false
    }

    let state = Mutex(State())

    var statuses: [Status] { state.withLock { Array($0.statuses.values) } }

    func force(_ responses: StubResponse...) { state.withLock { $0.forced += responses } }

    static var account: [String: Any] {
        [
            "id": "14715", "username": "brand", "acct": "brand", "display_name": "Brand 品牌", "url": "https://mastodon.example/@brand",
            "followers_count": 320, "following_count": 12, "statuses_count": 61,
        ]
    }

    static func statusJSON(_ status: Status) -> [String: Any] {
        [
            "id": status.id, "created_at": "2026-03-05T08:19:26.052Z", "in_reply_to_id": status.inReplyTo as Any? ?? NSNull(),
            "spoiler_text": status.spoiler, "visibility": status.visibility,
            "uri": "https://mastodon.example/users/brand/statuses/\(status.id)", "url": "https://mastodon.example/@brand/\(status.id)",
            "replies_count": 7, "reblogs_count": 98, "favourites_count": 112, "content": "<p>\(status.text)</p>", "account": account,
        ]
    }

    static var notifications: [[String: Any]] {
        [
            notification("130", "poll", status: ["id": "900", "content": "<p>poll</p>"]),
            notification("129", "follow", status: nil),
            notification(
                "128", "mention",
                status: [
                    "id": "801", "content": "<p>Hi <span class=\"h-card\">@brand</span> &amp; friends<br>when?</p>", "in_reply_to_id": NSNull(),
                    "visibility": "direct",
                ]),
            notification("127", "reblog", status: ["id": "700", "content": "<p>ours</p>"]),
            notification("126", "mention", status: ["id": "800", "content": "<p>Love it</p>", "in_reply_to_id": "700", "visibility": "public"]),
            notification("125", "favourite", status: ["id": "700", "content": "<p>ours</p>"]),
        ]
    }

    static func notification(_ id: String, _ type: String, status: [String: Any]?) -> [String: Any] {
        var status = status
        status?["created_at"] = "2026-03-05T09:00:00.000Z"
        status?["account"] = account
        return [
            "id": id, "type": type, "created_at": "2026-03-05T10:\(id.suffix(2)):00.000Z",
            "account": ["id": "9\(id)", "username": "fan\(id)", "acct": "fan\(id)@other.example", "display_name": id == "129" ? "" : "Fan \(id)"],
            "status": status as Any? ?? NSNull(),
        ]
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if let forced = state.withLock({ $0.forced.isEmpty ? nil : $0.forced.removeFirst() }) { return forced }
        guard request.headers["authorization"] == "Bearer \(Self.token)" else {
            return .json(["error": "The access token is invalid"], status: 401)
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch (request.method, request.path) {
        case ("GET", "/api/v1/accounts/verify_credentials"):
            return .json(Self.account)
        case ("GET", "/api/v2/instance"):
            return .json([
                "domain": "mastodon.example",
                "configuration": ["statuses": ["max_characters": 1000, "max_media_attachments": 6, "characters_reserved_per_url": 23]],
            ])
        case ("POST", "/api/v1/statuses"):
            return await post(request)
        case ("POST", "/api/v2/media"):
            return upload(request)
        case ("GET", "/api/v1/notifications"):
            let minID = Int(request.query["min_id"] ?? "") ?? 0
            let limit = Int(request.query["limit"] ?? "") ?? 40
            let types = Set((request.query["types[]"] ?? "").split(separator: ",").map(String.init))
            let newer = Self.notifications.filter { Int($0["id"] as! String)! > minID && types.contains($0["type"] as! String) }
            // `min_id` gives the oldest after it, listed newest first.
            return .json(Array(newer.suffix(limit)))
        default:
            break
        }
        if parts.count == 4, parts[2] == "notifications", request.method == "GET" {
            guard let found = Self.notifications.first(where: { $0["id"] as? String == parts[3] }) else {
                return .json(["error": "Record not found"], status: 404)
            }
            return .json(found)
        }
        if parts.count == 5, parts[2] == "accounts", request.method == "POST", ["block", "unblock"].contains(parts[4]) {
            state.withLock { $0.blocked[parts[3]] = parts[4] == "block" }
            return .json(["id": parts[3], "blocking": parts[4] == "block"])
        }
        if parts.count == 4, parts[2] == "media", request.method == "GET" {
            let media: Media? = state.withLock { state in
                guard var media = state.media[parts[3]] else { return nil }
                media.processingPolls -= 1
                state.media[parts[3]] = media
                return media
            }
            guard let media else { return .json(["error": "Record not found"], status: 404) }
            return .json(Self.mediaJSON(media), status: media.processingPolls >= 0 ? 206 : 200)
        }
        if parts.count == 4, parts[2] == "statuses" {
            let status = state.withLock { state in
                let found = state.statuses[parts[3]]
                if request.method == "DELETE" { state.statuses[parts[3]] = nil }
                return found
            }
            guard let status else { return .json(["error": "Record not found"], status: 404) }
            return .json(Self.statusJSON(status))
        }
        return .json(["error": "no route \(request.method) \(request.path)"], status: 404)
    }

    static func mediaJSON(_ media: Media) -> [String: Any] {
        [
            "id": media.id, "type": media.contentType.hasPrefix("video/") ? "video" : "image",
            "url": media.processingPolls >= 0 ? NSNull() : "https://files.mastodon.example/\(media.id)" as Any,
        ]
    }

    /// `POST /api/v2/media`: multipart with `file` and `description`; 202
    /// while the file is processed, 200 when it is ready at once.
    private func upload(_ request: StubRequest) -> StubResponse {
        guard let type = request.headers["content-type"], type.hasPrefix("multipart/form-data; boundary=") else {
            return .json(["error": "Validation failed: File can't be blank"], status: 422)
        }
        let text = String(decoding: request.body, as: UTF8.self)
        let fileType = text.firstMatch(of: #/name="file"; filename="[^"]+"\r\nContent-Type: ([a-z/]+)/#).map { String($0.1) }
        guard let fileType else { return .json(["error": "Validation failed: File can't be blank"], status: 422) }
        let description = text.firstMatch(of: #/name="description"\r\n\r\n([^\r]*)\r\n/#).map { String($0.1) }
        let media = state.withLock { state in
            state.nextID += 1
            let media = Media(
                id: String(state.nextID), bytes: request.body.count, description: description, contentType: fileType,
                processingPolls: state.processingPolls - 1)
            state.media[media.id] = media
            return media
        }
        return .json(Self.mediaJSON(media), status: media.processingPolls >= 0 ? 202 : 200)
    }

    private func post(_ request: StubRequest) async -> StubResponse {
        let form = request.form
        let key = request.headers["idempotency-key"]
        let (status, hang): (Status?, Bool) = state.withLock { state in
            if let key, let id = state.keys[key], let existing = state.statuses[id] { return (existing, false) }
            guard let text = form["status"], !text.isEmpty else { return (nil, false) }
            state.nextID += 1
            let status = Status(
                id: String(state.nextID), text: text, spoiler: form["spoiler_text"] ?? "", inReplyTo: form["in_reply_to_id"],
                visibility: form["visibility"] ?? "public", mediaIDs: form["media_ids[]"].map { $0.split(separator: ",").map(String.init) } ?? [])
            state.statuses[status.id] = status
            if let key { state.keys[key] = status.id }
            defer { state.hangAfterCreating = false }
            return (status, state.hangAfterCreating)
        }
        guard let status else { return .json(["error": "Validation failed: Text can't be blank"], status: 422) }
        if hang { try? await Task.sleep(for: .seconds(30)) }
        return .json(Self.statusJSON(status))
    }
}

@Suite struct MastodonConnectorTests {
    let now = Date(timeIntervalSince1970: 1_772_700_000)

    func connection(_ server: StubServer) -> AccountConnection {
        AccountConnection(
            handle: "@brand@127.0.0.1",
            settings: [MastodonKind.Setting.instanceURL: server.baseURL.absoluteString, MastodonKind.Setting.accountID: "14715"],
            credentials: ConnectorCredentials(accessToken: MastodonFake.token))
    }

    func withMastodon(transport: StubTransport = StubTransport(), _ body: (MastodonFake, StubServer, any Connector) async throws -> Void) async throws
    {
        let fake = MastodonFake()
        try await StubServer.run(fake.handle) { server in
            let now = self.now
            try await body(fake, server, MastodonKind().connector(for: connection(server), transport: transport, clock: { now }))
        }
    }

    @Test func connectingVerifiesTheTokenAndReadsTheInstanceLimits() async throws {
        let fake = MastodonFake()
        try await StubServer.run(fake.handle) { server in
            let connection = try await MastodonKind().connect(
                fields: ["instance_url": server.baseURL.absoluteString + "/", "access_token": " \(MastodonFake.token) "], transport: StubTransport(),
                now: now)
            #expect(connection.handle == "@brand@127.0.0.1")
            #expect(connection.credentials == ConnectorCredentials(accessToken: MastodonFake.token))
            #expect(connection.settings["account_id"] == "14715")
            #expect(connection.settings["max_characters"] == "1000")
            #expect(connection.settings["max_media_attachments"] == "6")
            #expect(connection.settings["characters_reserved_per_url"] == "23")
            #expect(server.requests.map(\.path) == ["/api/v1/accounts/verify_credentials", "/api/v2/instance"])
            #expect(server.requests[0].headers["authorization"] == "Bearer \(MastodonFake.token)")
            let rules = MastodonKind.rules(for: connection.settings)
            #expect(rules.textLimit == 1000 && rules.media.maxCount == 6)
        }
    }

    @Test func badConnectionFieldsAreRefusedNamingTheField() async throws {
        let kind = MastodonKind()
        let fake = MastodonFake()
        try await StubServer.run(fake.handle) { server in
            let cases: [([String: String], String)] = [
                (["instance_url": "", "access_token": "x"], "instance address"),
                (["instance_url": "ftp://files.example", "access_token": "x"], "instance address"),
                (["instance_url": server.baseURL.absoluteString, "access_token": "  "], "access token"),
                (["instance_url": server.baseURL.absoluteString, "access_token": "wrong"], "access token"),
            ]
            for (fields, field) in cases {
                do {
                    _ = try await kind.connect(fields: fields, transport: StubTransport(), now: now)
                    Issue.record("connected with \(fields)")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(field), "\(reason)")
                }
            }
        }
        #expect(kind.connectionFields.map(\.key) == ["instance_url", "access_token"])
        #expect(kind.connectionFields[1].secret)
    }

    static let png = Data(
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 4, 0, 0, 0, 3, 0, 8, 6, 0, 0, 0, 0, 0, 0, 0])

    func upload(_ name: String, alt: String? = nil) -> MediaUpload {
        MediaUpload(name: name, format: .png, width: 1024, height: 768, altText: alt, sha256: String(repeating: "ab", count: 32), data: Self.png)
    }

    @Test func picturesAreUploadedProcessedAndAttachedAndARetryStillPublishesOnce() async throws {
        try await withMastodon { fake, server, connector in
            fake.state.withLock { $0.processingPolls = 1 }
            let variant = Variant(
                text: "新品上市", media: [MediaAttachment(kind: .image, bytes: 37, format: .png), MediaAttachment(kind: .image, bytes: 37, format: .png)])
            let request = PublishRequest(
                idempotencyKey: "k-media", variant: variant, media: [upload("a.png", alt: "A red bottle on a desk"), upload("b.png")])
            let first = try await connector.publish(request)
            let again = try await connector.publish(request)
            #expect(first == again)
            #expect(fake.statuses.count == 1)
            let status = try #require(fake.statuses.first)
            #expect(status.mediaIDs.count == 2)
            let media = fake.state.withLock { $0.media }
            #expect(status.mediaIDs.allSatisfy { media[$0] != nil })
            #expect(media[status.mediaIDs[0]]?.description == "A red bottle on a desk")
            #expect(media[status.mediaIDs[0]]?.contentType == "image/png")
            // Each file was waited for until the instance had processed it.
            #expect(server.requests.filter { $0.method == "GET" && $0.path.hasPrefix("/api/v1/media/") }.count >= 2)
            let statusCalls = server.requests.filter { $0.path == "/api/v1/statuses" }
            #expect(statusCalls.allSatisfy { $0.headers["idempotency-key"] == "k-media" })
        }
    }

    @Test func aFanIsBlockedAndUnblockedAndRepliesCannotBeHidden() async throws {
        try await withMastodon { fake, server, connector in
            #expect(connector.capabilities.moderation == [.block, .unblock])
            try await connector.moderate(.block, interactionID: "126", authorID: "9126")
            #expect(fake.state.withLock { $0.blocked } == ["9126": true])
            try await connector.moderate(.unblock, interactionID: "126", authorID: "9126")
            #expect(fake.state.withLock { $0.blocked } == ["9126": false])
            let before = server.requests.count
            await #expect(throws: ConnectorError.self) { try await connector.moderate(.hide, interactionID: "126", authorID: "9126") }
            #expect(server.requests.count == before)
        }
    }

    @Test func aPostWhoseFilesAreMissingIsRefusedBeforeAnythingIsSent() async throws {
        try await withMastodon { fake, server, connector in
            let variant = Variant(text: "x", media: [MediaAttachment(kind: .image, bytes: 37)])
            await #expect(throws: ConnectorError.self) { try await connector.publish(PublishRequest(idempotencyKey: "k", variant: variant)) }
            #expect(server.requests.isEmpty)
            #expect(fake.statuses.isEmpty)
        }
    }

    @Test func anUploadTheInstanceRefusesStopsThePost() async throws {
        try await withMastodon { fake, server, connector in
            fake.force(.json(["error": "Validation failed: File content type is invalid"], status: 422))
            let variant = Variant(text: "x", media: [MediaAttachment(kind: .image, bytes: 37, format: .png)])
            do {
                _ = try await connector.publish(PublishRequest(idempotencyKey: "k", variant: variant, media: [upload("a.png")]))
                Issue.record("published")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("content type"))
            }
            #expect(fake.statuses.isEmpty)
        }
    }

    @Test func publishingSendsTheStatusWithItsKeyAndRepeatingItPublishesOnce() async throws {
        try await withMastodon { fake, server, mastodon in
            let request = PublishRequest(idempotencyKey: "variant-7/account-3", variant: Variant(title: "剧透", text: "春季新品 + 50% off & more #sale"))
            let first = try await mastodon.publish(request)
            let second = try await mastodon.publish(request)
            #expect(first == second)
            #expect(first.url == "https://mastodon.example/@brand/\(first.remoteID)")
            #expect(first.publishedAt == Date(timeIntervalSince1970: 1_772_698_766.052))
            #expect(fake.statuses.count == 1)
            let sent = try #require(server.requests.first)
            #expect(sent.method == "POST" && sent.path == "/api/v1/statuses")
            #expect(sent.headers["idempotency-key"] == "variant-7/account-3")
            #expect(sent.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(sent.form == ["status": "春季新品 + 50% off & more #sale", "spoiler_text": "剧透"])
        }
    }

    @Test func platformRefusalsBecomeActionableErrors() async throws {
        try await withMastodon { fake, _, mastodon in
            let request = PublishRequest(idempotencyKey: "k", variant: Variant(text: "hello"))
            fake.force(.json(["error": "The access token is invalid"], status: 401))
            await #expect(throws: ConnectorError.expiredCredentials) { try await mastodon.publish(request) }

            var limited = StubResponse.json(["error": "Too many requests"], status: 429)
            limited.headers["X-RateLimit-Reset"] = "2026-03-05T08:42:00.123456Z"
            fake.force(limited)
            await #expect(throws: ConnectorError.rateLimited(retryAfter: 121)) { try await mastodon.publish(request) }

            fake.force(.json(["error": "Validation failed: Text can't be blank"], status: 422))
            do {
                _ = try await mastodon.publish(request)
                Issue.record("a refused status was published")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("Validation failed: Text can't be blank"))
            }

            fake.force(.text("<html>Bad gateway</html>", status: 502))
            do {
                _ = try await mastodon.publish(request)
                Issue.record("published through a 502")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
            }
            #expect(fake.statuses.isEmpty)
            await #expect(throws: ConnectorError.notFound) { try await mastodon.metrics(of: "404404") }
        }
    }

    @Test func aTimeoutAfterSendingIsReconciledByFindPost() async throws {
        try await withMastodon(transport: .hanging(on: "/api/v1/statuses")) { fake, server, mastodon in
            fake.state.withLock { $0.hangAfterCreating = true }
            let request = PublishRequest(idempotencyKey: "slow-1", variant: Variant(text: "slow instance"))
            do {
                _ = try await mastodon.publish(request)
                Issue.record("a request without answer succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            let found = try #require(try await mastodon.findPost(idempotencyKey: "slow-1"))
            #expect(fake.statuses.map(\.id) == [found.remoteID])
            let probe = try #require(server.requests.last)
            #expect(probe.form == ["status": ""] && probe.headers["idempotency-key"] == "slow-1")
            #expect(try await mastodon.publish(request) == found)
            // A key never used finds nothing and makes nothing.
            #expect(try await mastodon.findPost(idempotencyKey: "never-sent") == nil)
            #expect(fake.statuses.count == 1)
        }
    }

    @Test func deletingRemovesTheStatusOnce() async throws {
        try await withMastodon { fake, server, mastodon in
            let post = try await mastodon.publish(PublishRequest(idempotencyKey: "d", variant: Variant(text: "delete me")))
            try await mastodon.delete(remoteID: post.remoteID)
            #expect(server.requests.last?.method == "DELETE" && server.requests.last?.path == "/api/v1/statuses/\(post.remoteID)")
            #expect(fake.statuses.isEmpty)
            await #expect(throws: ConnectorError.notFound) { try await mastodon.delete(remoteID: post.remoteID) }
        }
    }

    @Test func notificationsArriveOldestFirstAndTheCursorMovesForward() async throws {
        try await withMastodon { _, server, mastodon in
            let first = try await mastodon.interactions(since: nil, limit: 3)
            let sent = try #require(server.requests.last)
            #expect(sent.query["types[]"] == "mention,favourite,reblog,follow")
            #expect(sent.query["min_id"] == "0" && sent.query["limit"] == "3")
            #expect(first.interactions.map(\.remoteID) == ["125", "126", "127"])
            #expect(first.interactions.map(\.kind) == [.like, .comment, .share])
            #expect(first.interactions.map(\.postRemoteID) == ["700", "700", "700"])
            #expect(first.interactions[1].text == "Love it" && first.interactions[1].authorName == "Fan 126")
            #expect(first.nextCursor == "127")

            let second = try await mastodon.interactions(since: first.nextCursor, limit: 40)
            #expect(server.requests.last?.query["min_id"] == "127")
            #expect(second.interactions.map(\.remoteID) == ["128", "129"])
            #expect(second.interactions.map(\.kind) == [.mention, .follow])
            #expect(second.interactions[0].text == "Hi @brand & friends\nwhen?" && second.interactions[0].postRemoteID == nil)
            #expect(second.interactions[1].authorName == "fan129@other.example")
            #expect(second.interactions[0].at == Date(timeIntervalSince1970: 1_772_706_480))

            let none = try await mastodon.interactions(since: second.nextCursor, limit: 40)
            #expect(none.interactions.isEmpty && none.nextCursor == second.nextCursor)
        }
    }

    @Test func aReplyMentionsTheFanInTheThreadAndKeepsADirectMessageDirect() async throws {
        try await withMastodon { fake, server, mastodon in
            let id = try await mastodon.reply(to: "128", text: "Next week!", idempotencyKey: "reply-128")
            let sent = try #require(server.requests.last)
            #expect(sent.headers["idempotency-key"] == "reply-128")
            #expect(sent.form == ["status": "@fan128@other.example Next week!", "in_reply_to_id": "801", "visibility": "direct"])
            #expect(try await mastodon.reply(to: "128", text: "Next week!", idempotencyKey: "reply-128") == id)
            #expect(fake.statuses.count == 1)
            await #expect(throws: ConnectorError.self) { try await mastodon.reply(to: "129", text: "hi", idempotencyKey: "r2") }
            await #expect(throws: ConnectorError.notFound) { try await mastodon.reply(to: "1", text: "hi", idempotencyKey: "r3") }
        }
    }

    @Test func metricsAndAccountStatsComeFromTheDocumentedCounts() async throws {
        try await withMastodon { _, _, mastodon in
            let post = try await mastodon.publish(PublishRequest(idempotencyKey: "m", variant: Variant(text: "count me")))
            let metrics = try await mastodon.metrics(of: post.remoteID)
            #expect(
                metrics
                    == PostMetrics(
                        impressions: nil, likes: 112, comments: 7, shares: 98, at: now,
                        platformValues: ["favourites_count": 112, "replies_count": 7, "reblogs_count": 98]))
            #expect(
                try await mastodon.accountStats()
                    == AccountStats(
                        followers: 320, posts: 61, at: now, following: 12,
                        platformValues: ["followers_count": 320, "following_count": 12, "statuses_count": 61]))
            let credentials = ConnectorCredentials(accessToken: MastodonFake.token)
            #expect(try await mastodon.refreshCredentials(credentials, now: now) == credentials)
            await #expect(throws: ConnectorError.self) {
                try await mastodon.publish(
                    PublishRequest(idempotencyKey: "p", variant: Variant(text: "pic", media: [MediaAttachment(kind: .image, bytes: 10)])))
            }
        }
    }
}
