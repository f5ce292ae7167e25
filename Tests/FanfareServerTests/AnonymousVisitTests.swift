import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Visitors who are not signed in write nothing: no session row, no
/// anything, however many pages they open; their forms still work, with a
/// signed token kept in their own cookie.
@Suite struct AnonymousVisitTests {
    /// Rows in every table of the database, by table.
    static func rowCounts(_ db: any Database) async throws -> [String: Int] {
        let sql = db as! any SQLDatabase
        let tables: [String]
        if sql.dialect.name == "sqlite" {
            tables = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all()
                .map { try $0.decode(column: "name", as: String.self) }
        } else {
            tables = try await sql.raw("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").all()
                .map { try $0.decode(column: "tablename", as: String.self) }
        }
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try await sql.raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
        return counts
    }

    @Test(arguments: TestDatabase.available)
    func anonymousVisitsWriteNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Brand")
            let access = WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: .admin, matrix: .standard)
            _ = try await ServiceLevelService(db: t.db).update(.init(publicFeedback: true, publicFeedbackForm: true), in: access, actor: .system)
            let before = try await Self.rowCounts(t.db)
            // A crawler: no cookies kept, every request a first visit.
            for path in [
                "/", "/sign-in", "/sign-in?next=/workspaces", "/workspaces", "/w/\(ws.slug)", "/p/\(ws.slug)/feedback",
                "/p/\(ws.slug)/adopted", "/p/no-such/feedback", "/setup/not-a-token", "/invitations/not-a-token", "/no/such/page",
                "/healthz", "/readyz", "/openapi.yaml", "/l/abcdefgh", "/l/x",
            ] {
                for _ in 0..<3 { _ = try await t.app.testing().sendRequest(.GET, path) }
            }
            // A visitor who keeps cookies, switches language and reads on.
            let visitor = Browser(t)
            try await visitor.get("/sign-in")
            #expect(visitor.cookies["fanfare_csrf"] != nil, "a visitor's CSRF value lives in their own cookie")
            #expect(visitor.cookie == nil, "and no session is made for them")
            let switched = try await visitor.post("/locale", [("locale", "zh-Hans"), ("next", "/sign-in")])
            #expect(switched.status == .seeOther)
            #expect(visitor.cookies["fanfare_locale"] == "zh-Hans")
            #expect(try await visitor.get("/sign-in").body.contains("登录"))
            // An old session cookie that finds nothing is dropped, not stored.
            visitor.cookie = "stale-session-id"
            try await visitor.get("/p/\(ws.slug)/feedback")
            #expect(visitor.cookie == nil)
            #expect(try await Self.rowCounts(t.db) == before)
            #expect(try await BrowserSession.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aVisitorsFormsCarryASignedTokenBoundToTheirCookie(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("signed@example.com")
            let visitor = Browser(t)
            try await visitor.get("/sign-in")
            let token = try #require(visitor.csrf)
            let nonce = try #require(visitor.cookies["fanfare_csrf"])
            #expect(token == AnonymousCSRF.token(nonce: nonce, secretKey: t.app.settings.secretKeyForSigning))
            // Another browser's token does not fit this browser's cookie.
            let other = Browser(t)
            try await other.get("/sign-in")
            visitor.csrf = other.csrf
            #expect(
                try await visitor.post("/sign-in", [("email", "signed@example.com"), ("password", "correct horse battery")]).status == .forbidden)
            // Without the cookie the token is worth nothing.
            visitor.csrf = token
            visitor.cookies["fanfare_csrf"] = nil
            #expect(
                try await visitor.post("/sign-in", [("email", "signed@example.com"), ("password", "correct horse battery")]).status == .forbidden)
            // With both, the form works and only then is a session stored.
            visitor.cookies["fanfare_csrf"] = nonce
            visitor.csrf = token
            #expect(try await visitor.post("/sign-in", [("email", "signed@example.com"), ("password", "correct horse battery")]).status == .seeOther)
            #expect(try await BrowserSession.query(on: t.db).count() == 1)
            // Signed in, the session's own token is asked for, not the visitor's.
            let page = try await visitor.get("/settings/profile")
            #expect(visitor.csrf != token)
            #expect(page.status == .ok)
            visitor.csrf = token
            #expect(try await visitor.post("/settings/profile", [("display_name", "Signed")]).status == .forbidden)
        }
    }

    @Test func theDriverRefusesToStoreASessionThatHoldsNobody() async throws {
        try await withTestApp(.sqlite) { t in
            let request = Request(application: t.app, on: t.app.eventLoopGroup.next())
            var refused = false
            do {
                _ = try await BrowserSessionDriver().createSession(SessionData(), for: request).get()
            } catch is BrowserSessionDriver.AnonymousSessionRefused {
                refused = true
            }
            #expect(refused)
            let stored = try await BrowserSession.query(on: t.db).count()
            #expect(stored == 0)
        }
    }
}
