import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The conversation as a chat, as model and view without a database: the
/// thread in time order with notes marked, the fan's panel in the
/// reader's language and masked for a reader without personal data.
extension InboxPageTests {
    static let fanID = UUID(uuidString: "0190a000-0000-7000-8000-000000000030")!
    static let otherID = UUID(uuidString: "0190a000-0000-7000-8000-000000000031")!

    static func note(_ text: String, at: Date, author: UUID? = agentID) -> ConversationNoteDTO {
        let note = ConversationNote()
        note.id = UUID()
        note.$author.id = author
        note.text = text
        note.createdAt = at
        return ConversationNoteDTO(note)
    }

    static func chatFound() -> ConversationPage.Found {
        var found = conversationFound()
        // The message is at -3600, the automatic reply at -1800.
        found.notes = [
            note("先查物流", at: now.addingTimeInterval(-600)), note("客户很着急", at: now.addingTimeInterval(-3_600)),
            note("老成员留下的", at: now.addingTimeInterval(-2_000), author: UUID()),
        ]
        found.fanLinked = true
        found.fan = FanService.Card(
            id: fanID, name: "Mia Chen", erased: false, identities: [.init(platform: "weibo", authorID: "mia_weibo")], activityTier: "core",
            points: 12_345, tags: ["老客户", "VIP"], firstSeenAt: now.addingTimeInterval(-86_400 * 90), lastSeenAt: now.addingTimeInterval(-600),
            fanIDs: [fanID])
        found.others = [.init(id: otherID, status: "resolved", thread: "post:p1", platform: "weibo", lastMessageAt: now.addingTimeInterval(-86_400))]
        return found
    }

    @Test func theThreadIsInTimeOrderWithNotesMarkedAndTiesMessageFirst() {
        let model = ConversationPage.model(.init(id: "x"), Self.chatFound(), workspace: "/w/demo", user: nil, can: { _ in true }, locale: .zhHans)
        let kinds = model.entries.map { entry -> String in
            switch entry {
            case .message: "message"
            case .reply: "reply"
            case .note(let note): "note:\(note.text):\(note.author ?? "-")"
            }
        }
        // The note at the message's own moment comes after the message.
        #expect(kinds == ["message", "note:客户很着急:Demo Admin", "note:老成员留下的:-", "reply", "note:先查物流:Demo Admin"])
        let a = Date(timeIntervalSince1970: 1)
        let shuffled: [ConversationPage.Model.Entry] = [
            .note(.init(author: nil, at: a, text: "n")),
            .reply(.init(author: nil, automatic: true, at: a, status: .init(code: "sent", text: "", tone: .success), text: "r")),
            .note(.init(author: nil, at: a.addingTimeInterval(-1), text: "early")),
        ]
        let ordered = ConversationPage.thread(shuffled).map { entry -> String in
            switch entry {
            case .message: "m"
            case .reply(let reply): reply.text
            case .note(let note): note.text
            }
        }
        #expect(ordered == ["early", "r", "n"])

        let html = ConversationPage.view(model, Self.context(.zhHans)).rendered
        #expect(html.contains("<li class=\"bubble fan-message\""))
        #expect(html.contains("<li class=\"bubble our-reply\" data-reply-status=\"failed\""))
        #expect(html.contains("<li class=\"bubble internal-note\"><p class=\"entry-head\"><span class=\"note-mark\">内部备注，不会发送</span>"))
        #expect(html.contains("<p class=\"message-text\" translate=\"no\">客户很着急</p>"))
        // The reply box, then the note box, both after the thread; the panel beside.
        let thread = html.range(of: "id=\"timeline\"")!.lowerBound
        let reply = html.range(of: "id=\"reply-form\"")!.lowerBound
        let note = html.range(of: "id=\"note-form\"")!.lowerBound
        let panel = html.range(of: "id=\"fan-panel\"")!.lowerBound
        #expect(thread < reply && reply < note && note < panel)
        #expect(html.contains("action=\"/w/demo/inbox/\(Self.conversationID.uuidString.lowercased())/notes\""))
        #expect(html.contains("<summary>添加内部备注</summary>"))
    }

    @Test func theFanPanelNamesEveryValueInTheReadersLanguageAndMasksWithoutPersonalData() {
        let everything: (WorkspaceAction) -> Bool = { _ in true }
        let zh = ConversationPage.model(.init(id: "x"), Self.chatFound(), workspace: "/w/demo", user: nil, can: everything, locale: .zhHans)
        guard case .fan(let fan) = zh.panel else {
            Issue.record("a linked fan shows in the panel")
            return
        }
        #expect(fan.tier == "核心粉丝" && fan.points == "1.2万" && fan.tags == ["老客户", "VIP"])
        #expect(fan.name == .typed("Mia Chen") && fan.identities == [.init(platform: "weibo", handle: "mia_weibo")])
        #expect(fan.href == "/w/demo/fans/\(Self.fanID.uuidString.lowercased())")
        #expect(fan.others.map(\.href) == ["/w/demo/inbox/\(Self.otherID.uuidString.lowercased())"])
        #expect(fan.others[0].status.text == "已解决" && fan.others[0].thread == "帖子评论")
        let html = ConversationPage.view(zh, Self.context(.zhHans)).rendered
        #expect(html.contains("<h2 id=\"fan-panel-title\">粉丝资料</h2>"))
        #expect(html.contains("<span translate=\"no\">Mia Chen</span>") && html.contains("<span class=\"badge tag\" translate=\"no\">VIP</span>"))
        #expect(html.contains("id=\"fan-tier\" data-tier=\"core\">核心粉丝</dd>") && html.contains("id=\"fan-points\">1.2万</dd>"))
        #expect(html.contains(">查看粉丝详情 →</a>"))
        #expect(VisibleText.latinWords(html).isEmpty, "\(VisibleText.latinWords(html))")
        let en = ConversationPage.model(.init(id: "x"), Self.chatFound(), workspace: "/w/demo", user: nil, can: everything, locale: .en)
        guard case .fan(let english) = en.panel else { return }
        #expect(english.tier == "Core" && english.points == "12.3K")
        let englishPanel = ConversationPage.panel(en.panel, Self.context(.en)).rendered
        #expect(VisibleText.chinese(englishPanel).isEmpty, "\(VisibleText.chinese(englishPanel))")

        let expert = ConversationPage.model(
            .init(id: "x"), Self.chatFound(), workspace: "/w/demo", user: nil, can: { $0 != .fansPersonalData }, locale: .zhHans)
        guard case .fan(let masked) = expert.panel else { return }
        #expect(masked.name == .typed("M***") && masked.identities.map(\.handle) == ["mi***"])
        #expect(!ConversationPage.view(expert, Self.context(.zhHans)).rendered.contains("mia_weibo"))

        let legal = ConversationPage.model(
            .init(id: "x"), Self.chatFound(), workspace: "/w/demo", user: nil, can: { $0 == .inboxView }, locale: .zhHans)
        #expect(legal.panel == .hidden && !legal.mayNote)
        #expect(!ConversationPage.view(legal, Self.context(.zhHans)).rendered.contains("note-form"))
        var unlinked = Self.chatFound()
        unlinked.fan = nil
        let none = ConversationPage.model(.init(id: "x"), unlinked, workspace: "/w/demo", user: nil, can: everything, locale: .zhHans)
        #expect(none.panel == .noFan)
        #expect(ConversationPage.view(none, Self.context(.zhHans)).rendered.contains("id=\"no-fan\">这个会话还没有关联粉丝"))
    }

    @Test func aRefusedNoteKeepsItsTextAndNamesTheField() {
        let input = ConversationPage.Input(
            id: "x", noteTyped: "<b>draft</b>", noteRefused: [FieldIssue(field: "text", .lengthBetween(min: 1, max: 2_000))])
        let model = ConversationPage.model(input, Self.chatFound(), workspace: "/w/demo", user: nil, can: { _ in true }, locale: .zhHans)
        #expect(model.noteDraft == "<b>draft</b>" && model.noteProblems.count == 1 && model.noteProblems[0].hasPrefix("备注内容："))
        let html = ConversationPage.view(model, Self.context(.zhHans)).rendered
        #expect(html.contains("translate=\"no\">&lt;b&gt;draft&lt;/b&gt;</textarea>") && html.contains("id=\"note-box\" open"))
        #expect(html.contains("id=\"note-problem\">备注内容："))
    }
}
