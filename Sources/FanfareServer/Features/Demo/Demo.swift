import FanfareCore
import Fluent
import Vapor

/// `fanfare serve --demo`: once, a demo administrator and workspace, made
/// through the same services a person's clicks go through (so they are
/// audited like any other change). Later features add their demo content
/// here through their own code paths.
enum Demo {
    static let email = "demo@fanfare.local"
    static let workspaceSlug = "demo"
    static let passwordFile = "demo-password"

    struct Credentials { var email: String; var password: String }

    static func ensure(_ app: Application) async throws -> Credentials {
        let file = app.settings.dataDirectory.appendingPathComponent(passwordFile)
        let actor = Actor.commandLine("serve --demo")
        var user = try await User.query(on: app.db).filter(\.$email == email).first()
        var password = (try? String(contentsOf: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        if user == nil {
            password = Secrets.randomToken(bytes: 12)
            user = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: email, displayName: "Demo Admin", password: password!, locale: UILocale.zhHans.rawValue, timeZone: "Asia/Shanghai",
                    isAdmin: true),
                actor: actor)
            try FileManager.default.createDirectory(at: app.settings.dataDirectory, withIntermediateDirectories: true)
            guard FileManager.default.createFile(atPath: file.path, contents: Data((password! + "\n").utf8), attributes: [.posixPermissions: 0o600])
            else { throw CommandLineProblem("could not write \(file.path)") }
        }
        if try await Workspace.query(on: app.db).filter(\.$slug == workspaceSlug).first() == nil {
            let workspace = try await WorkspaceService(db: app.db).create(
                .init(name: "Fanfare 演示品牌 Demo", slug: workspaceSlug, timeZone: "Asia/Shanghai"), by: user!, actor: actor)
            try await seed(workspace, admin: user!, app: app, actor: actor)
        }
        return Credentials(email: email, password: password ?? "(see \(file.path))")
    }

    /// Three Sandbox accounts standing in for Weibo, Mastodon and Bluesky,
    /// a reviewer and a lawyer, and a week of posts that went through
    /// review: some published now (the worker sends them within seconds),
    /// the rest scheduled over the coming days.
    static func seed(_ workspace: Workspace, admin: User, app: Application, actor: Actor, now: Date = Date()) async throws {
        let adminAccess = WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)
        let accounts = AccountService(db: app.db, app: app)
        var accountIDs: [String] = []
        for (handle, name, simulates, seed) in [
            ("fanfare_weibo", "Fanfare 微博（演示）", "weibo", 20_261_123), ("fanfare_mastodon", "Fanfare on Mastodon (demo)", "mastodon", 20_261_124),
            ("fanfare_bsky", "Fanfare on Bluesky (demo)", "bluesky", 20_261_125),
        ] as [(String, String, String, Int64)] {
            let account = try await accounts.connect(
                .init(platform: "sandbox", handle: handle, displayName: name, seed: seed, simulates: simulates), in: adminAccess, actor: actor)
            accountIDs.append(account.id!.uuidString)
        }
        try await seedFanHistory(adminAccess, app: app, now: now)
        var reviewers: [(Actor, WorkspaceAccess)] = []
        for (email, name, role) in [
            ("reviewer@fanfare.local", "演示审核", Role.reviewer), ("legal@fanfare.local", "演示法务", Role.legal),
            ("agent@fanfare.local", "演示客服", Role.agent), ("expert@fanfare.local", "演示专家", Role.expert),
        ] {
            let person = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: email, displayName: name, password: Secrets.randomToken(bytes: 12), locale: UILocale.zhHans.rawValue,
                    timeZone: "Asia/Shanghai", isAdmin: false), actor: actor)
            try await Membership(workspaceID: workspace.id!, userID: person.id!, role: role, now: now).create(on: app.db)
            reviewers.append(
                (
                    Actor(userID: person.id, label: email, address: nil),
                    WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: role, matrix: .standard)
                ))
        }
        // Legal keeps a competitor list and one allowed phrase of its own,
        // over the base lexicon.
        let lexicon = LexiconService(db: app.db, app: app)
        let legalActor = reviewers[1].0
        _ = try await lexicon.addTerm(
            .init(term: "竞品帆布", category: "competitor", severity: "review", scope: "all"), in: adminAccess, actor: legalActor)
        _ = try await lexicon.addAllowed("第一次见", in: adminAccess, actor: legalActor)
        let author = Actor(userID: admin.id, label: admin.email, address: nil)
        let service = PostService(db: app.db, app: app)
        let ideas: [(String, String, Pillar, ContentFormat, [String])] = [
            ("春季新品", "春季新品今天上市！三款配色，门店和网店同步开售。", .core, .imageText, ["新品", "春季"]),
            ("Behind the scenes", "How our designers pick a season's colours, in five photos.", .valueAdd, .imageText, ["design"]),
            ("用户故事", "上海的小林用我们的帆布包通勤三年，它还是原来的样子。", .basic, .shortVideo, ["用户故事"]),
            ("门店活动", "本周六下午两点，南京西路店手作工坊，名额 20 人，评论区报名。", .basic, .imageText, ["活动"]),
            ("Care guide", "Three ways to keep canvas looking new: brush, air, never the dryer.", .valueAdd, .longArticle, ["care"]),
            ("周末问答", "你最想让我们出什么颜色？留言告诉我们，点赞最高的下季上架。", .basic, .imageText, ["互动"]),
        ]
        // The two published now go to different accounts, so the calendar
        // has no two posts to one account within the hour.
        func targets(_ index: Int) -> [String] {
            switch index {
            case 0: [accountIDs[0]]
            case 1: Array(accountIDs[1...])
            default: accountIDs
            }
        }
        for (index, idea) in ideas.enumerated() {
            let post = try await service.create(
                .init(
                    title: idea.0, body: idea.1, pillar: idea.2.rawValue, format: idea.3.rawValue, pool: "regular", topicID: nil, campaign: "2026 春季",
                    tags: idea.4, accountIDs: targets(index), assetIDs: [], variants: [:]), in: adminAccess, actor: author, now: now)
            _ = try await service.submit(post.id!.uuidString, in: adminAccess, actor: author, now: now)
            for (reviewer, access) in reviewers[..<2] {
                _ = try await service.decide(post.id!.uuidString, approve: true, comment: nil, in: access, actor: reviewer, now: now)
            }
            // The first two go out now; the rest are spread over the week
            // at the hours a brand would post.
            let at: Date? = index < 2 ? nil : now.addingTimeInterval(Double(index - 1) * 86_400 + 3_600)
            _ = try await service.schedule(post.id!.uuidString, at: at, in: adminAccess, actor: author, now: now)
        }
        try await seedInbox(workspace, adminAccess: adminAccess, author: author, agent: reviewers[2], app: app, now: now)
        try await seedFans(workspace, adminAccess: adminAccess, author: author, app: app, now: now)
    }

    /// The team's reply library and rules, then a few fans writing in: the
    /// inbox fills through the Sandbox connector and the rules, as it would
    /// on a real platform.
    static func seedInbox(
        _ workspace: Workspace, adminAccess: WorkspaceAccess, author: Actor, agent: (Actor, WorkspaceAccess), app: Application, now: Date
    ) async throws {
        let templates = ReplyTemplateService(db: app.db)
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
                .init(name: name, category: category, body: body, variants: variants), in: adminAccess, actor: author, now: now)
            ids[name] = template.id
        }
        let rules = InboxRuleService(db: app.db)
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
                .init(name: name, position: nil, enabled: true, conditions: conditions, actions: actions, answersNegative: false), in: adminAccess,
                actor: author, now: now)
        }
        guard let account = try await adminAccess.query(SocialAccount.self, on: app.db).filter(\.$handle == "fanfare_weibo").first() else { return }
        for (index, (fan, text)) in [
            ("小雨", "请问春季新品什么时候补货？"), ("阿杰", "客服态度太差了，订单 A1029 等了一周还没发货，太失望了"),
            ("Mia", "How do I reset my password? I can't log in."), ("晴天", "建议出一个深蓝色款，希望下季能看到"),
            ("老王", "再不处理我就去 12315 投诉曝光"),
        ].enumerated() {
            // A millisecond apart: the Sandbox's cursor orders messages by time, and ties by a random id.
            try await SandboxFans.write(
                .init(fanName: fan, kind: .directMessage, text: text), to: account, app: app, now: now.addingTimeInterval(Double(index) / 1_000))
        }
        // The demo brand collects feedback from its fans through the public
        // form (off for every other workspace until it is turned on).
        _ = try await ServiceLevelService(db: app.db).update(.init(publicFeedbackForm: true), in: adminAccess, actor: author, now: now)
        // The suggestion becomes a ticket, as an agent would make it.
        if let suggestion = try await adminAccess.query(IncomingMessage.self, on: app.db).filter(\.$authorName == "晴天").first() {
            _ = try await FeedbackService(db: app.db).create(
                .init(title: "深蓝色款", messageId: suggestion.id, impact: 3, urgency: 2, cost: 2), in: agent.1, actor: agent.0, now: now)
        }
    }
}
