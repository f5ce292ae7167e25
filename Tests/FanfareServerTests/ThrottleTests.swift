import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Limits on guessing secrets hit the guesser: one attacked account, not
/// everyone behind the same address; every form that checks a password
/// counts; public feedback is limited per address and per workspace.
@Suite struct ThrottleTests {
    func wrongSignIns(_ browser: Browser, _ email: String, times: Int) async throws {
        for _ in 0..<times {
            try await browser.get("/sign-in")
            _ = try await browser.post("/sign-in", [("email", email), ("password", "not the password at all")])
        }
    }

    @Test(arguments: TestDatabase.available)
    func tenFailuresLockTheAccountNotTheOthersBehindTheSameAddress(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("alice@example.com")
            try await t.makeUser("bob@example.com")
            let office = Browser(t)
            try await wrongSignIns(office, "alice@example.com", times: 10)
            // Alice's account is paused, even with the right password…
            let alice = Browser(t)
            let locked = try await alice.signIn("alice@example.com")
            #expect(locked.status == .tooManyRequests)
            // …while Bob, from the same address, signs in.
            let bob = Browser(t)
            #expect(try await bob.signIn("bob@example.com").status == .seeOther)
        }
    }

    @Test(arguments: TestDatabase.available)
    func anAddressIsPausedOnlyPastAMuchHigherBar(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("carol@example.com")
            // 99 failures from one address against many accounts: still open.
            let now = Date()
            for index in 0..<99 {
                try await ThrottleEvent(kind: .password, subject: "user\(index % 20)@example.com", address: "unknown", at: now).create(on: t.db)
            }
            #expect(try await Browser(t).signIn("carol@example.com").status == .seeOther)
            // The hundredth pauses the address for everyone behind it.
            try await ThrottleEvent(kind: .link, subject: "invitation", address: "unknown", at: now).create(on: t.db)
            #expect(try await Browser(t).signIn("carol@example.com").status == .tooManyRequests)
            // Another address is not affected.
            #expect(try await ThrottleStore(db: t.db).secretLock(account: "carol@example.com", address: "192.0.2.9") == nil)
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePasswordFormIsThrottledWithSignIn(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("dave@example.com")
            let browser = Browser(t)
            #expect(try await browser.signIn("dave@example.com").status == .seeOther)
            for _ in 0..<10 {
                try await browser.get("/settings/password")
                let wrong = try await browser.post(
                    "/settings/password", [("current_password", "a wrong guess here"), ("new_password", "another long password")])
                #expect(wrong.status == .unprocessableEntity)
            }
            // Now even the right password is not checked…
            try await browser.get("/settings/password")
            let right = try await browser.post(
                "/settings/password", [("current_password", "correct horse battery"), ("new_password", "another long password")])
            #expect(right.status == .tooManyRequests)
            #expect(right.body.contains("paused"))
            let unchanged = try #require(try await User.find(user.id, on: t.db))
            #expect(unchanged.sessionEpoch == user.sessionEpoch, "the password was not changed")
            // …and sign-in for the account is paused too.
            #expect(try await Browser(t).signIn("dave@example.com").status == .tooManyRequests)
        }
    }

    @Test(arguments: TestDatabase.available)
    func creatingATokenAsksForThePasswordUnderTheSameLimit(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("erin@example.com")
            let browser = Browser(t)
            #expect(try await browser.signIn("erin@example.com").status == .seeOther)
            try await browser.get("/settings/tokens")
            let without = try await browser.post("/settings/tokens", [("name", "ci"), ("scopes[]", "read")])
            #expect(without.status == .unprocessableEntity && without.body.contains("current_password-error"))
            #expect(try await APIToken.query(on: t.db).count() == 0)
            let made = try await browser.post(
                "/settings/tokens", [("name", "ci"), ("scopes[]", "read"), ("current_password", "correct horse battery")])
            #expect(made.status == .created && made.body.contains("id=\"new-token\""))
            for _ in 0..<10 {
                try await browser.get("/settings/tokens")
                _ = try await browser.post("/settings/tokens", [("name", "x"), ("current_password", "wrong wrong wrong")])
            }
            try await browser.get("/settings/tokens")
            let paused = try await browser.post("/settings/tokens", [("name", "ci2"), ("current_password", "correct horse battery")])
            #expect(paused.status == .tooManyRequests)
            #expect(try await APIToken.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func unknownLinksCountAgainstTheAddressWhenPostedNotWhenRead(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let browser = Browser(t)
            #expect(try await browser.get("/invitations/not-a-real-token").status == .notFound)
            #expect(try await ThrottleEvent.query(on: t.db).count() == 0, "reading writes nothing")
            try await browser.get("/sign-in")
            #expect(try await browser.post("/invitations/not-a-real-token", [("email", "x@example.com")]).status == .notFound)
            #expect(try await browser.post("/setup/not-a-real-token", [("email", "x@example.com")]).status == .notFound)
            let events = try await ThrottleEvent.query(on: t.db).all()
            #expect(events.map(\.kind).sorted() == ["link", "link"])
            #expect(Set(events.map(\.subject)) == ["invitation", "setup"])
        }
    }
}
