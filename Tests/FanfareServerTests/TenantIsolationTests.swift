import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Walks every registered route that names a workspace or another
/// person's resource and proves that a member of workspace A gets 404 for
/// everything of workspace B, whichever id it uses, and changes nothing.
@Suite struct TenantIsolationTests {
    @Test(arguments: TestDatabase.available)
    func aMemberOfOneWorkspaceFindsNothingOfAnother(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let (userA, tokenA, wsA) = try await t.makeWorkspaceAdmin("a@example.com", workspace: "Alpha")
            let (userB, tokenB, wsB) = try await t.makeWorkspaceAdmin("b@example.com", workspace: "Beta")
            _ = userA
            let memberB = try await t.addMember(try await t.makeUser("b-member@example.com"), to: wsB, as: .editor)
            let invitationB = try await t.api(.POST, "/api/v1/workspaces/\(wsB.slug)/invitations", token: tokenB, json: ["role": "viewer"])
            let invitationID = try #require(invitationB.json["id"] as? String)
            let tokenIDB = try await APIToken.query(on: t.db).filter(\.$user.$id == userB.id!).first()!.id!.uuidString
            let valuesOfB: [String: String] = [
                "member_id": memberB.id!.uuidString, "member": memberB.id!.uuidString,
                "invitation_id": invitationID, "invitation": invitationID, "token_id": tokenIDB,
            ]
            let auditBefore = try await AuditEvent.query(on: t.db).filter(\.$workspaceID == wsB.id!).count()

            // act + check: the API
            var walked = 0
            for route in t.app.routes.all where route.path.first?.description == "api" {
                let parameters = route.path.compactMap { component -> String? in
                    if case .parameter(let name) = component { return name }
                    return nil
                }
                guard parameters.contains(where: { $0 == "workspace" || valuesOfB[$0] != nil }) else { continue }
                for workspaceKey in [wsB.slug, wsB.id!.uuidString, wsA.slug] {
                    // A's own workspace with B's ids only matters when there are ids.
                    if workspaceKey == wsA.slug, parameters == ["workspace"] { continue }
                    let path = render(route, workspace: workspaceKey, values: valuesOfB)
                    let body: [String: Any]? = [.POST, .PATCH, .PUT].contains(route.method) ? ["role": "viewer", "name": "Hijacked"] : nil
                    let reply = try await t.api(route.method, path, token: tokenA, json: body)
                    #expect(reply.status == .notFound, "\(route.method) \(path) gave \(reply.status.code)")
                    #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                    walked += 1
                }
            }
            #expect(walked >= 15, "the walk must cover the workspace routes (walked \(walked))")

            // act + check: the pages
            let browser = Browser(t)
            #expect(try await browser.signIn("a@example.com").status == .seeOther)
            for route in t.app.routes.all where route.path.first?.description == "w" {
                let path = render(route, workspace: wsB.slug, values: valuesOfB)
                let reply =
                    route.method == .GET ? try await browser.get(path) : try await browser.post(path, [("role", "viewer"), ("name", "Hijacked")])
                #expect(reply.status == .notFound, "page \(route.method) \(path) gave \(reply.status.code)")
            }

            // Nothing of B changed.
            #expect(try await Workspace.find(wsB.id, on: t.db)?.name == "Beta")
            #expect(try await Membership.find(memberB.id, on: t.db)?.role == "editor")
            #expect(try await Invitation.find(UUID(uuidString: invitationID), on: t.db)?.revokedAt == nil)
            #expect(try await APIToken.find(UUID(uuidString: tokenIDB), on: t.db)?.revokedAt == nil)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$workspaceID == wsB.id!).count() == auditBefore)
        }
    }

    private func render(_ route: Route, workspace: String, values: [String: String]) -> String {
        "/"
            + route.path.map { component -> String in
                switch component {
                case .parameter(let name): return name == "workspace" ? workspace : (values[name] ?? UUID().uuidString)
                default: return component.description
                }
            }.joined(separator: "/")
    }
}
