import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct APIAuthTests {
    @Test(arguments: TestDatabase.available)
    func requestsWithoutAValidTokenGet401Problems(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // act
            let none = try await t.api(.GET, "/api/v1/me", token: nil)
            let unknown = try await t.api(.GET, "/api/v1/me", token: "fnf_notatoken")
            // check
            for reply in [none, unknown] {
                #expect(reply.status == .unauthorized)
                #expect(reply.headers.contentType?.description.hasPrefix("application/problem+json") == true)
                #expect(reply.headers.first(name: .wwwAuthenticate) == "Bearer realm=\"fanfare\"")
                #expect(reply.json["status"] as? Int == 401)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func aTokenWorksUntilRevokedAndRecordsItsLastUse(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // setup
            let user = try await t.makeUser("li@example.com")
            let token = try await t.makeToken(user)
            #expect(token.hasPrefix("fnf_"))
            // act + check
            let me = try await t.api(.GET, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(me.json["email"] as? String == "li@example.com")
            #expect(me.json["password_hash"] == nil)
            let stored = try await APIToken.query(on: t.db).first()!
            #expect(stored.lastUsedAt != nil)
            #expect(stored.tokenHash != token && !stored.tokenHash.contains("fnf_"), "only the hash is stored")
            let list = try await t.api(.GET, "/api/v1/tokens", token: token)
            #expect(list.jsonArray.count == 1)
            #expect(list.jsonArray[0]["token"] == nil, "a listed token never shows its secret")
            let revoke = try await t.api(.DELETE, "/api/v1/tokens/\(stored.id!.uuidString)", token: token)
            #expect(revoke.status == .noContent)
            #expect(try await t.api(.GET, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aReadOnlyTokenCannotChangeAnything(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("ro@example.com", admin: true)
            let token = try await t.makeToken(user, scopes: ["read"])
            #expect(try await t.api(.GET, "/api/v1/workspaces", token: token).status == .ok)
            let create = try await t.api(.POST, "/api/v1/workspaces", token: token, json: ["name": "X"])
            #expect(create.status == .forbidden)
            #expect((create.json["detail"] as? String)?.contains("write") == true)
            #expect(try await Workspace.query(on: t.db).count() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func tokensCreatedThroughTheAPIAreShownOnceAndScopesAreValidated(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let user = try await t.makeUser("tok@example.com")
            let token = try await t.makeToken(user)
            let created = try await t.api(.POST, "/api/v1/tokens", token: token, json: ["name": "CI", "scopes": ["read"]])
            #expect(created.status == .created)
            let secret = try #require(created.json["token"] as? String)
            #expect(secret.hasPrefix("fnf_"))
            #expect(try await t.api(.GET, "/api/v1/me", token: secret).status == .ok)
            let bad = try await t.api(.POST, "/api/v1/tokens", token: token, json: ["name": "", "scopes": ["admin"]])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.problemFields) == ["name", "scopes"])
        }
    }
}
