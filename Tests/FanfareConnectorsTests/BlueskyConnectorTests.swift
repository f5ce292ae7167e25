import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

/// A PDS in memory answering the XRPC calls as the lexicons define them.
/// Like the reference PDS it answers 500 to a record key already taken.
final class BlueskyFake: Sendable {
    static let did = "did:plc:brand"
    static let handle = "brand.bsky.social"
    static let password = "abcd-efgh-ijkl-mnop"
    static let ours = "at://did:plc:brand/app.bsky.feed.post/3kourpost2222"
    static let fanPost = "at://did:plc:fan/app.bsky.feed.post/3kfanpost2222"
    /// A fan's reply in a thread another account started.
    static let fanPostElsewhere = "at://did:plc:fan/app.bsky.feed.post/3kelsewhere22"
    static let threadgate = "app.bsky.feed.threadgate"
    /// Notifications hold at most this many per page, whatever is asked.
    static let pageSize = 2

    struct Record: @unchecked Sendable {
        var text: String
        var createdAt: String
        var body: [String: Any]
    }

    struct State: @unchecked Sendable {
        var records: [String: Record] = [:]
        var generation = 1
        var forced: [StubResponse] = []
        var hangAfterCreating = false
        /// Blobs uploaded: content type and size, in order.
        var blobs: [(type: String, size: Int)] = []
        /// Thread gates by their root post's key, with a version that
        /// changes on every write (`swapRecord` compares it).
        var gates: [String: (cid: String, body: [String: Any])] = [:]
        var gateWrites = 0
        /// Written into the gate just before the next put is looked at, as
        /// if the app changed it between Fanfare's read and write.
        var meanwhile: [String]? = nil
    }

    let state = Mutex(State())

    var records: [String: Record] { state.withLock { $0.records } }
    func gate(_ rkey: String) -> [String: Any]? { state.withLock { $0.gates[rkey]?.body } }
    func force(_ responses: StubResponse...) { state.withLock { $0.forced += responses } }

    /// An unsigned JWT whose `exp` is `expiry`, as the PDS's carry one.
    static func jwt(_ name: String, expiry: Int) -> String {
        func encode(_ json: String) -> String {
            Data(json.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "").replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_")
        }
        return encode(#"{"alg":"ES256K","typ":"at+jwt"}"#) + "."
            + encode(#"{"scope":"com.atproto.appPass","sub":"\#(did)","exp":\#(expiry),"n":"\#(name)"}"#) + ".c2ln"
    }

    static func access(_ generation: Int) -> String { jwt("access-\(generation)", expiry: 1_772_707_200 + generation) }
    static func refresh(_ generation: Int) -> String { "refresh-\(generation)" }

    func session() -> StubResponse {
        let generation = state.withLock { $0.generation }
        return .json([
            "accessJwt": Self.access(generation), "refreshJwt": Self.refresh(generation), "handle": Self.handle, "did": Self.did, "active": true,
        ])
    }

    static func xrpcError(_ error: String, _ message: String, status: Int = 400) -> StubResponse {
        .json(["error": error, "message": message], status: status)
    }

    static var notifications: [[String: Any]] {
        func item(_ n: Int, _ reason: String, uri: String, subject: String?, record: [String: Any]) -> [String: Any] {
            var item: [String: Any] = [
                "uri": uri, "cid": "bafycid\(n)", "reason": reason, "isRead": false, "record": record,
                "indexedAt": "2026-03-05T10:0\(n):00.000Z",
                "author": ["did": "did:plc:fan\(n)", "handle": "fan\(n).bsky.social", "displayName": n == 4 ? "" : "Fan \(n)"],
            ]
            if let subject { item["reasonSubject"] = subject }
            return item
        }
        return [
            item(
                5, "quote", uri: "at://did:plc:fan5/app.bsky.feed.post/5", subject: ours,
                record: ["$type": "app.bsky.feed.post", "text": "look at this"]),
            item(4, "follow", uri: "at://did:plc:fan4/app.bsky.graph.follow/4", subject: nil, record: ["$type": "app.bsky.graph.follow"]),
            item(
                3, "reply", uri: fanPost, subject: ours,
                record: [
                    "$type": "app.bsky.feed.post", "text": "When? 🤔",
                    "reply": ["root": ["uri": ours, "cid": "bafyours"], "parent": ["uri": ours, "cid": "bafyours"]],
                ]),
            item(2, "repost", uri: "at://did:plc:fan2/app.bsky.feed.repost/2", subject: ours, record: ["$type": "app.bsky.feed.repost"]),
            item(1, "like", uri: "at://did:plc:fan1/app.bsky.feed.like/1", subject: ours, record: ["$type": "app.bsky.feed.like"]),
            item(0, "starterpack-joined", uri: "at://did:plc:fan0/app.bsky.graph.starterpack/0", subject: nil, record: [:]),
        ]
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if let forced = state.withLock({ $0.forced.isEmpty ? nil : $0.forced.removeFirst() }) { return forced }
        let method = String(request.path.dropFirst("/xrpc/".count))
        let bearer = request.headers["authorization"]?.replacingOccurrences(of: "Bearer ", with: "")
        let generation = state.withLock { $0.generation }
        switch method {
        case "com.atproto.server.createSession":
            guard request.json?["identifier"] as? String == Self.handle, request.json?["password"] as? String == Self.password else {
                return Self.xrpcError("AuthenticationRequired", "Invalid identifier or password", status: 401)
            }
            return session()
        case "com.atproto.server.refreshSession":
            guard bearer == Self.refresh(generation) else { return Self.xrpcError("ExpiredToken", "Token has been revoked") }
            state.withLock { $0.generation += 1 }
            return session()
        default:
            break
        }
        guard bearer == Self.access(generation) else {
            return bearer?.isEmpty == false ? Self.xrpcError("ExpiredToken", "Token has expired") : Self.xrpcError("AuthRequired", "", status: 401)
        }
        switch method {
        case "com.atproto.identity.resolveHandle":
            return request.query["handle"] == "alice.bsky.social"
                ? .json(["did": "did:plc:alice"]) : Self.xrpcError("InvalidRequest", "Unable to resolve handle")
        case "com.atproto.repo.createRecord" where request.json?["collection"] as? String == Self.threadgate,
            "com.atproto.repo.putRecord" where request.json?["collection"] as? String == Self.threadgate:
            return writeGate(request, create: method.hasSuffix("createRecord"))
        case "com.atproto.repo.createRecord":
            return await create(request)
        case "com.atproto.repo.uploadBlob":
            let type = request.headers["content-type"] ?? ""
            let count = state.withLock { state in
                state.blobs.append((type, request.body.count))
                return state.blobs.count
            }
            return .json(["blob": ["$type": "blob", "ref": ["$link": "bafkblob\(count)"], "mimeType": type, "size": request.body.count]])
        case "com.atproto.repo.getRecord" where request.query["collection"] == Self.threadgate:
            let rkey = request.query["rkey"] ?? ""
            guard let gate = state.withLock({ $0.gates[rkey] }) else { return Self.xrpcError("RecordNotFound", "Could not locate record") }
            return .json(["uri": "at://\(Self.did)/\(Self.threadgate)/\(rkey)", "cid": gate.cid, "value": gate.body])
        case "com.atproto.repo.getRecord":
            let rkey = request.query["rkey"] ?? ""
            guard request.query["repo"] == Self.did, let record = records[rkey] else {
                return Self.xrpcError("RecordNotFound", "Could not locate record")
            }
            return .json(["uri": "at://\(Self.did)/app.bsky.feed.post/\(rkey)", "cid": "bafy\(rkey)", "value": record.body])
        case "com.atproto.repo.deleteRecord":
            let rkey = request.json?["rkey"] as? String ?? ""
            state.withLock { _ = $0.records.removeValue(forKey: rkey) }
            return .json([:])
        case "app.bsky.feed.getPosts":
            let uri = request.query["uris"] ?? ""
            if uri == Self.fanPostElsewhere {
                let other = ["uri": "at://did:plc:other/app.bsky.feed.post/3kother222222", "cid": "bafyother"]
                return .json([
                    "posts": [
                        [
                            "uri": uri, "cid": "bafyelse", "author": ["did": "did:plc:fan3", "handle": "fan3.bsky.social"],
                            "record": ["$type": "app.bsky.feed.post", "text": "spam", "reply": ["root": other, "parent": other]],
                            "indexedAt": "2026-03-05T10:03:00.000Z",
                        ]
                    ]
                ])
            }
            if uri == Self.fanPost {
                return .json([
                    "posts": [
                        [
                            "uri": uri, "cid": "bafyfan", "author": ["did": "did:plc:fan3", "handle": "fan3.bsky.social"],
                            "record": Self.notifications[2]["record"]!, "indexedAt": "2026-03-05T10:03:00.000Z",
                        ]
                    ]
                ])
            }
            guard let rkey = uri.split(separator: "/").last.map(String.init), let record = records[rkey] else { return .json(["posts": []]) }
            return .json([
                "posts": [
                    [
                        "uri": uri, "cid": "bafy\(rkey)", "author": ["did": Self.did, "handle": Self.handle], "record": record.body,
                        "likeCount": 12, "repostCount": 3, "replyCount": 4, "quoteCount": 2, "indexedAt": record.createdAt,
                    ]
                ]
            ])
        case "app.bsky.notification.listNotifications":
            let offset = Int(request.query["cursor"] ?? "0") ?? 0
            let limit = min(Self.pageSize, Int(request.query["limit"] ?? "50") ?? 50)
            let page = Array(Self.notifications.dropFirst(offset).prefix(limit))
            var body: [String: Any] = ["notifications": page]
            if offset + page.count < Self.notifications.count { body["cursor"] = String(offset + page.count) }
            return .json(body)
        case "app.bsky.actor.getProfile":
            return .json(["did": Self.did, "handle": Self.handle, "followersCount": 1_234, "followsCount": 10, "postsCount": 56])
        default:
            return Self.xrpcError("MethodNotImplemented", "Method Not Implemented", status: 501)
        }
    }

    /// createRecord and putRecord of a thread gate, as the reference PDS
    /// answers them: a create of an existing key fails, a put whose
    /// `swapRecord` is not the current version fails with InvalidSwap.
    private func writeGate(_ request: StubRequest, create: Bool) -> StubResponse {
        guard let input = request.json, let rkey = input["rkey"] as? String, let record = input["record"] as? [String: Any] else {
            return Self.xrpcError("InvalidRequest", "Input must have the property \"record\"")
        }
        return state.withLock { state in
            if let meanwhile = state.meanwhile, var gate = state.gates[rkey] {
                gate.body["hiddenReplies"] = meanwhile
                state.gateWrites += 1
                state.gates[rkey] = ("bafygate\(state.gateWrites)", gate.body)
                state.meanwhile = nil
            }
            if create, state.gates[rkey] != nil { return Self.xrpcError("InternalServerError", "Internal Server Error", status: 500) }
            if !create, let swap = input["swapRecord"] as? String, swap != state.gates[rkey]?.cid {
                return Self.xrpcError("InvalidSwap", "Record was at bafy…")
            }
            state.gateWrites += 1
            state.gates[rkey] = ("bafygate\(state.gateWrites)", record)
            return .json(["uri": "at://\(Self.did)/\(Self.threadgate)/\(rkey)", "cid": "bafygate\(state.gateWrites)"])
        }
    }

    private func create(_ request: StubRequest) async -> StubResponse {
        guard let input = request.json, let rkey = input["rkey"] as? String, let record = input["record"] as? [String: Any] else {
            return Self.xrpcError("InvalidRequest", "Input must have the property \"record\"")
        }
        let (taken, hang) = state.withLock { state in
            if state.records[rkey] != nil { return (true, false) }
            state.records[rkey] = Record(text: record["text"] as? String ?? "", createdAt: record["createdAt"] as? String ?? "", body: record)
            defer { state.hangAfterCreating = false }
            return (false, state.hangAfterCreating)
        }
        if taken { return Self.xrpcError("InternalServerError", "Internal Server Error", status: 500) }
        if hang { try? await Task.sleep(for: .seconds(30)) }
        return .json(["uri": "at://\(Self.did)/app.bsky.feed.post/\(rkey)", "cid": "bafy\(rkey)", "validationStatus": "valid"])
    }
}

@Suite struct BlueskyConnectorTests {
    let now = Date(timeIntervalSince1970: 1_772_700_000)

    @Test func blockingWritesOneBlockRecordAndUnblockingRemovesIt() async throws {
        try await withBluesky { fake, _, connector in
            try await connector.moderate(.block, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            try await connector.moderate(.block, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            let blocks = fake.records.values.filter { $0.body["$type"] as? String == "app.bsky.graph.block" }
            #expect(blocks.count == 1 && blocks.first?.body["subject"] as? String == "did:plc:fan3")
            try await connector.moderate(.unblock, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            #expect(fake.records.values.filter { $0.body["$type"] as? String == "app.bsky.graph.block" }.isEmpty)
        }
    }

    @Test func hidingAReplyListsItInTheThreadGateOnceAndKeepsTheGatesOwnRules() async throws {
        try await withBluesky { fake, _, connector in
            let root = "3kourpost2222"
            let rules: [[String: String]] = [["$type": "app.bsky.feed.threadgate#mentionRule"]]
            fake.state.withLock {
                $0.gates[root] = (
                    "bafygate0",
                    ["$type": BlueskyFake.threadgate, "post": BlueskyFake.ours, "allow": rules, "createdAt": "2026-03-05T09:00:00.000Z"]
                )
            }
            try await connector.moderate(.hide, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            try await connector.moderate(.hide, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            let hidden = try #require(fake.gate(root))
            #expect(hidden["hiddenReplies"] as? [String] == [BlueskyFake.fanPost])
            #expect((hidden["allow"] as? [[String: String]]) == rules, "the account's reply rules survive")
            #expect(fake.state.withLock { $0.gateWrites } == 1, "hiding twice writes once")
            try await connector.moderate(.unhide, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            let shown = try #require(fake.gate(root))
            #expect((shown["hiddenReplies"] as? [String])?.isEmpty == true)
            #expect((shown["allow"] as? [[String: String]]) == rules)
        }
    }

    @Test func aNewThreadGateHidesTheReplyButLeavesTheThreadOpen() async throws {
        try await withBluesky { fake, _, connector in
            try await connector.moderate(.hide, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            let gate = try #require(fake.gate("3kourpost2222"))
            #expect(gate["hiddenReplies"] as? [String] == [BlueskyFake.fanPost])
            #expect(gate["post"] as? String == BlueskyFake.ours)
            // An `allow` list, even empty, would close the thread to replies.
            #expect(gate["allow"] == nil)
        }
    }

    @Test func aGateChangedBetweenReadingAndWritingIsNotOverwritten() async throws {
        try await withBluesky { fake, _, connector in
            let other = "at://did:plc:fan9/app.bsky.feed.post/3kother999999"
            fake.state.withLock {
                $0.gates["3kourpost2222"] = ("bafygate0", ["$type": BlueskyFake.threadgate, "post": BlueskyFake.ours, "hiddenReplies": [String]()])
                $0.meanwhile = [other]
            }
            try await connector.moderate(.hide, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            #expect(fake.gate("3kourpost2222")?["hiddenReplies"] as? [String] == [other, BlueskyFake.fanPost])
        }
    }

    @Test func whatBlueskyDoesNotAllowIsRefusedWithTheReason() async throws {
        try await withBluesky { _, _, connector in
            #expect(connector.capabilities.moderation == [.hide, .unhide, .block, .unblock])
            await #expect {
                try await connector.moderate(.hide, interactionID: BlueskyFake.fanPostElsewhere, authorID: "did:plc:fan3")
            } throws: { error in
                guard case ConnectorError.rejected(let reason) = error else { return false }
                return reason.contains("another account started")
            }
            await #expect {
                try await connector.moderate(.hide, interactionID: "at://did:plc:fan1/app.bsky.feed.like/1", authorID: "did:plc:fan1")
            } throws: { error in
                guard case ConnectorError.rejected = error else { return false }
                return true
            }
            await #expect {
                try await connector.moderate(.delete, interactionID: BlueskyFake.fanPost, authorID: "did:plc:fan3")
            } throws: { error in
                guard case ConnectorError.notSupported = error else { return false }
                return true
            }
        }
    }

    @Test func picturesAreUploadedAsBlobsAndEmbeddedWithAltTextAndAspectRatioOnce() async throws {
        try await withBluesky { fake, server, connector in
            let png = Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3])
            let uploads = ["瓶子", ""].map {
                MediaUpload(name: "a.png", format: .png, width: 1200, height: 800, altText: $0, sha256: String(repeating: "c", count: 64), data: png)
            }
            let variant = Variant(
                text: "新品", media: uploads.map { MediaAttachment(kind: .image, bytes: $0.data.count, format: .png, width: 1200, height: 800) })
            let request = PublishRequest(idempotencyKey: "k-pics", variant: variant, media: uploads)
            let first = try await connector.publish(request)
            let again = try await connector.publish(request)
            #expect(first == again)
            let blobs = fake.state.withLock { $0.blobs }
            // The second publish found the post and uploaded nothing.
            #expect(blobs.count == 2 && blobs.allSatisfy { $0.type == "image/png" && $0.size == png.count })
            let record = try #require(fake.records.values.first)
            let embed = try #require(record.body["embed"] as? [String: Any])
            #expect(embed["$type"] as? String == "app.bsky.embed.images")
            let images = try #require(embed["images"] as? [[String: Any]])
            #expect(images.count == 2 && images[0]["alt"] as? String == "瓶子" && images[1]["alt"] as? String == "")
            #expect((images[0]["image"] as? [String: Any])?["ref"] as? [String: String] == ["$link": "bafkblob1"])
            #expect(images[0]["aspectRatio"] as? [String: Int] == ["width": 1200, "height": 800])
            #expect(server.requests.filter { $0.path.hasSuffix("createRecord") }.count == 1)
        }
    }

    func connection(_ server: StubServer, generation: Int = 1) -> AccountConnection {
        AccountConnection(
            handle: "@\(BlueskyFake.handle)",
            settings: ["service_url": server.baseURL.absoluteString, "did": BlueskyFake.did, "handle": BlueskyFake.handle],
            credentials: ConnectorCredentials(accessToken: BlueskyFake.access(generation), refreshToken: BlueskyFake.refresh(generation)))
    }

    func withBluesky(transport: StubTransport = StubTransport(), _ body: (BlueskyFake, StubServer, any Connector) async throws -> Void) async throws {
        let fake = BlueskyFake()
        try await StubServer.run(fake.handle) { server in
            let now = self.now
            try await body(fake, server, BlueskyKind().connector(for: connection(server), transport: transport, clock: { now }))
        }
    }

    @Test func connectingSignsInAndKeepsTheSession() async throws {
        let fake = BlueskyFake()
        try await StubServer.run(fake.handle) { server in
            let connection = try await BlueskyKind().connect(
                fields: ["service_url": server.baseURL.absoluteString, "handle": "@Brand.bsky.social ", "app_password": BlueskyFake.password],
                transport: StubTransport(), now: now)
            #expect(connection.handle == "@brand.bsky.social")
            #expect(connection.settings == ["service_url": server.baseURL.absoluteString, "did": BlueskyFake.did, "handle": BlueskyFake.handle])
            #expect(connection.credentials.accessToken == BlueskyFake.access(1))
            #expect(connection.credentials.refreshToken == BlueskyFake.refresh(1))
            #expect(connection.credentials.expiresAt == Date(timeIntervalSince1970: 1_772_707_201), "read from the token's exp")
            let sent = try #require(server.requests.first)
            #expect(sent.method == "POST" && sent.path == "/xrpc/com.atproto.server.createSession")
            #expect(sent.json?["identifier"] as? String == "brand.bsky.social")
            #expect(sent.json?["password"] as? String == BlueskyFake.password)
        }
        #expect(BlueskyKind().connectionFields.map(\.key) == ["service_url", "handle", "app_password"])
        #expect(BlueskyKind().connectionFields.map(\.secret) == [false, false, true])
    }

    @Test func badConnectionFieldsAreRefusedNamingTheField() async throws {
        let fake = BlueskyFake()
        try await StubServer.run(fake.handle) { server in
            let service = server.baseURL.absoluteString
            let cases: [([String: String], String)] = [
                (["service_url": service, "handle": "", "app_password": "x"], "handle"),
                (["service_url": service, "handle": "brand", "app_password": "x"], "handle"),
                (["service_url": service, "handle": BlueskyFake.handle, "app_password": " "], "app password"),
                (["service_url": service, "handle": BlueskyFake.handle, "app_password": "wrong-password"], "app password"),
                (["service_url": "not a url", "handle": BlueskyFake.handle, "app_password": "x"], "service address"),
            ]
            for (fields, field) in cases {
                do {
                    _ = try await BlueskyKind().connect(fields: fields, transport: StubTransport(), now: now)
                    Issue.record("connected with \(fields)")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(field), "\(reason)")
                }
            }
        }
    }

    @Test func publishingWritesAPostRecordWithFacetsUnderADerivedKey() async throws {
        try await withBluesky { fake, server, bluesky in
            let text = "Hi @alice.bsky.social and @ghost.example.com #新品 https://shop.example/a?b=1."
            let post = try await bluesky.publish(
                PublishRequest(idempotencyKey: "variant-9/account-2", variant: Variant(text: text, tags: ["spring"])))
            let create = try #require(server.requests.first { $0.path.hasSuffix("createRecord") })
            #expect(create.headers["authorization"] == "Bearer \(BlueskyFake.access(1))")
            let input = try #require(create.json)
            let rkey = try #require(input["rkey"] as? String)
            #expect(input["repo"] as? String == BlueskyFake.did && input["collection"] as? String == "app.bsky.feed.post")
            #expect(rkey.count == 13 && rkey.allSatisfy { "234567abcdefghijklmnopqrstuvwxyz".contains($0) })
            #expect(post.remoteID == "at://did:plc:brand/app.bsky.feed.post/\(rkey)")
            #expect(post.url == "https://bsky.app/profile/brand.bsky.social/post/\(rkey)")
            let record = try #require(input["record"] as? [String: Any])
            #expect(record["$type"] as? String == "app.bsky.feed.post")
            #expect(record["text"] as? String == text)
            #expect(record["createdAt"] as? String == "2026-03-05T08:40:00.000Z")
            #expect(record["tags"] as? [String] == ["spring"])
            let facets = try #require(record["facets"] as? [[String: Any]])
            let summary = facets.map { facet -> String in
                let index = facet["index"] as? [String: Int] ?? [:]
                let feature = (facet["features"] as? [[String: String]])?.first ?? [:]
                let value = feature["did"] ?? feature["tag"] ?? feature["uri"] ?? "?"
                return "\(index["byteStart"] ?? -1)-\(index["byteEnd"] ?? -1) \(feature["$type"] ?? "?") \(value)"
            }
            #expect(
                summary == [
                    "3-21 app.bsky.richtext.facet#mention did:plc:alice", "45-52 app.bsky.richtext.facet#tag 新品",
                    "53-79 app.bsky.richtext.facet#link https://shop.example/a?b=1",
                ])
            #expect(
                server.requests.filter { $0.path.hasSuffix("resolveHandle") }.compactMap { $0.query["handle"] } == [
                    "alice.bsky.social", "ghost.example.com",
                ])
            #expect(fake.records.count == 1)
        }
    }

    @Test func publishingTheSameKeyAgainReturnsTheFirstPost() async throws {
        try await withBluesky { fake, _, bluesky in
            let request = PublishRequest(idempotencyKey: "again", variant: Variant(text: "once only"))
            let first = try await bluesky.publish(request)
            let second = try await bluesky.publish(request)
            #expect(first.remoteID == second.remoteID && first.url == second.url)
            #expect(fake.records.count == 1)
            let other = try await bluesky.publish(PublishRequest(idempotencyKey: "another", variant: Variant(text: "once only")))
            #expect(other.remoteID != first.remoteID)
        }
    }

    @Test func aTimeoutAfterSendingIsReconciledByFindPost() async throws {
        try await withBluesky(transport: .hanging(on: "com.atproto.repo.createRecord")) { fake, _, bluesky in
            fake.state.withLock { $0.hangAfterCreating = true }
            let request = PublishRequest(idempotencyKey: "slow", variant: Variant(text: "slow PDS"))
            do {
                _ = try await bluesky.publish(request)
                Issue.record("a request without answer succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            let found = try #require(try await bluesky.findPost(idempotencyKey: "slow"))
            #expect(found.publishedAt == now)
            #expect(try await bluesky.publish(request).remoteID == found.remoteID)
            #expect(fake.records.count == 1)
            #expect(try await bluesky.findPost(idempotencyKey: "never-sent") == nil)
        }
    }

    @Test func platformRefusalsBecomeActionableErrors() async throws {
        try await withBluesky { fake, _, bluesky in
            let request = PublishRequest(idempotencyKey: "e", variant: Variant(text: "hello"))
            fake.force(BlueskyFake.xrpcError("ExpiredToken", "Token has expired"))
            await #expect(throws: ConnectorError.expiredCredentials) { try await bluesky.publish(request) }
            fake.force(BlueskyFake.xrpcError("AuthRequired", "Authentication Required", status: 401))
            await #expect(throws: ConnectorError.expiredCredentials) { try await bluesky.accountStats() }

            var limited = BlueskyFake.xrpcError("RateLimitExceeded", "Rate Limit Exceeded", status: 429)
            limited.headers["ratelimit-reset"] = String(Int(now.timeIntervalSince1970) + 300)
            fake.force(limited)
            await #expect(throws: ConnectorError.rateLimited(retryAfter: 300)) { try await bluesky.publish(request) }

            // Refused, then the key is checked: nothing was made under it.
            fake.force(
                BlueskyFake.xrpcError("InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"))
            do {
                _ = try await bluesky.publish(request)
                Issue.record("a refused post was published")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("must not be longer than 300 graphemes"))
            }

            fake.force(BlueskyFake.xrpcError("InternalServerError", "Internal Server Error", status: 502))
            do {
                _ = try await bluesky.publish(request)
                Issue.record("published through a 502")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
            }
            #expect(fake.records.isEmpty)
            await #expect(throws: ConnectorError.notFound) { try await bluesky.metrics(of: "at://did:plc:brand/app.bsky.feed.post/3kgone222222") }
        }
    }

    @Test func refreshingRotatesBothTokensAndTheStoredCredentialsKeepThem() async throws {
        let fake = BlueskyFake()
        try await StubServer.run(fake.handle) { server in
            let stored = connection(server).credentials
            let bluesky = BlueskyKind().connector(for: connection(server), transport: StubTransport(), clock: { self.now })
            let refreshed = try await bluesky.refreshCredentials(stored, now: now)
            let sent = try #require(server.requests.last)
            #expect(sent.method == "POST" && sent.path == "/xrpc/com.atproto.server.refreshSession")
            #expect(sent.headers["authorization"] == "Bearer \(BlueskyFake.refresh(1))")
            #expect(refreshed.accessToken == BlueskyFake.access(2) && refreshed.refreshToken == BlueskyFake.refresh(2))
            #expect(refreshed.expiresAt == Date(timeIntervalSince1970: 1_772_707_202))
            let updated = stored.updated(with: refreshed)
            #expect(updated == refreshed)
            // The old refresh token is spent; a refresh that gives nothing
            // back leaves the stored tokens as they are.
            await #expect(throws: ConnectorError.expiredCredentials) { try await bluesky.refreshCredentials(stored, now: now) }
            #expect(updated.updated(with: ConnectorCredentials(accessToken: "", refreshToken: "")) == updated)
            // The connector made from the new credentials works; the old one is expired.
            let renewed = BlueskyKind().connector(
                for: AccountConnection(handle: "@brand", settings: connection(server).settings, credentials: updated), transport: StubTransport(),
                clock: { self.now })
            #expect(try await renewed.accountStats().followers == 1_234)
            await #expect(throws: ConnectorError.expiredCredentials) { try await bluesky.accountStats() }
        }
    }

    @Test func notificationsArriveOldestFirstAcrossPagesAndOnlyOnce() async throws {
        try await withBluesky { _, server, bluesky in
            let first = try await bluesky.interactions(since: nil, limit: 3)
            #expect(first.interactions.map(\.kind) == [.like, .share])
            #expect(first.interactions.map(\.remoteID) == ["at://did:plc:fan1/app.bsky.feed.like/1", "at://did:plc:fan2/app.bsky.feed.repost/2"])
            #expect(first.interactions.allSatisfy { $0.postRemoteID == BlueskyFake.ours })
            #expect(server.requests.filter { $0.path.hasSuffix("listNotifications") }.count == 3, "read back to the oldest page")

            let second = try await bluesky.interactions(since: first.nextCursor, limit: 50)
            #expect(second.interactions.map(\.kind) == [.comment, .follow, .share])
            let reply = second.interactions[0]
            #expect(reply.text == "When? 🤔" && reply.postRemoteID == BlueskyFake.ours && reply.authorID == "did:plc:fan3")
            #expect(reply.at == Date(timeIntervalSince1970: 1_772_704_980))
            #expect(second.interactions[1].authorName == "fan4.bsky.social" && second.interactions[1].postRemoteID == nil)
            #expect(second.interactions[2].text == "look at this")

            let third = try await bluesky.interactions(since: second.nextCursor, limit: 50)
            #expect(third.interactions.isEmpty && third.nextCursor == second.nextCursor)
            await #expect(throws: ConnectorError.self) { try await bluesky.interactions(since: "garbage", limit: 5) }
        }
    }

    @Test func aReplyGoesIntoTheThreadOfThePostItAnswers() async throws {
        try await withBluesky { fake, server, bluesky in
            let uri = try await bluesky.reply(to: BlueskyFake.fanPost, text: "Next week, @alice.bsky.social knows", idempotencyKey: "reply-3")
            let create = try #require(server.requests.last { $0.path.hasSuffix("createRecord") })
            let record = try #require(create.json?["record"] as? [String: Any])
            let reply = try #require(record["reply"] as? [String: [String: String]])
            #expect(reply["root"] == ["uri": BlueskyFake.ours, "cid": "bafyours"])
            #expect(reply["parent"] == ["uri": BlueskyFake.fanPost, "cid": "bafyfan"])
            #expect((record["facets"] as? [Any])?.count == 1)
            #expect(try await bluesky.reply(to: BlueskyFake.fanPost, text: "Next week, @alice.bsky.social knows", idempotencyKey: "reply-3") == uri)
            #expect(fake.records.count == 1)
            await #expect(throws: ConnectorError.self) {
                try await bluesky.reply(to: "at://did:plc:fan1/app.bsky.feed.like/1", text: "thanks", idempotencyKey: "r")
            }
        }
    }

    @Test func metricsStatsAndDeletion() async throws {
        try await withBluesky { fake, server, bluesky in
            let post = try await bluesky.publish(PublishRequest(idempotencyKey: "m", variant: Variant(text: "count me")))
            #expect(
                try await bluesky.metrics(of: post.remoteID)
                    == PostMetrics(
                        impressions: nil, likes: 12, comments: 4, shares: 5, at: now,
                        platformValues: ["likeCount": 12, "replyCount": 4, "repostCount": 3, "quoteCount": 2]))
            #expect(server.requests.last?.query["uris"] == post.remoteID)
            #expect(
                try await bluesky.accountStats()
                    == AccountStats(
                        followers: 1_234, posts: 56, at: now, following: 10,
                        platformValues: ["followersCount": 1_234, "followsCount": 10, "postsCount": 56]))
            #expect(server.requests.last?.query["actor"] == BlueskyFake.did)
            try await bluesky.delete(remoteID: post.remoteID)
            #expect(fake.records.isEmpty)
            #expect(server.requests.last?.json?["rkey"] as? String == String(post.remoteID.split(separator: "/").last!))
            await #expect(throws: ConnectorError.notFound) { try await bluesky.delete(remoteID: post.remoteID) }
        }
    }
}
