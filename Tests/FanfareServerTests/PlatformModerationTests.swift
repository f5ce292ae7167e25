import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// Moderation that acts: a flagged message hidden, deleted or its author
/// blocked through the platform, audited and undone where the platform can
/// (docs/moderation-engine.md § Acting on the platform).
@Suite struct PlatformModerationTests {
    func sandboxState(_ t: TestApp) async throws -> [String: String] {
        let rows = try await (t.db as! any SQLDatabase).raw("SELECT target, state FROM sandbox_moderation").all()
        return Dictionary(
            try rows.map { (try $0.decode(column: "target", as: String.self), try $0.decode(column: "state", as: String.self)) },
            uniquingKeysWith: { _, last in last })
    }

    @Test(arguments: TestDatabase.available)
    func aSpamCommentIsHiddenThroughThePlatformAndShownAgainAndEveryStepIsAudited(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let slug = room.ws.slug
            let term = try await t.api(
                .POST, "/api/v1/workspaces/\(slug)/lexicon/terms", token: room.admin, json: ["term": "刷单", "category": "spam", "severity": "block"])
            #expect(term.status == .created, "\(term.body)")
            try await room.fan("小号", "加我刷单返利，日赚500")
            try await room.fan("老粉", "新品什么时候到？")
            let spam = try #require(try await IncomingMessage.query(on: t.db).filter(\.$authorName == "小号").first())
            #expect(spam.recommendation == "delete")
            let admin = Browser(t)
            _ = try await admin.signIn("inbox@example.com")
            let page = try await admin.get("/w/\(slug)/moderation/messages")
            let id = spam.id!.uuidString.lowercased()
            #expect(page.body.contains("action=\"/w/\(slug)/moderation/messages/\(id)/act\""))
            // The recommendation (delete) is the first, marked button.
            #expect(page.body.contains("class=\"danger\" data-move=\"delete\""), "\(page.body)")
            // act: hide it
            let hidden = try await admin.post("/w/\(slug)/moderation/messages/\(id)/act", [("move", "hide")])
            #expect(hidden.status == .seeOther)
            #expect(try await sandboxState(t) == [spam.remoteID: "hidden"])
            let connector = try AccountService(db: t.db, app: t.app).connector(for: room.account)
            let seen = try await connector.interactions(since: nil, limit: 500).interactions.map(\.remoteID)
            #expect(!seen.contains(spam.remoteID))
            let after = try await admin.get("/w/\(slug)/moderation/messages")
            #expect(after.body.contains("The message is hidden on the platform."))
            let action = try #require(try await MessageAction.query(on: t.db).first())
            #expect(action.move == "hide" && action.actor == "inbox@example.com" && action.undoneAt == nil)
            #expect(after.body.contains("/moderation/actions/\(action.id!.uuidString.lowercased())/undo"))
            // Asking twice is one action.
            _ = try await admin.post("/w/\(slug)/moderation/messages/\(id)/act", [("move", "hide")])
            #expect(try await MessageAction.query(on: t.db).count() == 1)
            // act: undo
            _ = try await admin.post("/w/\(slug)/moderation/actions/\(action.id!.uuidString.lowercased())/undo", [])
            #expect(try await sandboxState(t).isEmpty)
            #expect(try await MessageAction.find(action.id, on: t.db)?.undoneAt != nil)
            let events = try await AuditEvent.query(on: t.db).filter(\.$targetType == "incoming_message").all().map(\.action)
            #expect(events.sorted() == ["message.hidden", "message.unhidden"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theAPIBlocksOnceRefusesWhatCannotBeDoneOrUndoneAndReadersCannotAct(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            let slug = room.ws.slug
            try await room.fan("小号", "广告广告")
            let message = try #require(try await IncomingMessage.query(on: t.db).first())
            let base = "/api/v1/workspaces/\(slug)/messages/\(message.id!.uuidString)/actions"
            let blocked = try await t.api(.POST, base, token: room.admin, json: ["move": "block"])
            #expect(blocked.status == .created, "\(blocked.body)")
            #expect(blocked.json["move"] as? String == "block" && blocked.json["undoable"] as? Bool == true)
            let again = try await t.api(.POST, base, token: room.admin, json: ["move": "block"])
            #expect(again.json["id"] as? String == blocked.json["id"] as? String)
            #expect(try await sandboxState(t) == [message.authorID: "blocked"])
            let bad = try await t.api(.POST, base, token: room.admin, json: ["move": "explode"])
            #expect(bad.status == .unprocessableEntity && bad.problemFields == ["move"])
            let deleted = try await t.api(.POST, base, token: room.admin, json: ["move": "delete"])
            let undoDelete = try await t.api(
                .POST, "/api/v1/workspaces/\(slug)/message-actions/\(deleted.json["id"] as? String ?? "")/undo", token: room.admin)
            #expect(undoDelete.status == .unprocessableEntity && undoDelete.body.contains("move_cannot_be_undone"), "\(undoDelete.body)")
            let unblocked = try await t.api(
                .POST, "/api/v1/workspaces/\(slug)/message-actions/\(blocked.json["id"] as? String ?? "")/undo", token: room.admin)
            #expect(unblocked.status == .ok && unblocked.json["undone_at"] != nil, "\(unblocked.body)")
            #expect(try await sandboxState(t) == [message.remoteID: "deleted"])
            // A member who may read the inbox but not answer may not act.
            let readerUser = try await t.makeUser("legal@example.com")
            try await t.addMember(readerUser, to: room.ws, as: .legal)
            let reader = try await t.makeToken(readerUser)
            #expect(try await t.api(.POST, base, token: reader, json: ["move": "hide"]).status == .forbidden)
            // Another workspace does not find the message.
            let (_, stranger, other) = try await t.makeWorkspaceAdmin("other@example.com", workspace: "Other")
            let foreign = try await t.api(
                .POST, "/api/v1/workspaces/\(other.slug)/messages/\(message.id!.uuidString)/actions", token: stranger, json: ["move": "hide"])
            #expect(foreign.status == .notFound)
        }
    }

}
