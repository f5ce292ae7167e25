import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Token, person and membership are read in one query per request (issue
/// 17, performance), never kept between requests: a revoked token, a
/// removed member and a changed role count from the very next request.
@Suite struct AuthPerRequestTests {
    @Test(arguments: TestDatabase.available)
    func aWorkspaceRequestRefusesARevokedTokenAndARemovedMemberAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let (_, adminToken, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Brand")
            let editor = try await t.makeUser("editor@example.com")
            let membership = try await t.addMember(editor, to: ws, as: .editor)
            let editorToken = try await t.makeToken(editor)
            let stranger = try await t.makeUser("stranger@example.com")
            let strangerToken = try await t.makeToken(stranger)
            let members = "/api/v1/workspaces/\(ws.slug)/members"
            let workspace = "/api/v1/workspaces/\(ws.slug)"
            // act + check: a member reads; by slug and by id alike
            #expect(try await t.api(.GET, workspace, token: editorToken).json["role"] as? String == "editor")
            #expect(try await t.api(.GET, "/api/v1/workspaces/\(ws.id!.uuidString)", token: editorToken).status == .ok)
            #expect(try await t.api(.GET, members, token: editorToken).status == .forbidden)
            // a stranger's good token finds no workspace; a bad token is unknown
            #expect(try await t.api(.GET, workspace, token: strangerToken).status == .notFound)
            #expect(try await t.api(.GET, workspace, token: "fnf_notatoken").status == .unauthorized)
            #expect(try await t.api(.GET, workspace, token: nil).status == .unauthorized)
            // a new role counts from the next request
            let promote = try await t.api(.PATCH, "\(members)/\(membership.id!.uuidString)", token: adminToken, json: ["role": "manager"])
            #expect(promote.status == .ok)
            #expect(try await t.api(.GET, workspace, token: editorToken).json["role"] as? String == "manager")
            #expect(try await t.api(.GET, members, token: editorToken).status == .ok)
            // removed: the next request finds no workspace
            let remove = try await t.api(.DELETE, "\(members)/\(membership.id!.uuidString)", token: adminToken)
            #expect(remove.status == .noContent)
            #expect(try await t.api(.GET, workspace, token: editorToken).status == .notFound)
            #expect(try await t.api(.GET, members, token: editorToken).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRevokedTokenIsRefusedInsideAWorkspaceAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (user, token, ws) = try await t.makeWorkspaceAdmin("admin@example.com", workspace: "Brand")
            let members = "/api/v1/workspaces/\(ws.slug)/members"
            #expect(try await t.api(.GET, members, token: token).status == .ok)
            let stored = try #require(try await APIToken.query(on: t.db).filter(\.$user.$id == user.id!).first())
            let revoke = try await t.api(.DELETE, "/api/v1/tokens/\(stored.id!.uuidString)", token: token)
            #expect(revoke.status == .noContent)
            let refused = try await t.api(.GET, members, token: token)
            #expect(refused.status == .unauthorized)
            #expect(refused.json["status"] as? Int == 401)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRemovedMembersPagesAreGoneAtOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let (_, adminToken, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Brand")
            let editor = try await t.makeUser("editor@example.com")
            let membership = try await t.addMember(editor, to: ws, as: .editor)
            let browser = Browser(t)
            #expect(try await browser.signIn("editor@example.com").status == .seeOther)
            // act + check
            let overview = try await browser.get("/w/\(ws.slug)")
            #expect(overview.status == .ok)
            #expect(overview.body.contains("Brand"))
            #expect(try await browser.get("/w/\(ws.slug)/posts").status == .ok)
            let remove = try await t.api(.DELETE, "/api/v1/workspaces/\(ws.slug)/members/\(membership.id!.uuidString)", token: adminToken)
            #expect(remove.status == .noContent)
            #expect(try await browser.get("/w/\(ws.slug)").status == .notFound)
            #expect(try await browser.get("/w/\(ws.slug)/posts").status == .notFound)
            // still signed in, elsewhere
            #expect(try await browser.get("/workspaces").status == .ok)
        }
    }
}

@Suite struct BestTimesCacheTests {
    @Test func aMapIsKeptOnlyWhileItsStampHoldsAndOnlyAsManyAsTheBound() throws {
        let cache = BestTimesCache(capacity: 2, maxAge: 600)
        let now = Date()
        let stamp = BestTimesCache.Stamp(snapshots: 3, latestSnapshot: now, published: 3, timeZone: "Asia/Shanghai")
        let (a, b, c) = (UUID(), UUID(), UUID())
        let kept = BestTimeMap.compute(samples: [], timeZone: .gmt)
        cache.keep(kept, for: a, stamp: stamp, now: now)
        #expect(cache.map(for: a, stamp: stamp, now: now) == kept)
        // new metrics, a post published or removed, another time zone: recomputed
        var newer = stamp
        newer.snapshots = 4
        #expect(cache.map(for: a, stamp: newer, now: now) == nil)
        newer = stamp
        newer.latestSnapshot = now.addingTimeInterval(1)
        #expect(cache.map(for: a, stamp: newer, now: now) == nil)
        newer = stamp
        newer.published = 2
        #expect(cache.map(for: a, stamp: newer, now: now) == nil)
        newer = stamp
        newer.timeZone = "UTC"
        #expect(cache.map(for: a, stamp: newer, now: now) == nil)
        // too old
        #expect(cache.map(for: a, stamp: stamp, now: now.addingTimeInterval(601)) == nil)
        // bounded: the least recently used goes
        cache.keep(kept, for: b, stamp: stamp, now: now)
        _ = cache.map(for: a, stamp: stamp, now: now)
        cache.keep(kept, for: c, stamp: stamp, now: now)
        #expect(cache.count == 2)
        #expect(cache.map(for: b, stamp: stamp, now: now) == nil)
        #expect(cache.map(for: a, stamp: stamp, now: now) != nil)
        cache.forget(a)
        #expect(cache.map(for: a, stamp: stamp, now: now) == nil)
    }
}
