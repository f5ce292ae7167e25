import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization
import Testing

/// Douyin's open platform in memory, in the shapes its documentation gives:
/// every answer `{"data": {"error_code", "description", …}, "extra": {…}}`,
/// the user's token in the `access-token` header, `open_id` in the query.
final class DouyinFake: Sendable {
    static let token = "act.douyin-token"
    static let openID = "brand-open-id"

    struct State {
        var token = DouyinFake.token
        var comments: [String: [[String: Any]]] = [
            "@video-1": [
                ["comment_id": "c-11", "comment_user_id": "fan-a", "content": "什么时候补货？", "create_time": 1_795_000_100, "digg_count": 0],
                ["comment_id": "c-12", "comment_user_id": "fan-b", "content": "好看", "create_time": 1_795_000_300, "digg_count": 2],
            ],
            "@video-2": [["comment_id": "c-21", "comment_user_id": "fan-a", "content": "发货太慢了", "create_time": 1_795_000_200]],
        ]
        var replies: [[String: String]] = []
    }

    let state = Mutex(State())

    static func answer(_ data: [String: Any]) -> StubResponse {
        .json(["data": data.merging(["error_code": 0, "description": ""]) { old, _ in old }, "extra": ["error_code": 0, "logid": "l1"]])
    }

    static func failure(_ code: Int, _ description: String) -> StubResponse {
        .json(["data": ["error_code": code, "description": description], "extra": ["error_code": code, "logid": "l1"]])
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if request.path == "/oauth/refresh_token/" {
            guard request.form["client_key"] == "ck-1", request.form["refresh_token"] == "rt-1", request.form["grant_type"] == "refresh_token" else {
                return Self.failure(10_010, "refresh_token过期")
            }
            state.withLock { $0.token = "act.renewed" }
            return Self.answer(["access_token": "act.renewed", "expires_in": 1_296_000, "refresh_token": "rt-2", "open_id": Self.openID])
        }
        let token = state.withLock { $0.token }
        guard request.headers["access-token"] == token, request.query["open_id"] == Self.openID else {
            return Self.failure(2_190_008, "access_token过期,请刷新或重新授权")
        }
        switch request.path {
        case "/video/list/":
            return Self.answer(["cursor": 0, "has_more": false, "list": [["item_id": "@video-2"], ["item_id": "@video-1"]]])
        case "/item/comment/list/":
            let list = state.withLock { $0.comments[request.query["item_id"] ?? ""] ?? [] }
            return Self.answer(["cursor": 0, "has_more": false, "list": list])
        case "/item/comment/reply/":
            guard let body = request.json as? [String: String], body["content"]?.isEmpty == false else { return Self.failure(2_190_001, "参数不合法") }
            state.withLock { $0.replies.append(body) }
            return Self.answer(["comment_id": "reply-1"])
        default:
            return .json(["message": "not found"], status: 404)
        }
    }
}

@Suite struct DouyinCommentsTests {
    static let now = Date(timeIntervalSince1970: 1_795_000_400)

    static func fields(_ server: StubServer, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "profileURL": "https://www.douyin.com/user/MS4wLjABAAAAbrand", "open_id": DouyinFake.openID, "access_token": DouyinFake.token,
            "apiBaseURL": server.baseURL.absoluteString,
        ].merging(extra) { $1 }
    }

    static func connect(_ server: StubServer, _ extra: [String: String] = [:]) async throws -> (AccountConnection, any Connector) {
        let connection = try await DouyinKind().connect(fields: fields(server, extra), transport: StubTransport(), now: now)
        return (connection, DouyinKind().connector(for: connection, transport: StubTransport(), clock: { now }))
    }

    @Test func connectingChecksTheTokenAndKeepsWhatRenewalNeeds() async throws {
        let fake = DouyinFake()
        try await StubServer.run(fake.handle) { server in
            let (connection, connector) = try await Self.connect(server, ["client_key": "ck-1", "refresh_token": "rt-1"])
            #expect(connection.credentials.accessToken == DouyinFake.token && connection.credentials.refreshToken == "rt-1")
            #expect(connection.credentials.expiresAt == Self.now.addingTimeInterval(15 * 86_400), "Douyin's tokens last 15 days")
            #expect(connection.settings["open_id"] == DouyinFake.openID && connection.settings["client_key"] == "ck-1")
            #expect(connector.capabilities.canReply && connector.capabilities.interactionKinds.contains(.comment))
            #expect(!connector.capabilities.unattendedPublishing, "publishing stays a hand-off")
            do {
                _ = try await Self.connect(server, ["access_token": "act.revoked"])
                Issue.record("a revoked token was accepted")
            } catch let error as ConnectorError {
                guard case .rejected(let reason) = error else { throw error }
                #expect(reason.hasPrefix("Access token:") && reason.contains("expired"), "\(reason)")
            }
        }
    }

    @Test func commentsOnTheNewestVideosArriveOnceInTimeOrder() async throws {
        let fake = DouyinFake()
        try await StubServer.run(fake.handle) { server in
            let (_, connector) = try await Self.connect(server)
            let first = try await connector.interactions(since: nil, limit: 2)
            #expect(first.interactions.map(\.remoteID) == ["comment:@video-1:c-11", "comment:@video-2:c-21"])
            #expect(first.nextCursor == "1795000200")
            let slow = try #require(first.interactions.last)
            #expect(slow.kind == .comment && slow.postRemoteID == "@video-2" && slow.authorID == "fan-a" && slow.text == "发货太慢了")
            #expect(slow.at == Date(timeIntervalSince1970: 1_795_000_200))
            let next = try await connector.interactions(since: first.nextCursor, limit: 50)
            // The comment of the cursor's own second comes again; the inbox stores it once, by its id.
            #expect(next.interactions.map(\.remoteID) == ["comment:@video-2:c-21", "comment:@video-1:c-12"])
            #expect(next.nextCursor == "1795000300")
            await #expect(throws: ConnectorError.self) { try await connector.interactions(since: "yesterday", limit: 10) }
        }
    }

    @Test func aCommentIsAnsweredUnderItsVideoAndADirectMessageInTheApp() async throws {
        let fake = DouyinFake()
        try await StubServer.run(fake.handle) { server in
            let (_, connector) = try await Self.connect(server)
            let id = try await connector.reply(to: "comment:@video-2:c-21", text: " 抱歉，今天发出 ", idempotencyKey: "k1")
            #expect(id == "reply-1")
            #expect(fake.state.withLock { $0.replies } == [["item_id": "@video-2", "comment_id": "c-21", "content": "抱歉，今天发出"]])
            do {
                _ = try await connector.reply(to: "dm-1", text: "你好", idempotencyKey: "k2")
                Issue.record("a direct message was answered")
            } catch let error as ConnectorError {
                guard case .notSupported(let why) = error else { throw error }
                #expect(why.contains("Douyin app"))
            }
        }
    }

    @Test func anExpiredTokenIsRenewedWithTheRefreshToken() async throws {
        let fake = DouyinFake()
        try await StubServer.run(fake.handle) { server in
            let (connection, connector) = try await Self.connect(server, ["client_key": "ck-1", "refresh_token": "rt-1"])
            let renewed = try await connector.refreshCredentials(connection.credentials, now: Self.now)
            #expect(renewed.accessToken == "act.renewed" && renewed.refreshToken == "rt-2")
            #expect(renewed.expiresAt == Self.now.addingTimeInterval(1_296_000))
            // The old token no longer works; a connector on the renewed one reads comments.
            await #expect(throws: ConnectorError.expiredCredentials) { try await connector.interactions(since: nil, limit: 5) }
            var updated = connection
            updated.credentials = connection.credentials.updated(with: renewed)
            let again = DouyinKind().connector(for: updated, transport: StubTransport(), clock: { Self.now })
            #expect(try await again.interactions(since: nil, limit: 5).interactions.count == 3)
            let (plain, withoutRenewal) = try await Self.connect(server, ["access_token": "act.renewed"])
            await #expect(throws: ConnectorError.expiredCredentials) { try await withoutRenewal.refreshCredentials(plain.credentials, now: Self.now) }
        }
    }
}
