import FanfareCore
import Fluent
import Foundation
import Testing

@testable import FanfareServer

/// The review chain edited per workspace (issue 19 scope 7): the API and
/// the settings page's form, checked, audited, refused to those who may
/// not change the workspace.
@Suite struct ReviewChainSettingsTests {
    static var chain: [String: Any] {
        [
            "independent_approvers": true,
            "steps": [
                ["key": "automatic", "name": "Automatic check", "automatic": true],
                ["key": "editorial", "name": "Editorial review", "approvers": ["reviewer", "manager"], "required_approvals": 2],
                ["name": "Legal sign-off", "approvers": ["legal"], "skip_for": ["short_video"]],
            ] as [[String: Any]],
        ]
    }

    @Test(arguments: TestDatabase.available)
    func theAPIReadsChecksAndKeepsTheChain(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, admin, ws) = try await t.makeWorkspaceAdmin("chain@example.com", workspace: "Chain")
            let path = "/api/v1/workspaces/\(ws.slug)/review-chain"
            let standard = try await t.api(.GET, path, token: admin)
            #expect(standard.status == .ok)
            #expect((standard.json["steps"] as? [[String: Any]])?.map { $0["key"] as? String } == ["automatic", "editorial", "legal"])
            #expect((standard.json["steps"] as? [[String: Any]])?[1]["required_approvals"] as? Int == 1)

            let saved = try await t.api(.PUT, path, token: admin, json: Self.chain)
            #expect(saved.status == .ok, "\(saved.body)")
            let steps = try #require(saved.json["steps"] as? [[String: Any]])
            #expect(steps[2]["key"] as? String == "legal_sign_off", "made from the name")
            #expect(steps[2]["skip_for"] as? [String] == ["short_video"])
            #expect(steps[1]["required_approvals"] as? Int == 2)
            let stored = try #require(try await Workspace.find(ws.id, on: t.db))
            #expect(stored.reviewChain.steps[1].requiredApprovals == 2)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action == "workspace.review_chain_updated").all()
            #expect(audit.count == 1)

            var bad = Self.chain
            bad["steps"] =
                [
                    ["key": "automatic", "name": "Check", "automatic": true, "skip_for": ["live"]],
                    ["key": "editorial", "name": "Editorial", "approvers": ["reviewer"], "required_approvals": 9],
                    ["key": "legal", "name": "Legal", "approvers": ["lawyer"], "skip_for": ["podcast"]],
                ] as [[String: Any]]
            let refused = try await t.api(.PUT, path, token: admin, json: bad)
            #expect(refused.status == .unprocessableEntity)
            #expect(
                Set(refused.problemFields) == ["steps[0].skip_for", "steps[1].required_approvals", "steps[2].approvers", "steps[2].skip_for"],
                "\(refused.body)")
            #expect(try await Workspace.find(ws.id, on: t.db)?.reviewChain.steps[1].requiredApprovals == 2, "nothing kept")

            // A manager reviews but does not change the workspace's settings.
            let manager = try await t.makeUser("mo@example.com")
            try await t.addMember(manager, to: ws, as: .manager)
            let managerToken = try await t.makeToken(manager)
            #expect(try await t.api(.GET, path, token: managerToken).status == .ok)
            #expect(try await t.api(.PUT, path, token: managerToken, json: Self.chain).status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theSettingsFormEditsMovesAndNamesProblemsByStep(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let (_, _, ws) = try await t.makeWorkspaceAdmin("chain@example.com", workspace: "Chain")
            let browser = Browser(t)
            browser.acceptLanguage = "zh-Hans"
            try await User.query(on: t.db).filter(\.$email == "chain@example.com").set(\.$locale, to: "zh-Hans").update()
            _ = try await browser.signIn("chain@example.com")
            let settings = try await browser.get("/w/\(ws.slug)/settings")
            #expect(settings.status == .ok)
            #expect(settings.body.contains("审核流程") && settings.body.contains("name=\"s2.role\" value=\"legal\" checked"))
            #expect(settings.body.contains("value=\"法务审核\""), "Fanfare's own step names in the reader's language")
            let action = "/w/\(ws.slug)/settings/review-chain"
            let form: [(String, String)] = [
                ("s0.name", "自动检查"), ("s0.key", "automatic"), ("s0.automatic", "true"),
                ("s1.name", "编辑审核"), ("s1.key", "editorial"), ("s1.role", "reviewer"), ("s1.role", "manager"), ("s1.approvals", "2"),
                ("s2.name", "法务审核"), ("s2.key", ""), ("s2.role", "legal"), ("s2.approvals", "1"), ("s2.skip", "short_video"),
                ("s2.skip", "image_text"), ("independent", "true"),
            ]
            let moved = try await browser.post(action, form + [("action", "up.2")])
            #expect(moved.status == .ok)
            let first = try #require(moved.body.range(of: "value=\"法务审核\""))
            let second = try #require(moved.body.range(of: "value=\"编辑审核\""))
            #expect(first.lowerBound < second.lowerBound, "legal moved above editorial, unsaved")

            let saved = try await browser.post(action, form + [("action", "save")])
            #expect(saved.status == .seeOther, "\(saved.body)")
            let chain = try #require(try await Workspace.find(ws.id, on: t.db)).reviewChain
            #expect(chain.steps.map(\.key) == ["automatic", "editorial", "step_3"], "a Chinese name makes a numbered key")
            #expect(chain.steps[1].requiredApprovals == 2 && chain.steps[2].skipFor == ["short_video", "image_text"])
            #expect(chain.independentApprovers)

            var broken = form
            broken[broken.firstIndex { $0.0 == "s1.approvals" }!] = ("s1.approvals", "8")
            broken.removeAll { $0.0 == "s2.role" }
            let refused = try await browser.post(action, broken + [("action", "save")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("第 2 步「编辑审核」 · 需要通过的人数："), "\(refused.body)")
            #expect(refused.body.contains("第 3 步「法务审核」 · 可审核的角色："))
            #expect(refused.body.contains("value=\"8\""), "what was typed stays")

            // An editor is refused the page and the form.
            let editor = try await t.makeUser("ed@example.com")
            try await t.addMember(editor, to: ws, as: .editor)
            let other = Browser(t)
            _ = try await other.signIn("ed@example.com")
            #expect(try await other.get("/w/\(ws.slug)/settings").status == .forbidden)
            _ = try await other.get("/w/\(ws.slug)")
            #expect(try await other.post(action, form + [("action", "save")]).status == .forbidden)
        }
    }
}
