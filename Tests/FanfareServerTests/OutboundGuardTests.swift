import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The probe of issue 16: a workspace admin connects accounts whose
/// addresses point inside the network. The server runs its production
/// transport (the guard); a loopback stub stands for what is inside and
/// records whether anything reached it.
@Suite struct OutboundGuardTests {
    /// What a Mastodon instance, a Bluesky PDS and a webhook receiver answer.
    static func platform(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        switch hit.path {
        case "/x/api/v1/accounts/verify_credentials": (.ok, #"{"id":"109","username":"leaked","acct":"leaked"}"#)
        case "/x/api/v2/instance": (.ok, #"{"configuration":{"statuses":{"max_characters":500}}}"#)
        case "/xrpc/com.atproto.server.createSession": (.ok, #"{"did":"did:plc:inside","handle":"leaked.test","accessJwt":"a","refreshJwt":"r"}"#)
        case "/hook": (.ok, #"{"id":"received-1"}"#)
        default: (.notFound, #"{"error":"not found"}"#)
        }
    }

    static let uniform = GuardedHTTPTransport.unreachable("127.0.0.1")
    static let loopbackAllowed = [IPRange(network: .v4(0x7f00_0001), prefixLength: 32)]

    static func connect(_ t: TestApp, _ slug: String, _ token: String, _ platform: String, _ fields: [String: String]) async throws -> Reply {
        try await t.api(.POST, "/api/v1/workspaces/\(slug)/accounts", token: token, json: ["platform": platform, "fields": fields])
    }

    static func messages(_ reply: Reply) -> [String: String] {
        Dictionary(
            (reply.json["errors"] as? [[String: Any]] ?? []).compactMap { issue in
                (issue["field"] as? String).map { ($0, issue["message"] as? String ?? "") }
            }, uniquingKeysWith: { first, _ in first })
    }

    @Test(arguments: TestDatabase.available)
    func addressesInsideTheNetworkAreRefusedWithOneMessageAndNothingReachesThem(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.platform) { stub in
            try await withTestApp(database) { t in
                let (_, token, ws) = try await t.makeWorkspaceAdmin("ops@example.com", workspace: "Brand")
                // act
                let mastodon = try await Self.connect(
                    t, ws.slug, token, "mastodon", ["instance_url": "\(stub.baseURL)/x", "access_token": "t"])
                let bluesky = try await Self.connect(
                    t, ws.slug, token, "bluesky", ["service_url": stub.baseURL, "handle": "brand.bsky.social", "app_password": "p"])
                let webhook = try await Self.connect(t, ws.slug, token, "webhook", ["url": "\(stub.baseURL)/hook"])
                // check
                #expect(mastodon.status == .unprocessableEntity, "\(mastodon.body)")
                #expect(Self.messages(mastodon) == ["fields.instance_url": Self.uniform], "\(mastodon.body)")
                #expect(bluesky.status == .unprocessableEntity)
                #expect(Self.messages(bluesky) == ["fields.service_url": Self.uniform], "\(bluesky.body)")
                #expect(webhook.status == .unprocessableEntity)
                #expect(Self.messages(webhook) == ["fields.url": Self.uniform], "\(webhook.body)")
                // The probe's other spellings of this machine: refused alike,
                // before any lookup. (Only loopback spellings: were the guard
                // broken, this test must still reach nothing else. The
                // metadata address and the other blocks are decided in the
                // core's matrix, which connects nowhere.)
                for address in [
                    "http://2130706433:\(stub.port)/x", "http://0x7f.0.0.1:\(stub.port)/x", "http://0177.0.0.1:\(stub.port)/x",
                    "http://127.1:\(stub.port)/x", "http://localhost:\(stub.port)/x", "http://[::ffff:127.0.0.1]:\(stub.port)/x",
                    "http://[::ffff:7f00:1]:\(stub.port)/x", "http://[::1]:\(stub.port)/x",
                ] {
                    let reply = try await Self.connect(t, ws.slug, token, "mastodon", ["instance_url": address, "access_token": "t"])
                    #expect(reply.status == .unprocessableEntity && reply.problemFields == ["fields.instance_url"], "\(address): \(reply.body)")
                    let message = Self.messages(reply)["fields.instance_url"] ?? ""
                    #expect(message.hasPrefix("Could not reach ") && message.hasSuffix("(FANFARE_OUTBOUND_ALLOW)."), "\(address): \(message)")
                }
                // The page says it on the field, in the reader's language.
                let chinese = try await t.makeUser("zh@example.com", locale: "zh-Hans")
                try await t.addMember(chinese, to: ws, as: .admin)
                let browser = Browser(t)
                _ = try await browser.signIn("zh@example.com")
                try await browser.get("/w/\(ws.slug)/accounts?platform=mastodon")
                let page = try await browser.post(
                    "/w/\(ws.slug)/accounts",
                    [("platform", "mastodon"), ("fields[instance_url]", "\(stub.baseURL)/x"), ("fields[access_token]", "t"), ("display_name", "")])
                #expect(page.status == .unprocessableEntity)
                #expect(page.body.contains("id=\"fields[instance_url]-error\">无法连接 127.0.0.1。"), "\(page.body)")
                #expect(stub.hits.isEmpty, "nothing reached the stub: \(stub.hits.map(\.path))")
                #expect(try await SocialAccount.query(on: t.db).count() == 0)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func anOperatorAllowedRangeIsReachedAndAClosedPortThereReadsLikeARefusal(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.platform) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = Self.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                // act
                let mastodon = try await Self.connect(
                    t, slug, room.admin, "mastodon", ["instance_url": "\(stub.baseURL)/x", "access_token": "t"])
                let bluesky = try await Self.connect(
                    t, slug, room.admin, "bluesky", ["service_url": stub.baseURL, "handle": "brand.bsky.social", "app_password": "p"])
                let webhook = try await Self.connect(t, slug, room.admin, "webhook", ["url": "\(stub.baseURL)/hook"])
                // Where nothing listens, in the allowed range: the very
                // sentence a refused address gets.
                let closed = try await Self.connect(t, slug, room.admin, "mastodon", ["instance_url": "http://127.0.0.1:9/x", "access_token": "t"])
                // check
                #expect(mastodon.status == .created, "\(mastodon.body)")
                #expect(mastodon.json["handle"] as? String == "leaked@127.0.0.1")
                #expect(bluesky.status == .created, "\(bluesky.body)")
                #expect(webhook.status == .created, "\(webhook.body)")
                #expect(closed.status == .unprocessableEntity)
                #expect(Self.messages(closed) == ["fields.instance_url": Self.uniform], "\(closed.body)")
                #expect(
                    stub.hits.map(\.path) == [
                        "/x/api/v1/accounts/verify_credentials", "/x/api/v2/instance", "/xrpc/com.atproto.server.createSession",
                    ])

                // Publishing to the webhook: signed, through the guard.
                let hook = try #require(webhook.json["id"] as? String)
                let sent = try await room.create("春季新品今天上市", accounts: [hook])
                try await room.approve(sent)
                _ = try await t.api(.POST, "\(room.posts)/\(sent)/publish-now", token: room.admin)
                try await room.drain()
                #expect((try await room.post(sent)).json["status"] as? String == "published")
                let delivered = try #require(stub.hits.last)
                #expect(delivered.path == "/hook" && delivered.method == "POST" && delivered.headers["webhook-signature"]?.hasPrefix("v1,") == true)

                // The operator withdraws the range: the stored address is
                // refused at publishing, and nothing is sent there.
                t.app.connectorTransport = GuardedHTTPTransport(
                    policy: OutboundAddressPolicy(), resolver: OfflineResolver(), eventLoopGroup: t.app.eventLoopGroup)
                let held = try await room.create("第二条", accounts: [hook])
                try await room.approve(held)
                _ = try await t.api(.POST, "\(room.posts)/\(held)/publish-now", token: room.admin)
                try await room.drain()
                let variant = try #require(((try await room.post(held)).json["variants"] as? [[String: Any]])?.first)
                #expect(variant["state"] as? String != "published")
                #expect((variant["last_error"] as? String)?.contains(Self.uniform) == true, "\(variant)")
                #expect(stub.hits.filter { $0.path == "/hook" }.count == 1, "the second post never reached the endpoint")
            }
        }
    }
}
