import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/inbox/…`: conversations and answering them,
/// reply templates, routing rules, service levels and their report.
struct InboxAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let inbox = ws.grouped("inbox")
        inbox.get("conversations", use: conversations)
        inbox.get("conversations", ":conversation_id", use: conversation)
        inbox.patch("conversations", ":conversation_id", use: change)
        inbox.post("conversations", "bulk", use: bulk)
        inbox.post("conversations", ":conversation_id", "replies", use: reply)
        inbox.post("conversations", ":conversation_id", "notes", use: note)
        inbox.get("conversations", ":conversation_id", "draft", use: draft)
        inbox.post("conversations", ":conversation_id", "template-messages", use: sendTemplate)
        inbox.get("wechat-templates", use: wechatTemplates)
        inbox.post("wechat-templates", use: addWeChatTemplate)
        inbox.delete("wechat-templates", ":template_id", use: removeWeChatTemplate)
        inbox.get("templates", use: templates)
        inbox.post("templates", use: createTemplate)
        inbox.put("templates", ":template_id", use: updateTemplate)
        inbox.delete("templates", ":template_id", use: deleteTemplate)
        inbox.get("rules", use: rules)
        inbox.post("rules", use: createRule)
        inbox.put("rules", ":rule_id", use: updateRule)
        inbox.delete("rules", ":rule_id", use: deleteRule)
        inbox.get("settings", use: settings)
        inbox.put("settings", use: updateSettings)
        inbox.get("service-levels", "report", use: report)
    }

    // MARK: Conversations

    static func filter(_ req: Request) throws -> ConversationFilter {
        try ConversationFilter(
            account: req.query["account"], platform: req.query["platform"], sentiment: req.query["sentiment"], intent: req.query["intent"],
            status: req.query["status"], queue: req.query["queue"], assignee: req.query["assignee"], serviceLevel: req.query["sla"],
            tag: req.query["tag"], search: req.query["q"])
    }

    @Sendable func conversations(req: Request) async throws -> Page<ConversationDTO> {
        let now = Date()
        let (items, next) = try await ConversationService(db: req.db).list(
            try Self.filter(req), page: try req.pageRequest(), in: try req.workspaceAccess, user: req.actor.userID, now: now)
        let windows = try await WeChatWindows.windows(of: items.map { ($0.conversation, $0.account) }, now: now, on: req.db)
        return Page(
            items: items.map { ConversationDTO($0.conversation, account: $0.account, clocks: $0.clocks, window: windows[$0.conversation.id!]) },
            nextCursor: next)
    }

    @Sendable func conversation(req: Request) async throws -> ConversationDetailDTO {
        let now = Date()
        let (listed, messages, replies) = try await ConversationService(db: req.db).find(
            req.parameters.get("conversation_id"), in: try req.workspaceAccess, now: now)
        let notes = try await ConversationNotes(db: req.db).notes(of: listed.conversation.id!)
        let window = try await WeChatWindows.window(of: listed.conversation, account: listed.account, now: now, on: req.db)
        return ConversationDetailDTO(
            conversation: ConversationDTO(listed.conversation, account: listed.account, clocks: listed.clocks, window: window),
            messages: messages.map { IncomingMessageDTO($0, account: listed.account) }, replies: replies.map(InboxReplyDTO.init),
            notes: notes.map(ConversationNoteDTO.init))
    }

    @Sendable func change(req: Request) async throws -> ConversationDetailDTO {
        let input = try req.decodeInput(ConversationService.Change.self)
        _ = try await ConversationService(db: req.db).change(
            [req.parameters.get("conversation_id") ?? ""], input, in: try req.workspaceAccess, actor: req.actor)
        return try await conversation(req: req)
    }

    struct BulkInput: Content {
        var ids: [String]?
        var change: ConversationService.Change?
    }

    struct BulkOutput: Content {
        var changed: Int
    }

    @Sendable func bulk(req: Request) async throws -> BulkOutput {
        let input = try req.decodeInput(BulkInput.self)
        guard let change = input.change else { throw ValidationErrors("change", .bulkChangeRequired) }
        let changed = try await ConversationService(db: req.db).change(input.ids ?? [], change, in: try req.workspaceAccess, actor: req.actor)
        return BulkOutput(changed: changed.count)
    }

    @Sendable func reply(req: Request) async throws -> Response {
        let input = try req.decodeInput(ConversationService.ReplyInput.self)
        let reply = try await ConversationService(db: req.db).reply(
            to: req.parameters.get("conversation_id"), input, in: try req.workspaceAccess, actor: req.actor)
        return try await InboxReplyDTO(reply).encodeResponse(status: .accepted, for: req)
    }

    /// An internal note: stored, shown in the thread, never sent (201).
    @Sendable func note(req: Request) async throws -> Response {
        let input = try req.decodeInput(ConversationNotes.Input.self)
        let note = try await ConversationNotes(db: req.db).add(
            to: req.parameters.get("conversation_id"), input, in: try req.workspaceAccess, actor: req.actor)
        return try await ConversationNoteDTO(note).encodeResponse(status: .created, for: req)
    }

    struct DraftOutput: Content {
        var text: String
        /// Variables left for the agent to fill in.
        var unfilled: [String]
    }

    @Sendable func draft(req: Request) async throws -> DraftOutput {
        let agent = req.auth.get(User.self)?.displayName
        let text = try await ConversationService(db: req.db).draft(
            req.parameters.get("conversation_id"), template: req.query["template_id"], in: try req.workspaceAccess, agent: agent)
        return DraftOutput(text: text, unfilled: ReplyTemplateText.unfilled(in: text))
    }

    /// A WeChat template message to the conversation's fan (202 with the
    /// reply it is recorded as; sent by the worker).
    @Sendable func sendTemplate(req: Request) async throws -> Response {
        let input = try req.decodeInput(WeChatTemplateService.SendInput.self)
        let reply = try await WeChatTemplateService(db: req.db).send(
            to: req.parameters.get("conversation_id"), input, in: try req.workspaceAccess, actor: req.actor)
        return try await InboxReplyDTO(reply).encodeResponse(status: .accepted, for: req)
    }

    // MARK: WeChat template messages

    @Sendable func wechatTemplates(req: Request) async throws -> Page<WeChatTemplateDTO> {
        let access = try req.workspaceAccess
        var account: UUID?
        if let raw = req.query[String.self, at: "account"], !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw ValidationErrors("account", .accountId) }
            account = id
        }
        return Page(
            items: try await WeChatTemplateService(db: req.db).list(in: access, account: account).map(WeChatTemplateDTO.init), nextCursor: nil)
    }

    @Sendable func addWeChatTemplate(req: Request) async throws -> Response {
        let input = try req.decodeInput(WeChatTemplateService.Input.self)
        let template = try await WeChatTemplateService(db: req.db).add(input, in: try req.workspaceAccess, actor: req.actor)
        return try await WeChatTemplateDTO(template).encodeResponse(status: .created, for: req)
    }

    @Sendable func removeWeChatTemplate(req: Request) async throws -> HTTPStatus {
        try await WeChatTemplateService(db: req.db).remove(req.parameters.get("template_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    // MARK: Templates

    @Sendable func templates(req: Request) async throws -> Page<ReplyTemplateDTO> {
        Page(items: try await ReplyTemplateService(db: req.db).list(in: try req.workspaceAccess).map(ReplyTemplateDTO.init), nextCursor: nil)
    }

    @Sendable func createTemplate(req: Request) async throws -> Response {
        let input = try req.decodeInput(ReplyTemplateService.Input.self)
        let template = try await ReplyTemplateService(db: req.db).create(input, in: try req.workspaceAccess, actor: req.actor)
        return try await ReplyTemplateDTO(template).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateTemplate(req: Request) async throws -> ReplyTemplateDTO {
        let input = try req.decodeInput(ReplyTemplateService.Input.self)
        return ReplyTemplateDTO(
            try await ReplyTemplateService(db: req.db).update(req.parameters.get("template_id"), input, in: try req.workspaceAccess, actor: req.actor)
        )
    }

    @Sendable func deleteTemplate(req: Request) async throws -> HTTPStatus {
        try await ReplyTemplateService(db: req.db).delete(req.parameters.get("template_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    // MARK: Rules

    /// The rule format of the API (snake_case keys, as everywhere in it).
    struct RuleInput: Content {
        struct Conditions: Content {
            var keywords: [String]?
            var intents: [String]?
            var sentiments: [String]?
            var accountIds: [UUID]?
            var tiers: [String]?
            var kinds: [String]?
            var hours: HourWindow?
            var segmentIds: [UUID]?
        }

        struct Actions: Content {
            var replyTemplateId: UUID?
            var tags: [String]?
            var queue: InboxQueue?
            var escalate: Bool?
        }

        var name: String?
        var position: Int?
        var enabled: Bool?
        var conditions: Conditions?
        var actions: Actions?
        var answersNegative: Bool?

        var service: InboxRuleService.Input {
            InboxRuleService.Input(
                name: name, position: position, enabled: enabled,
                conditions: conditions.map {
                    InboxRuleConditions(
                        keywords: $0.keywords ?? [], intents: $0.intents ?? [], sentiments: $0.sentiments ?? [], accountIDs: $0.accountIds ?? [],
                        tiers: $0.tiers ?? [], kinds: $0.kinds ?? [], hours: $0.hours, segmentIDs: $0.segmentIds ?? [])
                },
                actions: actions.map {
                    InboxRuleActions(replyTemplateID: $0.replyTemplateId, tags: $0.tags ?? [], queue: $0.queue, escalate: $0.escalate ?? false)
                }, answersNegative: answersNegative)
        }
    }

    @Sendable func rules(req: Request) async throws -> Page<InboxRuleDTO> {
        Page(items: try await InboxRuleService(db: req.db).list(in: try req.workspaceAccess).map(InboxRuleDTO.init), nextCursor: nil)
    }

    @Sendable func createRule(req: Request) async throws -> Response {
        let input = try req.decodeInput(RuleInput.self)
        let rule = try await InboxRuleService(db: req.db).create(input.service, in: try req.workspaceAccess, actor: req.actor)
        return try await InboxRuleDTO(rule).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateRule(req: Request) async throws -> InboxRuleDTO {
        let input = try req.decodeInput(RuleInput.self)
        return InboxRuleDTO(
            try await InboxRuleService(db: req.db).update(req.parameters.get("rule_id"), input.service, in: try req.workspaceAccess, actor: req.actor)
        )
    }

    @Sendable func deleteRule(req: Request) async throws -> HTTPStatus {
        try await InboxRuleService(db: req.db).delete(req.parameters.get("rule_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    // MARK: Service levels

    @Sendable func settings(req: Request) async throws -> InboxSettingsDTO {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        return InboxSettingsDTO(try await InboxSettings.of(access.workspaceID, on: req.db))
    }

    @Sendable func updateSettings(req: Request) async throws -> InboxSettingsDTO {
        let input = try req.decodeInput(ServiceLevelService.Input.self)
        return InboxSettingsDTO(try await ServiceLevelService(db: req.db).update(input, in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func report(req: Request) async throws -> ServiceLevelService.Report {
        let days = req.query[String.self, at: "days"]
        let value = days.map { Int($0) } ?? 30
        guard let value, (1...366).contains(value) else { throw ValidationErrors("days", .wholeNumberBetween(min: 1, max: 366)) }
        return try await ServiceLevelService(db: req.db).report(days: value, in: try req.workspaceAccess)
    }
}
