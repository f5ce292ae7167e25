import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The public feedback form: off until a workspace turns it on, then
/// limited per address and per workspace, with a trap for robots.
@Suite struct PublicFeedbackFormTests {
    func workspace(_ t: TestApp) async throws -> (Workspace, WorkspaceAccess) {
        let (_, _, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Quiet Brand")
        return (ws, WorkspaceAccess(workspace: ws, workspaceID: ws.id!, role: .admin, matrix: .standard))
    }

    func send(_ fan: Browser, _ slug: String, text: String, extra: [(String, String)] = []) async throws -> Reply {
        try await fan.get("/p/\(slug)/feedback")
        return try await fan.post("/p/\(slug)/feedback", [("kind", "suggestion"), ("text", text)] + extra)
    }

    @Test(arguments: TestDatabase.available)
    func aClosedFormAnswersLikeAWorkspaceThatDoesNotExist(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (ws, _) = try await workspace(t)
            let fan = Browser(t)
            let closed = try await fan.get("/p/\(ws.slug)/feedback")
            let missing = try await fan.get("/p/no-such-brand/feedback")
            #expect(closed.status == .notFound && missing.status == .notFound)
            #expect(!closed.body.contains("Quiet Brand"), "the name of the workspace is not shown")
            #expect(
                closed.body.replacingOccurrences(of: ws.slug, with: "slug") == missing.body.replacingOccurrences(of: "no-such-brand", with: "slug"),
                "nothing but the address itself tells the two apart")
            try await fan.get("/sign-in")
            #expect(try await fan.post("/p/\(ws.slug)/feedback", [("kind", "bug"), ("text", "hello")]).status == .notFound)
            #expect(try await FeedbackTicket.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func sendsAreLimitedPerAddressAndPerWorkspace(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (ws, access) = try await workspace(t)
            _ = try await ServiceLevelService(db: t.db).update(.init(publicFeedbackForm: true), in: access, actor: .system)
            let fan = Browser(t)
            for index in 1...5 {
                #expect(try await send(fan, ws.slug, text: "Idea number \(index)").status == .seeOther)
            }
            let sixth = try await send(fan, ws.slug, text: "Idea number 6")
            #expect(sixth.status == .tooManyRequests)
            #expect(sixth.headers.first(name: .retryAfter).flatMap(Int.init).map { $0 > 0 && $0 <= 600 } == true)
            #expect(sixth.body.contains("Idea number 6"), "what the fan typed is kept in the form")
            #expect(try await FeedbackTicket.query(on: t.db).count() == 5)
            // The workspace as a whole takes 60 an hour, from any addresses.
            try await ThrottleEvent.query(on: t.db).delete()
            for index in 0..<60 {
                try await ThrottleEvent(kind: .feedback, subject: ws.id!.uuidString, address: "198.51.100.\(index)", at: Date()).create(on: t.db)
            }
            #expect(try await send(Browser(t), ws.slug, text: "One more").status == .tooManyRequests)
            #expect(try await FeedbackTicket.query(on: t.db).count() == 5)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRobotFillingTheHiddenFieldStoresNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (ws, access) = try await workspace(t)
            _ = try await ServiceLevelService(db: t.db).update(.init(publicFeedbackForm: true), in: access, actor: .system)
            let robot = Browser(t)
            let form = try await robot.get("/p/\(ws.slug)/feedback")
            #expect(form.body.contains("name=\"leave_empty\""))
            let trapped = try await robot.post("/p/\(ws.slug)/feedback", [("kind", "bug"), ("text", "cheap pills"), ("leave_empty", "http://spam")])
            #expect(trapped.status == .seeOther)
            #expect(trapped.headers.first(name: .location) == "/p/\(ws.slug)/feedback")
            #expect(try await FeedbackTicket.query(on: t.db).count() == 0)
        }
    }
}

/// Absolute links come from the public URL setting, never from a request's
/// Host header; cookies are Secure when the public URL is https.
@Suite struct PublicURLTests {
    @Test func thePublicURLIsCheckedAndJoinsLinks() {
        #expect(Settings.parsePublicURL("https://fanfare.example.com/")?.absoluteString == "https://fanfare.example.com")
        #expect(Settings.parsePublicURL("https://example.com/fanfare")?.absoluteString == "https://example.com/fanfare")
        for bad in ["fanfare.example.com", "ftp://example.com", "https://", "https://example.com/?a=1", "https://u:p@example.com", "https://x#y"] {
            #expect(Settings.parsePublicURL(bad) == nil, "\(bad)")
        }
        guard case .failure(let problems) = Settings.parse(environment: ["FANFARE_PUBLIC_URL": "example.com"], arguments: []) else {
            Issue.record("a public URL without a scheme was accepted")
            return
        }
        #expect(problems.lines.contains { $0.hasPrefix("FANFARE_PUBLIC_URL:") })
    }

    @Test(arguments: TestDatabase.available)
    func invitationLinksIgnoreTheHostHeader(_ database: TestDatabase) async throws {
        try await withTestApp(database, settings: { $0.publicURL = URL(string: "https://fanfare.example.com") }) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("admin@example.com", workspace: "Brand")
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/invitations", token: token, json: ["role": "editor"], headers: [("Host", "evil.example")])
            #expect(made.status == .created)
            let url = try #require(made.json["url"] as? String)
            #expect(url.hasPrefix("https://fanfare.example.com/invitations/"), "\(url)")
            // Signed in over the https public URL, the session cookie is Secure.
            let browser = Browser(t)
            try await browser.get("/sign-in")
            let signedIn = try await browser.post("/sign-in", [("email", "admin@example.com"), ("password", "correct horse battery")])
            let cookies = signedIn.headers[.setCookie]
            #expect(cookies.contains { $0.hasPrefix("fanfare_session=") && $0.contains("Secure") }, "\(cookies)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func withoutAPublicURLLinksUseTheServersOwnAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("admin@example.com", workspace: "Brand")
            let made = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/invitations", token: token, json: ["role": "editor"], headers: [("Host", "evil.example")])
            let url = try #require(made.json["url"] as? String)
            #expect(url.hasPrefix("http://127.0.0.1:0/invitations/"), "\(url)")
            let browser = Browser(t)
            try await browser.get("/sign-in")
            let signedIn = try await browser.post("/sign-in", [("email", "admin@example.com"), ("password", "correct horse battery")])
            #expect(!signedIn.headers[.setCookie].contains { $0.contains("Secure") }, "plain http keeps cookies usable")
        }
    }
}
