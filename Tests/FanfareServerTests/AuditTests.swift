import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct AuditTests {
    @Test(arguments: TestDatabase.available)
    func everyChangeIsRecordedFilterableAndExportedWithoutSecrets(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup: a handful of changes, secrets among them
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("auditor@example.com", workspace: "Audited")
            let invite = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/invitations", token: token, json: ["role": "legal"])
            let inviteLink = invite.json["url"] as! String
            let newToken = try await t.api(.POST, "/api/v1/tokens", token: token, json: ["name": "Reporting"])
            let secretToken = newToken.json["token"] as! String
            _ = try await t.api(.PATCH, "/api/v1/workspaces/\(ws.slug)", token: token, json: ["name": "Audited Brand"])
            try await PeopleService(db: t.db, passwords: t.app.password.async)
                .changePassword(admin, current: "correct horse battery", new: "brand new passphrase", actor: .system, address: "127.0.0.1")

            // act
            let list = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/audit-events", token: token)
            let filtered = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/audit-events?action=workspace.updated", token: token)
            let badDate = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/audit-events?from=yesterday", token: token)
            let csv = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/audit-events/export", token: token)

            // check
            #expect(list.items.map { $0["action"] as? String } == ["workspace.updated", "invitation.created", "workspace.created"])
            #expect(filtered.items.count == 1)
            #expect(filtered.items[0]["before"] as? String == "name=Audited; time_zone=Asia/Shanghai")
            #expect(filtered.items[0]["after"] as? String == "name=Audited Brand; time_zone=Asia/Shanghai")
            #expect(filtered.items[0]["actor"] as? String == "auditor@example.com")
            #expect(badDate.status == .unprocessableEntity && badDate.problemFields == ["from"])
            #expect(csv.status == .ok)
            #expect(csv.headers.contentType?.description.hasPrefix("text/csv") == true)
            #expect(csv.body.contains("workspace.updated"))
            let allEvents = try await AuditEvent.query(on: t.db).all()
            #expect(allEvents.contains { $0.action == "token.created" })
            #expect(allEvents.contains { $0.action == "user.password_changed" })
            let everything = allEvents.map { "\($0.before) \($0.after) \($0.targetID ?? "")" }.joined(separator: "\n") + csv.body
            for secret in [
                secretToken, String(inviteLink.split(separator: "/").last!), "correct horse battery", "brand new passphrase", admin.passwordHash,
            ] {
                #expect(!everything.contains(secret), "a secret reached the audit log")
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func theAuditPageIsForAdminsAndPagesThroughHistory(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("pages@example.com", workspace: "History")
            for n in 0..<5 { _ = try await t.api(.PATCH, "/api/v1/workspaces/\(ws.slug)", token: token, json: ["name": "History \(n)"]) }
            let browser = Browser(t)
            _ = try await browser.signIn("pages@example.com")
            let first = try await browser.get("/w/\(ws.slug)/audit?limit=3")
            #expect(first.status == .ok)
            #expect(first.body.contains("History 4"))
            let next = try #require(
                first.body.range(of: "id=\"audit-next\"") != nil
                    ? first.body.components(separatedBy: "href=\"").first { $0.contains("cursor=") }?.components(separatedBy: "\"").first : nil)
            let second = try await browser.get(next.replacingOccurrences(of: "&amp;", with: "&") + "&limit=3")
            #expect(second.status == .ok)
            #expect(second.body.contains("workspace.created"))
            let csv = try await browser.get("/w/\(ws.slug)/audit.csv?action=workspace.updated")
            #expect(csv.status == .ok)
            #expect(csv.body.components(separatedBy: "\r\n").filter { $0.contains("workspace.updated") }.count == 5)
            let bad = try await browser.get("/w/\(ws.slug)/audit?from=31.12.2026")
            #expect(bad.status == .unprocessableEntity)
        }
    }
}
