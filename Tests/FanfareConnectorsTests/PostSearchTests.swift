import FanfareConnectors
import FanfareCore
import Foundation
import Testing

/// Public search as a listening source (issue 20, scope 2): Bluesky's
/// searchPosts and Mastodon's tag timeline and status search, against a
/// loopback stub.
@Suite struct PostSearchTests {
    static func blueskyPost(_ n: Int, indexedAt: String) -> [String: Any] {
        [
            "uri": "at://did:plc:abc/app.bsky.feed.post/rk\(n)", "cid": "c\(n)",
            "author": ["did": "did:plc:abc", "handle": "fan.bsky.social", "displayName": n == 1 ? "Fan" : ""],
            "record": ["$type": "app.bsky.feed.post", "text": "星巴克 post \(n)", "createdAt": "2026-12-07T01:00:0\(n).000Z"],
            "indexedAt": indexedAt,
        ]
    }

    @Test func blueskyPollsTheLatestPostsSinceTheMarker() async throws {
        try await StubServer.run({ request in
            guard request.path == "/xrpc/app.bsky.feed.searchPosts" else { return StubResponse(status: 404) }
            if request.query["since"] == nil {
                let page = (0..<BlueskySearch.pageSize).map { Self.blueskyPost($0 % 9 + 1, indexedAt: "2026-12-07T01:00:0\($0 % 9 + 1).000Z") }
                return .json(["posts": page, "cursor": "p2"])
            }
            return .json(["posts": [Self.blueskyPost(1, indexedAt: "2026-12-07T02:00:00Z")]])
        }) { server in
            let first = try await BlueskySearch.poll("星巴克 +退款", since: nil, appView: server.baseURL, transport: StubTransport())
            // One page, whatever the cursor says (anonymous callers may not
            // send one); the newest post is remembered.
            #expect(server.requests.count == 1 && first.posts.count == BlueskySearch.pageSize)
            #expect(first.marker == "2026-12-07T01:00:09.000Z")
            let asked = try #require(server.requests.first)
            #expect(asked.query["q"] == "星巴克 +退款" && asked.query["sort"] == "latest" && asked.query["limit"] == "100" && asked.query["since"] == nil)
            #expect(asked.headers["authorization"] == nil, "the public AppView is asked without an account")
            let post = try #require(first.posts.first { $0.id.hasSuffix("/rk1") })
            #expect(post.author == "Fan (@fan.bsky.social)" && post.text == "星巴克 post 1")
            #expect(post.link?.absoluteString == "https://bsky.app/profile/fan.bsky.social/post/rk1")
            #expect(post.published == (try Date("2026-12-07T01:00:01.000Z", strategy: .iso8601)))
            #expect(first.posts.first { $0.id.hasSuffix("/rk2") }?.author == "@fan.bsky.social")

            let second = try await BlueskySearch.poll("星巴克 +退款", since: first.marker, appView: server.baseURL, transport: StubTransport())
            #expect(server.requests.count == 2 && server.requests.allSatisfy { $0.query["cursor"] == nil })
            #expect(server.requests[1].query["since"] == "2026-12-07T01:00:09.000Z")
            #expect(second.marker == "2026-12-07T02:00:00.000Z" && second.posts.count == 1)
        }
    }

    /// With a connected account's session the PDS is asked, the cursor is
    /// followed while pages are full (at most three), and an expired
    /// session is the account's credentials, not a passing refusal.
    @Test func blueskyWithAnAccountPagesOnWithTheCursorThroughItsPDS() async throws {
        try await StubServer.run({ request in
            guard request.path == "/xrpc/app.bsky.feed.searchPosts" else { return StubResponse(status: 404) }
            guard request.headers["authorization"] == "Bearer pds-access" else { return .json(["error": "ExpiredToken"], status: 400) }
            let page = ["p2": 1, "p3": 2, "p4": 3][request.query["cursor"] ?? ""] ?? 0
            let full = (0..<BlueskySearch.pageSize).map { n in
                Self.blueskyPost(page * 1_000 + n, indexedAt: "2026-12-07T0\(4 - page):00:00.000Z")
            }
            return .json(["posts": full, "cursor": "p\(page + 2)"])
        }) { server in
            // The first poll reads one page, as anonymously.
            let first = try await BlueskySearch.poll("星巴克", since: nil, appView: server.baseURL, token: "pds-access", transport: StubTransport())
            #expect(server.requests.count == 1 && first.posts.count == BlueskySearch.pageSize)
            #expect(server.requests[0].headers["authorization"] == "Bearer pds-access")
            // Later polls follow the cursor, three pages at most.
            let later = try await BlueskySearch.poll(
                "星巴克", since: "2026-12-06T00:00:00.000Z", appView: server.baseURL, token: "pds-access", transport: StubTransport())
            #expect(server.requests.count == 4 && later.posts.count == 3 * BlueskySearch.pageSize)
            #expect(server.requests[1...].map { $0.query["cursor"] } == [nil, "p2", "p3"])
            #expect(server.requests[1...].allSatisfy { $0.query["since"] == "2026-12-06T00:00:00.000Z" })
            #expect(later.marker == "2026-12-07T04:00:00.000Z")
            do {
                _ = try await BlueskySearch.poll("星巴克", since: nil, appView: server.baseURL, token: "stale", transport: StubTransport())
                Issue.record("an expired session was accepted")
            } catch {
                #expect(error as? ConnectorError == .expiredCredentials, "\(error)")
            }
        }
    }

    @Test func blueskyErrorsAreTypedAndItsRateLimitRespected() async throws {
        let reset = Int(Date().timeIntervalSince1970) + 90
        try await StubServer.run({ request in
            switch request.query["q"] {
            case "busy": StubResponse(status: 429, headers: ["ratelimit-reset": "\(reset)"])
            case "closed": .json(["error": "Forbidden"], status: 403)
            case "bad": .json(["error": "BadQueryString", "message": "q is invalid"], status: 400)
            case "down": StubResponse(status: 502)
            default: .text("<html>not json</html>")
            }
        }) { server in
            for (query, check) in [
                ("busy", { (e: ConnectorError) in if case .rateLimited(let after) = e { after > 60 && after <= 91 } else { false } }),
                ("closed", { if case .temporary(let why) = $0 { why.contains("without an account") } else { false } }),
                ("bad", { if case .rejected(let why) = $0 { why.contains("q is invalid") } else { false } }),
                ("down", { if case .temporary = $0 { true } else { false } }),
                ("html", { if case .temporary = $0 { true } else { false } }),
            ] {
                do {
                    _ = try await BlueskySearch.poll(query, since: nil, appView: server.baseURL, transport: StubTransport())
                    Issue.record("\(query) accepted")
                } catch { #expect((error as? ConnectorError).map(check) ?? false, "\(query): \(error)") }
            }
        }
    }

    static func status(_ id: String) -> [String: Any] {
        [
            "id": id, "uri": "https://social.example/users/fan/statuses/\(id)", "url": "https://social.example/@fan/\(id)",
            "created_at": "2026-12-07T01:00:00.000Z", "content": "<p>#星巴克 排队 &amp; 等待</p>",
            "account": ["id": "9", "username": "fan", "acct": "fan@social.example", "display_name": "Fan"],
        ]
    }

    @Test func mastodonFollowsATagWithoutATokenAndPagesForwardFromTheNewestID() async throws {
        try await StubServer.run({ request in
            guard request.path.hasPrefix("/api/v1/timelines/tag/") else { return StubResponse(status: 404) }
            switch request.query["min_id"] {
            case nil: return .json([Self.status("100"), Self.status("99")])
            case "100": return .json((101...140).reversed().map { Self.status(String($0)) })
            default: return .json([Self.status("1000")])
            }
        }) { server in
            let first = try await MastodonSearch.poll(
                .hashtag("星巴克"), instance: server.baseURL, token: "", since: nil, transport: StubTransport())
            let asked = try #require(server.requests.first)
            #expect(asked.path == "/api/v1/timelines/tag/%E6%98%9F%E5%B7%B4%E5%85%8B" && asked.headers["authorization"] == nil)
            #expect(first.marker == "100" && first.posts.map(\.marker) == ["100", "99"])
            let post = try #require(first.posts.first)
            #expect(post.id == "https://social.example/users/fan/statuses/100" && post.text == "#星巴克 排队 & 等待")
            #expect(post.author == "Fan (@fan@social.example)" && post.link?.absoluteString == "https://social.example/@fan/100")

            let second = try await MastodonSearch.poll(
                .hashtag("星巴克"), instance: server.baseURL, token: "", since: "100", transport: StubTransport())
            // A full page is followed from its newest id; "1000" is newer than "140" though it sorts before it as text.
            #expect(server.requests.map { $0.query["min_id"] } == [nil, "100", "140"])
            #expect(second.marker == "1000" && second.posts.first?.marker == "1000" && second.posts.count == 41)
        }
    }

    @Test func mastodonSearchNeedsTheAccountsTokenAndMapsItsErrors() async throws {
        try await StubServer.run({ request in
            switch (request.path, request.query["q"]) {
            case ("/api/v2/search", "星巴克"):
                request.headers["authorization"] == "Bearer tok"
                    ? .json(["statuses": [Self.status("7")], "accounts": [], "hashtags": []])
                    : .json(
                        ["error": "The access token is invalid"], status: 401)
            case ("/api/v2/search", "busy"): StubResponse(status: 429, headers: ["Retry-After": "120"])
            default: StubResponse(status: 404)
            }
        }) { server in
            let found = try await MastodonSearch.poll(
                .statuses("星巴克"), instance: server.baseURL, token: "tok", since: nil, transport: StubTransport())
            #expect(found.posts.count == 1 && server.requests.last?.query["type"] == "statuses")
            for (query, token, expected) in [
                (MastodonSearch.Query.statuses("星巴克"), "old", ConnectorError.expiredCredentials),
                (.statuses("busy"), "tok", .rateLimited(retryAfter: 120)), (.hashtag("gone"), "", .notFound),
            ] {
                do {
                    _ = try await MastodonSearch.poll(query, instance: server.baseURL, token: token, since: nil, transport: StubTransport())
                    Issue.record("\(query) accepted")
                } catch { #expect((error as? ConnectorError) == expected, "\(query)") }
            }
            let sent = server.requests.count
            do {
                _ = try await MastodonSearch.poll(.statuses("x"), instance: server.baseURL, token: "", since: nil, transport: StubTransport())
                Issue.record("a search without a token was sent")
            } catch {
                guard case .notSupported = error as? ConnectorError else { throw error }
            }
            #expect(server.requests.count == sent, "nothing is sent without a token")
        }
    }
}
