import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// Feedback tickets' pages and the fans' public pages as model and view,
/// without a database.
@Suite struct FeedbackPageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let ownerID = UUID(uuidString: "0190b000-0000-7000-8000-000000000001")!

    static func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/feedback")
    }

    static func ticket(number: Int = 1, status: String = "new", source: String = "message") -> FeedbackTicketDTO {
        let t = FeedbackTicket()
        t.id = UUID(uuidString: "0190b000-0000-7000-8000-00000000001\(number)")!
        t.number = number
        t.title = "深蓝色款"
        t.body = "建议出一个深蓝色款"
        t.kind = "suggestion"
        t.source = source
        t.conversationID = UUID(uuidString: "0190b000-0000-7000-8000-000000000099")!
        t.fanName = "晴天"
        t.impact = 4
        t.urgency = 2
        t.cost = 3
        t.score = 24
        t.$owner.id = ownerID
        t.status = status
        t.isPublic = false
        t.supporters = 2
        t.createdAt = now.addingTimeInterval(-3 * 86_400)
        t.updatedAt = now
        if status == "closed" {
            t.resolution = "adopted"
            t.closingNote = "已排进下季新品"
            t.closedAt = now
        }
        return FeedbackTicketDTO(t)
    }

    static let members = [FeedbackPage.Member(id: ownerID, name: "演示客服", replies: true)]

    @Test func theListNamesKindsAndStatusesAndKeepsTitlesAsWritten() {
        let found = FeedbackPage.List.Found(tickets: [Self.ticket()], members: Self.members, now: Self.now)
        let zh = FeedbackPage.List.model(.init(), found, workspace: "/w/demo", canCreate: true, locale: .zhHans)
        #expect(zh.rows[0].kind.text == "建议" && zh.rows[0].status.text == "新建" && zh.rows[0].status.tone == .info)
        #expect(zh.rows[0].age == "3 天" && zh.rows[0].owner == "演示客服" && zh.rows[0].scoreParts == "影响力 4 · 紧迫性 2 · 成本 3")
        let html = FeedbackPage.List.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("translate=\"no\">深蓝色款</a>") && html.contains("<span translate=\"no\">演示客服</span>"))
        #expect(html.contains("class=\"table-scroll\""))
        let en = FeedbackPage.List.model(.init(status: "bogus"), found, workspace: "/w/demo", canCreate: true, locale: .en)
        #expect(en.statusFilter == "open" && en.rows[0].kind.text == "Suggestion")
    }

    @Test func anEmptyListSaysWhereTicketsComeFrom() {
        let none = FeedbackPage.List.model(.init(), .init(), workspace: "/w/demo", canCreate: true, locale: .zhHans)
        #expect(none.empty == .noTickets)
        let html = FeedbackPage.List.view(none, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("还没有反馈工单") && html.contains("href=\"/w/demo/inbox\""))
        let filtered = FeedbackPage.List.model(.init(status: "closed"), .init(), workspace: "/w/demo", canCreate: false, locale: .en)
        #expect(filtered.empty == .noMatch)
        #expect(FeedbackPage.List.view(filtered, Self.context(.en), tabs: .empty).rendered.contains("Show every ticket"))
    }

    @Test func aTicketNamesItsSourceWithTheFansNameKept() {
        let found = FeedbackPage.Ticket.Found(ticket: Self.ticket(), members: Self.members)
        let en = FeedbackPage.Ticket.model(.init(id: "x"), found, workspace: "/w/demo", canWork: true, locale: .en)
        let html = FeedbackPage.Ticket.view(en, Self.context(.en), tabs: .empty).rendered
        #expect(html.contains("A message from <span translate=\"no\">晴天</span> in the inbox."))
        #expect(html.contains("<h1><span class=\"muted\">#1</span> <span translate=\"no\">深蓝色款</span></h1>"))
        #expect(html.contains("<p class=\"template-body\" id=\"ticket-body\" translate=\"no\">建议出一个深蓝色款</p>"))
        #expect(
            html.contains("id=\"close-ticket-form\"")
                && html.contains("<option value=\"\(Self.ownerID.uuidString.lowercased())\" selected translate=\"no\">演示客服</option>"))
        let reader = FeedbackPage.Ticket.model(.init(id: "x"), found, workspace: "/w/demo", canWork: false, locale: .en)
        #expect(!FeedbackPage.Ticket.view(reader, Self.context(.en), tabs: .empty).rendered.contains("edit-ticket-form"))
    }

    @Test func aClosedTicketSaysHowItEndedAndWhetherTheFanHeard() {
        let found = FeedbackPage.Ticket.Found(
            ticket: Self.ticket(status: "closed"), members: Self.members, notice: .init(status: "sent", sentAt: Self.now))
        let zh = FeedbackPage.Ticket.model(.init(id: "x"), found, workspace: "/w/demo", canWork: true, locale: .zhHans)
        #expect(zh.closed?.resolution.text == "已采纳" && zh.closed?.notice?.text == "已发送")
        let html = FeedbackPage.Ticket.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<dd id=\"ticket-note\" translate=\"no\">已排进下季新品</dd>") && html.contains("data-state=\"sent\""))
        #expect(!html.contains("close-ticket-form"))
        let unsent = FeedbackPage.Ticket.model(
            .init(id: "x"), .init(ticket: Self.ticket(status: "closed")), workspace: "/w/demo", canWork: true, locale: .en)
        #expect(unsent.closed?.notice?.state == "none")
    }

    @Test func publicPagesKeepTheBrandsNameAsWritten() {
        let form = PublicFeedbackPage.form(brand: "Fanfare 演示品牌 Demo", slug: "demo", values: [:], errors: .init(), locale: .zhHans)
        #expect(form.kinds.map(\.label) == ["建议", "投诉", "问题报告"])
        let html = PublicFeedbackPage.formView(form, Self.context(.zhHans)).rendered
        #expect(html.contains("<h1>给 <span translate=\"no\">Fanfare 演示品牌 Demo</span> 的反馈</h1>"))
        let receipt = PublicFeedbackPage.receipt(
            Self.ticket(status: "closed"), shown: Self.ticket(status: "closed"), brand: "Demo", zone: .gmt, locale: .en)
        #expect(receipt.resolution?.text == "Adopted" && receipt.note == "已排进下季新品" && receipt.state == "closed")
        let page = PublicFeedbackPage.receiptView(receipt, Self.context(.en)).rendered
        #expect(page.contains("<dd id=\"receipt-note\" translate=\"no\">已排进下季新品</dd>"))
        let adopted = PublicFeedbackPage.adoptedView(
            PublicFeedbackPage.adopted([], brand: "Demo", slug: "demo", zone: .gmt, locale: .zhHans), Self.context(.zhHans)
        ).rendered
        #expect(adopted.contains("团队采纳建议后会列在这里"))
    }
}
