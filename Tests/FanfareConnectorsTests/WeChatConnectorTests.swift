import FanfareConnectors
import FanfareCore
import Foundation
import Testing

@Suite struct WeChatConnectorTests {
    /// 2026-11-23 10:00 Beijing time.
    static let now = Date(timeIntervalSince1970: 1_795_399_200)
    static let aesKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    static let serverToken = "pamtest"

    func fields(_ server: StubServer, _ changes: [String: String] = [:]) -> [String: String] {
        [
            "appID": WeChatFake.appID, "appSecret": WeChatFake.secret, "accountType": "subscription", "serverToken": Self.serverToken,
            "encodingAESKey": Self.aesKey, "readOriginalURL": "https://brand.example/wechat", "coverMediaID": "COVER_MEDIA_ID",
            "accountName": "品牌服务号", "apiBaseURL": server.baseURL.absoluteString,
        ].merging(changes) { _, new in new }
    }

    func connect(
        _ server: StubServer, transport: StubTransport = StubTransport(), polls: [TimeInterval] = [0, 0, 0], changes: [String: String] = [:],
        clock: @escaping @Sendable () -> Date = { WeChatConnectorTests.now }
    )
        async throws -> WeChatConnector
    {
        let connection = try await WeChatKind().connect(fields: fields(server, changes), transport: transport, now: Self.now)
        let settings = connection.settings
        return WeChatConnector(
            appID: settings["appID"]!, readOriginalURL: settings["readOriginalURL"].flatMap(URL.init(string:)),
            coverMediaID: settings["coverMediaID"],
            credentials: connection.credentials, apiBase: server.baseURL, transport: transport, pollDelays: polls, historySpacing: 0, clock: clock)
    }

    func article(_ title: String? = "春季新品上市", _ text: String = "第一段 <b>新品</b> & 更多\n第二行\n\n第二段") -> Variant {
        Variant(title: title, text: text, media: [MediaAttachment(kind: .image, bytes: 1 << 20)])
    }

    @Test func connectingFetchesAStableTokenAndKeepsTheSecrets() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let kind = WeChatKind()
            let connection = try await kind.connect(fields: fields(server), transport: StubTransport(), now: Self.now)
            let tokenRequest = try #require(server.requests.first)
            #expect(tokenRequest.method == "POST" && tokenRequest.path == "/cgi-bin/stable_token")
            #expect(tokenRequest.json?["appid"] as? String == WeChatFake.appID)
            #expect(tokenRequest.json?["force_refresh"] as? Bool == false)
            #expect(connection.handle == "品牌服务号")
            #expect(connection.credentials.accessToken == "ACCESS_TOKEN_1")
            #expect(connection.credentials.expiresAt == Self.now.addingTimeInterval(7_200))
            #expect(
                connection.credentials.secrets == ["appSecret": WeChatFake.secret, "serverToken": Self.serverToken, "encodingAESKey": Self.aesKey])
            #expect(connection.settings["accountType"] == "subscription")
            #expect(connection.settings["appSecret"] == nil, "secrets stay out of the settings")
            #expect(kind.publishQuota(settings: connection.settings) == PublishQuota.wechat(accountType: .subscription))
            #expect(kind.publishQuota(settings: ["accountType": "service"])?.limit == 4)
            #expect(kind.connector(for: connection, transport: StubTransport(), clock: { Self.now }).platform == "wechat")
        }
    }

    @Test func connectingNamesTheFieldThatIsWrong() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            for (change, word) in [
                (["appID": "1234"], "AppID"), (["accountType": "enterprise"], "Account type"), (["encodingAESKey": "short"], "EncodingAESKey"),
                (["readOriginalURL": "brand"], "Read-original link"), (["serverToken": ""], "Server token"),
            ] {
                do {
                    _ = try await WeChatKind().connect(fields: fields(server, change), transport: StubTransport(), now: Self.now)
                    Issue.record("\(change) was accepted")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(word), "\(reason)")
                }
            }
            #expect(server.requests.isEmpty)
            for (change, word) in [(["appSecret": "wrong"], "AppSecret"), ([:], "IP whitelist")] {
                if change.isEmpty { fake.force(WeChatFake.error(40164, "invalid ip 203.0.113.7, not in whitelist")) }
                do {
                    _ = try await WeChatKind().connect(fields: fields(server, change), transport: StubTransport(), now: Self.now)
                    Issue.record("\(change) was accepted")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(word), "\(reason)")
                }
            }
        }
    }

    @Test func publishingAddsADraftSubmitsItAndPollsUntilPublished() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.script = [1, 1, 0] }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let post = try await wechat.publish(PublishRequest(idempotencyKey: "variant-1/account-2", variant: article()))
            let calls = server.requests.dropFirst().map(\.path)
            #expect(
                calls == [
                    "/cgi-bin/draft/add", "/cgi-bin/freepublish/submit", "/cgi-bin/freepublish/get", "/cgi-bin/freepublish/get",
                    "/cgi-bin/freepublish/get",
                ])
            let add = try #require(server.requests.first { $0.path == "/cgi-bin/draft/add" })
            #expect(add.query["access_token"] == "ACCESS_TOKEN_1")
            let sent = try #require((add.json?["articles"] as? [[String: Any]])?.first)
            #expect(sent["title"] as? String == "春季新品上市")
            #expect(sent["content"] as? String == "<p>第一段 &lt;b&gt;新品&lt;/b&gt; &amp; 更多<br/>第二行</p><p>第二段</p>")
            #expect(sent["thumb_media_id"] as? String == "COVER_MEDIA_ID")
            let source = try #require(sent["content_source_url"] as? String)
            #expect(source.firstMatch(of: #/^https://brand\.example/wechat\?fanfare=[0-9a-f]{12}$/#) != nil)
            #expect(server.requests.first { $0.path == "/cgi-bin/freepublish/submit" }?.json?["media_id"] as? String == "MEDIA_ID_1")
            #expect(server.requests.last?.json?["publish_id"] as? String == "100000002")
            #expect(post.remoteID == "ARTICLE_ID_100000002")
            #expect(post.url == "https://mp.weixin.qq.com/s/ARTICLE_ID_100000002")
            #expect(post.publishedAt == Self.now)
        }
    }

    @Test func thePicturesBecomeThePermanentCoverAndImagesInTheArticle() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server, changes: ["coverMediaID": ""])
            let pictures = [MediaFormat.jpeg, .png].map {
                MediaUpload(
                    name: "p", format: $0, width: 900, height: 383, altText: nil, sha256: String(repeating: "f", count: 64), data: Data([1, 2, 3]))
            }
            var variant = article()
            variant.media = pictures.map { MediaAttachment(kind: .image, bytes: 3, format: $0.format) }
            _ = try await wechat.publish(PublishRequest(idempotencyKey: "variant-9/account-2", variant: variant, media: pictures))
            let uploads = fake.state.withLock { $0.uploads }
            #expect(uploads.map(\.call) == ["material", "uploadimg"] && uploads.map(\.type) == ["image/jpeg", "image/png"])
            let add = try #require(server.requests.first { $0.path == "/cgi-bin/draft/add" })
            let sent = try #require((add.json?["articles"] as? [[String: Any]])?.first)
            #expect(sent["thumb_media_id"] as? String == "PERM_1")
            #expect((sent["content"] as? String)?.hasSuffix("<p><img src=\"http://mmbiz.qpic.cn/img_2\"/></p>") == true)
            // A missing title is refused before any picture is uploaded.
            var untitled = variant
            untitled.title = nil
            let before = server.requests.count
            await #expect(throws: ConnectorError.self) {
                try await wechat.publish(PublishRequest(idempotencyKey: "variant-10/account-2", variant: untitled, media: pictures))
            }
            #expect(server.requests.count == before)
        }
    }

    @Test func aFailedJobIsRejectedWithWeChatsReason() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            for (status, words) in [(4, "review refused"), (2, "original-content claim"), (3, "常规失败")] {
                fake.state.withLock { $0.script = [1, status] }
                do {
                    _ = try await wechat.publish(PublishRequest(idempotencyKey: "f\(status)", variant: article()))
                    Issue.record("status \(status) was taken as published")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(reason.contains(words) && reason.contains("(article 1)"), "\(reason)")
                }
            }
        }
    }

    @Test func aJobStillPublishingIsAnUnknownOutcomeThatFindPostResolves() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.script = [1, 1, 1] }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let request = PublishRequest(idempotencyKey: "slow-review", variant: article())
            do {
                _ = try await wechat.publish(request)
                Issue.record("a job still publishing was taken as done")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("may still publish"))
            }
            // Not published yet, but its draft is fresh: not a "no".
            await #expect(throws: ConnectorError.self) { try await wechat.findPost(idempotencyKey: "slow-review") }
            #expect(server.requests.last?.path == "/cgi-bin/draft/batchget")
            #expect(server.requests.last?.json?["no_content"] as? Int == 1)
            fake.finishAll()
            let found = try #require(try await wechat.findPost(idempotencyKey: "slow-review"))
            #expect(found.remoteID == "ARTICLE_ID_100000002")
            #expect(found.url == "https://mp.weixin.qq.com/s/ARTICLE_ID_100000002")
            #expect(found.publishedAt == Self.now.addingTimeInterval(60))
            #expect(try await wechat.findPost(idempotencyKey: "other-key") == nil)
        }
    }

    @Test func aTimeoutAfterSubmittingIsReconciledFromThePublishedList() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.hangAfterSubmit = true }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server, transport: .hanging(on: "/cgi-bin/freepublish/submit"))
            do {
                _ = try await wechat.publish(PublishRequest(idempotencyKey: "timeout-1", variant: article()))
                Issue.record("an unanswered submit succeeded")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { Issue.record("\(error)"); return }
            }
            fake.finishAll()
            let found = try #require(try await wechat.findPost(idempotencyKey: "timeout-1"))
            #expect(found.remoteID.hasPrefix("ARTICLE_ID_"))
            #expect(server.requests.last?.path == "/cgi-bin/freepublish/batchget")
        }
    }

    @Test func errcodesBecomeWhatToDo() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let request = PublishRequest(idempotencyKey: "e", variant: article())
            fake.force(WeChatFake.error(42001, "access_token expired"))
            await #expect(throws: ConnectorError.expiredCredentials) { try await wechat.publish(request) }
            fake.force(WeChatFake.error(45009, "reach max api daily quota limit"))
            await #expect(throws: ConnectorError.rateLimited(retryAfter: 14 * 3_600), "until midnight Beijing time") {
                try await wechat.publish(request)
            }
            fake.force(WeChatFake.error(-1, "system error"))
            do {
                _ = try await wechat.publish(request)
                Issue.record("-1 was taken as success")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
                #expect(error.isRetriable)
            }
            fake.force(.text("Bad Gateway", status: 502))
            do {
                _ = try await wechat.publish(request)
                Issue.record("a 502 was taken as success")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
            }
            fake.force(WeChatFake.error(45003, "title size out of limit"))
            do {
                _ = try await wechat.publish(request)
                Issue.record("a long title was accepted")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("title is too long"))
            }
        }
    }

    @Test func whatWeChatNeedsIsCheckedBeforeSending() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let noCover = try await connect(server, changes: ["coverMediaID": ""])
            let before = server.requests.count
            do {
                _ = try await noCover.publish(PublishRequest(idempotencyKey: "c", variant: article()))
                Issue.record("an article without a cover was sent")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { Issue.record("\(error)"); return }
                #expect(reason.contains("cover image") && reason.contains("cover media ID"))
            }
            let wechat = try await connect(server)
            await #expect(throws: ConnectorError.rejected(reason: "WeChat articles need a title; add one to this variant")) {
                try await wechat.publish(PublishRequest(idempotencyKey: "t", variant: article(nil)))
            }
            #expect(server.requests.count == before + 1, "only the second connect's token request went out")
        }
    }

    @Test func deletingStatsAndWhatWeChatDoesNotOffer() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let post = try await wechat.publish(PublishRequest(idempotencyKey: "d", variant: article()))
            #expect(
                try await wechat.accountStats()
                    == AccountStats(followers: 23_000, posts: 1, at: Self.now, platformValues: ["total": 23_000, "total_count": 1]))
            try await wechat.delete(remoteID: post.remoteID)
            #expect(server.requests.last?.json?["article_id"] as? String == post.remoteID)
            await #expect(throws: ConnectorError.notFound) { try await wechat.delete(remoteID: post.remoteID) }
            #expect(try await wechat.interactions(since: "c1", limit: 50) == InteractionPage(interactions: [], nextCursor: "c1"))
            await #expect(throws: ConnectorError.self) { try await wechat.metrics(of: post.remoteID) }
            await #expect(throws: ConnectorError.self) { try await wechat.reply(to: "x", text: "y", idempotencyKey: "z") }
            #expect(wechat.capabilities.receivesWebhooks && !wechat.capabilities.postMetrics)
        }
    }

    @Test func historyReadsTheStatisticsAWeekACallUpToYesterday() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            let before = server.requests.count
            // act: 20 days in UTC; WeChat's days are Beijing's, ending 2026-11-22
            let history = try await wechat.accountHistory(days: 20, timeZone: .gmt)
            // check
            #expect(history.map(\.day) == MetricDay.range("2026-11-03", "2026-11-22"))
            #expect(history.allSatisfy { $0.followers == WeChatFake.followers($0.day) })
            #expect(
                history.first?.platformValues
                    == ["cumulate_user": Double(WeChatFake.followers("2026-11-03")), "new_user": 5, "cancel_user": 2])
            let calls = server.requests.dropFirst(before)
            #expect(calls.count == 6, "three weeks, two interfaces each")
            for call in calls {
                let begin = try #require(call.json?["begin_date"] as? String)
                let end = try #require(call.json?["end_date"] as? String)
                #expect(call.method == "POST" && call.query["access_token"] == "ACCESS_TOKEN_1")
                #expect(MetricDay.distance(from: begin, to: end) < 7 && end <= "2026-11-22" && begin >= "2026-11-03", "\(begin)…\(end)")
            }
            #expect(calls.first?.path == "/datacube/getusercumulate" && calls.dropFirst().first?.path == "/datacube/getusersummary")
            #expect(try await wechat.accountHistory(days: 0, timeZone: .gmt).isEmpty)
        }
    }

    @Test func historyStopsWhereWeChatsStatisticsEndAndSaysWhatFailed() async throws {
        let fake = WeChatFake(now: Self.now)
        fake.state.withLock { $0.statisticsFrom = "2026-11-10" }
        try await StubServer.run(fake.handle) { server in
            let wechat = try await connect(server)
            // act: a year asked, WeChat keeps from 2026-11-10
            let history = try await wechat.accountHistory(days: 365, timeZone: .gmt)
            #expect(history.map(\.day) == MetricDay.range("2026-11-10", "2026-11-22"))
            #expect(server.requests.count < 12, "the walk ends at the first week WeChat does not keep")
            // Errors become what to do.
            fake.force(WeChatFake.error(48001, "api unauthorized"))
            await #expect {
                _ = try await wechat.accountHistory(days: 7, timeZone: .gmt)
            } throws: { error in
                guard case .rejected(let reason) = error as? ConnectorError else { return false }
                return reason.contains("verified")
            }
            fake.force(WeChatFake.error(45009, "reach max api daily quota limit"))
            await #expect {
                _ = try await wechat.accountHistory(days: 7, timeZone: .gmt)
            } throws: { error in
                guard case .rateLimited(let wait) = error as? ConnectorError else { return false }
                return wait >= 60
            }
            fake.force(WeChatFake.error(40001, "invalid credential"))
            await #expect(throws: ConnectorError.expiredCredentials) { try await wechat.accountHistory(days: 7, timeZone: .gmt) }
            fake.force(.json(["errcode": -1, "errmsg": "system error"]))
            await #expect {
                _ = try await wechat.accountHistory(days: 7, timeZone: .gmt)
            } throws: { error in
                (error as? ConnectorError)?.isRetriable == true
            }
            // Only weeks WeChat keeps: a history before it is an error, not an empty success.
            fake.state.withLock { $0.statisticsFrom = "2026-11-30" }
            await #expect(throws: ConnectorError.self) { try await wechat.accountHistory(days: 7, timeZone: .gmt) }
        }
    }

    @Test func refreshingFetchesANewStableTokenAndKeepsTheSecrets() async throws {
        let fake = WeChatFake(now: Self.now)
        try await StubServer.run(fake.handle) { server in
            let connection = try await WeChatKind().connect(fields: fields(server), transport: StubTransport(), now: Self.now)
            let wechat = WeChatKind().connector(for: connection, transport: StubTransport(), clock: { Self.now })
            let later = Self.now.addingTimeInterval(7_000)
            let refreshed = try await wechat.refreshCredentials(connection.credentials, now: later)
            #expect(refreshed.accessToken == "ACCESS_TOKEN_2" && refreshed.expiresAt == later.addingTimeInterval(7_200))
            let stored = connection.credentials.updated(with: refreshed)
            #expect(stored.secrets == connection.credentials.secrets)
            #expect(stored.accessToken == "ACCESS_TOKEN_2")
            fake.force(.json(["expires_in": 7200]))
            do {
                _ = try await wechat.refreshCredentials(connection.credentials, now: later)
                Issue.record("an answer without a token was stored")
            } catch let error as ConnectorError {
                guard case .temporary = error else { Issue.record("\(error)"); return }
            }
        }
    }
}
