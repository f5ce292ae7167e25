import Crypto
import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Connecting a Mastodon account by signing in on its instance: the app
/// registered once per instance, state and PKCE, the code used once, the
/// sign-in bound to the person and workspace that began it, and a second
/// sign-in reconnecting the account (docs/accounts.md § Signing in).
@Suite struct AccountSignInTests {
    /// An instance on loopback that follows docs.joinmastodon.org's flow.
    static func instance(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        let form = Dictionary(
            hit.body.split(separator: "&").map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
                return (parts[0], parts.count > 1 ? parts[1] : "")
            }, uniquingKeysWith: { first, _ in first })
        switch (hit.method, hit.path) {
        case ("POST", "/x/api/v1/apps"):
            guard form["redirect_uris"]?.hasSuffix("/oauth/mastodon/callback") == true, form["scopes"] == "read write" else {
                return (.unprocessableEntity, #"{"error":"Validation failed"}"#)
            }
            return (.ok, #"{"id":"1","name":"Fanfare","client_id":"client-1","client_secret":"secret-1"}"#)
        case ("POST", "/x/oauth/token"):
            guard form["code"] == "good-code", form["client_id"] == "client-1", form["client_secret"] == "secret-1",
                form["grant_type"] == "authorization_code", (form["code_verifier"] ?? "").count >= 43
            else { return (.badRequest, #"{"error":"invalid_grant"}"#) }
            return (.ok, #"{"access_token":"user-token","token_type":"Bearer","scope":"read write","created_at":1770000000}"#)
        case ("GET", "/x/api/v1/accounts/verify_credentials"):
            guard hit.headers["authorization"] == "Bearer user-token" else { return (.unauthorized, #"{"error":"invalid"}"#) }
            return (.ok, #"{"id":"109","username":"brand","acct":"brand","display_name":"Brand"}"#)
        case ("GET", "/x/api/v2/instance"): return (.ok, #"{"configuration":{"statuses":{"max_characters":500}}}"#)
        default: return (.notFound, #"{"error":"not found"}"#)
        }
    }

    static func query(_ location: String) -> [String: String] {
        Dictionary(
            (URLComponents(string: location)?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    /// Starts a sign-in from the accounts page; the answer moves the
    /// browser on to the instance (Refresh header and a link).
    static func start(_ browser: Browser, _ slug: String, instance: String) async throws -> Reply {
        _ = try await browser.get("/w/\(slug)/accounts?platform=mastodon")
        return try await browser.post("/w/\(slug)/accounts/sign-in/mastodon", [("instance_url", instance)])
    }

    /// Where a started sign-in sends the browser.
    static func destination(_ reply: Reply) -> String? {
        guard reply.status == .ok, let refresh = reply.headers.first(name: "Refresh"), let range = refresh.range(of: "url=") else { return nil }
        let target = String(refresh[range.upperBound...])
        #expect(reply.body.contains("id=\"sign-in-continue\" href=\"\(target.replacingOccurrences(of: "&", with: "&amp;"))\""))
        return target
    }

    /// The platform sends the browser back: the callback, then the finish.
    static func comeBack(_ browser: Browser, _ query: String) async throws -> Reply {
        let bounced = try await browser.get("/oauth/mastodon/callback?\(query)")
        #expect(bounced.status == .seeOther)
        let next = bounced.headers.first(name: .location) ?? "/"
        guard next.contains("/finish") else { return bounced }
        return try await browser.get(next)
    }

    @Test(arguments: TestDatabase.available)
    func signingInConnectsTheAccountOnceAndASecondSignInReconnectsIt(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.instance) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let page = try await admin.get("/w/\(slug)/accounts?platform=mastodon")
                #expect(page.body.contains("id=\"sign-in-form\"") && page.body.contains("id=\"connect-by-token\""))
                // act: leave for the instance
                let sent = try await Self.start(admin, slug, instance: "\(stub.baseURL)/x")
                let location = try #require(Self.destination(sent), "\(sent.status) \(sent.body)")
                #expect(location.hasPrefix("\(stub.baseURL)/x/oauth/authorize?"))
                let asked = Self.query(location)
                #expect(asked["client_id"] == "client-1" && asked["response_type"] == "code" && asked["scope"] == "read write")
                #expect(asked["redirect_uri"] == "\(t.app.settings.linkBase)/oauth/mastodon/callback")
                #expect(asked["code_challenge_method"] == "S256")
                let state = try #require(asked["state"])
                // Only a hash of the state is kept.
                #expect(try await OAuthSignIn.query(on: t.db).filter(\.$stateHash == state).count() == 0)
                // act: come back with the code
                let done = try await Self.comeBack(admin, "code=good-code&state=\(state)")
                #expect(done.status == .seeOther)
                let accounts = try await admin.get("/w/\(slug)/accounts")
                #expect(accounts.body.contains("Brand") || accounts.body.contains("brand@127.0.0.1"))
                let account = try #require(try await SocialAccount.query(on: t.db).filter(\.$platform == "mastodon").first())
                #expect(account.handle == "brand@127.0.0.1")
                #expect(try AccountService(db: t.db, app: t.app).credentials(of: account).accessToken == "user-token")
                // The verifier sent matches the challenge the instance was shown.
                let exchange = try #require(stub.hits.first { $0.path == "/x/oauth/token" })
                let verifier = Self.query("?" + exchange.body)["code_verifier"] ?? ""
                #expect(PKCE.challenge(for: verifier) == asked["code_challenge"])
                // The same answer again: used up, nothing more happens.
                let replay = try await Self.comeBack(admin, "code=good-code&state=\(state)")
                #expect(replay.headers.first(name: .location) == "/")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "mastodon").count() == 1)

                // A second sign-in (the token was revoked): the same account
                // is reconnected; the app registered once is reused.
                account.status = SocialAccount.Status.needsReconnect.rawValue
                try await account.save(on: t.db)
                let again = Self.query(try #require(Self.destination(try await Self.start(admin, slug, instance: "\(stub.baseURL)/x"))))
                _ = try await Self.comeBack(admin, "code=good-code&state=\(again["state"] ?? "")")
                let reconnected = try #require(try await SocialAccount.find(account.id, on: t.db))
                #expect(reconnected.status == "connected")
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "mastodon").count() == 1)
                #expect(stub.hits.filter { $0.path == "/x/api/v1/apps" }.count == 1)
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "account.reconnected").count() == 1)
                #expect(try await OAuthSignIn.query(on: t.db).count() == 0)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aSignInIsThePersonsOwnAndARefusalOrABadCodeConnectsNothing(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.instance) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let admin = Browser(t)
                _ = try await admin.signIn("author@example.com")
                let colleagueUser = try await t.makeUser("colleague@example.com")
                try await t.addMember(colleagueUser, to: room.ws, as: .admin)
                let colleague = Browser(t)
                _ = try await colleague.signIn("colleague@example.com")
                // Someone else's state: refused, and it is used up.
                let mine = Self.query(try #require(Self.destination(try await Self.start(admin, slug, instance: "\(stub.baseURL)/x"))))
                _ = try await Self.comeBack(colleague, "code=good-code&state=\(mine["state"] ?? "")")
                // The person refused on the instance.
                let refused = Self.query(
                    try #require(Self.destination(try await Self.start(admin, slug, instance: "\(stub.baseURL)/x"))))
                _ = try await Self.comeBack(admin, "error=access_denied&state=\(refused["state"] ?? "")")
                // A code the instance does not accept.
                let bad = Self.query(try #require(Self.destination(try await Self.start(admin, slug, instance: "\(stub.baseURL)/x"))))
                _ = try await Self.comeBack(admin, "code=forged&state=\(bad["state"] ?? "")")
                let flashed = try await admin.get("/w/\(slug)/accounts")
                #expect(flashed.body.contains("The account was not connected"))
                #expect(try await SocialAccount.query(on: t.db).filter(\.$platform == "mastodon").count() == 0)
                // An address that is no web address, or that is not allowed: on the field.
                let typo = try await Self.start(admin, slug, instance: "ftp://files.example")
                #expect(typo.status == .unprocessableEntity && typo.body.contains("id=\"sign-in-instance-error\""))
                // Anonymous visitors reach nothing.
                let anonymous = Browser(t)
                let outside = try await anonymous.get("/oauth/mastodon/callback?code=good-code&state=\(mine["state"] ?? "")")
                #expect(outside.status == .seeOther && outside.headers.first(name: .location)?.contains("sign-in") == true)
                // An editor may not connect accounts.
                let editorUser = try await t.makeUser("editor@example.com")
                try await t.addMember(editorUser, to: room.ws, as: .editor)
                let editor = Browser(t)
                _ = try await editor.signIn("editor@example.com")
                _ = try await editor.get("/w/\(slug)/accounts")
                let forbidden = try await editor.post("/w/\(slug)/accounts/sign-in/mastodon", [("instance_url", "\(stub.baseURL)/x")])
                #expect(forbidden.status == .forbidden)
            }
        }
    }
}
