import FanfareCore
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor

@testable import FanfareServer

/// The conversation as a chat: internal notes (page and API) that stay
/// inside the team, and the fan's panel beside the thread.
extension InboxTests {
    static func panel(_ body: String) -> String {
        guard let start = body.range(of: "id=\"fan-panel\""), let end = body.range(of: "</aside>", range: start.upperBound..<body.endIndex) else {
            return ""
        }
        return String(body[start.lowerBound..<end.upperBound])
    }

    @Test(arguments: TestDatabase.available)
    func anInternalNoteIsStoredShownAuditedAndNeverSent(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("阿杰", "订单一直没发货")
            let id = try #require(try await room.conversation(of: "阿杰")["id"] as? String).lowercased()
            let page = "/w/\(room.ws.slug)/inbox/\(id)"
            let sentBefore = try await room.sandboxReplies()

            // The API: 201 with the note; bad input names `text`.
            let note = try await t.api(.POST, "\(room.base)/conversations/\(id)/notes", token: room.admin, json: ["text": "  上周也投诉过物流  "])
            #expect(note.status == .created, "\(note.body)")
            #expect(note.json["text"] as? String == "上周也投诉过物流" && note.json["author_id"] is String)
            for bad: Any in ["   ", String(repeating: "长", count: 2_001)] {
                let refused = try await t.api(.POST, "\(room.base)/conversations/\(id)/notes", token: room.admin, json: ["text": bad])
                #expect(refused.status == .unprocessableEntity && refused.problemFields == ["text"], "\(refused.body)")
            }
            let missing = try await t.api(.POST, "\(room.base)/conversations/\(UUID().uuidString)/notes", token: room.admin, json: ["text": "x"])
            #expect(missing.status == .notFound)

            // A viewer may read the inbox's API? Not even that; a reviewer may read but not write.
            let viewerUser = try await t.makeUser("viewer@example.com")
            _ = try await t.addMember(viewerUser, to: room.ws, as: .viewer)
            let viewer = try await t.makeToken(viewerUser)
            #expect(try await t.api(.POST, "\(room.base)/conversations/\(id)/notes", token: viewer, json: ["text": "hi"]).status == .forbidden)
            let reviewerUser = try await t.makeUser("reviewer@example.com")
            _ = try await t.addMember(reviewerUser, to: room.ws, as: .reviewer)
            let reviewer = try await t.makeToken(reviewerUser)
            #expect(try await t.api(.POST, "\(room.base)/conversations/\(id)/notes", token: reviewer, json: ["text": "hi"]).status == .forbidden)
            let readable = try await t.api(.GET, "\(room.base)/conversations/\(id)", token: reviewer)
            #expect((readable.json["notes"] as? [[String: Any]])?.map { $0["text"] as? String } == ["上周也投诉过物流"], "\(readable.body)")

            // The page: a refused note keeps its text and names the field; a good one is shown as a note.
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            _ = try await browser.get(page)
            let refused = try await browser.post(page + "/notes", [("text", "  ")])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.contains("id=\"note-problem\">Note: "), "\(refused.body)")
            #expect(refused.body.contains("id=\"note-box\" open"))
            let long = String(repeating: "长", count: 2_001)
            let tooLong = try await browser.post(page + "/notes", [("text", long)])
            #expect(tooLong.status == .unprocessableEntity && tooLong.body.contains(">\(long)</textarea>"))
            let saved = try await browser.post(page + "/notes", [("text", "已联系仓库，明天回复")])
            #expect(saved.status == .seeOther || saved.status == .found, "\(saved.body)")
            let shown = try await browser.get(page)
            #expect(shown.body.contains("<li class=\"bubble internal-note\">"), "\(shown.body)")
            #expect(shown.body.contains("Internal note, not sent") && shown.body.contains(">已联系仓库，明天回复</p>"))
            #expect(shown.body.contains("Note saved. Only your team sees it."))
            // A signed-in viewer is refused on the page too, and nothing is stored.
            let viewerBrowser = Browser(t)
            _ = try await viewerBrowser.signIn("viewer@example.com")
            _ = try await viewerBrowser.get("/settings/password")
            #expect(viewerBrowser.csrf != nil)
            #expect(try await viewerBrowser.post(page + "/notes", [("text", "hi")]).status == .forbidden)

            // Audited, stored, and nothing reached the platform even after the worker ran.
            try await room.work()
            #expect(try await room.sandboxReplies() == sentBefore)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "conversation.noted").count() == 2)
            #expect(try await ConversationNote.query(on: t.db).count() == 2)
            let detail = try await t.api(.GET, "\(room.base)/conversations/\(id)", token: room.admin)
            #expect((detail.json["replies"] as? [Any])?.isEmpty == true)
            #expect((detail.json["notes"] as? [[String: Any]])?.map { $0["text"] as? String } == ["上周也投诉过物流", "已联系仓库，明天回复"])
        }
    }

    @Test(arguments: TestDatabase.available)
    func theFanPanelShowsTierPointsTagsAndOtherConversationsMaskedWithoutPersonalData(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("小雨同学", "第一次来问")
            let first = try #require(try await room.conversation(of: "小雨同学")["id"] as? String).lowercased()
            let resolved = try await t.api(.PATCH, "\(room.base)/conversations/\(first)", token: room.admin, json: ["status": "resolved"])
            #expect(resolved.status == .ok, "\(resolved.body)")
            try await room.fan("小雨同学", "又来问了")
            let conversations = try await room.conversations("?status=")
            let second = try #require(
                conversations.first { $0["id"] as? String != first && $0["author_name"] as? String == "小雨同学" }?["id"] as? String
            )
            .lowercased()
            let authorID = try #require(conversations.first?["author_id"] as? String)

            let fans = "/api/v1/workspaces/\(room.ws.slug)/fans"
            let fan = try #require(try await t.api(.GET, fans, token: room.admin).items.first { $0["display_name"] as? String == "小雨同学" })
            let fanID = try #require(fan["id"] as? String).lowercased()
            let points = try await t.api(.POST, fans + "/\(fanID)/points", token: room.admin, json: ["delta": 1234, "reason": "Photo contest"])
            #expect(points.status == .created, "\(points.body)")
            let tagged = try await t.api(.PATCH, fans + "/\(fanID)", token: room.admin, json: ["attributes": ["tags": ["老客户"]]])
            #expect(tagged.status == .ok, "\(tagged.body)")

            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let page = try await browser.get("/w/\(room.ws.slug)/inbox/\(second)")
            let panel = Self.panel(page.body)
            #expect(panel.contains("href=\"/w/\(room.ws.slug)/fans/\(fanID)\""), "\(panel)")
            #expect(panel.contains("<span translate=\"no\">小雨同学</span>") && panel.contains(authorID))
            #expect(panel.contains("data-tier=\"") && panel.contains("id=\"fan-points\">1,234</dd>"), "\(panel)")
            #expect(panel.contains("<span class=\"badge tag\" translate=\"no\">老客户</span>"))
            #expect(panel.contains("id=\"other-conversations\"><li><a href=\"/w/\(room.ws.slug)/inbox/\(first)\">"), "\(panel)")
            #expect(!panel.contains("/inbox/\(second)\""), "the conversation itself is not among the others")

            // In Chinese: the tier in words, no code.
            let zhUser = try await t.makeUser("zh@example.com", locale: "zh-Hans")
            _ = try await t.addMember(zhUser, to: room.ws, as: .agent)
            let zh = Browser(t)
            _ = try await zh.signIn("zh@example.com")
            let zhPanel = Self.panel(try await zh.get("/w/\(room.ws.slug)/inbox/\(second)").body)
            #expect(zhPanel.contains("粉丝资料") && zhPanel.contains("积分") && zhPanel.contains("其他会话"), "\(zhPanel)")
            #expect(zhPanel.contains(FanService.tierName(fan["activity_tier"] as? String ?? "", .zhHans)))

            // An expert may answer but not read personal data: the name and platform id are masked.
            let expertUser = try await t.makeUser("expert@example.com")
            _ = try await t.addMember(expertUser, to: room.ws, as: .expert)
            let expert = Browser(t)
            _ = try await expert.signIn("expert@example.com")
            let masked = Self.panel(try await expert.get("/w/\(room.ws.slug)/inbox/\(second)").body)
            #expect(masked.contains(PersonalDataMask.name("小雨同学")) && !masked.contains("小雨同学"), "\(masked)")
            #expect(masked.contains(PersonalDataMask.handle(authorID)) && !masked.contains(authorID))
            #expect(masked.contains("id=\"fan-points\">1,234</dd>"))

            // Legal reads the inbox but not fans: no panel.
            let legalUser = try await t.makeUser("legal@example.com")
            _ = try await t.addMember(legalUser, to: room.ws, as: .legal)
            let legal = Browser(t)
            _ = try await legal.signIn("legal@example.com")
            let legalPage = try await legal.get("/w/\(room.ws.slug)/inbox/\(second)")
            #expect(legalPage.status == .ok && !legalPage.body.contains("id=\"fan-panel\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func aConversationWithoutAFanSaysSo(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await InboxRoom.make(t)
            try await room.fan("Mia", "hello")
            let id = try #require(try await room.conversation(of: "Mia")["id"] as? String).lowercased()
            try await (t.db as! any SQLDatabase).raw("UPDATE incoming_messages SET fan_id = NULL").run()
            let browser = Browser(t)
            _ = try await browser.signIn("inbox@example.com")
            let panel = Self.panel(try await browser.get("/w/\(room.ws.slug)/inbox/\(id)").body)
            #expect(panel.contains("id=\"no-fan\">No fan is linked to this conversation yet"), "\(panel)")
        }
    }
}
