import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// The request signature, worked by hand (see each vector's note).
@Suite struct BilibiliSignatureTests {
    /// The doc's own example of the string to sign (接口签名实现标准,
    /// version 1.0 there), rebuilt from the headers in any order: the
    /// `x-bili-*` headers sorted by name, `name:value`, one a line, no
    /// newline at the end; `Authorization` and `access-token` left out.
    @Test func theStringToSignIsTheSortedBiliHeadersOneALine() {
        let headers: [(name: String, value: String)] = [
            ("x-bili-timestamp", "1624594467"), ("Authorization", "left-out"), ("x-bili-signature-version", "1.0"),
            ("x-bili-signature-nonce", "ad184c09-095f-91c3-0849-230dd3744045"), ("access-token", "left-out"),
            ("x-bili-content-md5", "fa6837e35b2f591865b288dfd859ce9d"), ("X-Bili-Signature-Method", "HMAC-SHA256"),
            ("x-bili-accesskeyid", "xxxx"), ("Accept", "application/json"),
        ]
        #expect(
            BilibiliSignature.stringToSign(headers) == """
                x-bili-accesskeyid:xxxx
                x-bili-content-md5:fa6837e35b2f591865b288dfd859ce9d
                x-bili-signature-method:HMAC-SHA256
                x-bili-signature-nonce:ad184c09-095f-91c3-0849-230dd3744045
                x-bili-signature-version:1.0
                x-bili-timestamp:1624594467
                """)
    }

    /// No published example carries a signature, so this vector was worked
    /// out independently with Python's `hashlib` and `hmac` from the
    /// demo's (fictional) client id and secret:
    /// md5(`{"name":"fanfare.mp4","utype":"0"}`) = 66d07ac8…7d75, and
    /// hmac.new(secret, string_to_sign, sha256).hexdigest() = e0f7cf2e…01de.
    @Test func aSignedRequestMatchesTheHandWorkedVector() {
        let body = Data(#"{"name":"fanfare.mp4","utype":"0"}"#.utf8)
        let headers = BilibiliSignature.headers(
            clientID: "34c0f583f0414123", secret: "abc7736bb78947d5a4a90690c861c456", accessToken: "0594436e79c607569b8d387e5f29311",
            body: body, nonce: "ad184c09-095f-91c3-0849-230dd3744045", timestamp: 1_624_594_467)
        let byName = Dictionary(headers.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["x-bili-content-md5"] == "66d07ac8b338cada1e4a1701e40a7d75")
        #expect(byName["x-bili-signature-version"] == "2.0" && byName["x-bili-signature-method"] == "HMAC-SHA256")
        #expect(byName["x-bili-accesskeyid"] == "34c0f583f0414123" && byName["x-bili-timestamp"] == "1624594467")
        #expect(byName["access-token"] == "0594436e79c607569b8d387e5f29311")
        #expect(byName["Authorization"] == "e0f7cf2e12fe593862acef27dac193bf4632e600ad5f4fd20c161e0707dd01de")
        // An empty body (a GET, a file upload) hashes the empty string.
        #expect(BilibiliSignature.md5(Data()) == "d41d8cd98f00b204e9800998ecf8427e")
        let empty = BilibiliSignature.headers(
            clientID: "34c0f583f0414123", secret: "abc7736bb78947d5a4a90690c861c456", accessToken: "t", body: Data(),
            nonce: "ad184c09-095f-91c3-0849-230dd3744045", timestamp: 1_624_594_467)
        #expect(empty.last?.value == "7cf76cbb96594e68e856e0ddbe619380d30b526725b8f19cf14569a241bafcd0")
    }

    @Test func verifyingRefusesAChangedBodyAWrongSecretAndAnOldTimestamp() {
        let now = Date(timeIntervalSince1970: 1_624_594_467)
        let body = Data(#"{"title":"春季新品"}"#.utf8)
        let signed = BilibiliSignature.headers(
            clientID: "id", secret: "secret", accessToken: "t", body: body, nonce: "n-1", timestamp: Int(now.timeIntervalSince1970))
        let headers = Dictionary(signed.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(BilibiliSignature.verify(headers: headers, body: body, secret: "secret", now: now))
        #expect(BilibiliSignature.verify(headers: headers, body: body, secret: "secret", now: now.addingTimeInterval(599)))
        #expect(!BilibiliSignature.verify(headers: headers, body: body, secret: "secret", now: now.addingTimeInterval(601)), "10 minutes at most")
        #expect(!BilibiliSignature.verify(headers: headers, body: Data(#"{"title":"秋季新品"}"#.utf8), secret: "secret", now: now))
        #expect(!BilibiliSignature.verify(headers: headers, body: body, secret: "other", now: now))
        var forged = headers
        forged["x-bili-signature-nonce"] = "n-2"
        #expect(!BilibiliSignature.verify(headers: forged, body: body, secret: "secret", now: now), "every x-bili header is signed")
    }
}

@Suite struct BilibiliConnectorTests {
    static let now = BilibiliFake.now

    static func video(_ bytes: Int = 20) -> MediaUpload {
        MediaUpload(
            name: "新品.mp4", format: .mp4, width: 1920, height: 1080, altText: nil, sha256: String(repeating: "a", count: 64),
            data: Data((0..<bytes).map { UInt8($0 % 251) }))
    }

    static func cover(width: Int = 1146, height: Int = 717, format: MediaFormat = .png) -> MediaUpload {
        MediaUpload(
            name: "封面.png", format: format, width: width, height: height, altText: nil, sha256: String(repeating: "c", count: 64),
            data: Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]))
    }

    static func request(
        _ key: String = "fanfare-variant-1", title: String? = "春季新品开箱", text: String = "全场第二件半价。", tags: [String] = ["春季上新", "开箱"],
        media: [MediaUpload] = [video(), cover()]
    ) -> PublishRequest {
        let attachments = media.map {
            MediaAttachment(kind: $0.format.kind, bytes: $0.data.count, format: $0.format, width: $0.width, height: $0.height)
        }
        return PublishRequest(idempotencyKey: key, variant: Variant(title: title, text: text, tags: tags, media: attachments), media: media)
    }

    func connector(_ server: StubServer, token: String = BilibiliFake.token, transport: StubTransport = StubTransport()) -> BilibiliConnector {
        BilibiliConnector(
            clientID: BilibiliFake.clientID, secret: BilibiliFake.secret, accessToken: token, tid: 21, hosts: .all(at: server.baseURL),
            transport: transport, clock: { Self.now }, chunkSize: 8, pause: .zero)
    }

    func fields(_ server: StubServer, _ changes: [String: String] = [:]) -> [String: String] {
        [
            "client_id": BilibiliFake.clientID, "client_secret": BilibiliFake.secret, "access_token": BilibiliFake.token, "tid": "21",
            "apiBaseURL": server.baseURL.absoluteString,
        ].merging(changes) { _, new in new }
    }

    @Test func connectingReadsTheAccountChecksTheCategoryAndKeepsTheSecretSealed() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let connection = try await BilibiliKind().connect(fields: fields(server), transport: StubTransport(), now: Self.now)
            #expect(connection.handle == "品牌官方")
            #expect(connection.settings["open_id"] == BilibiliFake.openID && connection.settings["client_id"] == BilibiliFake.clientID)
            #expect(connection.settings["tid"] == "21" && connection.settings["tid_name"] == "日常", "a child 分区 is found under its parent")
            #expect(connection.settings.values.allSatisfy { $0 != BilibiliFake.secret }, "the secret is not a setting")
            #expect(connection.credentials.secrets["client_secret"] == BilibiliFake.secret)
            #expect(connection.credentials.accessToken == BilibiliFake.token && connection.credentials.expiresAt == nil)
            #expect(fake.unsigned.isEmpty, "every call was signed")
            #expect(server.requests.map(\.path) == ["/arcopen/fn/user/account/info", "/arcopen/fn/archive/type/list"])

            // With a refresh token, the tokens are renewed at once: the
            // answer says when the new access token expires.
            let renewed = try await BilibiliKind().connect(
                fields: fields(server, ["refresh_token": BilibiliFake.refresh]), transport: StubTransport(), now: Self.now)
            #expect(renewed.credentials.accessToken.hasPrefix("access-") && renewed.credentials.refreshToken?.hasPrefix("refresh-") == true)
            #expect(renewed.credentials.expiresAt == Self.now.addingTimeInterval(30 * 86_400), "expires_in is the expiry time itself")
            let second = fields(server, ["refresh_token": BilibiliFake.refresh])
            await #expect(throws: ConnectorError.self) {
                try await BilibiliKind().connect(fields: second, transport: StubTransport(), now: Self.now)
            }
        }
    }

    @Test func connectingNamesWhatIsWrongAndAsksNothingForBadFields() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            for (change, word) in [
                (["client_id": "34c0 f583"], "Client ID"), (["client_secret": ""], "App secret"), (["access_token": "a b"], "Access token"),
                (["tid": "日常"], "Category (分区) id"), (["tid": "0"], "Category (分区) id"), (["apiBaseURL": "member"], "API address"),
            ] {
                do {
                    _ = try await BilibiliKind().connect(fields: fields(server, change), transport: StubTransport(), now: Self.now)
                    Issue.record("\(change) was accepted")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else {
                        Issue.record("\(error)")
                        continue
                    }
                    #expect(reason.hasPrefix(word), "\(reason)")
                }
            }
            #expect(server.requests.isEmpty)
            await #expect(
                throws: ConnectorError.rejected(
                    reason: "Access token: Bilibili says it has expired or was revoked; authorise the app again and paste the new token")
            ) {
                try await BilibiliKind().connect(fields: fields(server, ["access_token": "old"]), transport: StubTransport(), now: Self.now)
            }
            await #expect(
                throws: ConnectorError.rejected(
                    reason: "Category (分区) id 999 is not one Bilibili takes submissions in; the 分区 list (archive/type/list) has the ids")
            ) {
                try await BilibiliKind().connect(fields: fields(server, ["tid": "999"]), transport: StubTransport(), now: Self.now)
            }
            do {
                _ = try await BilibiliKind().connect(
                    fields: fields(server, ["client_secret": "wrong-secret"]), transport: StubTransport(), now: Self.now)
                Issue.record("a wrong secret was accepted")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { throw error }
                #expect(reason.contains("error 127012") && reason.contains("app secret"), "\(reason)")
            }
        }
    }

    @Test func aVideoIsUploadedInPartsWithItsCoverAndSubmittedOnce() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            let posted = try await bilibili.publish(Self.request())
            let archive = try #require(fake.archives.first)
            #expect(fake.archives.count == 1)
            #expect(posted.remoteID == archive.id && posted.url == "https://www.bilibili.com/video/\(archive.id)")
            #expect(archive.video == Self.video().data, "the parts join into the file")
            let upload = try #require(fake.uploads["utoken-1"])
            #expect(upload.parts.keys.sorted() == [1, 2, 3], "20 bytes in parts of 8")
            #expect(upload.name == Self.video().fileName)
            #expect(archive.title == "春季新品开箱" && archive.tag == "春季上新,开箱" && archive.tid == 21 && archive.copyright == 1)
            #expect(archive.cover == "https://archive.biliimg.com/bfs/archive/cover1.png")
            #expect(archive.desc.hasPrefix("全场第二件半价。\n\nref: ff-"))
            #expect(archive.desc.firstMatch(of: #/\nref: ff-[0-9a-f]{12}$/#) != nil)
            #expect(
                server.requests.map(\.path) == [
                    "/arcopen/fn/archive/video/init", "/video/v2/part/upload", "/video/v2/part/upload", "/video/v2/part/upload",
                    "/arcopen/fn/archive/video/complete", "/arcopen/fn/archive/cover/upload", "/arcopen/fn/archive/add-by-utoken",
                ])
            #expect(fake.unsigned.isEmpty, "every call to the API host was signed")
            let parts = server.requests.filter { $0.path == "/video/v2/part/upload" }
            #expect(parts.allSatisfy { $0.headers["authorization"] == nil && $0.headers["access-token"] == nil }, "parts go by upload token alone")
            #expect(parts.map { $0.query["part_number"] } == ["1", "2", "3"])
        }
    }

    @Test func aPartThatFailsIsSentAgainAndTheVideoIsStillSubmittedOnce() async throws {
        let fake = BilibiliFake()
        fake.state.withLock { $0.partFaults = [2: 1] }
        fake.force("/arcopen/fn/archive/video/complete", BilibiliFake.failure(127_201, "系统繁忙,请稍后再试"))
        try await StubServer.run(fake.handle) { server in
            _ = try await connector(server).publish(Self.request())
            #expect(fake.archives.count == 1)
            #expect(fake.archives.first?.video == Self.video().data, "the part sent again completes the file")
            #expect(server.requests.filter { $0.path == "/arcopen/fn/archive/add-by-utoken" }.count == 1)
            let upload = try #require(fake.uploads["utoken-1"])
            #expect(upload.partAttempts == [1: 1, 2: 2, 3: 1], "part 2 went twice")
            #expect(server.requests.filter { $0.path == "/arcopen/fn/archive/video/complete" }.count == 2)
        }
    }

    @Test func anUploadThatKeepsFailingSubmitsNothingAndMaySafelyBeTriedAgain() async throws {
        let fake = BilibiliFake()
        fake.state.withLock { $0.partFaults = [1: 3] }
        try await StubServer.run(fake.handle) { server in
            do {
                _ = try await connector(server).publish(Self.request())
                Issue.record("published through a failing upload")
            } catch let error as ConnectorError {
                guard case .temporary(let reason) = error else { throw error }
                #expect(reason.contains("uploading part 1 of the video 3 times") && reason.contains("nothing was submitted"), "\(reason)")
            }
            #expect(fake.archives.isEmpty && !server.requests.contains { $0.path == "/arcopen/fn/archive/add-by-utoken" })
            // Later, the whole post again: a new upload, one 稿件.
            _ = try await connector(server).publish(Self.request())
            #expect(fake.archives.count == 1 && fake.uploads.count == 2)
        }
    }

    @Test func aLostAnswerToTheSubmissionIsFoundByItsReferenceNotSentAgain() async throws {
        let fake = BilibiliFake()
        fake.state.withLock { $0.hangAfterSubmitting = true }
        try await StubServer.run(fake.handle) { server in
            let hanging = connector(server, transport: .hanging(on: "add-by-utoken"))
            do {
                _ = try await hanging.publish(Self.request("fanfare-lost"))
                Issue.record("the lost answer was taken for one")
            } catch let error as ConnectorError {
                guard case .outcomeUnknown = error else { throw error }
            }
            do {
                _ = try await hanging.publish(Self.request("fanfare-other"))
            } catch let error as ConnectorError {
                Issue.record("\(error)")
            }
            let bilibili = connector(server)
            let found = try #require(try await bilibili.findPost(idempotencyKey: "fanfare-lost"))
            #expect(found.remoteID == fake.archives[0].id)
            #expect(found.publishedAt == Date(timeIntervalSince1970: 1_795_000_100))
            #expect(try await bilibili.findPost(idempotencyKey: "fanfare-never") == nil)
            #expect(fake.archives.count == 2, "one 稿件 each, none repeated")
            // Many videos since: the list is read page by page.
            fake.state.withLock { state in
                state.archives += (1...25).map {
                    BilibiliFake.Archive(
                        id: "BV1later\($0)", title: "later", desc: "", tag: "a", tid: 21, cover: "", video: Data(), copyright: 1)
                }
            }
            #expect(try await bilibili.findPost(idempotencyKey: "fanfare-lost")?.remoteID == fake.archives[0].id)
            #expect(server.requests.last { $0.path.hasSuffix("viewlist") }?.query["pn"] == "2")
            // A list without descriptions: each 稿件's own page is read.
            fake.state.withLock { $0.listHasDescriptions = false }
            #expect(try await bilibili.findPost(idempotencyKey: "fanfare-lost")?.remoteID == fake.archives[0].id)
            #expect(server.requests.contains { $0.path == "/arcopen/fn/archive/view" })
        }
    }

    @Test func whatBilibiliWouldRefuseIsRefusedBeforeAnythingIsSent() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            let cases: [(PublishRequest, String)] = [
                (Self.request(media: [Self.cover()]), "Fanfare publishes videos to Bilibili"),
                (Self.request(media: [Self.video()]), "needs a cover"),
                (Self.request(media: [Self.video(), Self.cover(width: 640, height: 480)]), "at least 960 × 600"),
                (Self.request(media: [Self.video(), Self.cover(format: .webp)]), "JPEG or PNG cover"),
                (Self.request(title: "  "), "needs a title"),
                (Self.request(title: String(repeating: "长", count: 81)), "81 characters"),
                (Self.request(tags: []), "at least one tag"),
                (Self.request(tags: ["a,b"]), "cannot contain one"),
                (Self.request(text: String(repeating: "字", count: 1_990)), "shorten the text by"),
            ]
            for (request, words) in cases {
                do {
                    _ = try await bilibili.publish(request)
                    Issue.record("accepted: \(words)")
                } catch let error as ConnectorError {
                    guard case .rejected(let reason) = error else {
                        Issue.record("\(error)")
                        continue
                    }
                    #expect(reason.contains(words), "\(reason)")
                }
            }
            // A picture registered by address only has no file to send.
            var missing = Self.request()
            missing.media.removeLast()
            await #expect(throws: ConnectorError.self) { try await bilibili.publish(missing) }
            #expect(server.requests.isEmpty)
        }
    }

    @Test func theNumbersOfAVideoAndOfTheAccountComeFromTheDataService() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            let posted = try await bilibili.publish(Self.request())
            let metrics = try await bilibili.metrics(of: posted.remoteID)
            #expect(metrics.plays == 198 && metrics.likes == 135 && metrics.comments == 11 && metrics.shares == 79 && metrics.saves == 36)
            #expect(metrics.impressions == nil && metrics.at == Self.now)
            #expect(metrics.platformValues?["coin"] == 8 && metrics.platformValues?["danmaku"] == 166)
            #expect(server.requests.last?.query["resource_id"] == posted.remoteID)
            let stats = try await bilibili.accountStats()
            #expect(stats.followers == 166 && stats.following == 98 && stats.posts == 11)
            #expect(stats.platformValues?["arc_passed_total"] == 11)
            await #expect(throws: ConnectorError.notFound) { try await bilibili.metrics(of: "BV1none") }
            #expect(fake.unsigned.isEmpty)
        }
    }

    @Test func bilibilisCodesBecomeWhatAPersonOrTheSchedulerCanActOn() async throws {
        let fake = BilibiliFake()
        let stat = "/arcopen/fn/data/user/stat"
        fake.force(
            stat, BilibiliFake.failure(127_001, "access_token验证错误"), BilibiliFake.failure(127_009, "api请求次数达到上限"),
            BilibiliFake.failure(127_201, "系统繁忙,请稍后再试"), BilibiliFake.failure(127_007, "应用无该接口权限"),
            BilibiliFake.failure(127_011, "该接口用户未授权"), BilibiliFake.failure(129_005, "专栏标题含有特殊文字"),
            StubResponse.text("<html>bad gateway</html>", status: 502), StubResponse.text("slow down", status: 429))
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            var seen: [ConnectorError] = []
            for _ in 0..<8 {
                do {
                    _ = try await bilibili.accountStats()
                } catch let error as ConnectorError {
                    seen.append(error)
                }
            }
            #expect(seen.count == 8)
            #expect(seen[0] == .expiredCredentials)
            #expect(seen[1] == .rateLimited(retryAfter: 3_600))
            #expect(seen[2].isRetriable && seen[6].isRetriable && seen[7] == .rateLimited(retryAfter: 60))
            guard case .rejected(let noPermission) = seen[3], case .rejected(let notGranted) = seen[4], case .rejected(let other) = seen[5] else {
                Issue.record("\(seen)")
                return
            }
            #expect(noPermission.contains("127007") && notGranted.contains("authorise the app again"))
            #expect(other == "Bilibili refused the request: error 129005 (专栏标题含有特殊文字)")
            // An expired token everywhere: the account must be reconnected.
            let expired = connector(server, token: "gone")
            await #expect(throws: ConnectorError.expiredCredentials) { try await expired.publish(Self.request()) }
        }
    }

    @Test func theAccessTokenIsRenewedWithTheRefreshTokenWhichWorksOnce() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            let old = ConnectorCredentials(
                accessToken: BilibiliFake.token, refreshToken: BilibiliFake.refresh, expiresAt: Self.now.addingTimeInterval(60),
                secrets: ["client_secret": BilibiliFake.secret])
            let renewed = try await bilibili.refreshCredentials(old, now: Self.now)
            #expect(renewed.accessToken == "access-1" && renewed.refreshToken == "refresh-1")
            #expect(renewed.expiresAt == Self.now.addingTimeInterval(30 * 86_400))
            #expect(old.updated(with: renewed).secrets["client_secret"] == BilibiliFake.secret, "the app secret stays")
            let form = try #require(server.requests.last?.form)
            #expect(
                form["grant_type"] == "refresh_token" && form["refresh_token"] == BilibiliFake.refresh && form["client_id"] == BilibiliFake.clientID)
            await #expect(throws: ConnectorError.expiredCredentials, "a spent refresh token") {
                try await bilibili.refreshCredentials(old, now: Self.now)
            }
            var none = old
            none.refreshToken = nil
            await #expect(throws: ConnectorError.expiredCredentials) { try await bilibili.refreshCredentials(none, now: Self.now) }
            // The renewed token opens the account.
            #expect(try await connector(server, token: renewed.accessToken).accountStats().followers == 166)
        }
    }

    @Test func theInboxIsToldHonestlyThatBilibiliGivesNoCommentsOrMessages() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let bilibili = connector(server)
            let capabilities = bilibili.capabilities
            #expect(capabilities.unattendedPublishing && capabilities.postMetrics)
            #expect(capabilities.interactionKinds.isEmpty && !capabilities.canReply && !capabilities.canDelete && capabilities.moderation.isEmpty)
            let page = try await bilibili.interactions(since: "7", limit: 50)
            #expect(page.interactions.isEmpty && page.nextCursor == "7")
            await #expect(throws: ConnectorError.self) { try await bilibili.reply(to: "c1", text: "谢谢", idempotencyKey: "r1") }
            await #expect(throws: ConnectorError.self) { try await bilibili.delete(remoteID: "BV1") }
            #expect(server.requests.isEmpty, "nothing is asked of Bilibili for what it does not offer")
        }
    }
}

@Suite struct BilibiliSignInTests {
    @Test func theConsentPageCarriesTheAppTheWayBackAndTheState() throws {
        let url = BilibiliSignIn.authorizeURL(
            clientID: "34c0f583f0414123", redirectURI: "https://fanfare.example/oauth/bilibili/callback?w=a&b=1", state: "s+t/ate")
        #expect(url.host == "account.bilibili.com" && url.path == "/pc/account-pc/auth/oauth")
        let items = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(items.map(\.name) == ["client_id", "gourl", "state"])
        #expect(items[1].value == "https://fanfare.example/oauth/bilibili/callback?w=a&b=1" && items[2].value == "s+t/ate")
        #expect(url.absoluteString.contains("gourl=https%3A%2F%2Ffanfare.example%2Foauth%2Fbilibili%2Fcallback%3Fw%3Da%26b%3D1"))
    }

    @Test func theCallbackGivesItsCodeOnlyWithThisSignInsState() throws {
        #expect(try BilibiliSignIn.code(fromCallback: ["code": "abc", "state": "s-1"], expectedState: "s-1") == "abc")
        for query in [["code": "abc", "state": "s-2"], ["code": "abc"], ["state": "s-1"], ["code": " ", "state": "s-1"]] {
            #expect(throws: ConnectorError.self) { try BilibiliSignIn.code(fromCallback: query, expectedState: "s-1") }
        }
        #expect(throws: ConnectorError.self) { try BilibiliSignIn.code(fromCallback: ["code": "abc", "state": ""], expectedState: "") }
    }

    @Test func theCodeIsExchangedOnceAndTheAccountConnected() async throws {
        let fake = BilibiliFake()
        try await StubServer.run(fake.handle) { server in
            let signIn = BilibiliSignIn(
                app: .init(clientID: BilibiliFake.clientID, clientSecret: BilibiliFake.secret), hosts: .all(at: server.baseURL),
                transport: StubTransport())
            let credentials = try await signIn.exchange(code: BilibiliFake.code, now: BilibiliFake.now)
            #expect(credentials.accessToken == "access-1" && credentials.refreshToken == "refresh-1")
            #expect(credentials.expiresAt == BilibiliFake.now.addingTimeInterval(30 * 86_400))
            let form = try #require(server.requests.last?.form)
            #expect(form["grant_type"] == "authorization_code" && form["code"] == BilibiliFake.code && form["client_secret"] == BilibiliFake.secret)
            let connection = try await signIn.connection(credentials: credentials, tid: 201, now: BilibiliFake.now)
            #expect(connection.handle == "品牌官方" && connection.settings["tid_name"] == "科学科普")
            #expect(connection.settings["apiBaseURL"] == server.baseURL.absoluteString)
            #expect(connection.credentials.secrets["client_secret"] == BilibiliFake.secret)
            let connector = BilibiliKind().connector(for: connection, transport: StubTransport(), clock: { BilibiliFake.now })
            #expect(try await connector.accountStats().followers == 166)
            await #expect(
                throws: ConnectorError.rejected(
                    reason: "Bilibili did not find the sign-in code (error 122002): it was used or has expired; sign in again")
            ) {
                try await signIn.exchange(code: "used-or-made-up", now: BilibiliFake.now)
            }
            let wrongApp = BilibiliSignIn(
                app: .init(clientID: BilibiliFake.clientID, clientSecret: "not-it"), hosts: .all(at: server.baseURL), transport: StubTransport())
            await #expect(throws: ConnectorError.self) { try await wrongApp.exchange(code: BilibiliFake.code, now: BilibiliFake.now) }
        }
    }
}
