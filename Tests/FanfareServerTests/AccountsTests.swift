import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct AccountsTests {
    @Test(arguments: TestDatabase.available)
    func accountsAreConnectedWithSealedCredentialsAndListedWithoutThem(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("ops@example.com", workspace: "Brand")
            let base = "/api/v1/workspaces/\(ws.slug)/accounts"
            // act
            let created = try await t.api(.POST, base, token: token, json: ["platform": "sandbox", "handle": "@brand_cn", "display_name": "品牌官方号"])
            let duplicate = try await t.api(.POST, base, token: token, json: ["platform": "sandbox", "handle": "brand_cn"])
            let notYet = try await t.api(.POST, base, token: token, json: ["platform": "myspace", "handle": "brand"])
            let bilibiliBare = try await t.api(.POST, base, token: token, json: ["platform": "bilibili", "handle": "brand"])
            let noFields = try await t.api(.POST, base, token: token, json: ["platform": "mastodon"])
            let unreachable = try await t.api(
                .POST, base, token: token,
                json: ["platform": "mastodon", "fields": ["instance_url": "http://127.0.0.1:9", "access_token": "secret-token"]])
            let blank = try await t.api(.POST, base, token: token, json: ["platform": "sandbox", "handle": "a b"])
            // check
            #expect(created.status == .created)
            #expect(created.json["handle"] as? String == "brand_cn", "a leading @ is not part of the handle")
            #expect(created.json["credentials"] == nil && !created.body.contains("sbx_"))
            #expect(duplicate.status == .unprocessableEntity && duplicate.problemFields == ["handle"])
            #expect(notYet.status == .unprocessableEntity && notYet.problemFields == ["platform"])
            #expect(
                bilibiliBare.status == .unprocessableEntity
                    && Set(bilibiliBare.problemFields) == ["fields.client_id", "fields.client_secret", "fields.access_token", "fields.tid"],
                "\(bilibiliBare.body)")
            #expect(blank.status == .unprocessableEntity && blank.problemFields == ["handle"])
            #expect(noFields.status == .unprocessableEntity && Set(noFields.problemFields) == ["fields.instance_url", "fields.access_token"])
            #expect(unreachable.status == .unprocessableEntity && unreachable.problemFields == ["fields.instance_url"], "\(unreachable.body)")
            #expect(!unreachable.body.contains("secret-token"))
            let stored = try #require(try await SocialAccount.query(on: t.db).first())
            let service = AccountService(db: t.db, app: t.app)
            let credentials = try service.credentials(of: stored)
            #expect(credentials.accessToken.hasPrefix("sbx_"))
            #expect(stored.sealedCredentials.range(of: Data(credentials.accessToken.utf8)) == nil, "the token is sealed at rest")
            let list = try await t.api(.GET, base, token: token)
            #expect(list.items.map { $0["display_name"] as? String } == ["品牌官方号"])
            let id = stored.id!.uuidString
            let stats = try await t.api(.GET, "\(base)/\(id)/stats", token: token)
            #expect(stats.status == .ok && (stats.json["followers"] as? Int ?? 0) >= 100)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action == "account.connected").all()
            #expect(audit.count == 1 && !audit[0].after.contains(credentials.accessToken))
            #expect(try await t.api(.DELETE, "\(base)/\(id)", token: token).status == .noContent)
            #expect(try await t.api(.GET, "\(base)/\(id)", token: token).status == .notFound)
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyRolesThatMayConnectAccountsSeeTheForm(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("boss@example.com", workspace: "Shop")
            _ = try await t.api(.POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "shop"])
            let editor = try await t.makeUser("ed@example.com", locale: "zh-Hans")
            try await t.addMember(editor, to: ws, as: .editor)
            let editorToken = try await t.makeToken(editor)
            let refused = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: editorToken, json: ["platform": "sandbox", "handle": "mine"])
            #expect(refused.status == .forbidden)
            let browser = Browser(t)
            _ = try await browser.signIn("ed@example.com")
            let page = try await browser.get("/w/\(ws.slug)/accounts")
            #expect(page.status == .ok)
            #expect(page.body.contains("@shop") && page.body.contains("Sandbox（离线）"))
            #expect(!page.body.contains("connect-account-form"))
            let admin = Browser(t)
            _ = try await admin.signIn("boss@example.com")
            try await admin.get("/w/\(ws.slug)/accounts")
            let bad = try await admin.post("/w/\(ws.slug)/accounts", [("platform", "sandbox"), ("handle", ""), ("display_name", "")])
            #expect(bad.status == .unprocessableEntity)
            let ok = try await admin.post("/w/\(ws.slug)/accounts", [("platform", "sandbox"), ("handle", "second"), ("display_name", "Second")])
            #expect(ok.status == .seeOther)
            #expect(try await SocialAccount.query(on: t.db).count() == 2)
        }
    }
}
