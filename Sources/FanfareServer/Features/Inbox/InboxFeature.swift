import ArgumentParser
import FanfareCore
import Fluent
import Vapor

/// The inbox: every comment, mention and message of every connected
/// account, polled or pushed, analysed, routed by rules, answered from the
/// reply library within the service levels.
struct InboxFeature: Feature {
    var name: String { "inbox" }

    var migrations: [ShippedMigration] {
        [
            ShippedMigration(4, AddMessageAnalysis()), ShippedMigration(4, CreatePushNonces()), ShippedMigration(5, CreateInbox()),
            ShippedMigration(15, CreateConversationNotes()), ShippedMigration(15, CreateWeChatReplies()),
            ShippedMigration(16, AddReplySentIndex()),
        ]
    }

    func routes(_ routes: FeatureRoutes) throws {
        // Platforms' pushes: signed, neither session nor token.
        try routes.root.register(collection: PushRoutes())
        InboxPages().bootScoped(routes.workspacePages)
        ReplyTemplatePages().bootScoped(routes.workspacePages)
        InboxRulePages().bootScoped(routes.workspacePages)
        ServiceLevelPages().bootScoped(routes.workspacePages)
        WeChatTemplatePages().bootScoped(routes.workspacePages)
        InboxAPI().bootScoped(routes.workspaceAPI)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(MessageIntake.kind, run: .single(MessageIntake.run), schedule: .every(MessageIntake.period)),
            JobRegistration(ReplySender.kind, run: .batch(ReplySender.runBatch)),
            JobRegistration(ServiceLevelWatch.kind, run: .single(ServiceLevelWatch.run), schedule: .every(ServiceLevelWatch.period)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        var keys = ["running", "warning", "breached", "met", "missed"].map { "inbox.clock.\($0)" }
        keys += ["ok", "warning", "breached", "done"].map { "inbox.sla.\($0)" }
        keys += Conversation.Status.allCases.map { "inbox.status.\($0.rawValue)" }
        keys += InboxReply.Status.allCases.map { "inbox.reply_status.\($0.rawValue)" }
        keys += ["comment", "mention", "direct_message"].map { "inbox.kind.\($0)" } + ["post", "dm", "mention"].map { "inbox.thread.\($0)" }
        keys += ConversationFilterKeys.all.map { "inbox.filter.\($0)" }
        keys += ["first_response", "resolution"].flatMap { ["inbox.note_\($0)_warning", "inbox.note_\($0)_breached"] }
        keys += ReplyTemplateCategory.allCases.map { "inbox.template_category.\($0.rawValue)" }
        keys += ActivityTier.allCases.map { "inbox.tier.\($0.rawValue)" }
        keys += InboxQueue.allCases.map { "inbox.queue.\($0.rawValue)" }
        keys += InboxRouting.kinds.map { "inbox.kind.\($0)" }
        keys += (1...7).map { "inbox.weekday.\($0)" }
        keys += InboxPages.fields.map { "inbox.field.\($0)" } + TemplateVariable.allCases.map { "inbox.variable.\($0.rawValue)" }
        keys += MessageSentiment.allCases.map { "inbox.sentiment.\($0.rawValue)" } + MessageIntent.allCases.map { "inbox.intent.\($0.rawValue)" }
        keys += ["low", "normal", "high", "urgent"].map { "inbox.priority.\($0)" } + ["zh", "en", "other"].map { "inbox.lang.\($0)" }
        keys += WeChatTemplateRules.FieldKind.allCases.map { "inbox.wechat_field_rule.\($0.rawValue)" }
        keys += ["inbox.duration_hour", "inbox.duration_hours", "inbox.duration_minute", "inbox.duration_minutes"]
        keys += ["closed", "full"].map { "inbox.wechat_reply_blocked_\($0)" } + ["closes_at", "closed_at"].map { "inbox.wechat_window_\($0)" }
        return keys
    }

    var commands: [any ParsableCommand.Type] { [AnalyzeCommand.self] }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.engagement, order: 10, path: "/inbox", label: "nav.inbox", permission: .inboxView)]
    }

    func boot(_ app: Application) throws {
        app.installPushWriter()
    }
}
