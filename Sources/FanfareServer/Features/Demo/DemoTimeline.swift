import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The demo's month, played in order of time through the product's own
/// services, and ending at the moment the demo is made: fans write in and
/// the team answers them within the hour; posts are written, reviewed and
/// published by the publishing runner at their time, and the Sandbox
/// audience reacts; tickets are opened, merged and closed. The Sandbox
/// platform is asked as of each moment (its connectors take the replay's
/// clock), so its cursor, the service-level clocks and the audit log all
/// agree with the calendar. What is older than three hours has been dealt
/// with; what is newer waits in the inbox within its service level; the
/// coming week's posts are scheduled; one post waits for its reviewer.
///
/// The worker is not running while this plays (it starts when the demo is
/// ready), so nothing but the replay touches the demo's platform meanwhile.
final class DemoTimeline {
    let app: Application
    let workspace: Workspace
    let members: [Role: User]
    let clock: DemoClock
    private var steps: [(at: Date, order: Int, run: (Date) async throws -> Void)] = []
    private var order = 0
    /// Conversations whose answer is planned.
    private var planned: Set<UUID> = []
    private var accounts: [String: SocialAccount] = [:]

    /// Messages newer than this wait in the inbox; older ones were answered.
    static let inboxWindow: TimeInterval = 3 * 3_600
    /// A waiting conversation's first answer is due at least this long
    /// after the demo is made (the hand-written oldest waits 160 minutes of
    /// the standard 3 hours).
    static let dueMargin: TimeInterval = 15 * 60

    init(app: Application, workspace: Workspace, members: [Role: User], clock: DemoClock) {
        self.app = app
        self.workspace = workspace
        self.members = members
        self.clock = clock
    }

    var db: any Database { app.db }

    func access(_ role: Role) -> WorkspaceAccess {
        WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: role, matrix: .standard)
    }

    /// One of the demo's Sandbox accounts, by handle (once connected).
    func account(_ handle: String) -> SocialAccount? { accounts[handle] }

    func actor(_ role: Role) -> Actor {
        let user = members[role]!
        return Actor(userID: user.id, label: user.email, address: nil)
    }

    /// Plans `run` at `at`; steps at the same moment run in the order planned.
    func at(_ at: Date, _ run: @escaping (Date) async throws -> Void) {
        order += 1
        steps.append((at, order, run))
    }

    func play() async throws {
        try await setUp()
        planMetrics()
        planPosts()
        planFanHistory()
        planToday()
        planFeedback()
        try await DemoFans.plan(self)
        try await DemoListening.plan(self)
        while let next = steps.indices.min(by: { (steps[$0].at, steps[$0].order) < (steps[$1].at, steps[$1].order) }) {
            let step = steps.remove(at: next)
            try await step.run(step.at)
            try await planAnswers(after: step.at)
            try await deliverReplies(at: step.at)
        }
        try await DemoFans.finish(self)
        try await takeMetrics()
        try await DemoConversions.play(self)
        try await DemoExperiments.play(self)
        try await DemoGoals.play(self)
        try await DemoCampaigns.play(self)
        try await DemoRisks.play(self)
        try await DemoBudgets.play(self)
    }

    // MARK: A month ago

    /// The accounts, the legal team's words, the public feedback form.
    private func setUp() async throws {
        let start = clock.day(30, 10)
        let accountService = AccountService(db: db, app: app)
        for (handle, name, simulates, seed) in [
            ("fanfare_weibo", "Fanfare 微博（演示）", "weibo", 20_261_123), ("fanfare_mastodon", "Fanfare on Mastodon (demo)", "mastodon", 20_261_124),
            ("fanfare_bsky", "Fanfare on Bluesky (demo)", "bluesky", 20_261_125),
        ] as [(String, String, String, Int64)] {
            accounts[handle] = try await accountService.connect(
                .init(platform: "sandbox", handle: handle, displayName: name, seed: seed, simulates: simulates), in: access(.admin),
                actor: actor(.admin),
                now: start)
        }
        // Legal keeps a competitor list and one allowed phrase of its own,
        // over the base lexicon.
        let lexicon = LexiconService(db: db, app: app)
        _ = try await lexicon.addTerm(
            .init(term: "竞品帆布", category: "competitor", severity: "review", scope: "all"), in: access(.legal), actor: actor(.legal),
            now: start.addingTimeInterval(3_600))
        _ = try await lexicon.addAllowed("第一次见", in: access(.legal), actor: actor(.legal), now: start.addingTimeInterval(3_660))
        // The brand collects feedback from its fans through the public form
        // (off for every other workspace until it is turned on).
        _ = try await ServiceLevelService(db: db).update(
            .init(publicFeedbackForm: true), in: access(.admin), actor: actor(.admin), now: start.addingTimeInterval(7_200))
        // The reply library and its rules, set up two weeks ago, when the
        // restock alert (a fan's suggestion) went live.
        at(clock.day(14, 11)) { now in try await self.makeReplyLibrary(now) }
    }

    private func makeReplyLibrary(_ now: Date) async throws {
        let templates = ReplyTemplateService(db: db)
        var ids: [String: UUID] = [:]
        for (name, category, body, variants) in [
            ("补货时间", "faq.features", "{fan_name} 你好！春季新品每周一补货，在商品页点「到货提醒」，到货第一时间通知你。", [:]),
            (
                "找回密码", "faq.account_security",
                "Hi {fan_name}, you can reset your password in Settings → Account security → Reset password. We never ask for your password in a message.",
                ["weibo": "{fan_name} 你好，可在「设置 → 账号安全 → 重置密码」找回密码。我们不会私信索要密码。"]
            ),
            ("活动规则", "faq.activity_rules", "{fan_name} 你好，活动每人限报一次，名额按报名先后确认，结果 {date} 在评论区公布。", [:]),
            ("致歉", "crisis.apology", "{fan_name} 您好，非常抱歉给您带来不好的体验。我们已记录订单 {order_id}，客服会在 24 小时内联系您。", [:]),
            ("原因说明", "crisis.cause", "{fan_name} 您好，这次发货延迟是因为仓库系统升级，现已恢复，积压订单会在 48 小时内发出。", [:]),
            ("补偿方案", "crisis.compensation", "{fan_name} 您好，为表歉意，我们为订单 {order_id} 补发一张 20 元无门槛券，已放入您的账户。", [:]),
        ] as [(String, String, String, [String: String])] {
            let template = try await templates.create(
                .init(name: name, category: category, body: body, variants: variants), in: access(.manager), actor: actor(.manager), now: now)
            ids[name] = template.id
        }
        let rules = InboxRuleService(db: db)
        for (name, conditions, actions) in [
            (
                "补货咨询自动回复", InboxRuleConditions(keywords: ["补货", "restock", "到货"], intents: ["question"]),
                InboxRuleActions(replyTemplateID: ids["补货时间"], tags: ["补货"])
            ),
            (
                "密码问题自动回复", InboxRuleConditions(keywords: ["密码", "password", "登录不上"]),
                InboxRuleActions(replyTemplateID: ids["找回密码"], tags: ["账号安全"])
            ),
            ("投诉交给客服", InboxRuleConditions(intents: ["complaint"]), InboxRuleActions(tags: ["投诉"], queue: .agents)),
            ("危机词转专家", InboxRuleConditions(keywords: ["12315", "曝光", "律师", "lawyer"]), InboxRuleActions(tags: ["危机"], escalate: true)),
        ] {
            _ = try await rules.create(
                .init(name: name, position: nil, enabled: true, conditions: conditions, actions: actions, answersNegative: false),
                in: access(.manager), actor: actor(.manager), now: now)
        }
    }

    // MARK: Posts

    /// The week's posts: two published (one two days ago, one last night),
    /// two approved and scheduled for the coming days, one waiting for its
    /// editorial review, and a draft.
    private func planPosts() {
        let ideas: [(title: String, body: String, pillar: Pillar, format: ContentFormat, tags: [String])] = [
            ("春季新品", "春季新品今天上市！三款配色，门店和网店同步开售。", .core, .imageText, ["新品", "春季"]),
            ("Behind the scenes", "How our designers pick a season's colours, in five photos.", .valueAdd, .imageText, ["design"]),
            ("用户故事", "上海的小林用我们的帆布包通勤三年，它还是原来的样子。", .basic, .shortVideo, ["用户故事"]),
            ("门店活动", "本周六下午两点，南京西路店手作工坊，名额 20 人，评论区报名。", .basic, .imageText, ["活动"]),
            ("Care guide", "Three ways to keep canvas looking new: brush, air, never the dryer.", .valueAdd, .longArticle, ["care"]),
            ("周末问答", "你最想让我们出什么颜色？留言告诉我们，点赞最高的下季上架。", .basic, .imageText, ["互动"]),
        ]
        let weibo = ["fanfare_weibo"]
        let elsewhere = ["fanfare_mastodon", "fanfare_bsky"]
        let all = ["fanfare_weibo", "fanfare_mastodon", "fanfare_bsky"]
        // (idea, accounts, written, submitted, editorial, legal, scheduled, publishes)
        let d = clock
        let plans: [(Int, [String], Date, Date?, Date?, Date?, Date?, Date?)] = [
            (0, weibo, d.day(4, 15, 20), d.day(4, 15, 40), d.day(3, 10, 30), d.day(3, 14, 10), d.day(3, 15), d.day(2, 10)),
            (1, elsewhere, d.day(3, 11), d.day(3, 11, 30), d.day(2, 9, 40), d.day(2, 15), d.day(2, 16), d.day(1, 20)),
            (2, all, d.day(2, 14), d.day(2, 14, 30), d.day(1, 10, 20), d.day(1, 16, 40), d.day(1, 17), d.day(-1, 10)),
            (4, all, d.day(1, 11), d.day(1, 11, 20), d.day(1, 15), d.ago(minutes: 180), d.ago(minutes: 170), d.day(-3, 20)),
            (3, all, d.ago(minutes: 140), d.ago(minutes: 80), nil, nil, nil, nil),
            (5, all, d.ago(minutes: 30), nil, nil, nil, nil, nil),
        ]
        let service = PostService(db: db, app: app)
        for (index, handles, written, submitted, editorial, legal, scheduled, publishes) in plans {
            let idea = ideas[index]
            var id: String?
            at(written) { now in
                let accountIDs = handles.compactMap { self.accounts[$0]?.id?.uuidString }
                id = try await service.create(
                    .init(
                        title: idea.title, body: idea.body, pillar: idea.pillar.rawValue, format: idea.format.rawValue, pool: "regular", topicID: nil,
                        campaign: "2026 春季", tags: idea.tags, accountIDs: accountIDs, assetIDs: [], variants: [:]), in: self.access(.editor),
                    actor: self.actor(.editor), now: now
                ).id!.uuidString
            }
            if let submitted {
                at(submitted) { now in _ = try await service.submit(id, in: self.access(.editor), actor: self.actor(.editor), now: now) }
            }
            for (time, role) in [(editorial, Role.reviewer), (legal, .legal)] {
                guard let time else { continue }
                at(time) { now in
                    _ = try await service.decide(id, approve: true, comment: nil, in: self.access(role), actor: self.actor(role), now: now)
                }
            }
            if let scheduled, let publishes {
                at(scheduled) { now in
                    _ = try await service.schedule(id, at: publishes, in: self.access(.editor), actor: self.actor(.editor), now: now)
                }
                if publishes < clock.now { at(publishes) { now in try await self.publish(id, at: now) } }
            }
        }
    }

    /// The publishing runner sends the post's variants at `now`, as the
    /// worker would have then; a passing fault of the platform is retried
    /// a minute later, as the queue does. The Sandbox audience's comments
    /// then arrive at their own times.
    private func publish(_ id: String?, at now: Date) async throws {
        guard let id, let postID = UUID(uuidString: id), let post = try await Post.find(postID, on: db) else { return }
        if try await PublishingService.sendQueued(of: post, app: app, at: now) {
            at(now.addingTimeInterval(60)) { later in try await self.publish(id, at: later) }
        }
        for variant in try await PostVariant.query(on: db).filter(\.$post.$id == postID).all() {
            guard let remoteID = variant.remoteID, let url = variant.url, let publishedAt = variant.publishedAt,
                abs(publishedAt.timeIntervalSince(now)) < 1,
                let account = accounts.values.first(where: { $0.id == variant.$account.id })
            else { continue }
            let reactions = SandboxAudience(seed: UInt64(bitPattern: account.seed)).interactions(
                for: PublishedPost(remoteID: remoteID, url: url, publishedAt: publishedAt))
            // The inbox fetches a quarter of an hour's comments at a time.
            let times = Set(
                reactions.filter { $0.kind == .comment && $0.at <= clock.now }.map { comment in
                    min(clock.now, Date(timeIntervalSince1970: (comment.at.timeIntervalSince1970 / 900).rounded(.up) * 900))
                })
            for time in times.sorted() { at(time) { later in try await ConversationService.fetchMessages(of: account, app: self.app, now: later) } }
        }
    }

    // MARK: Fans writing in

    /// A month of the regulars' messages at the hours people write, oldest
    /// first (`DemoFans.regulars`: a few do most of the talking).
    private func planFanHistory() {
        let lines = ["今天的新品好看！", "已经下单了", "求补货", "支持一下", "什么时候有活动？", "打卡第一天的心情"]
        for (index, regular) in DemoFans.regulars.enumerated() {
            for day in 1...27 where (day * 7) % 28 < regular.perWeek * 4 || regular.perWeek >= 7 {
                for n in 0..<max(1, regular.perWeek / 7) {
                    let time = clock.day(day, 9 + (index * 3 + day * 5 + n * 7) % 13, (index * 17 + day * 11 + n * 23) % 60)
                    write(regular.name, lines[(day + n) % lines.count], at: time)
                }
            }
        }
    }

    /// A Sandbox fan's direct message to the Weibo account, fetched at once.
    func write(_ fan: String, _ text: String, at time: Date) {
        at(time) { now in
            guard let account = self.accounts["fanfare_weibo"] else { return }
            try await SandboxFans.write(.init(fanName: fan, kind: .directMessage, text: text), to: account, app: self.app, now: now)
        }
    }

    /// Today's inbox: what came in during the last three hours and waits
    /// for the team, each within its service level.
    private func planToday() {
        write("老王", "打卡", at: clock.ago(minutes: 160))
        write("晴天", "建议出一个深蓝色款，希望下季能看到", at: clock.ago(minutes: 115))
        write("晴天", "投深蓝", at: clock.ago(minutes: 105))
        write("小雨", "请问春季新品什么时候补货？", at: clock.ago(minutes: 52))
        write("小雨", "深蓝！", at: clock.ago(minutes: 48))
        write("阿杰", "客服态度太差了，订单 A1029 等了一周还没发货，太失望了", at: clock.ago(minutes: 41))
        write("Mia", "How do I reset my password? I can't log in.", at: clock.ago(minutes: 33))
        write("Mia", "签到", at: clock.ago(minutes: 20))
        write("老王", "再不处理我就去 12315 投诉曝光", at: clock.ago(minutes: 12))
        write("阿杰", "1", at: clock.ago(minutes: 6))
    }

    // MARK: Answers

    /// Every conversation whose last message is older than the inbox
    /// window is answered and resolved by the team within the hour, as it
    /// happened; spam is resolved without an answer, and a conversation a
    /// rule answered automatically is resolved once read.
    private func planAnswers(after now: Date) async throws {
        let waiting = try await access(.admin).query(Conversation.self, on: db).filter(\.$status != Conversation.Status.resolved.rawValue).all()
        for conversation in waiting where !planned.contains(conversation.id!) {
            // Its first answer is due a service level after it opened, however
            // recent its last message: one opened within minutes of the window's
            // edge would show overdue moments after the demo opens, so the team
            // answered it (the Sandbox audience's comments land at any time).
            let old = conversation.lastMessageAt < clock.now.addingTimeInterval(-Self.inboxWindow)
            let dueSoon =
                conversation.firstResponseAt == nil && conversation.openedAt < clock.now.addingTimeInterval(-Self.inboxWindow + Self.dueMargin)
            guard old || dueSoon else { continue }
            planned.insert(conversation.id!)
            // 12 to 75 minutes, the same for the same conversation.
            let minutes = 12 + Double(SandboxAudience.hash(conversation.id!.uuidString) % 64)
            // Never after the demo's moment: an answer comes before "now".
            let planned = max(now, conversation.lastMessageAt).addingTimeInterval(minutes * 60)
            let when = min(planned, max(clock.now.addingTimeInterval(-60), conversation.lastMessageAt.addingTimeInterval(1)))
            at(when) { later in try await self.answer(conversation.id!, at: later) }
        }
    }

    private func answer(_ id: UUID, at now: Date) async throws {
        guard let conversation = try await Conversation.find(id, on: db), conversation.status != Conversation.Status.resolved.rawValue else { return }
        let role: Role = conversation.queue == InboxQueue.experts.rawValue ? .expert : .agent
        let conversations = ConversationService(db: db)
        if conversation.status == Conversation.Status.pending.rawValue || conversation.lastIntent == MessageIntent.spam.rawValue {
            _ = try await conversations.change(
                [id.uuidString], .init(status: Conversation.Status.resolved.rawValue), in: access(role), actor: actor(role), now: now)
        } else {
            _ = try await conversations.reply(
                to: id.uuidString, .init(text: Self.answer(to: conversation), resolve: true), in: access(role), actor: actor(role), now: now)
        }
    }

    /// What the team writes back, by what the fan wanted and in their language.
    static func answer(to conversation: Conversation) -> String {
        let english = MessageAnalyzer.language(of: conversation.lastText) == .en
        switch MessageIntent(rawValue: conversation.lastIntent) ?? .other {
        case .question:
            return english
                ? "Thanks for asking! Shops and the online store get new stock at the same time; orders ship within 48 hours."
                : "你好！门店和网店同步上新，有货的话下单后 48 小时内发出，有问题随时找我们～"
        case .complaint:
            return english
                ? "We're sorry about this. We've noted it and our service team will follow up within 24 hours."
                : "抱歉让你不开心了，已经记下你的情况，客服会在 24 小时内跟进处理。"
        case .praise: return english ? "Thank you so much! ❤️" : "谢谢喜欢！我们会继续努力 ❤️"
        case .purchase:
            return english ? "You can order in our mini-program; ask us anything here." : "可以在品牌小程序直接下单，有问题随时找我们～"
        case .spam, .other: return english ? "Thanks for being here!" : "收到～谢谢一直支持我们！"
        }
    }

    /// Replies queued by now go out now, as the worker sends them.
    private func deliverReplies(at now: Date) async throws {
        try await ConversationService.sendQueuedReplies(app: app, at: now)
    }

    // MARK: Feedback tickets

    /// Tickets whose text, kind, state and supporters fit together: a
    /// fan's suggestion adopted and shipped (the restock alert the reply
    /// library now points to), a bug from the public form fixed, a
    /// suggestion from the form and another fan's message merged into one
    /// with two supporters, and today's complaint in progress.
    private func planFeedback() {
        let feedback = FeedbackService(db: db)
        write("小雨", "每次想买都断货，能不能到货了通知我一声？", at: clock.day(24, 20, 15))
        var restock: FeedbackTicket?
        at(clock.day(24, 21, 5)) { now in
            guard let message = try await self.message(from: "小雨", containing: "到货了通知我") else { return }
            restock = try await feedback.create(
                .init(title: "到货提醒", kind: FeedbackKind.suggestion.rawValue, messageId: message.id, impact: 4, urgency: 3, cost: 2, public: true),
                in: self.access(.agent), actor: self.actor(.agent), now: now)
        }
        at(clock.day(22, 10)) { now in
            _ = try await feedback.update(
                restock?.id?.uuidString, .init(status: FeedbackStatus.inProgress.rawValue), in: self.access(.manager), actor: self.actor(.manager),
                now: now)
        }
        at(clock.day(14, 10)) { now in
            _ = try await feedback.close(
                restock?.id?.uuidString,
                .init(resolution: FeedbackResolution.adopted.rawValue, note: "到货提醒上线啦：在商品页点「到货提醒」，到货第一时间通知你。谢谢你的建议！"),
                in: self.access(.manager), actor: self.actor(.manager), now: now)
        }
        var bug: FeedbackTicket?
        at(clock.day(6, 21, 40)) { now in
            bug = try await feedback.createFromForm(
                workspace: self.workspace, name: "Lucy", contact: "lucy@example.com", kind: FeedbackKind.bug.rawValue,
                text: "小程序的订单页打不开，一直转圈，换了网络也不行。", now: now)
        }
        at(clock.day(5, 10, 15)) { now in
            _ = try await feedback.update(
                bug?.id?.uuidString, .init(impact: 4, urgency: 4, cost: 2, status: FeedbackStatus.inProgress.rawValue), in: self.access(.agent),
                actor: self.actor(.agent), now: now)
        }
        at(clock.day(4, 16)) { now in
            _ = try await feedback.close(
                bug?.id?.uuidString,
                .init(resolution: FeedbackResolution.fixed.rawValue, note: "订单页的问题已修复（小程序 2.3.1），更新后即可正常打开。谢谢你告诉我们！"),
                in: self.access(.agent), actor: self.actor(.agent), now: now)
        }
        var navyFromForm: FeedbackTicket?
        at(clock.day(3, 22, 5)) { now in
            navyFromForm = try await feedback.createFromForm(
                workspace: self.workspace, name: "阿May", contact: "", kind: FeedbackKind.suggestion.rawValue,
                text: "帆布包能不能出一个深蓝色？黑色太闷，米白又怕脏。", now: now)
        }
        // Today: 晴天 asks for navy too; her message becomes a ticket, the
        // form's becomes its supporter, and she hears it was noted.
        at(clock.ago(minutes: 100)) { now in
            guard let message = try await self.message(from: "晴天", containing: "深蓝色款") else { return }
            let navy = try await feedback.create(
                .init(title: "深蓝色款", kind: FeedbackKind.suggestion.rawValue, messageId: message.id, impact: 3, urgency: 2, cost: 2),
                in: self.access(.agent), actor: self.actor(.agent), now: now)
            _ = try await feedback.merge(
                navyFromForm?.id?.uuidString, into: navy.id?.uuidString, in: self.access(.agent), actor: self.actor(.agent), now: now)
            _ = try await feedback.update(
                navy.id?.uuidString, .init(status: FeedbackStatus.triaged.rawValue), in: self.access(.agent), actor: self.actor(.agent), now: now)
            if let conversation = message.conversationID {
                _ = try await ConversationService(db: self.db).reply(
                    to: conversation.uuidString, .init(text: "谢谢建议！深蓝色已经记下并转给产品团队了，有进展会告诉你。"), in: self.access(.agent),
                    actor: self.actor(.agent), now: now.addingTimeInterval(120))
            }
        }
        // 阿杰's late order: a complaint ticket in progress, and an answer.
        at(clock.ago(minutes: 30)) { now in
            guard let message = try await self.message(from: "阿杰", containing: "A1029") else { return }
            let ticket = try await feedback.create(
                .init(title: "订单 A1029 一周未发货", kind: FeedbackKind.complaint.rawValue, messageId: message.id, impact: 4, urgency: 5, cost: 1),
                in: self.access(.agent), actor: self.actor(.agent), now: now)
            _ = try await feedback.update(
                ticket.id?.uuidString, .init(status: FeedbackStatus.inProgress.rawValue), in: self.access(.agent), actor: self.actor(.agent), now: now
            )
            if let conversation = message.conversationID {
                _ = try await ConversationService(db: self.db).reply(
                    to: conversation.uuidString, .init(text: "非常抱歉让你久等了！订单 A1029 已加急，今天内发出，单号发出后第一时间告诉你。"),
                    in: self.access(.agent), actor: self.actor(.agent), now: now.addingTimeInterval(120))
            }
        }
    }

    func message(from fan: String, containing text: String) async throws -> IncomingMessage? {
        try await access(.admin).query(IncomingMessage.self, on: db).filter(\.$authorName == fan).sort(\.$sentAt, .descending).all()
            .first { $0.text.contains(text) }
    }

    // MARK: Numbers

    /// Every evening of the month the metric store's pass runs as the
    /// worker would (each account's day, each published post's day, read
    /// from the Sandbox as of that evening).
    private func planMetrics() {
        for daysAgo in (1...29).reversed() {
            at(clock.day(daysAgo, 23, 30)) { now in
                try await MetricHistoryService.takeDueNow(workspaceID: self.workspace.id!, app: self.app, now: now)
            }
        }
    }

    /// The published posts' latest numbers, taken now through the metrics
    /// snapshotter, so the demo opens with what the audience did.
    private func takeMetrics() async throws {
        let published = try await PostVariant.query(on: db).filter(\.$workspace.$id == workspace.id!)
            .filter(\.$state == PostVariant.State.published.rawValue).all()
        for variant in published {
            try await PublishingService.takeSnapshot(variant, label: "latest", app: app, now: clock.now)
        }
        // Today's account days, and 120 days of history the Sandbox keeps
        // (its backfill never replaces a day read on the day).
        try await MetricHistoryService.takeDueNow(workspaceID: workspace.id!, app: app, now: clock.now)
        try await MetricHistoryService.backfillAll(workspaceID: workspace.id!, days: 120, app: app, now: clock.now)
        // The weekly and monthly reports the schedule makes (as its hourly
        // pass would once this history is there).
        try await MetricHistoryService.makeDueReports(workspaceID: workspace.id!, app: app, now: clock.now)
    }
}
