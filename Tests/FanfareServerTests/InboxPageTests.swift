import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The inbox's pages (the list, a conversation, the reply library, the
/// rules, the service levels) as model and view, without a database:
/// every value named in the reader's language, what fans and the team
/// typed kept out of translation, an empty state that says what to do.
@Suite struct InboxPageTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let accountID = UUID(uuidString: "0190a000-0000-7000-8000-000000000001")!
    static let agentID = UUID(uuidString: "0190a000-0000-7000-8000-000000000002")!
    static let conversationID = UUID(uuidString: "0190a000-0000-7000-8000-000000000003")!
    static let templateID = UUID(uuidString: "0190a000-0000-7000-8000-000000000004")!

    static func context(_ locale: UILocale, path: String = "/w/demo/inbox") -> PageContext {
        PageContext(locale: locale, user: nil, csrf: "", flashes: [], workspaces: [], access: nil, path: path)
    }

    static let account = InboxListPage.Account(id: accountID, platform: "sandbox", rulesPlatform: "weibo", handle: "fanfare_weibo")

    static func item(status: String = "open", assignee: UUID? = agentID, firstResponseAt: Date? = nil) -> InboxListPage.Item {
        let social = SocialAccount()
        social.id = accountID
        social.platform = "sandbox"
        social.handle = "fanfare_weibo"
        let c = Conversation()
        c.id = conversationID
        c.authorID = "u1"
        c.authorName = "Mia"
        c.threadKey = "dm"
        c.status = status
        c.queue = "agents"
        c.$assignee.id = assignee
        c.tags = ["password"]
        c.tier = "core"
        c.priority = "urgent"
        c.lastSentiment = "neg"
        c.lastIntent = "complaint"
        c.lastText = "How do I reset my password?"
        c.messageCount = 2
        c.openedAt = now.addingTimeInterval(-3_600)
        c.lastMessageAt = now.addingTimeInterval(-600)
        c.firstResponseAt = firstResponseAt
        let policy = ServiceLevelPolicy(firstResponse: 1_800, resolution: 86_400, warningFraction: 0.8, businessHours: nil)
        let clocks = c.clocks(policy: policy, zone: .gmt, now: now)
        return .init(conversation: ConversationDTO(c, account: social, clocks: clocks), account: account, clocks: clocks)
    }

    static let found = InboxListPage.Found(
        items: [item()], nextCursor: "next1", accounts: [account], members: [.init(id: agentID, name: "Demo Admin")])

    // MARK: The list

    @Test func theListNamesEveryValueInTheReadersLanguage() {
        let input = InboxListPage.Input(values: ["status": "open"])
        let zh = InboxListPage.model(input, Self.found, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        let row = zh.rows[0]
        #expect(row.serviceLevel.text == "已超时" && row.serviceLevel.tone == .danger)
        #expect(row.sentiment.text == "负面" && row.sentiment.tone == .danger)
        #expect(row.status.text == "待我们回复" && row.tier == "核心粉丝" && row.queue.text == "客服")
        #expect(row.assignee == "Demo Admin")
        let en = InboxListPage.model(input, Self.found, workspace: "/w/demo", canWork: true, canConnect: true, locale: .en)
        #expect(en.rows[0].serviceLevel.text == "overdue" && en.rows[0].status.text == "waiting for us" && en.rows[0].tier == "core")
        #expect(en.nextHref == "/w/demo/inbox?status=open&cursor=next1")
        #expect(en.filters.first { $0.name == "sla" }!.options.map(\.label) == ["any", "on time", "due soon", "overdue", "done"])
    }

    @Test func aSearchShowsTheMessageThatHoldsTheWordsMarkedAndKeepsTheOtherFilters() {
        var found = Self.found
        found.search = "<b>RESET"
        found.matches = [Self.conversationID: "Please <b>reset my password, reset it"]
        let input = InboxListPage.Input(values: ["q": "<b>RESET", "status": "open"])
        let model = InboxListPage.model(input, found, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        #expect(model.rows[0].lastText == "Please <b>reset my password, reset it" && model.rows[0].highlight == "<b>RESET")
        let html = InboxListPage.view(model, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("Please <mark>&lt;b&gt;reset</mark> my password, reset it"), "\(html)")
        #expect(html.contains("<input type=\"hidden\" name=\"status\" value=\"open\">"))
        #expect(html.contains("name=\"q\" value=\"&lt;b&gt;RESET\""))
        #expect(html.contains("placeholder=\"搜索留言、回复或粉丝名称\""))
        #expect(HTML.marking("reset", in: "Reset, RESET & reset").rendered == "<mark>Reset</mark>, <mark>RESET</mark> &amp; <mark>reset</mark>")
        #expect(HTML.marking("发货", in: "订单一直没发货").rendered == "订单一直没<mark>发货</mark>")

        var none = found
        none.items = []
        let empty = InboxListPage.model(input, none, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        #expect(empty.empty == .noSearchMatch)
        let emptyHTML = InboxListPage.view(empty, Self.context(.zhHans), tabs: .empty).rendered
        #expect(emptyHTML.contains("data-empty=\"noSearchMatch\"><p>没有留言、回复或粉丝名称包含这些字词。</p>"), "\(emptyHTML)")
        #expect(emptyHTML.contains(">清除搜索</a>"))
        // The filter box stays closed for a search alone, open for a filter.
        let searched = InboxListPage.model(.init(values: ["q": "x"]), none, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        #expect(!InboxListPage.view(searched, Self.context(.zhHans), tabs: .empty).rendered.contains("id=\"inbox-filter-box\" open"))
        let filtered = InboxListPage.model(
            .init(values: ["q": "x", "sentiment": "neg"]), none, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        #expect(InboxListPage.view(filtered, Self.context(.zhHans), tabs: .empty).rendered.contains("id=\"inbox-filter-box\" open"))
    }

    @Test func theViewKeepsTypedTextOutOfTranslationAndShowsBadgesInColour() {
        let zh = Self.context(.zhHans)
        let model = InboxListPage.model(.init(), Self.found, workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
        let html = InboxListPage.view(model, zh, tabs: .empty).rendered
        #expect(html.contains("<strong id=\"fan-\(Self.conversationID.uuidString.lowercased())\" translate=\"no\">Mia</strong>"))
        #expect(html.contains("<span class=\"message-text\" translate=\"no\">How do I reset my password?</span>"))
        #expect(html.contains("<span class=\"badge tag\" translate=\"no\">password</span>"))
        #expect(html.contains("<span class=\"muted\" translate=\"no\">@fanfare_weibo</span>"))
        #expect(html.contains("<span class=\"badge platform platform-weibo\" data-platform=\"weibo\">微博</span>"))
        #expect(html.contains("class=\"badge tone-danger sla breached\""))
        #expect(html.contains("data-badge=\"breached\""))
        // Accounts are listed under their platform, members' names as typed.
        #expect(
            html.contains(
                "<optgroup label=\"微博\"><option value=\"\(Self.accountID.uuidString.lowercased())\" translate=\"no\">@fanfare_weibo</option></optgroup>"
            ))
        #expect(html.contains("translate=\"no\">Demo Admin</option>"))
        // The checkbox is named by the fan's name, not by a sentence around it.
        #expect(html.contains("aria-labelledby=\"fan-\(Self.conversationID.uuidString.lowercased())\""))
        #expect(html.contains("class=\"cards-on-phone\""))
    }

    @Test func emptyStatesSayWhatToDoNext() {
        let zh = Self.context(.zhHans)
        func empty(_ input: InboxListPage.Input, accounts: [InboxListPage.Account]) -> (InboxListPage.Model.Empty?, String) {
            let model = InboxListPage.model(input, .init(accounts: accounts), workspace: "/w/demo", canWork: true, canConnect: true, locale: .zhHans)
            return (model.empty, InboxListPage.list(model, zh).rendered)
        }
        let (none, noneHTML) = empty(.init(), accounts: [])
        #expect(none == .noAccounts && noneHTML.contains("还没有连接账号") && noneHTML.contains("href=\"/w/demo/accounts\""))
        let (waiting, waitingHTML) = empty(.init(), accounts: [Self.account])
        #expect(waiting == .nothingWaiting && waitingHTML.contains("没有待回复的会话") && waitingHTML.contains("href=\"/w/demo/inbox?status=\""))
        let (noMatch, noMatchHTML) = empty(.init(values: ["sentiment": "pos"]), accounts: [Self.account])
        #expect(noMatch == .noMatch && noMatchHTML.contains("清除筛选条件"))
        let (fresh, freshHTML) = empty(.init(values: ["status": ""]), accounts: [Self.account])
        #expect(fresh == .noConversations && freshHTML.contains("以沙盒粉丝身份留言"))
    }

    @Test func aFilterThatCannotBeReadIsNamedInTheReadersLanguage() {
        var found = Self.found
        found.problems = [FieldIssue(field: "sentiment", .oneOf(choices: ["pos", "neu", "neg"]))]
        let zh = InboxListPage.model(
            .init(values: ["sentiment": "x"]), found, workspace: "/w/demo", canWork: false, canConnect: false, locale: .zhHans)
        #expect(zh.problems.count == 1 && zh.problems[0].hasPrefix("情感："))
        #expect(zh.sandboxAccounts.isEmpty)
        let html = InboxListPage.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(!html.contains("bulk-form"), "a role that cannot answer gets no bulk actions")
    }

    // MARK: A conversation

    static func conversationFound() -> ConversationPage.Found {
        let social = SocialAccount()
        social.id = accountID
        social.platform = "sandbox"
        social.handle = "fanfare_weibo"
        let message = IncomingMessage()
        message.id = UUID(uuidString: "0190a000-0000-7000-8000-000000000010")!
        message.remoteID = "m1"
        message.kind = "direct_message"
        message.authorID = "u1"
        message.authorName = "Mia"
        message.text = "我的订单呢？"
        message.sentAt = now.addingTimeInterval(-3_600)
        message.receivedAt = now.addingTimeInterval(-3_600)
        message.moderationJSON = "[]"
        message.recommendation = "none"
        message.lang = "zh"
        message.sentiment = "neg"
        message.sentimentScore = -0.6
        message.intent = "complaint"
        message.priority = "high"
        let reply = InboxReply()
        reply.id = UUID()
        reply.$message.id = message.id!
        reply.text = "Mia 你好，马上为你查询。"
        reply.automatic = true
        reply.status = "failed"
        reply.error = "rate limited"
        reply.createdAt = now.addingTimeInterval(-1_800)
        return ConversationPage.Found(
            item: item(), messages: [IncomingMessageDTO(message, account: social)], replies: [InboxReplyDTO(reply)],
            members: [.init(id: agentID, name: "Demo Admin")],
            templates: [.init(id: templateID, name: "找回密码", category: "faq.account_security")], drafted: nil)
    }

    @Test func aConversationShowsItsTimelineAndWhatTheReaderMayDo() {
        let found = Self.conversationFound()
        let everything: (WorkspaceAction) -> Bool = { _ in true }
        let zh = ConversationPage.model(.init(id: "x"), found, workspace: "/w/demo", user: Self.agentID, can: everything, locale: .zhHans)
        #expect(zh.actions.map(\.id) == ["escalate", "resolve"], "the assignee is not offered to take it again")
        #expect(zh.clocks.map(\.name) == ["首次响应", "解决"])
        #expect(zh.clocks[0].state.text == "已超时" && zh.clocks[0].state.tone == .danger)
        #expect(zh.thread == "私信" && zh.replyHint.contains("微博"))
        #expect(zh.templates == [.init(category: "常见问题：账号安全", templates: [(id: Self.templateID.uuidString.lowercased(), name: "找回密码")])])
        guard case .message = zh.entries[0], case .reply(let reply) = zh.entries[1] else {
            Issue.record("messages and replies in the order they happened")
            return
        }
        #expect(reply.status.text == "未发送" && reply.status.tone == .danger && reply.author == nil)
        let html = ConversationPage.view(zh, Self.context(.zhHans)).rendered
        #expect(html.contains("<h1><span translate=\"no\">Mia</span>"))
        #expect(html.contains("<p class=\"message-text\" translate=\"no\">我的订单呢？</p>"))
        #expect(html.contains("<span class=\"who\">自动回复</span>"))
        #expect(html.contains("<span class=\"muted\" translate=\"no\">rate limited</span>"))
        #expect(
            html.contains(
                "<optgroup label=\"常见问题：账号安全\"><option value=\"\(Self.templateID.uuidString.lowercased())\" translate=\"no\">找回密码</option></optgroup>"
            ))
        #expect(html.contains("负面 -0.60"))
        let reader = ConversationPage.model(.init(id: "x"), found, workspace: "/w/demo", user: nil, can: { $0 == .inboxView }, locale: .en)
        #expect(reader.actions.isEmpty && !reader.mayAnswer && !reader.expertsOnly)
        #expect(!ConversationPage.view(reader, Self.context(.en)).rendered.contains("reply-form"))
    }

    @Test func aRefusedReplyKeepsTheAgentsText() {
        let input = ConversationPage.Input(
            id: "x", templateID: Self.templateID.uuidString, typed: "my draft", refused: [FieldIssue(field: "text", .notEmpty)])
        let model = ConversationPage.model(input, Self.conversationFound(), workspace: "/w/demo", user: nil, can: { _ in true }, locale: .en)
        #expect(model.draft == "my draft" && model.templateID == "" && model.problems.count == 1)
        let html = ConversationPage.view(model, Self.context(.en)).rendered
        #expect(html.contains("translate=\"no\">my draft</textarea>") && html.contains("id=\"reply-problem\""))
    }

    // MARK: Rules

    static func rule() -> InboxRuleDTO {
        let record = InboxRuleRecord()
        record.id = UUID(uuidString: "0190a000-0000-7000-8000-000000000020")!
        record.name = "密码问题自动回复"
        record.position = 1
        record.enabled = true
        record.conditions = InboxRuleConditions(
            keywords: ["密码", "password"], intents: ["question"], accountIDs: [accountID, UUID()], tiers: ["core"])
        record.actions = InboxRuleActions(replyTemplateID: templateID, tags: ["账号安全"], queue: .experts, escalate: false)
        record.answersNegative = false
        record.createdAt = now
        record.updatedAt = now
        return InboxRuleDTO(record)
    }

    @Test func aRuleIsSummedUpInTheReadersLanguageWithWhatWasTypedKept() {
        let found = InboxRulePage.Found(
            rules: [Self.rule()], accounts: [Self.account], templates: [.init(id: Self.templateID, name: "找回密码", category: "faq.account_security")])
        let zh = InboxRulePage.list(found, workspace: "/w/demo", canManage: true, values: .init(), errors: .init(), locale: .zhHans)
        let html = InboxRulePage.summaryView(zh.rows[0].summary, Self.context(.zhHans)).rendered
        #expect(html.contains("文本包含 <span translate=\"no\">密码</span>、<span translate=\"no\">password</span>"))
        #expect(html.contains("意图为 咨询"))
        #expect(html.contains("粉丝为核心粉丝"))
        #expect(html.contains("发给微博 <span translate=\"no\">@fanfare_weibo</span>、已移除的账号"))
        #expect(html.contains("用「<span translate=\"no\">找回密码</span>」回复"))
        #expect(html.contains("分配给专家团队"))
        let en = InboxRulePage.list(found, workspace: "/w/demo", canManage: true, values: .init(), errors: .init(), locale: .en)
        let english = InboxRulePage.summaryView(en.rows[0].summary, Self.context(.en)).rendered
        #expect(english.contains("the text contains <span translate=\"no\">密码</span>, <span translate=\"no\">password</span> and intent is question"))
        let page = InboxRulePage.listView(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(page.contains("<td translate=\"no\">密码问题自动回复</td>"))
        #expect(
            page.contains("<optgroup label=\"常见问题：账号安全\"><option value=\"\(Self.templateID.uuidString.lowercased())\" translate=\"no\">找回密码</option>")
        )
        #expect(page.contains("class=\"badge tone-success rule-state\""))
        let none = InboxRulePage.listView(
            InboxRulePage.list(.init(), workspace: "/w/demo", canManage: true, values: .init(), errors: .init(), locale: .zhHans),
            Self.context(.zhHans),
            tabs: .empty
        ).rendered
        #expect(none.contains("还没有规则") && none.contains("添加第一条规则"))
    }

    // MARK: Reply library

    @Test func theLibraryShelvesTemplatesByCategoryAndKeepsTheirWordings() {
        let template = ReplyTemplate()
        template.id = Self.templateID
        template.name = "找回密码"
        template.category = "faq.account_security"
        template.body = "Hi {fan_name}, reset it in Settings."
        template.variants = ["weibo": "{fan_name} 你好"]
        template.createdAt = Self.now
        template.updatedAt = Self.now
        let found = ReplyTemplatePage.Found(templates: [ReplyTemplateDTO(template)])
        let zh = ReplyTemplatePage.library(found, workspace: "/w/demo", canManage: true, values: [:], errors: .init(), locale: .zhHans)
        #expect(zh.shelves.map(\.label) == ["常见问题：账号安全"])
        #expect(zh.shelves[0].cards[0].variants.map(\.platform) == ["微博"])
        let html = ReplyTemplatePage.libraryView(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<p class=\"template-body\" translate=\"no\">Hi {fan_name}, reset it in Settings.</p>"))
        #expect(html.contains("<code translate=\"no\">{fan_name}</code>"))
        #expect(html.contains("<li><code translate=\"no\">{order_id}</code> 订单号（手动填写）</li>"))
        #expect(html.contains("常见问题：账号安全（1）"))
        let empty = ReplyTemplatePage.libraryView(
            ReplyTemplatePage.library(.init(), workspace: "/w/demo", canManage: false, values: [:], errors: .init(), locale: .en), Self.context(.en),
            tabs: .empty
        ).rendered
        #expect(empty.contains("The library has no template yet.") && !empty.contains("template-form"))
    }

    // MARK: Service levels

    @Test func serviceLevelsNameAgentsAccountsAndTiers() {
        let row = { (group: String, key: String, label: String) in
            ServiceLevelService.Report.Row(
                group: group, key: key, label: label, conversations: 3, answered: 2, resolved: 1, firstResponseP50: 42, firstResponseP90: 210,
                resolutionP50: nil, resolutionP90: nil, breaches: 1)
        }
        let report = ServiceLevelService.Report(
            from: Self.now, to: Self.now, overall: row("all", "all", "all"),
            rows: [
                row("agent", "none", "—"), row("agent", Self.agentID.uuidString.lowercased(), "Demo Admin"),
                row("account", Self.accountID.uuidString.lowercased(), "sandbox @fanfare_weibo"), row("tier", "silent", "silent"),
            ])
        let settings = InboxSettings()
        settings.firstResponseMinutes = 30
        settings.resolutionMinutes = 1_440
        settings.warningPercent = 80
        settings.autoReplyCap = 3
        settings.publicFeedback = true
        settings.publicFeedbackForm = false
        let found = ServiceLevelPage.Found(settings: InboxSettingsDTO(settings), report: report, accounts: [Self.account])
        let input = ServiceLevelPage.Input(days: "abc", values: ServiceLevelPages.values(settings), errors: .init())
        let zh = ServiceLevelPage.model(input, found, workspace: "/w/demo", slug: "demo", canManage: false, locale: .zhHans)
        #expect(zh.days == 30)
        #expect(zh.tables.map(\.title) == ["按客服", "按账号", "按粉丝分层"])
        #expect(zh.tables[0].rows.map(\.label) == ["未分配", "Demo Admin"] && zh.tables[0].rows.map(\.typed) == [false, true])
        #expect(zh.tables[1].rows[0].label == "@fanfare_weibo" && zh.tables[1].rows[0].platform == "weibo")
        #expect(zh.tables[2].rows[0].label == "沉默粉丝")
        #expect(zh.tables[0].rows[0].firstP50 == "42 分钟" && zh.tables[0].rows[0].firstP90 == "3.5 小时" && zh.tables[0].rows[0].resolutionP50 == "—")
        #expect(zh.policy == "首次响应时限 30 分钟，解决时限 24 小时。")
        let html = ServiceLevelPage.view(zh, Self.context(.zhHans), tabs: .empty).rendered
        #expect(html.contains("<span translate=\"no\">Demo Admin</span>") && html.contains("platform-weibo"))
        #expect(!html.contains("service-level-form"), "a role that cannot change the policy reads it")
        let manager = ServiceLevelPage.model(input, found, workspace: "/w/demo", slug: "demo", canManage: true, locale: .en)
        let form = ServiceLevelPage.view(manager, Self.context(.en), tabs: .empty).rendered
        #expect(form.contains("<a href=\"/p/demo/adopted\" translate=\"no\">/p/demo/adopted</a>"))
    }
}
