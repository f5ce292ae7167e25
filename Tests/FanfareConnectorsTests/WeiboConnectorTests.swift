import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@Suite struct WeiboConnectorTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_000)
    static let safe = "https://brand.example/spring"

    func fields(_ server: StubServer, _ changes: [String: String] = [:]) -> [String: String] {
        [
            "accessToken": WeiboFake.token, "safeDomainURL": Self.safe, "rip": "203.0.113.7", "apiBaseURL": server.baseURL.absoluteString,
        ].merging(changes) { _, new in new }
    }

    /// Connects through the kind, as the server does, and returns the connector.
    func connect(_ server: StubServer, transport: StubTransport = StubTransport()) async throws -> any Connector {
        let connection = try await WeiboKind().connect(fields: fields(server), transport: transport, now: Self.now)
        return WeiboKind().connector(for: connection, transport: transport, clock: { Self.now })
    }

    @Test func connectingChecksTheTokenAndReadsTheAccount() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let connection = try await WeiboKind().connect(fields: fields(server), transport: StubTransport(), now: Self.now)
            #expect(connection.handle == "品牌官方微博")
            #expect(connection.settings["uid"] == WeiboFake.uid)
            #expect(connection.settings["safeDomainURL"] == Self.safe)
            #expect(connection.settings["rip"] == "203.0.113.7")
            #expect(connection.credentials.accessToken == WeiboFake.token)
            #expect(connection.credentials.expiresAt == Self.now.addingTimeInterval(86_400), "expire_in counts from now")
            let tokenInfo = try #require(server.requests.first)
            #expect(tokenInfo.method == "POST" && tokenInfo.path == "/oauth2/get_token_info")
            #expect(tokenInfo.form["access_token"] == WeiboFake.token)
            #expect(server.requests.last?.query["uid"] == WeiboFake.uid)
        }
    }

    @Test func connectingNamesTheFieldThatIsWrong() async throws {
        try await StubServer.run(WeiboFake().handle) { server in
            let kind = WeiboKind()
            for (change, word) in [
                (["safeDomainURL": "brand.example"], "Safe-domain URL"), (["rip": "localhost"], "IP address"), (["accessToken": " "], "Access token"),
            ] {
                do {
                    _ = try await kind.connect(fields: fields(server, change), transport: StubTransport(), now: Self.now)
                    Issue.record("\(change) was accepted")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(word))
                }
            }
            #expect(server.requests.isEmpty, "bad fields are refused before asking Weibo")
            await #expect(
                throws: ConnectorError.rejected(
                    reason: "Weibo says the access token has expired or was revoked; authorise Fanfare's Weibo app again and paste the new token")
            ) {
                try await kind.connect(fields: fields(server, ["accessToken": "2.00old"]), transport: StubTransport(), now: Self.now)
            }
        }
    }

    @Test func publishingSharesTheTextWithTheMarkedSafeDomainLink() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let post = try await weibo.publish(PublishRequest(idempotencyKey: "variant-7/account-3", variant: Variant(text: "春季新品今天开售")))
            let share = try #require(server.requests.last)
            #expect(share.method == "POST" && share.path == "/2/statuses/share.json")
            #expect(share.headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true)
            #expect(share.form["access_token"] == WeiboFake.token)
            #expect(share.form["rip"] == "203.0.113.7")
            let status = try #require(share.form["status"])
            #expect(status.hasPrefix("春季新品今天开售 \(Self.safe)?fanfare="), "the safe-domain link is appended, with the marker")
            #expect(status.firstMatch(of: #/fanfare=[0-9a-f]{12}$/#) != nil)
            #expect(post.remoteID == fake.posts[0].id)
            #expect(post.url == "https://weibo.com/\(WeiboFake.uid)/\(post.remoteID)")
            #expect(post.publishedAt == Date(timeIntervalSince1970: 1_795_399_200), "created_at 10:00 +0800 is 02:00 UTC")

            // A text that already links to the safe domain keeps its one link.
            _ = try await weibo.publish(
                PublishRequest(idempotencyKey: "k2", variant: Variant(text: "详情 https://shop.brand.example/a?x=1 看看")))
            let second = try #require(server.requests.last?.form["status"])
            #expect(second.hasPrefix("详情 https://shop.brand.example/a?x=1&fanfare="))
            #expect(second.hasSuffix(" 看看"))
        }
    }

    @Test func aPictureIsSentWithTheTextInOneShareCall() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let picture = MediaUpload(
                name: "海报.png", format: .png, width: 800, height: 600, altText: nil, sha256: String(repeating: "d", count: 64),
                data: Data([0x89, 0x50, 0x4E, 0x47, 9, 9]))
            let variant = Variant(text: "春季新品", media: [MediaAttachment(kind: .image, bytes: 6, format: .png)])
            let posted = try await weibo.publish(PublishRequest(idempotencyKey: "pic-1", variant: variant, media: [picture]))
            let stored = try #require(fake.state.withLock { $0.posts }.last)
            #expect(posted.remoteID == stored.id)
            #expect(stored.picture == "image/png")
            #expect(stored.text.hasPrefix("春季新品"))
            let share = try #require(server.requests.last { $0.path == "/2/statuses/share.json" })
            #expect(share.headers["content-type"]?.hasPrefix("multipart/form-data; boundary=") == true)
            // Two pictures, or a WebP, are refused before anything is sent.
            let before = server.requests.count
            for uploads in [
                [picture, picture], [MediaUpload(name: "a", format: .webp, width: nil, height: nil, altText: nil, sha256: "e", data: Data([1]))],
            ] {
                let media = uploads.map { MediaAttachment(kind: .image, bytes: $0.data.count, format: $0.format) }
                await #expect(throws: ConnectorError.self) {
                    try await weibo.publish(PublishRequest(idempotencyKey: "pic-2", variant: Variant(text: "x", media: media), media: uploads))
                }
            }
            #expect(server.requests.count == before)
        }
    }

    @Test func whatShareRefusesIsRejectedBeforeSending() async throws {
        try await StubServer.run(WeiboFake().handle) { server in
            let weibo = try await connect(server)
            let before = server.requests.count
            for (variant, words) in [
                (Variant(text: "#上新# 春季新品"), "#上新#"), (Variant(text: String(repeating: "长", count: 135)), "shorten the text by 6"),
                (Variant(text: "图", media: [MediaAttachment(kind: .image, bytes: 1_000)]), "no file"),
            ] {
                do {
                    _ = try await weibo.publish(PublishRequest(idempotencyKey: "r", variant: variant))
                    Issue.record("\(variant.text) was sent")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(words), "\(reason)")
                }
            }
            #expect(server.requests.count == before)
        }
    }

    @Test func weiboErrorCodesBecomeWhatToDo() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let request = PublishRequest(idempotencyKey: "e", variant: Variant(text: "新品"))
            fake.force(WeiboFake.error(21327, "expired_token", "/2/statuses/share.json", status: 403))
            await #expect(throws: ConnectorError.expiredCredentials) { try await weibo.publish(request) }

            fake.force(WeiboFake.error(10023, "User requests out of rate limit!", "/2/statuses/share.json", status: 403))
            await #expect(throws: ConnectorError.rateLimited(retryAfter: 1_234), "the wait is Weibo's reset_time_in_seconds") {
                try await weibo.publish(request)
            }
            #expect(server.requests.last?.path == "/2/account/rate_limit_status.json")

            fake.force(WeiboFake.error(20019, "Repeat conetnt!", "/2/statuses/share.json"))
            do {
                _ = try await weibo.publish(request)
                Issue.record("a repeat was accepted")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("repeat") && reason.contains("20019"))
                #expect(!error.isRetriable)
            }

            fake.force(WeiboFake.error(20021, "content is illegal!", "/2/statuses/share.json"))
            await #expect(throws: ConnectorError.rejected(reason: "Weibo refused the content as not allowed (error 20021); change the text")) {
                try await weibo.publish(request)
            }

            fake.force(.text("<html>502 Bad Gateway</html>", status: 502))
            do {
                _ = try await weibo.publish(request)
                Issue.record("a 502 was taken as success")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
            }

            fake.force(WeiboFake.error(20032, "Update success, while server slow now, please wait 1-2 minutes", "/2/statuses/share.json"))
            do {
                _ = try await weibo.publish(request)
                Issue.record("20032 was taken as a definite answer")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
        }
    }

    @Test func aTimeoutAfterSendingIsReconciledThroughTheShortLink() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server, transport: .hanging(on: "/2/statuses/share.json"))
            _ = try await weibo.publish(PublishRequest(idempotencyKey: "earlier", variant: Variant(text: "上周的帖子")))
            fake.state.withLock { $0.hangAfterSharing = true }
            let request = PublishRequest(idempotencyKey: "variant-9/account-3", variant: Variant(text: "会超时的帖子"))
            do {
                _ = try await weibo.publish(request)
                Issue.record("an unanswered share succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            #expect(fake.posts.count == 2, "Weibo did publish it")
            #expect(fake.posts[1].text.hasPrefix("会超时的帖子 http://t.cn/"), "Weibo stores the link shortened")

            let found = try #require(try await weibo.findPost(idempotencyKey: "variant-9/account-3"))
            #expect(found.remoteID == fake.posts[1].id)
            #expect(found.url == "https://weibo.com/\(WeiboFake.uid)/\(fake.posts[1].id)")
            let expand = try #require(server.requests.last { $0.path == "/2/short_url/expand.json" })
            #expect(expand.query["url_short"]?.contains("http://t.cn/") == true)
            #expect(server.requests.contains { $0.path == "/2/statuses/user_timeline.json" && $0.query["uid"] == WeiboFake.uid })

            #expect(try await weibo.findPost(idempotencyKey: "never-sent") == nil)
            #expect(try await weibo.findPost(idempotencyKey: "earlier")?.remoteID == fake.posts[0].id)
        }
    }

    @Test func aCommentOnOurPostIsDeletedOnceAndAMentionCannotBe() async throws {
        let fake = WeiboFake()
        fake.state.withLock {
            $0.comments = [["id": "5001", "text": "刷单", "at": "Mon Nov 23 09:00:00 +0800 2026", "user": "2001", "name": "小号", "post": "4900"]]
        }
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            #expect(weibo.capabilities.moderation == [.delete])
            try await weibo.moderate(.delete, interactionID: "comment:5001:4900", authorID: "2001")
            #expect(fake.state.withLock { $0.comments }.isEmpty)
            // Deleting again: already gone, done.
            try await weibo.moderate(.delete, interactionID: "comment:5001:4900", authorID: "2001")
            await #expect(throws: ConnectorError.self) { try await weibo.moderate(.delete, interactionID: "mention:6002", authorID: "2003") }
            await #expect(throws: ConnectorError.self) { try await weibo.moderate(.block, interactionID: "comment:5001:4900", authorID: "2001") }
            #expect(server.requests.filter { $0.path == "/2/comments/destroy.json" }.count == 2)
        }
    }

    @Test func commentsAndMentionsAreMergedOldestFirstWithOneCursor() async throws {
        let fake = WeiboFake()
        fake.state.withLock {
            $0.comments = [
                ["id": "5001", "text": "好看", "at": "Mon Nov 23 09:00:00 +0800 2026", "user": "2001", "name": "粉丝甲", "post": "4900"],
                ["id": "5003", "text": "多少钱", "at": "Mon Nov 23 11:00:00 +0800 2026", "user": "2002", "name": "粉丝乙", "post": "4900"],
            ]
            $0.mentions = [["id": "6002", "text": "@品牌官方微博 求链接", "at": "Mon Nov 23 10:00:00 +0800 2026", "user": "2003", "name": "粉丝丙"]]
        }
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let first = try await weibo.interactions(since: nil, limit: 2)
            #expect(first.interactions.map(\.text) == ["好看", "@品牌官方微博 求链接"])
            #expect(first.interactions.map(\.kind) == [.comment, .mention])
            #expect(first.interactions[0].remoteID == "comment:5001:4900")
            #expect(first.interactions[0].postRemoteID == "4900")
            #expect(first.interactions[0].authorName == "粉丝甲" && first.interactions[0].authorID == "2001")
            #expect(first.nextCursor == "5001:6002")
            let second = try await weibo.interactions(since: first.nextCursor, limit: 10)
            #expect(second.interactions.map(\.remoteID) == ["comment:5003:4900"])
            #expect(server.requests.last { $0.path == "/2/comments/to_me.json" }?.query["since_id"] == "5001")
            #expect(server.requests.last { $0.path == "/2/statuses/mentions.json" }?.query["since_id"] == "6002")
            let third = try await weibo.interactions(since: second.nextCursor, limit: 10)
            #expect(third.interactions.isEmpty && third.nextCursor == "5003:6002")
            await #expect(throws: ConnectorError.self) { try await weibo.interactions(since: "garbage", limit: 10) }
        }
    }

    @Test func repliesGoToTheCommentOrThePostThatMentioned() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let id = try await weibo.reply(to: "comment:5001:4900", text: "谢谢喜欢", idempotencyKey: "r1")
            #expect(id == "3504803600590001")
            let reply = try #require(server.requests.last)
            #expect(reply.path == "/2/comments/reply.json")
            #expect(reply.form["cid"] == "5001" && reply.form["id"] == "4900" && reply.form["comment"] == "谢谢喜欢")
            #expect(reply.form["rip"] == "203.0.113.7")
            _ = try await weibo.reply(to: "mention:6002", text: "链接在主页", idempotencyKey: "r2")
            #expect(server.requests.last?.path == "/2/comments/create.json")
            #expect(server.requests.last?.form["id"] == "6002")
            await #expect(throws: ConnectorError.self) { try await weibo.reply(to: "like:1", text: "x", idempotencyKey: "r3") }
        }
    }

    @Test func countsStatsAndTheLimitsOfTheAPI() async throws {
        let fake = WeiboFake()
        try await StubServer.run(fake.handle) { server in
            let weibo = try await connect(server)
            let post = try await weibo.publish(PublishRequest(idempotencyKey: "m", variant: Variant(text: "新品")))
            let metrics = try await weibo.metrics(of: post.remoteID)
            #expect(
                metrics
                    == PostMetrics(
                        impressions: nil, likes: 48, comments: 12, shares: 5, at: Self.now,
                        platformValues: ["attitudes": 48, "comments": 12, "reposts": 5]))
            #expect(server.requests.last?.query["ids"] == post.remoteID)
            await #expect(throws: ConnectorError.notFound) { try await weibo.metrics(of: "1") }
            #expect(
                try await weibo.accountStats()
                    == AccountStats(
                        followers: 1204, posts: 2908, at: Self.now, following: 447,
                        platformValues: ["followers_count": 1204, "friends_count": 447, "statuses_count": 2908]))
            await #expect(throws: ConnectorError.self) { try await weibo.accountHistory(days: 7, timeZone: .gmt) }
            #expect(!weibo.capabilities.canDelete)
            await #expect(throws: ConnectorError.self) { try await weibo.delete(remoteID: post.remoteID) }
            let credentials = ConnectorCredentials(accessToken: WeiboFake.token, expiresAt: Self.now.addingTimeInterval(300))
            await #expect(throws: ConnectorError.expiredCredentials) { try await weibo.refreshCredentials(credentials, now: Self.now) }
            #expect(WeiboKind.reauthorisation(expiresAt: Self.now).contains("authorise Fanfare's Weibo app again before 2026-"))
        }
    }
}
