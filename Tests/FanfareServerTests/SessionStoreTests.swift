import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct SessionStoreTests {
    @Test(arguments: TestDatabase.available)
    func onlySignedInPeopleHaveSessionsAndUnchangedOnesAreNotRewritten(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("sess@example.com")
            let browser = Browser(t)
            // A visit to the sign-in form keeps no session at all.
            try await browser.get("/sign-in")
            #expect(browser.cookie == nil)
            #expect(try await BrowserSession.query(on: t.db).count() == 0)
            // Signing in makes one that lasts 14 days without use.
            _ = try await browser.post("/sign-in", [("email", "sess@example.com"), ("password", "correct horse battery")])
            let signedIn = try #require(try await BrowserSession.find(browser.cookie, on: t.db))
            #expect(abs(signedIn.expiresAt.timeIntervalSinceNow - BrowserSessionDriver.signedInLifetime) < 60)
            // Browsing without changes does not write the session again.
            try await browser.get("/workspaces")
            let stamp = try #require(try await BrowserSession.find(browser.cookie, on: t.db)).updatedAt
            try await browser.get("/workspaces")
            #expect(try await BrowserSession.find(browser.cookie, on: t.db)?.updatedAt == stamp)
            // Signing out deletes it.
            let kept = browser.cookie
            try await browser.post("/sign-out", [])
            #expect(try await BrowserSession.find(kept, on: t.db) == nil)
            // An expired session is not honoured, and maintenance deletes it.
            _ = try await browser.signIn("sess@example.com")
            try await BrowserSession.query(on: t.db).filter(\.$id == browser.cookie!).set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            #expect(try await browser.get("/workspaces").status == .seeOther)
            try await Maintenance.purge(on: t.db, now: Date())
            #expect(try await BrowserSession.query(on: t.db).filter(\.$expiresAt < Date()).count() == 0)
        }
    }
}
