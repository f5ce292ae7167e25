import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The moderation report, the moderation queue, the lexicon and the
/// notifications as model and view, without a database.
@Suite struct ModerationPageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func context(_ locale: UILocale) -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: "/w/demo/moderation")
    }

    static let match = ModerationMatch(
        term: "国家级", category: "advertising_law", severity: .block, start: 2, end: 5, utf16Start: 2, utf16End: 5, text: "国家级")

    @Test func matchesAreMarkedWithTheirReasonInTheReadersLanguage() {
        let html = ModerationVocabulary.highlighted("我们国家级品质", [Self.match], .zhHans).rendered
        #expect(html == "我们<mark class=\"hit block\" title=\"国家级 · 广告法 · 拦截\">国家级</mark>品质")
        #expect(ModerationVocabulary.reason(Self.match, .en) == "国家级 · Advertising Law · block")
        #expect(ModerationVocabulary.category("brand_x", .zhHans) == ("brand_x", true), "a category of the workspace's own is shown as typed")
        #expect(ModerationVocabulary.recommendation("ban", .zhHans).rendered.contains("tone-danger"))
    }

    @Test func theReportNamesCategoriesAndKeepsTermsAsWritten() {
        let report = ModerationService.Report(
            from: Self.now, to: Self.now,
            days: [.init(date: "2027-01-15", category: "advertising_law", hits: 3), .init(date: "2027-01-15", category: "brand_x", hits: 1)],
            byCategory: ["advertising_law": 3, "brand_x": 1],
            topTerms: [.init(term: "国家级", category: "advertising_law", severity: "block", hits: 3, inPosts: 2, inMessages: 1, falsePositives: 1)],
            openFeedback: [], truncated: false)
        let zh = ModerationPage.Report.model(days: 30, .init(report: report), workspace: "/w/demo", canReview: true, canDecide: true, locale: .zhHans)
        #expect(zh.categories.map(\.label) == ["广告法", "brand_x"] && zh.categories.map(\.typed) == [false, true])
        let html = ModerationPage.Report.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<th>广告法 (3)</th><th><span translate=\"no\">brand_x</span> (1)</th>"))
        #expect(html.contains("<td translate=\"no\">国家级</td>"))
        #expect(html.contains("没有待处理的反馈"))
        let quiet = ModerationPage.Report.model(
            days: 7, .init(report: .init(from: Self.now, to: Self.now, days: [], byCategory: [:], topTerms: [], openFeedback: [], truncated: false)),
            workspace: "/w/demo", canReview: false, canDecide: false, locale: .en)
        #expect(ModerationPage.Report.view(quiet, Self.context(.en), tabs: .empty).rendered.contains("No sensitive words found in this period."))
    }

    @Test func theQueueShowsWhyAMessageWasFlagged() {
        let social = SocialAccount()
        social.id = UUID()
        social.platform = "sandbox"
        social.handle = "fanfare_weibo"
        let message = IncomingMessage()
        message.id = UUID()
        message.remoteID = "r"
        message.kind = "comment"
        message.authorID = "a"
        message.authorName = "老王"
        message.text = "我们国家级品质"
        message.sentAt = Self.now
        message.receivedAt = Self.now
        message.moderationJSON = String(decoding: try! JSONEncoder().encode([Self.match]), as: UTF8.self)
        message.recommendation = "delete"
        let found = ModerationPage.Messages.Found(messages: [IncomingMessageDTO(message, account: social)], platforms: [social.id!: "weibo"])
        let zh = ModerationPage.Messages.model(flaggedOnly: true, found, workspace: "/w/demo", locale: .zhHans)
        #expect(zh.rows[0].reasons.map(\.why) == ["（广告法，拦截）"] && zh.rows[0].platform == "weibo")
        let html = ModerationPage.Messages.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<td translate=\"no\">老王</td>") && html.contains("<td class=\"message-text\" translate=\"no\">"))
        #expect(html.contains("<span translate=\"no\">国家级</span> （广告法，拦截）"))
        #expect(html.contains("class=\"badge tone-danger recommendation delete\""))
        #expect(html.contains("<span class=\"muted\">未分析</span>"))
        let empty = ModerationPage.Messages.view(
            ModerationPage.Messages.model(flaggedOnly: true, .init(), workspace: "/w/demo", locale: .zhHans), Self.context(.zhHans), tabs: .empty
        ).rendered
        #expect(empty.contains("没有被标记的消息") && empty.contains("显示全部消息"))
    }

    @Test func theLexiconOffersCategoriesByNameAndListsTheCodesAFileUses() {
        let entry = LexiconEntry()
        entry.id = UUID()
        entry.kind = LexiconEntry.Kind.term.rawValue
        entry.term = "竞品帆布"
        entry.folded = "竞品帆布"
        entry.category = "competitor_x"
        entry.severity = "review"
        entry.scope = "all"
        entry.createdAt = Self.now
        entry.updatedAt = Self.now
        let found = LexiconPage.Found(entries: [LexiconEntryDTO(entry)])
        let zh = LexiconPage.model(
            found, workspace: "/w/demo", slug: "demo", canManage: true, values: [:], errors: .init(), plan: nil, locale: .zhHans)
        #expect(
            zh.form.categories.first?.label == "广告法" && zh.form.categories.last?.label == "competitor_x" && zh.form.categories.last?.typed == true)
        let html = LexiconPage.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<td translate=\"no\">竞品帆布</td><td><span translate=\"no\">competitor_x</span></td>"))
        #expect(html.contains("<code translate=\"no\">advertising_law</code> 广告法"))
        #expect(html.contains("<code translate=\"no\">国家级,advertising_law,block,all</code>"))
        #expect(html.contains("<code translate=\"no\">docs/moderation-base-lexicon.md</code>"))
        #expect(html.contains("导出纯文本") && !html.contains("TXT"))
        #expect(html.contains("class=\"badge tone-warning review\""))
        let reader = LexiconPage.model(
            .init(), workspace: "/w/demo", slug: "demo", canManage: false, values: [:], errors: .init(), plan: nil, locale: .en)
        let readOnly = LexiconPage.view(reader, Self.context(.en), tabs: .empty).rendered
        #expect(readOnly.contains("No terms of its own yet") && !readOnly.contains("term-form"))
    }

    @Test func notificationsAreSentencesAroundWhatPeopleWrote() {
        let stored = UserNotification()
        stored.id = UUID()
        stored.text = String(
            decoding: try! JSONEncoder().encode(Notifier.Message(key: "inbox.note_resolution_breached", args: ["Mia"])), as: UTF8.self)
        stored.link = "/inbox/abc"
        stored.createdAt = Self.now
        let old = UserNotification()
        old.id = UUID()
        old.text = "A note from an old release"
        old.link = "/posts/1"
        old.createdAt = Self.now
        old.readAt = Self.now
        let found = NotificationPage.Found(notes: [NotificationPage.note(stored), NotificationPage.note(old)])
        let zh = NotificationPage.model(found, workspace: "/w/demo", locale: .zhHans)
        #expect(zh.unread == 1 && zh.items[0].href == "/w/demo/inbox/abc")
        let html = NotificationPage.view(zh, Self.context(.zhHans)).rendered
        #expect(html.contains("与 <span translate=\"no\">Mia</span> 的会话已超过解决时限。"))
        #expect(html.contains("<span translate=\"no\">A note from an old release</span>"))
        #expect(html.contains("id=\"mark-read\""))
        let none = NotificationPage.view(NotificationPage.model(.init(), workspace: "/w/demo", locale: .en), Self.context(.en)).rendered
        #expect(none.contains("No notification yet.") && !none.contains("mark-read"))
    }
}
