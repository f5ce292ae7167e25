import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// Reading other brands' public accounts (competitor benchmark): the
/// Sandbox's made from the handle, Mastodon's through the connected
/// account's instance over a loopback stub.
@Suite struct PublicAccountTests {
    let now = Date(timeIntervalSince1970: 1_772_700_000)

    @Test func theSandboxsOtherBrandsAreTheSameOnEveryRead() async throws {
        let clock = now
        let sandbox = SandboxConnector(
            account: "brand", audience: SandboxAudience(seed: 1), ledger: SandboxLedger(), accountCreated: now.addingTimeInterval(-86_400),
            failureRate: 0, clock: { clock })
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let first = try await sandbox.publicAccount(handle: "@rival", days: 30, timeZone: zone)
        let again = try await sandbox.publicAccount(handle: "rival", days: 30, timeZone: zone)
        #expect(first == again && first.days.count == 30 && first.displayName == "rival")
        #expect(first.days.last?.day == "2026-03-05")
        let followers = first.days.compactMap(\.followers)
        #expect(followers.count == 30 && followers.last! >= followers.first!, "a steady growth")
        #expect(first.days.reduce(0) { $0 + $1.postsThatDay } > 0)
        #expect(first.days.allSatisfy { $0.contentTypes.values.reduce(0, +) == $0.postsThatDay })
        let other = try await sandbox.publicAccount(handle: "another", days: 30, timeZone: zone)
        #expect(other.days.last?.followers != first.days.last?.followers)
        await #expect(throws: ConnectorError.notFound) { try await sandbox.publicAccount(handle: "@", days: 1, timeZone: zone) }
    }

    @Test func mastodonLooksTheAccountUpAndCountsItsRecentPosting() async throws {
        let handler: @Sendable (StubRequest) async -> StubResponse = { request in
            guard request.headers["authorization"] == "Bearer \(MastodonFake.token)" else { return .json(["error": "no"], status: 401) }
            switch request.path {
            case "/api/v1/accounts/lookup":
                guard request.query["acct"] == "rival@other.example" else { return .json(["error": "Record not found"], status: 404) }
                return .json([
                    "id": "99", "username": "rival", "acct": "rival@other.example", "display_name": "Rival 对手",
                    "followers_count": 5_400, "following_count": 3, "statuses_count": 812,
                ])
            case "/api/v1/accounts/99/statuses":
                #expect(request.query["exclude_replies"] == "true" && request.query["limit"] == "40")
                return .json([
                    [
                        "id": "3", "created_at": "2026-03-05T06:00:00.000Z", "replies_count": 1, "reblogs_count": 2, "favourites_count": 10,
                        "media_attachments": [["type": "image"]],
                    ],
                    [
                        "id": "2", "created_at": "2026-03-05T01:00:00.000Z", "replies_count": 0, "reblogs_count": 0, "favourites_count": 4,
                        "card": ["url": "https://x.example"],
                    ],
                    ["id": "1", "created_at": "2026-03-02T01:00:00.000Z", "replies_count": 2, "reblogs_count": 1, "favourites_count": 3],
                    ["id": "0", "created_at": "2026-01-02T01:00:00.000Z", "replies_count": 2, "reblogs_count": 1, "favourites_count": 3],
                ])
            default:
                return .json(["error": "no route"], status: 404)
            }
        }
        try await StubServer.run(handler) { server in
            let connection = AccountConnection(
                handle: "@brand@127.0.0.1",
                settings: [MastodonKind.Setting.instanceURL: server.baseURL.absoluteString, MastodonKind.Setting.accountID: "14715"],
                credentials: ConnectorCredentials(accessToken: MastodonFake.token))
            let clock = now
            let connector = try #require(
                MastodonKind().connector(for: connection, transport: StubTransport(), clock: { clock }) as? any PublicAccountReading)
            let snapshot = try await connector.publicAccount(handle: "@rival@other.example", days: 30, timeZone: .gmt)
            #expect(snapshot.displayName == "Rival 对手")
            #expect(snapshot.days.map(\.day) == ["2026-03-02", "2026-03-05"], "the January post is outside the 30 days")
            let today = try #require(snapshot.days.last)
            #expect(today.followers == 5_400 && today.posts == 812 && today.postsThatDay == 2 && today.engagements == 17)
            #expect(today.contentTypes == ["image": 1, "link": 1] && snapshot.days[0].contentTypes == ["text": 1])
            #expect(snapshot.days[0].followers == nil, "totals only for today")
            await #expect(throws: ConnectorError.notFound) { try await connector.publicAccount(handle: "nobody", days: 30, timeZone: .gmt) }
        }
    }

    @Test func blueskyReadsTheProfileAndTheAuthorFeedFromThePublicAppView() async throws {
        let rival = "did:plc:rival"
        @Sendable func post(_ created: String, likes: Int, embed: [String: Any]? = nil, author: String = "did:plc:rival") -> [String: Any] {
            var post: [String: Any] = [
                "uri": "at://\(author)/app.bsky.feed.post/\(created.hashValue)", "cid": "bafy", "author": ["did": author, "handle": "x.test"],
                "record": ["$type": "app.bsky.feed.post", "text": "hi", "createdAt": created], "indexedAt": created, "likeCount": likes,
                "replyCount": 1, "repostCount": 2, "quoteCount": 1,
            ]
            if let embed { post["embed"] = embed }
            return post
        }
        let handler: @Sendable (StubRequest) async -> StubResponse = { request in
            guard request.headers["authorization"] == nil else { return .json(["error": "AuthMissing"], status: 401) }
            switch request.path {
            case "/xrpc/app.bsky.actor.getProfile":
                guard request.query["actor"] == "rival.bsky.social" else {
                    return .json(["error": "InvalidRequest", "message": "Profile not found"], status: 400)
                }
                return .json([
                    "did": rival, "handle": "rival.bsky.social", "displayName": "Rival 对手", "followersCount": 1_200, "followsCount": 3,
                    "postsCount": 640,
                ])
            case "/xrpc/app.bsky.feed.getAuthorFeed":
                #expect(request.query["actor"] == rival && request.query["filter"] == "posts_no_replies" && request.query["limit"] == "100")
                if request.query["cursor"] == nil {
                    return .json([
                        "cursor": "page2",
                        "feed": [
                            ["post": post("2026-03-05T06:00:00.000Z", likes: 10, embed: ["$type": "app.bsky.embed.images#view", "images": []])],
                            ["post": post("2026-03-05T01:00:00.000Z", likes: 4, embed: ["$type": "app.bsky.embed.external#view"])],
                            [
                                "post": post("2026-03-04T01:00:00.000Z", likes: 99, author: "did:plc:someone"),
                                "reason": ["$type": "app.bsky.feed.defs#reasonRepost", "by": ["did": rival]],
                            ],
                        ],
                    ])
                }
                #expect(request.query["cursor"] == "page2")
                return .json([
                    "cursor": "page3",
                    "feed": [
                        [
                            "post": post(
                                "2026-03-02T01:00:00.000Z", likes: 3,
                                embed: ["$type": "app.bsky.embed.recordWithMedia#view", "media": ["$type": "app.bsky.embed.video#view"]])
                        ],
                        ["post": post("2026-01-02T01:00:00.000Z", likes: 50)],
                    ],
                ])
            default:
                return .json(["error": "MethodNotImplemented"], status: 501)
            }
        }
        try await StubServer.run(handler) { server in
            let connection = AccountConnection(
                handle: "@brand.bsky.social",
                settings: ["service_url": "https://pds.example", "did": "did:plc:brand", "handle": "brand.bsky.social"],
                credentials: ConnectorCredentials(accessToken: "secret-token"))
            let clock = now
            let connector = BlueskyConnector(connection: connection, transport: StubTransport(), appView: server.baseURL, clock: { clock })
            // act
            let snapshot = try await connector.publicAccount(handle: "@rival.bsky.social", days: 30, timeZone: .gmt)
            // check
            #expect(snapshot.displayName == "Rival 对手")
            #expect(snapshot.days.map(\.day) == ["2026-03-02", "2026-03-05"], "the repost and the January post left out")
            let today = try #require(snapshot.days.last)
            #expect(today.followers == 1_200 && today.posts == 640 && today.postsThatDay == 2 && today.engagements == 10 + 4 + 2 * 4)
            #expect(today.contentTypes == ["image": 1, "link": 1] && snapshot.days[0].contentTypes == ["video": 1])
            #expect(snapshot.days[0].followers == nil, "totals only for today")
            #expect(server.requests.map(\.path).filter { $0.hasSuffix("getAuthorFeed") }.count == 2, "the walk stops at the first older post")
            #expect(server.requests.allSatisfy { $0.headers["authorization"] == nil }, "the account's token never goes to the AppView")
            await #expect(throws: ConnectorError.notFound) { try await connector.publicAccount(handle: "nobody.test", days: 30, timeZone: .gmt) }
            await #expect(throws: ConnectorError.notFound) { try await connector.publicAccount(handle: "@", days: 30, timeZone: .gmt) }
            #expect(BlueskyConnector.publicAppView.host == "public.api.bsky.app")
        }
    }
}
