import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct SessionStoreTests {
    @Test(arguments: TestDatabase.available)
    func sessionsExpireAnonymousOnesSoonerAndUnchangedOnesAreNotRewritten(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("sess@example.com")
            let browser = Browser(t)
            // An anonymous visit to the sign-in form keeps a short session.
            try await browser.get("/sign-in")
            let anonymous = try #require(try await BrowserSession.find(browser.cookie, on: t.db))
            #expect(abs(anonymous.expiresAt.timeIntervalSinceNow - BrowserSessionDriver.anonymousLifetime) < 60)
            // Signing in makes a new, longer one and drops the anonymous one.
            _ = try await browser.post("/sign-in", [("email", "sess@example.com"), ("password", "correct horse battery")])
            #expect(try await BrowserSession.find(anonymous.id, on: t.db) == nil)
            let signedIn = try #require(try await BrowserSession.find(browser.cookie, on: t.db))
            #expect(abs(signedIn.expiresAt.timeIntervalSinceNow - BrowserSessionDriver.signedInLifetime) < 60)
            // Browsing without changes does not write the session again.
            try await browser.get("/workspaces")
            let stamp = try #require(try await BrowserSession.find(browser.cookie, on: t.db)).updatedAt
            try await browser.get("/workspaces")
            #expect(try await BrowserSession.find(browser.cookie, on: t.db)?.updatedAt == stamp)
            // An expired session is not honoured, and maintenance deletes it.
            try await BrowserSession.query(on: t.db).filter(\.$id == browser.cookie!).set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            #expect(try await browser.get("/workspaces").status == .seeOther)
            try await Maintenance.purge(on: t.db, now: Date())
            #expect(try await BrowserSession.query(on: t.db).filter(\.$expiresAt < Date()).count() == 0)
        }
    }
}
