import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Acting by rule (docs/moderation-engine.md § Acting by rule): the
/// workspace's rules carry the graded recommendation out on the platform
/// as messages arrive, once per message and move, audited as the rule,
/// undoable like a person's move; what the platform does not allow or
/// refuses is recorded and shown, not retried.
@Suite struct ModerationByRuleTests {
    /// A Sandbox account and a block-severity term: "刷单" grades a message `delete`.
    static func room(_ t: TestApp) async throws -> InboxRoom {
        let room = try await InboxRoom.make(t)
        let term = try await t.api(
            .POST, "/api/v1/workspaces/\(room.ws.slug)/lexicon/terms", token: room.admin,
            json: ["term": "刷单", "category": "spam", "severity": "block"])
        #expect(term.status == .created, "\(term.body)")
        return room
    }

    static func setRules(_ t: TestApp, _ slug: String, token: String, _ json: [String: Any]) async throws -> Reply {
        try await t.api(.PUT, "/api/v1/workspaces/\(slug)/moderation/rules", token: token, json: json)
    }

    static func sandboxState(_ t: TestApp) async throws -> [String: String] {
        let rows = try await (t.db as! any SQLDatabase).raw("SELECT target, state FROM sandbox_moderation").all()
        return Dictionary(
            try rows.map { (try $0.decode(column: "target", as: String.self), try $0.decode(column: "state", as: String.self)) },
            uniquingKeysWith: { _, last in last })
    }

    static func ruleJobs(_ t: TestApp) async throws -> Int {
        try await Job.query(on: t.db).filter(\.$kind == ModerationByRule.kind.name).count()
    }

    @Test(arguments: TestDatabase.available)
    func withTheRulesOffNothingIsDoneOnThePlatform(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Self.room(t)
            let rules = try await t.api(.GET, "/api/v1/workspaces/\(room.ws.slug)/moderation/rules", token: room.admin)
            #expect(rules.status == .ok)
            #expect((rules.json["delete"] as? [String: Any])?["message"] as? String == "none")
            #expect((rules.json["ban"] as? [String: Any])?["block_author"] as? Bool == false)
            try await room.fan("小号", "加我刷单返利")
            try await room.work()
            let spam = try #require(try await IncomingMessage.query(on: t.db).first())
            #expect(spam.recommendation == "delete")
            #expect(try await Self.ruleJobs(t) == 0)
            #expect(try await MessageAction.query(on: t.db).count() == 0)
            #expect(try await Self.sandboxState(t).isEmpty)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRuleHidesOnceIsAuditedAsTheRuleCanBeUndoneAndIsNeverRepeated(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Self.room(t)
            let slug = room.ws.slug
            let saved = try await Self.setRules(
                t, slug, token: room.admin, ["delete": ["message": "hide"], "ban": ["message": "hide", "block_author": true]])
            #expect(saved.status == .ok, "\(saved.body)")
            #expect((saved.json["delete"] as? [String: Any])?["message"] as? String == "hide")
            #expect(saved.json["updated_by"] as? String == "inbox@example.com")
            try await room.fan("小号", "加我刷单返利，日赚500")
            try await room.fan("老粉", "新品什么时候到？")
            #expect(try await Self.ruleJobs(t) == 1, "only the flagged message asks for a job")
            try await room.work()
            let spam = try #require(try await IncomingMessage.query(on: t.db).filter(\.$authorName == "小号").first())
            #expect(try await Self.sandboxState(t) == [spam.remoteID: "hidden"])
            let action = try #require(try await MessageAction.query(on: t.db).first())
            #expect(action.byRule && action.actor == "rule" && action.move == "hide" && action.settled == .done && action.messageID == spam.id)
            #expect(try await MessageAction.query(on: t.db).count() == 1)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action == "message.hidden").all()
            #expect(audit.count == 1 && audit.first?.actorLabel == "rule" && audit.first?.actorID == nil)
            // The page shows who did it, in the reader's language, with its undo.
            let admin = Browser(t)
            _ = try await admin.signIn("inbox@example.com")
            let page = try await admin.get("/w/\(slug)/moderation/messages")
            let undo = "/w/\(slug)/moderation/actions/\(action.id!.uuidString.lowercased())/undo"
            #expect(page.body.contains("class=\"muted by-rule\">Rule<") && page.body.contains(undo), "\(page.body)")
            let auditPage = try await admin.get("/w/\(slug)/audit")
            #expect(auditPage.body.contains(">Rule<"))
            // Undone like a person's move.
            let undone = try await t.api(
                .POST, "/api/v1/workspaces/\(slug)/message-actions/\(action.id!.uuidString)/undo", token: room.admin)
            #expect(undone.status == .ok && undone.json["undone_at"] != nil, "\(undone.body)")
            #expect(try await Self.sandboxState(t).isEmpty)
            // Intake again, and the job again: nothing is done twice, not
            // even what a person undid.
            _ = try await MessageIntake.poll(room.account, app: t.app, now: Date())
            try await JobQueue(db: t.db).enqueue(ModerationByRule.kind, payload: .init(messageIDs: [spam.id!]))
            try await room.work()
            try await ModerationByRule.carryOut([spam.id!], app: t.app, now: Date())
            #expect(try await Self.sandboxState(t).isEmpty)
            #expect(try await MessageAction.query(on: t.db).count() == 1)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "message.hidden").count() == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func aRepeatOffendersBanHidesTheMessageThenBlocksTheAuthorOnce(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Self.room(t)
            _ = try await Self.setRules(t, room.ws.slug, token: room.admin, ["ban": ["message": "hide", "block_author": true]])
            // Two flagged messages make the third a ban (one grade up).
            for text in ["刷单一", "刷单二", "刷单三", "刷单四"] { try await room.fan("惯犯", text) }
            try await room.work()
            let messages = try await IncomingMessage.query(on: t.db).sort(\.$id).all()
            #expect(messages.map(\.recommendation) == ["delete", "delete", "ban", "ban"])
            let actions = try await MessageAction.query(on: t.db).sort(\.$at).all()
            // The third: hidden, then its author blocked; the fourth only
            // hidden, the author being blocked already.
            #expect(actions.map(\.move).sorted() == ["block", "hide", "hide"], "\(actions.map { ($0.move, $0.outcome) })")
            #expect(actions.allSatisfy { $0.byRule && $0.settled == .done })
            let state = try await Self.sandboxState(t)
            #expect(state[messages[2].remoteID] == "hidden" && state[messages[3].remoteID] == "hidden" && state[messages[2].authorID] == "blocked")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aMoveInterruptedWhileThePlatformWasAskedIsShownAsUnknownAndNotAskedAgain(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Self.room(t)
            _ = try await Self.setRules(t, room.ws.slug, token: room.admin, ["delete": ["message": "hide"]])
            try await room.fan("小号", "加我刷单返利")
            let spam = try #require(try await IncomingMessage.query(on: t.db).first())
            // A worker claimed the move and stopped before the platform answered.
            let claim = try #require(
                try await ModerationByRule.claim(.hide, for: spam, outcome: .pending, reason: nil, now: Date(), on: t.db))
            try await room.work()
            let action = try #require(try await MessageAction.find(claim.id, on: t.db))
            #expect(action.settled == .unknown)
            #expect(try await MessageAction.query(on: t.db).count() == 1)
            #expect(try await Self.sandboxState(t).isEmpty, "not asked again")
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/moderation/messages")
            #expect(page.body.contains("Outcome unknown") && page.body.contains("data-move=\"hide\""), "a person can still hide it")
        }
    }

    /// A Mastodon instance on loopback that refuses blocks.
    static func mastodon(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        switch (hit.method, hit.path) {
        case ("GET", "/x/api/v1/accounts/verify_credentials"): (.ok, #"{"id":"109","username":"brand","acct":"brand"}"#)
        case ("GET", "/x/api/v2/instance"): (.ok, #"{"configuration":{"statuses":{"max_characters":500}}}"#)
        case ("POST", "/x/api/v1/accounts/77/block"): (.forbidden, #"{"error":"This action is not allowed"}"#)
        default: (.notFound, #"{"error":"not found"}"#)
        }
    }

    @Test(arguments: TestDatabase.available)
    func whatThePlatformDoesNotAllowIsRecordedAsNotPossibleAndARefusalIsShownNotRetried(_ database: TestDatabase) async throws {
        try await withLoopbackStub(Self.mastodon) { stub in
            try await withTestApp(database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t in
                let room = try await Self.room(t)
                let slug = room.ws.slug
                let connected = try await OutboundGuardTests.connect(
                    t, slug, room.admin, "mastodon", ["instance_url": "\(stub.baseURL)/x", "access_token": "t"])
                let accountID = try #require(UUID(uuidString: connected.json["id"] as? String ?? ""), "\(connected.body)")
                let account = try #require(try await SocialAccount.find(accountID, on: t.db))
                _ = try await Self.setRules(t, slug, token: room.admin, ["delete": ["message": "hide", "block_author": true]])
                // A reply arrives on Mastodon (as the poll would store it).
                let engine = try await t.app.moderationEngine(for: room.ws)
                let reply = Interaction(
                    remoteID: "900", kind: .comment, postRemoteID: "111", authorID: "77", authorName: "spammer", text: "刷单 返利", at: Date())
                _ = try await MessageIntake.store([reply], for: account, engine: engine, cursor: "900", now: Date(), on: t.db)
                try await room.work()
                let actions = try await MessageAction.query(on: t.db).all()
                let hide = try #require(actions.first { $0.move == "hide" })
                let block = try #require(actions.first { $0.move == "block" })
                #expect(hide.settled == .notPossible && hide.byRule)
                #expect(block.settled == .failed && block.reason?.contains("This action is not allowed") == true, "\(block.reason ?? "")")
                #expect(stub.hits.filter { $0.path.hasSuffix("/block") }.count == 1)
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action ~~ ["message.hidden", "fan.blocked"]).count() == 0)
                // Shown on the moderation page, in Chinese for a Chinese reader.
                let agent = try await t.makeUser("agent@example.com", locale: "zh-Hans")
                try await t.addMember(agent, to: room.ws, as: .agent)
                let browser = Browser(t)
                _ = try await browser.signIn("agent@example.com")
                let page = try await browser.get("/w/\(slug)/moderation/messages")
                #expect(page.body.contains("未隐藏：平台不支持") && page.body.contains("拉黑作者失败"), "\(page.body)")
                #expect(page.body.contains("This action is not allowed") && page.body.contains(">自动规则<"))
                // Not retried, and a failed move has nothing to undo.
                try await ModerationByRule.carryOut([hide.messageID], app: t.app, now: Date())
                #expect(stub.hits.filter { $0.path.hasSuffix("/block") }.count == 1)
                #expect(try await MessageAction.query(on: t.db).count() == 2)
                let undo = try await t.api(.POST, "/api/v1/workspaces/\(slug)/message-actions/\(block.id!.uuidString)/undo", token: room.admin)
                #expect(undo.status == .unprocessableEntity && undo.body.contains("move_not_done"), "\(undo.body)")
                // A person may still try by hand.
                #expect(page.body.contains("data-move=\"block\""))
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func onlyAdminsChangeTheRulesInBothLanguagesAndWrongValuesAreNamed(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Self.room(t)
            let slug = room.ws.slug
            let bad = try await Self.setRules(t, slug, token: room.admin, ["delete": ["message": "explode"], "ban": ["message": "block"]])
            #expect(bad.status == .unprocessableEntity && Set(bad.problemFields) == ["delete.message", "ban.message"], "\(bad.body)")
            let agentUser = try await t.makeUser("agent@example.com", locale: "zh-Hans")
            try await t.addMember(agentUser, to: room.ws, as: .agent)
            let agentToken = try await t.makeToken(agentUser)
            #expect(try await Self.setRules(t, slug, token: agentToken, ["delete": ["message": "hide"]]).status == .forbidden)
            #expect(try await t.api(.GET, "/api/v1/workspaces/\(slug)/moderation/rules", token: agentToken).status == .ok)
            // The admin's page, in English: the form, then saved.
            let admin = Browser(t)
            _ = try await admin.signIn("inbox@example.com")
            let page = try await admin.get("/w/\(slug)/moderation/rules")
            #expect(page.status == .ok && page.body.contains("Acting by rule") && page.body.contains("id=\"save-moderation-rules\""))
            #expect(page.body.contains("id=\"rules-off\"") && page.body.contains("<option value=\"hide\">Hide it</option>"))
            #expect(page.body.contains("Hide, Delete, Block the author"), "the Sandbox account allows every move")
            let sent = try await admin.post(
                "/w/\(slug)/moderation/rules", [("delete_message", "hide"), ("ban_message", "delete"), ("ban_block_author", "true")])
            #expect(sent.status == .seeOther, "\(sent.body)")
            let rules = try await ModerationRuleRecord.rules(of: room.ws.id!, on: t.db)
            #expect(rules == ModerationRules(delete: .init(message: .hide), ban: .init(message: .delete, blockAuthor: true)))
            let audit = try #require(try await AuditEvent.query(on: t.db).filter(\.$action == "moderation.rules_updated").first())
            #expect(audit.after.contains("delete+block") && audit.before.contains("off"), "\(audit.after)")
            let wrong = try await admin.post("/w/\(slug)/moderation/rules", [("delete_message", "explode")])
            #expect(wrong.status == .unprocessableEntity)
            #expect(try await ModerationRuleRecord.rules(of: room.ws.id!, on: t.db) == rules)
            // The agent's page, in Chinese: the rules, read-only.
            let agent = Browser(t)
            _ = try await agent.signIn("agent@example.com")
            let zh = try await agent.get("/w/\(slug)/moderation/rules")
            #expect(zh.status == .ok && zh.body.contains("按规则自动处理") && zh.body.contains("只有工作区管理员可以修改规则"))
            #expect(zh.body.contains("<option value=\"hide\" selected>隐藏</option>") && zh.body.contains("<fieldset disabled>"))
            #expect(!zh.body.contains("id=\"save-moderation-rules\"") && !zh.body.contains("Acting by rule"))
            #expect(zh.body.contains("隐藏、删除、拉黑作者"))
            let forged = try await agent.post("/w/\(slug)/moderation/rules", [("delete_message", "delete")])
            #expect(forged.status == .forbidden)
            #expect(try await ModerationRuleRecord.rules(of: room.ws.id!, on: t.db) == rules)
            // The moderation tabs lead to it.
            let messages = try await agent.get("/w/\(slug)/moderation/messages")
            #expect(messages.body.contains("href=\"/w/\(slug)/moderation/rules\">自动规则</a>"))
        }
    }
}
