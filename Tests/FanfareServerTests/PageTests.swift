import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct SignInPageTests {
    @Test(arguments: TestDatabase.available)
    func signingInAndOutWithACSRFProtectedForm(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("page@example.com", admin: true)
            let browser = Browser(t)
            // A protected page sends a stranger to sign in, keeping the target.
            let protected = try await browser.get("/workspaces")
            #expect(protected.status == .seeOther)
            #expect(protected.headers.first(name: .location) == "/sign-in?next=/workspaces")
            // Without the CSRF token the form is refused and nobody is signed in.
            try await browser.get("/sign-in")
            let forged = try await browser.post("/sign-in", [("email", "page@example.com"), ("password", "correct horse battery")], csrf: false)
            #expect(forged.status == .forbidden)
            #expect(try await browser.get("/workspaces").status == .seeOther)
            // With it, the person is in, under a new session id.
            let before = browser.cookie
            let signedIn = try await browser.post(
                "/sign-in", [("email", "PAGE@example.com "), ("password", "correct horse battery"), ("next", "/workspaces")])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers.first(name: .location) == "/workspaces")
            #expect(browser.cookie != before, "the session id changes at sign-in")
            let page = try await browser.get("/workspaces")
            #expect(page.status == .ok)
            #expect(page.body.contains("id=\"new-workspace-form\""))
            // A foreign `next` is ignored.
            try await browser.post("/sign-out", [])
            try await browser.get("/sign-in")
            let offsite = try await browser.post(
                "/sign-in", [("email", "page@example.com"), ("password", "correct horse battery"), ("next", "//evil.example/")])
            #expect(offsite.headers.first(name: .location) == "/")
            // Sign-in rotates the CSRF token: forms need a page loaded since.
            #expect(try await browser.post("/sign-out", []).status == .forbidden)
            try await browser.get("/workspaces")
            try await browser.post("/sign-out", [])
            #expect(try await browser.get("/workspaces").status == .seeOther)
        }
    }

    @Test(arguments: TestDatabase.available)
    func tenFailuresLockTheAccountEvenForTheRightPassword(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("locked@example.com")
            let browser = Browser(t)
            try await browser.get("/sign-in")
            for attempt in 1...10 {
                let wrong = try await browser.post("/sign-in", [("email", "locked@example.com"), ("password", "wrong password \(attempt)")])
                #expect(wrong.status == .unauthorized, "attempt \(attempt)")
                #expect(wrong.body.contains("The email or password is not right."))
            }
            let right = try await browser.post("/sign-in", [("email", "locked@example.com"), ("password", "correct horse battery")])
            #expect(right.status == .tooManyRequests)
            #expect(right.body.contains("try again in 15 minute(s)"))
            // The lock ends 15 minutes after the tenth failure.
            let later = try await PeopleService(db: t.db, passwords: t.app.password.async)
                .signIn(email: "locked@example.com", password: "correct horse battery", address: "127.0.0.1", now: Date().addingTimeInterval(901))
            guard case .signedIn = later else { Issue.record("still locked after 15 minutes: \(later)"); return }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aPasswordChangeEndsOtherSessions(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("pw@example.com")
            let laptop = Browser(t), phone = Browser(t)
            _ = try await laptop.signIn("pw@example.com")
            _ = try await phone.signIn("pw@example.com")
            try await laptop.get("/settings/password")
            let short = try await laptop.post("/settings/password", [("current_password", "correct horse battery"), ("new_password", "short")])
            #expect(short.status == .unprocessableEntity)
            #expect(short.body.contains("new_password-error"))
            let wrong = try await laptop.post(
                "/settings/password", [("current_password", "nope nope nope"), ("new_password", "a new long passphrase")])
            #expect(wrong.status == .unprocessableEntity)
            let changed = try await laptop.post(
                "/settings/password", [("current_password", "correct horse battery"), ("new_password", "a new long passphrase")])
            #expect(changed.status == .seeOther)
            #expect(try await laptop.get("/settings/password").status == .ok)
            #expect(try await phone.get("/settings/password").status == .seeOther, "the other session is signed out")
            #expect(try await Browser(t).signIn("pw@example.com", password: "a new long passphrase").status == .seeOther)
        }
    }
}

@Suite struct FirstRunTests {
    @Test(arguments: TestDatabase.available)
    func theSetupLinkCreatesTheFirstAdministratorOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let link = try #require(try await FirstRun.setupLink(on: t.db, base: "http://localhost:8080"))
            let path = String(link.dropFirst("http://localhost:8080".count))
            let newer = try #require(try await FirstRun.setupLink(on: t.db, base: "http://localhost:8080"))
            let browser = Browser(t)
            #expect(try await browser.get(path).status == .notFound, "an older link is void once a newer one is printed")
            let newerPath = String(newer.dropFirst("http://localhost:8080".count))
            #expect(try await browser.get(newerPath).status == .ok)
            let bad = try await browser.post(
                newerPath, [("email", "nope"), ("display_name", ""), ("password", "x"), ("locale", "en"), ("time_zone", "UTC")])
            #expect(bad.status == .unprocessableEntity)
            #expect(try await User.query(on: t.db).count() == 0)
            let done = try await browser.post(
                newerPath,
                [
                    ("email", "root@example.com"), ("display_name", "Root"), ("password", "a long admin passphrase"), ("locale", "en"),
                    ("time_zone", "UTC"),
                ])
            #expect(done.status == .seeOther)
            let user = try #require(try await User.query(on: t.db).first())
            #expect(user.isAdmin && user.email == "root@example.com")
            #expect(try await Browser(t).get(newerPath).status == .notFound, "the link works once")
            #expect(try await FirstRun.setupLink(on: t.db, base: "x") == nil, "no link once a user exists")
        }
    }
}

@Suite struct WorkspaceCreationPageTests {
    @Test(arguments: TestDatabase.available)
    func aPersonWhoMayNotCreateWorkspacesIsToldWhyInTheirLanguage(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("member@example.com", locale: "zh-Hans")
            let browser = Browser(t)
            _ = try await browser.signIn("member@example.com")
            // act
            let page = try await browser.get("/workspaces")
            let posted = try await browser.post("/workspaces", [("name", "Mine"), ("slug", ""), ("time_zone", "Asia/Shanghai")])
            // check
            #expect(page.status == .ok)
            #expect(!page.body.contains("new-workspace-form"), "no form that would only refuse")
            #expect(page.body.contains("本实例只有实例管理员可以创建工作区"))
            #expect(posted.status == .forbidden)
            #expect(posted.body.contains("id=\"workspaces-admins-only\" class=\"flash flash-error\""))
            #expect(try await Workspace.query(on: t.db).count() == 0)
        }
        try await withTestApp(database, settings: { $0.workspaceCreators = .everyone }) { t in
            try await t.makeUser("member@example.com")
            let browser = Browser(t)
            _ = try await browser.signIn("member@example.com")
            #expect(try await browser.get("/workspaces").body.contains("new-workspace-form"))
            let created = try await browser.post("/workspaces", [("name", "Mine"), ("slug", ""), ("time_zone", "Asia/Shanghai")])
            #expect(created.status == .seeOther && created.headers.first(name: .location) == "/w/mine")
        }
    }
}

@Suite struct LayoutTests {
    @Test(arguments: TestDatabase.available)
    func theLanguageSwitchesAndStaysWithThePerson(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("lang@example.com", locale: "zh-Hans")
            let browser = Browser(t)
            _ = try await browser.signIn("lang@example.com")
            let chinese = try await browser.get("/workspaces")
            #expect(chinese.body.contains("<html lang=\"zh-Hans\">"))
            #expect(chinese.body.contains("新建工作区"))
            let switched = try await browser.post("/locale", [("locale", "en"), ("next", "/workspaces")])
            #expect(switched.headers.first(name: .location) == "/workspaces")
            let english = try await browser.get("/workspaces")
            #expect(english.body.contains("<html lang=\"en\">"))
            #expect(english.body.contains("New workspace"))
            #expect(try await User.query(on: t.db).first()?.locale == "en")
            let bad = try await browser.post("/locale", [("locale", "fr")])
            #expect(bad.status == .unprocessableEntity)
        }
    }

    @Test(arguments: TestDatabase.available)
    func errorPagesKeepTheirStatusAndNavigationShowsOnlyWhatTheRoleMayOpen(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("own@example.com", workspace: "Shop")
            let viewer = try await t.makeUser("look@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let admin = Browser(t), looker = Browser(t)
            _ = try await admin.signIn("own@example.com")
            _ = try await looker.signIn("look@example.com")
            let adminHome = try await admin.get("/w/\(ws.slug)")
            #expect(adminHome.body.contains("href=\"/w/\(ws.slug)/members\""))
            #expect(adminHome.body.contains("href=\"/w/\(ws.slug)/audit\""))
            let viewerHome = try await looker.get("/w/\(ws.slug)")
            #expect(viewerHome.status == .ok)
            #expect(!viewerHome.body.contains("/w/\(ws.slug)/members"), "no link to a page the role cannot open")
            let forbidden = try await looker.get("/w/\(ws.slug)/members")
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.body.contains("Not allowed"))
            let missing = try await looker.get("/w/no-such-place")
            #expect(missing.status == .notFound)
            #expect(missing.body.contains("Not found"))
            let unknown = try await looker.get("/definitely/not/here")
            #expect(unknown.status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aNewcomerJoinsThroughAnInvitationLinkAndSeesOnlyThatWorkspace(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.makeUser("host@example.com", admin: true)
            let host = Browser(t)
            _ = try await host.signIn("host@example.com")
            try await host.get("/workspaces")
            let created = try await host.post("/workspaces", [("name", "Tea House"), ("slug", ""), ("time_zone", "Asia/Shanghai")])
            #expect(created.headers.first(name: .location) == "/w/tea-house")
            _ = try await host.post("/workspaces", [("name", "Secret Brand"), ("slug", "secret"), ("time_zone", "Asia/Shanghai")])
            try await host.get("/w/tea-house/members")
            let invited = try await host.post("/w/tea-house/invitations", [("role", "editor"), ("email", "")])
            #expect(invited.status == .created)
            let marker = "id=\"invitation-link\" value=\""
            let range = try #require(invited.body.range(of: marker))
            let link = String(invited.body[range.upperBound...].prefix { $0 != "\"" })
            let path = "/invitations/" + link.split(separator: "/").last!

            let newcomer = Browser(t)
            let page = try await newcomer.get(path)
            #expect(page.status == .ok && page.body.contains("Tea House"))
            let weak = try await newcomer.post(
                path, [("email", "new@example.com"), ("display_name", "New"), ("password", "short"), ("locale", "en")])
            #expect(weak.status == .unprocessableEntity)
            #expect(try await User.query(on: t.db).filter(\.$email == "new@example.com").count() == 0)
            let joined = try await newcomer.post(
                path, [("email", "new@example.com"), ("display_name", "New"), ("password", "a fine passphrase"), ("locale", "en")])
            #expect(joined.headers.first(name: .location) == "/w/tea-house")
            let home = try await newcomer.get("/w/tea-house")
            #expect(home.body.contains("Editor"))
            #expect(!home.body.contains("Secret Brand"))
            #expect(try await newcomer.get("/w/secret").status == .notFound)
            #expect(try await Browser(t).get(path).status == .gone, "an accepted link is spent")
        }
    }
}
