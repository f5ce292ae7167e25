import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct WorkspaceAPITests {
    @Test(arguments: TestDatabase.available)
    func creatingAWorkspaceMakesTheCreatorItsAdmin(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("wang@example.com", admin: true)
            let token = try await t.makeToken(user)
            // act
            let created = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "品牌甲 Alpha", "time_zone": "Asia/Shanghai"])
            // check
            #expect(created.status == .created)
            #expect(created.json["slug"] as? String == "alpha")
            #expect(created.json["role"] as? String == "admin")
            let list = try await t.api(.GET, "/api/v1/workspaces", token: token)
            #expect(list.items.map { $0["slug"] as? String } == ["alpha"])
            let second = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Alpha"])
            #expect(second.json["slug"] as? String == "alpha-2", "a proposed slug is made unique")
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyInstanceAdministratorsCreateWorkspacesUnlessTheInstanceOpensIt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let token = try await t.makeToken(try await t.makeUser("member@example.com"))
            // act
            let refused = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Mine"])
            let refusedBadInput = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": 42])
            // check
            #expect(refused.status == .forbidden)
            #expect(refused.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(refused.json["type"] as? String == "https://fanfare.dev/problems/workspace-creators")
            #expect((refused.json["detail"] as? String)?.contains("instance administrators") == true, "\(refused.body)")
            #expect(refusedBadInput.status == .forbidden, "refused before the body is read")
            #expect(try await Workspace.query(on: t.db).count() == 0)
        }
        try await withTestApp(database, settings: { $0.workspaceCreators = .everyone }) { t in
            let token = try await t.makeToken(try await t.makeUser("member@example.com"))
            let created = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Mine"])
            #expect(created.status == .created && created.json["role"] as? String == "admin", "\(created.body)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func badInputListsEveryFieldAndStoresNothing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("bad@example.com", admin: true)
            let token = try await t.makeToken(user)
            _ = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Taken", "slug": "taken"])
            // act
            let reply = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "", "slug": "Bad Slug", "time_zone": "Mars/Base"])
            let duplicate = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Other", "slug": "taken"])
            let wrongType = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": 42])
            let notJSON = try await t.api(.POST, "/api/v1/workspaces", token: token, rawBody: "{not json")
            // check
            #expect(reply.status == .unprocessableEntity)
            #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(Set(reply.problemFields) == ["name", "slug", "time_zone"])
            #expect(duplicate.status == .unprocessableEntity)
            #expect(duplicate.problemFields == ["slug"])
            #expect(wrongType.status == .unprocessableEntity)
            #expect(wrongType.problemFields == ["name"])
            #expect(notJSON.status.code >= 400 && notJSON.status.code < 500)
            #expect(try await Workspace.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theSameIdempotencyKeyReplaysAndADifferentBodyIsRefused(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("idem@example.com", admin: true)
            let token = try await t.makeToken(user)
            let key = [("Idempotency-Key", "create-brand-1")]
            // act
            let first = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Brand"], headers: key)
            let again = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Brand"], headers: key)
            let different = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Other"], headers: key)
            // check
            #expect(first.status == .created)
            #expect(again.status == .created)
            #expect(again.json["id"] as? String == first.json["id"] as? String)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(different.status == .unprocessableEntity)
            #expect(different.problemFields == ["Idempotency-Key"])
            #expect(try await Workspace.query(on: t.db).count() == 1)
            // A key belongs to its caller: another person's same key is theirs.
            let other = try await t.makeToken(try await t.makeUser("other@example.com", admin: true))
            #expect(try await t.api(.POST, "/api/v1/workspaces", token: other, json: ["name": "Brand"], headers: key).status == .created)
            #expect(try await Workspace.query(on: t.db).count() == 2)
        }
    }

    @Test(arguments: TestDatabase.available)
    func concurrentRequestsWithOneKeyCreateOneWorkspace(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let token = try await t.makeToken(try await t.makeUser("race@example.com", admin: true))
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "Race"], headers: [("Idempotency-Key", "race")])
                            .status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 }, "\(statuses)")
            #expect(statuses.contains(201))
            #expect(try await Workspace.query(on: t.db).count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func membersAreListedInPagesAndRolesChangeButTheLastAdminStays(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (admin, token, ws) = try await t.makeWorkspaceAdmin("admin@example.com", workspace: "Paged")
            for n in 0..<4 { try await t.addMember(try await t.makeUser("m\(n)@example.com"), to: ws, as: .editor) }
            // act: walk the pages two at a time
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await t.api(
                    .GET, "/api/v1/workspaces/\(ws.slug)/members?limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), token: token)
                #expect(page.status == .ok)
                seen += page.items.compactMap { $0["email"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            // check
            #expect(seen.count == 5 && Set(seen).count == 5)
            let badLimit = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/members?limit=0", token: token)
            #expect(badLimit.status == .unprocessableEntity && badLimit.problemFields == ["limit"])
            let badCursor = try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)/members?cursor=zzz", token: token)
            #expect(badCursor.status == .unprocessableEntity && badCursor.problemFields == ["cursor"])

            let adminMember = try await Membership.query(on: t.db).filter(\.$user.$id == admin.id!).first()!
            let demote = try await t.api(
                .PATCH, "/api/v1/workspaces/\(ws.slug)/members/\(adminMember.id!.uuidString)", token: token, json: ["role": "viewer"])
            #expect(demote.status == .conflict)
            let remove = try await t.api(.DELETE, "/api/v1/workspaces/\(ws.slug)/members/\(adminMember.id!.uuidString)", token: token)
            #expect(remove.status == .conflict)
            let editor = try await Membership.query(on: t.db).filter(\.$role == "editor").first()!
            let promote = try await t.api(
                .PATCH, "/api/v1/workspaces/\(ws.slug)/members/\(editor.id!.uuidString)", token: token, json: ["role": "manager"])
            #expect(promote.status == .ok && promote.json["role"] as? String == "manager")
            let badRole = try await t.api(
                .PATCH, "/api/v1/workspaces/\(ws.slug)/members/\(editor.id!.uuidString)", token: token, json: ["role": "owner"])
            #expect(badRole.status == .unprocessableEntity && badRole.problemFields == ["role"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func rolesWithoutPermissionGet403InsideTheirWorkspace(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("boss@example.com", workspace: "Perm")
            let viewer = try await t.makeUser("viewer@example.com")
            try await t.addMember(viewer, to: ws, as: .viewer)
            let token = try await t.makeToken(viewer)
            #expect(try await t.api(.GET, "/api/v1/workspaces/\(ws.slug)", token: token).status == .ok)
            for (method, path) in [(HTTPMethod.GET, "members"), (.GET, "invitations"), (.POST, "invitations"), (.GET, "audit-events")] {
                let reply = try await t.api(
                    method, "/api/v1/workspaces/\(ws.slug)/\(path)", token: token, json: method == .POST ? ["role": "editor"] : nil)
                #expect(reply.status == .forbidden, "\(method) \(path)")
            }
            let rename = try await t.api(.PATCH, "/api/v1/workspaces/\(ws.slug)", token: token, json: ["name": "Mine now"])
            #expect(rename.status == .forbidden)
            #expect(try await Workspace.find(ws.id, on: t.db)?.name == "Perm")
        }
    }

    @Test(arguments: TestDatabase.available)
    func invitationsAreAcceptedOnceAndRespectTheirEmailAndRevocation(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, adminToken, ws) = try await t.makeWorkspaceAdmin("inviter@example.com", workspace: "Invites")
            let base = "/api/v1/workspaces/\(ws.slug)/invitations"
            // act
            let open = try await t.api(.POST, base, token: adminToken, json: ["role": "editor"])
            let bound = try await t.api(.POST, base, token: adminToken, json: ["role": "agent", "email": "only@example.com"])
            let toRevoke = try await t.api(.POST, base, token: adminToken, json: ["role": "viewer"])
            // check
            #expect(open.status == .created)
            let url = try #require(open.json["url"] as? String)
            let token = String(url.split(separator: "/").last!)
            #expect(try await Invitation.query(on: t.db).all().allSatisfy { !$0.tokenHash.contains(token) }, "only the hash is stored")
            let joiner = try await t.makeToken(try await t.makeUser("joiner@example.com"))
            let accepted = try await t.api(.POST, "/api/v1/invitations/\(token)/accept", token: joiner)
            #expect(accepted.status == .created && accepted.json["role"] as? String == "editor")
            #expect(try await t.api(.POST, "/api/v1/invitations/\(token)/accept", token: joiner).status == .gone)

            let boundToken = String((bound.json["url"] as! String).split(separator: "/").last!)
            let stranger = try await t.makeToken(try await t.makeUser("stranger@example.com"))
            #expect(try await t.api(.POST, "/api/v1/invitations/\(boundToken)/accept", token: stranger).status == .forbidden)

            let revokeID = toRevoke.json["id"] as! String
            #expect(try await t.api(.DELETE, "\(base)/\(revokeID)", token: adminToken).status == .noContent)
            #expect(try await t.api(.DELETE, "\(base)/\(revokeID)", token: adminToken).status == .conflict)
            let revokedToken = String((toRevoke.json["url"] as! String).split(separator: "/").last!)
            #expect(try await t.api(.POST, "/api/v1/invitations/\(revokedToken)/accept", token: stranger).status == .gone)
            #expect(try await t.api(.POST, "/api/v1/invitations/nope/accept", token: stranger).status == .notFound)

            let managerUser = try await t.makeUser("mgr@example.com")
            try await t.addMember(managerUser, to: ws, as: .manager)
            let managerAdmin = try await t.api(.POST, base, token: try await t.makeToken(managerUser), json: ["role": "admin"])
            #expect(managerAdmin.status == .unprocessableEntity && managerAdmin.problemFields == ["role"])
        }
    }
}
