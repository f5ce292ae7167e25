import FanfareCore
import Fluent
import Foundation
import SQLKit

/// One conversation as query → model → view: a chat thread (the fan's
/// messages on the left, the team's replies on the right, internal notes
/// as dashed yellow bubbles, in time order), its two clocks, what the
/// reader may do with it, the reply box with the team's templates and the
/// note box under the thread, and beside it the fan's panel (read through
/// `FansSurface`, masked as the fans area masks it). A refused reply or
/// note comes back with the agent's text still in its box and the reason
/// above it.
enum ConversationPage {
    struct Input: Sendable {
        var id: String?
        /// A template chosen to start the reply from.
        var templateID: String?
        /// The text of a refused reply, kept for the agent.
        var typed: String?
        /// Why the reply was refused.
        var refused: [FieldIssue] = []
        /// The text of a refused internal note, kept for the agent.
        var noteTyped: String? = nil
        /// Why the note was refused.
        var noteRefused: [FieldIssue] = []
        /// A refused template message: which template (its id in Fanfare),
        /// what was typed in its fields and link, and why.
        var templateChosen: String? = nil
        var templateTyped: [String: String] = [:]
        var templateURL: String = ""
        var templateRefused: [FieldIssue] = []
    }

    /// Another conversation of the same fan.
    struct Other: Sendable, Equatable {
        var id: UUID
        var status: String
        var thread: String
        var platform: String
        var lastMessageAt: Date
    }

    struct Template: Sendable, Equatable {
        var id: UUID
        var name: String
        var category: String
    }

    struct Found: Sendable {
        var item: InboxListPage.Item
        var messages: [IncomingMessageDTO]
        var replies: [InboxReplyDTO]
        var members: [InboxListPage.Member]
        var templates: [Template]
        /// The chosen template filled in for this conversation.
        var drafted: String?
        /// Why the chosen template could not be used.
        var draftProblems: [FieldIssue] = []
        /// The unresolved conversation after this one in the inbox's own
        /// order (newest first), for "next" and the J key.
        var nextID: UUID?
        var notes: [ConversationNoteDTO] = []
        /// Whether a message of the conversation names a fan.
        var fanLinked = false
        /// The fan behind the conversation (nil without one, or when the
        /// reader may not see fans).
        var fan: FanService.Card? = nil
        /// The fan's other conversations, newest message first, at most 5.
        var others: [Other] = []
        /// WeChat conversations: the customer-service window, as of `now`.
        var window: WeChatServiceWindow? = nil
        /// WeChat conversations: the template messages set up for the account.
        var wechatTemplates: [WeChatTemplateDTO] = []
        var now = Date()
    }

    /// How many of the fan's other conversations the panel lists.
    static let othersShown = 5

    struct Model: Sendable {
        struct Clock: Sendable {
            var name: String
            var state: InboxVocabulary.Label
            var due: Date
        }

        struct Message: Sendable {
            var id: String
            var author: String
            var at: Date
            var kind: String
            var text: String
            var matches: [ModerationMatch]
            var analysis: IncomingMessageDTO.Analysis?
            var recommendation: String
        }

        struct Reply: Sendable {
            /// Who answered: a member's name as typed, or nil for an automatic reply.
            var author: String?
            var automatic: Bool
            var at: Date
            var status: InboxVocabulary.Label
            /// What the platform said when it refused (its own words).
            var error: String?
            var text: String
            /// A template message (WeChat's 模板消息) rather than a text reply.
            var template: Bool = false
        }

        struct Note: Sendable, Equatable {
            /// The member who wrote it, as typed (nil once they are gone).
            var author: String?
            var at: Date
            var text: String
        }

        enum Entry: Sendable {
            case message(Message)
            case reply(Reply)
            case note(Note)

            var at: Date {
                switch self {
                case .message(let message): message.at
                case .reply(let reply): reply.at
                case .note(let note): note.at
                }
            }
        }

        /// The fan beside the thread.
        struct FanCard: Sendable, Equatable {
            struct Identity: Sendable, Equatable {
                var platform: String
                var handle: String
            }

            struct Other: Sendable, Equatable {
                var href: String
                var status: InboxVocabulary.Label
                var thread: String
                var platform: String
                var at: Date
            }

            var href: String
            var name: Wording
            var erased: Bool
            var identities: [Identity]
            var tier: String
            var tierCode: String
            var points: String
            var tags: [String]
            var firstSeen: Date
            var lastSeen: Date?
            var others: [Other]
        }

        enum Panel: Sendable, Equatable {
            case fan(FanCard)
            /// No message names a fan (or the fan is gone).
            case noFan
            /// The reader's role may not see fans (`fans.view`).
            case hidden
        }

        struct Action: Sendable, Equatable {
            var id: String
            var field: String
            var value: String
            var label: String
        }

        struct TemplateGroup: Sendable, Equatable {
            var category: String
            var templates: [(id: String, name: String)]

            static func == (a: Self, b: Self) -> Bool {
                a.category == b.category && a.templates.map(\.id) == b.templates.map(\.id) && a.templates.map(\.name) == b.templates.map(\.name)
            }
        }

        var id: String
        var inboxHref: String
        var path: String
        var feedbackAction: String
        var fanName: String
        var platform: String
        var handle: String
        var thread: String
        var tier: String
        var status: InboxVocabulary.Label
        var queue: InboxVocabulary.Label
        var assignee: String?
        var tags: [String]
        var serviceLevel: InboxVocabulary.Label
        var due: Date?
        var clocks: [Clock]
        var entries: [Entry]
        var canWork: Bool
        var actions: [Action]
        /// The reply box: nil when the reader may not answer here.
        var mayAnswer: Bool
        var expertsOnly: Bool
        var templates: [TemplateGroup]
        var templateID: String
        var draft: String
        var problems: [String]
        var replyHint: String
        /// The next unresolved conversation's page.
        var nextHref: String? = nil
        /// The replies shown: sent back with the reply, so that one sent
        /// meanwhile by someone else is noticed (`ConversationService.reply`).
        var seenReplies: Int = 0
        var panel: Panel = .hidden
        /// The note box: whether the reader may write internal notes.
        var mayNote: Bool = false
        var noteDraft: String = ""
        var noteProblems: [String] = []
        /// WeChat conversations: the customer-service window.
        var window: Window? = nil
        /// Why the reply box is off (the window is closed or full); nil when it works.
        var replyBlocked: String? = nil
        /// WeChat conversations whose window is closed or full: the template messages that may be sent instead.
        var templateMessages: TemplateMessages? = nil
    }

    /// The customer-service window as the reader sees it.
    struct Window: Sendable, Equatable {
        /// open, full or closed.
        var state: String
        /// "客服消息窗口：还剩 31 小时，可再发 4 条", or what to do when it is closed.
        var sentence: String
        var closesAt: Date
        var tone: Badge.Tone
    }

    struct TemplateMessages: Sendable, Equatable {
        struct Field: Sendable, Equatable {
            var key: String
            /// What the field takes, from its type ("事物，最多 20 个字").
            var rule: String
            var value: String
            var problem: String?
        }

        struct Form: Sendable, Equatable {
            var id: String
            var title: String
            var fields: [Field]
            var url: String
            var open: Bool
        }

        var action: String
        var forms: [Form]
        var problems: [String]
        /// Where templates are set up, for a reader who may; nil otherwise.
        var setUpHref: String?
    }

    static func query(_ input: Input, access: WorkspaceAccess, agent: String?, on db: any Database) async throws -> Found {
        let service = ConversationService(db: db)
        let now = Date()
        let (listed, messages, replies) = try await service.find(input.id, in: access, now: now)
        let item = InboxListPage.Item(
            conversation: ConversationDTO(listed.conversation, account: listed.account, clocks: listed.clocks),
            account: InboxListPage.account(listed.account), clocks: listed.clocks)
        let templates = try await templates(access.workspaceID, on: db)
        var found = Found(
            item: item, messages: messages.map { IncomingMessageDTO($0, account: listed.account) }, replies: replies.map(InboxReplyDTO.init),
            members: try await InboxListPage.members(access, on: db), templates: templates)
        found.now = now
        if let sql = db as? any SQLDatabase, let id = listed.conversation.id {
            found.nextID = try await sql.raw(
                """
                SELECT id FROM conversations WHERE workspace_id = \(bind: access.workspaceID) AND status <> \(bind: Conversation.Status.resolved.rawValue) \
                AND id < \(bind: id) ORDER BY id DESC LIMIT 1
                """
            ).first().map { try SQLRows.uuid($0, "id", asText: SQLRows.uuidsAsText(sql)) }
        }
        found.notes = try await notes(of: listed.conversation.id!, on: db)
        let fanID = messages.last { $0.fanID != nil }?.fanID
        found.fanLinked = fanID != nil
        if let fanID, access.can(.fansView), let card = try await FanService.card(of: fanID, workspaceID: access.workspaceID, on: db) {
            found.fan = card
            found.others = try await others(of: card, besides: listed.conversation.id!, access: access, on: db)
        }
        if WeChatWindows.applies(platform: listed.account.platform, thread: listed.conversation.threadKey) {
            found.window = try await WeChatWindows.window(of: listed.conversation, account: listed.account, now: found.now, on: db)
            found.wechatTemplates = try await WeChatTemplateService(db: db).list(in: access, account: listed.account.id!).map(WeChatTemplateDTO.init)
        }
        if input.typed == nil, let templateID = input.templateID, !templateID.isEmpty {
            do {
                found.drafted = try await service.draft(input.id, template: templateID, in: access, agent: agent)
            } catch let errors as ValidationErrors {
                found.draftProblems = errors.issues
            } catch let problem as Problem where problem.status == 404 {
                // A template that went away (or a mistyped address): the page still opens.
                found.draftProblems = [FieldIssue(field: "template_id", .notAReplyTemplate)]
            }
        }
        return found
    }

    /// The team's templates for the reply box (names only), by category
    /// and name, as plain rows.
    static func templates(_ workspaceID: UUID, on db: any Database) async throws -> [Template] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        let library = try await sql.raw(
            "SELECT id, name, category FROM reply_templates WHERE workspace_id = \(bind: workspaceID) ORDER BY category, name"
        ).all().map { row in
            Template(
                id: try SQLRows.uuid(row, "id", asText: text), name: try row.decode(column: "name", as: String.self),
                category: try row.decode(column: "category", as: String.self))
        }
        // Active incidents' approved holding statements (issue 20).
        let statements = try await IncidentService.approvedStatements(in: workspaceID, on: db).map {
            Template(id: $0.id, name: $0.name, category: "incident_statement")
        }
        return library + statements
    }

    /// The conversation's internal notes in the order `ConversationNotes.notes` gives, as plain rows.
    static func notes(of conversationID: UUID, on db: any Database) async throws -> [ConversationNoteDTO] {
        guard let sql = db as? any SQLDatabase else {
            return try await ConversationNotes(db: db).notes(of: conversationID).map(ConversationNoteDTO.init)
        }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(
            """
            SELECT id, author_id, text, created_at FROM conversation_notes WHERE conversation_id = \(bind: conversationID) \
            ORDER BY created_at, id
            """
        ).all().map { row in
            ConversationNoteDTO(
                id: try SQLRows.uuid(row, "id", asText: text), authorId: try SQLRows.optionalUUID(row, "author_id", asText: text),
                text: try row.decode(column: "text", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self))
        }
    }

    /// The fan's other conversations (any account, any thread), newest
    /// message first: those with a message from the fan or from a fan
    /// merged into it, as plain rows.
    static func others(of card: FanService.Card, besides id: UUID, access: WorkspaceAccess, on db: any Database) async throws -> [Other] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        let workspaceID = access.workspaceID
        return try await sql.raw(
            """
            SELECT c.id, c.status, c.thread_key, c.last_message_at, a.platform, a.settings FROM conversations c \
            JOIN social_accounts a ON a.id = c.account_id \
            WHERE c.workspace_id = \(bind: workspaceID) AND c.id <> \(bind: id) AND c.id IN (SELECT im.conversation_id FROM incoming_messages im \
            WHERE im.workspace_id = \(bind: workspaceID) AND im.fan_id IN (\(binds: card.fanIDs))) \
            ORDER BY c.last_message_at DESC, c.id DESC LIMIT \(unsafeRaw: String(othersShown))
            """
        ).all().map { row in
            let platform = try row.decode(column: "platform", as: String.self)
            return Other(
                id: try SQLRows.uuid(row, "id", asText: text), status: try row.decode(column: "status", as: String.self),
                thread: try row.decode(column: "thread_key", as: String.self),
                platform: SocialAccount.rulesPlatform(
                    platform: platform, settingsJSON: platform == "sandbox" ? try row.decode(column: "settings", as: String?.self) : nil),
                lastMessageAt: try row.decode(column: "last_message_at", as: Date.self))
        }
    }

    /// The thread in time order: at the same moment the fan's message
    /// comes first, then the team's reply, then a note about them.
    static func thread(_ entries: [Model.Entry]) -> [Model.Entry] {
        func rank(_ entry: Model.Entry) -> Int {
            switch entry {
            case .message: 0
            case .reply: 1
            case .note: 2
            }
        }
        return entries.enumerated().sorted { a, b in
            if a.element.at != b.element.at { return a.element.at < b.element.at }
            if rank(a.element) != rank(b.element) { return rank(a.element) < rank(b.element) }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// The panel beside the thread; names and platform ids masked for a
    /// reader without `fans.personal_data`, as on the fans' own pages.
    static func panel(_ found: Found, workspace: String, can: (WorkspaceAction) -> Bool, locale: UILocale) -> Model.Panel {
        guard can(.fansView) else { return .hidden }
        guard let fan = found.fan else { return .noFan }
        let personal = can(.fansPersonalData)
        return .fan(
            .init(
                href: workspace + "/fans/" + fan.id.uuidString.lowercased(), name: FanService.visibleName(of: fan, personalData: personal, locale),
                erased: fan.erased,
                identities: fan.erased
                    ? []
                    : fan.identities.map { .init(platform: $0.platform, handle: FanService.visibleHandle($0.authorID, personalData: personal)) },
                tier: FanService.tierName(fan.activityTier, locale), tierCode: fan.activityTier, points: Formats.count(fan.points, locale),
                tags: fan.erased ? [] : fan.tags, firstSeen: fan.firstSeenAt, lastSeen: fan.lastSeenAt,
                others: found.others.map { other in
                    .init(
                        href: workspace + "/inbox/" + other.id.uuidString.lowercased(), status: InboxVocabulary.status(other.status, locale),
                        thread: InboxVocabulary.thread(other.thread, locale), platform: other.platform, at: other.lastMessageAt)
                }))
    }

    /// `user` is the reader; `can` answers whether the reader's role allows a permission.
    static func model(
        _ input: Input, _ found: Found, workspace: String, user: UUID?, can: (WorkspaceAction) -> Bool, locale: UILocale
    ) -> Model {
        let c = found.item.conversation
        let id = c.id.uuidString.lowercased()
        let path = "\(workspace)/inbox/\(id)"
        let names = Dictionary(found.members.map { ($0.id, $0.name) }) { first, _ in first }
        func t(_ key: String) -> String { I18n.text(key, locale) }
        let clocks = found.item.clocks
        let messages = found.messages.map { message in
            Model.Entry.message(
                .init(
                    id: message.id.uuidString.lowercased(), author: message.authorName, at: message.sentAt,
                    kind: InboxVocabulary.kind(message.kind, locale), text: message.text, matches: message.moderation.matches,
                    analysis: message.analysis, recommendation: message.moderation.recommendation))
        }
        let replies = found.replies.map { reply in
            Model.Entry.reply(
                .init(
                    author: reply.automatic ? nil : reply.authorId.flatMap { names[$0] }, automatic: reply.automatic, at: reply.createdAt,
                    status: InboxVocabulary.replyStatus(reply.status, locale), error: reply.error, text: reply.text,
                    template: reply.templateMessage != nil))
        }
        let notes = found.notes.map { note in
            Model.Entry.note(.init(author: note.authorId.flatMap { names[$0] }, at: note.createdAt, text: note.text))
        }
        let canWork = can(.inboxReply)
        var actions: [Model.Action] = []
        if canWork {
            if c.assigneeId != user { actions.append(.init(id: "assign-me", field: "assign", value: "me", label: t("inbox.assign_me"))) }
            if can(.inboxEscalate) || can(.inboxExpertAnswer) {
                actions.append(
                    c.queue == InboxQueue.experts.rawValue
                        ? .init(id: "to-agents", field: "queue", value: "agents", label: t("inbox.to_agents"))
                        : .init(id: "escalate", field: "queue", value: "experts", label: t("inbox.escalate")))
            }
            actions.append(
                c.status == Conversation.Status.resolved.rawValue
                    ? .init(id: "reopen", field: "status", value: "open", label: t("inbox.reopen"))
                    : .init(id: "resolve", field: "status", value: "resolved", label: t("inbox.resolve")))
        }
        let mayAnswer = canWork && (c.queue != InboxQueue.experts.rawValue || can(.inboxExpertAnswer))
        let groups = Dictionary(grouping: found.templates, by: \.category).sorted { $0.key < $1.key }.map { category, templates in
            Model.TemplateGroup(
                category: InboxVocabulary.templateCategory(category, locale),
                templates: templates.map { (id: $0.id.uuidString.lowercased(), name: $0.name) })
        }
        let problems = (input.refused + found.draftProblems).map { $0.text(locale) }
        let running = clocks.firstResponse.state == .running || clocks.firstResponse.state == .warning
        var model = Model(
            id: id, inboxHref: workspace + "/inbox", path: path, feedbackAction: workspace + "/feedback", fanName: c.authorName,
            platform: found.item.account.rulesPlatform, handle: found.item.account.handle, thread: InboxVocabulary.thread(c.thread, locale),
            tier: InboxVocabulary.tier(c.tier, locale), status: InboxVocabulary.status(c.status, locale),
            queue: InboxVocabulary.queue(c.queue, locale),
            assignee: c.assigneeId.flatMap { names[$0] }, tags: c.tags, serviceLevel: InboxVocabulary.serviceLevel(clocks.badge, locale),
            due: clocks.badge == .done ? nil : (running ? clocks.firstResponse.due : clocks.resolution.due),
            clocks: [
                .init(
                    name: t("inbox.first_response"), state: InboxVocabulary.clock(clocks.firstResponse.state.rawValue, locale),
                    due: clocks.firstResponse.due),
                .init(
                    name: t("inbox.resolution"), state: InboxVocabulary.clock(clocks.resolution.state.rawValue, locale), due: clocks.resolution.due),
            ],
            entries: thread(messages + replies + notes), canWork: canWork, actions: actions, mayAnswer: mayAnswer,
            expertsOnly: canWork && !mayAnswer, templates: groups, templateID: input.typed == nil ? (input.templateID ?? "") : "",
            draft: input.typed ?? found.drafted ?? "", problems: problems,
            replyHint: I18n.text("inbox.reply_hint", locale, [InboxVocabulary.platform(found.item.account.rulesPlatform, locale)]),
            nextHref: found.nextID.map { workspace + "/inbox/" + $0.uuidString.lowercased() }, seenReplies: found.replies.count,
            panel: panel(found, workspace: workspace, can: can, locale: locale), mayNote: canWork, noteDraft: input.noteTyped ?? "",
            noteProblems: input.noteRefused.map { issue in
                issue.field == "text" ? I18n.text("inbox.field_problem", locale, [t("inbox.note_text"), issue.text(locale)]) : issue.text(locale)
            })
        if let window = found.window {
            model.window = Self.window(window, now: found.now, locale: locale)
            if window.state != .open {
                model.replyBlocked = t(window.state == .closed ? "inbox.wechat_reply_blocked_closed" : "inbox.wechat_reply_blocked_full")
                // A reply refused for the window (sent from an older page) is said once, by the box.
                let windowCodes: Set<MessageCode> = [.wechatWindowClosed, .wechatWindowFull]
                model.problems = (input.refused + found.draftProblems).filter { !windowCodes.contains($0.code) }.map { $0.text(locale) }
                if mayAnswer {
                    model.templateMessages = templateMessages(
                        input, found.wechatTemplates, path: path, setUp: can(.inboxRulesManage) ? workspace + "/inbox/wechat-templates" : nil,
                        locale: locale)
                }
            }
        }
        return model
    }

    /// "客服消息窗口：还剩 31 小时，可再发 4 条"; full and closed say what to do instead.
    static func window(_ window: WeChatServiceWindow, now: Date, locale: UILocale) -> Window {
        let left = duration(window.remainingTime(at: now), locale)
        let max = String(WeChatServiceWindow.messagesPerWindow)
        switch window.state {
        case .open:
            return .init(
                state: "open", sentence: I18n.text("inbox.wechat_window_open", locale, [left, String(window.remainingMessages)]),
                closesAt: window.closesAt, tone: window.remainingMessages <= 1 ? .warning : .success)
        case .full:
            return .init(
                state: "full", sentence: I18n.text("inbox.wechat_window_full", locale, [max, left]), closesAt: window.closesAt, tone: .warning)
        case .closed:
            return .init(
                state: "closed", sentence: I18n.text("inbox.wechat_window_closed", locale, [String(Int(WeChatServiceWindow.length / 3_600))]),
                closesAt: window.closesAt, tone: .danger)
        }
    }

    /// Whole hours left, or minutes in the last hour ("31 小时", "1 hour", "12 minutes").
    static func duration(_ seconds: TimeInterval, _ locale: UILocale) -> String {
        let hours = Int(seconds / 3_600)
        if hours >= 1 { return I18n.text(hours == 1 ? "inbox.duration_hour" : "inbox.duration_hours", locale, [String(hours)]) }
        let minutes = max(1, Int((seconds / 60).rounded(.up)))
        return I18n.text(minutes == 1 ? "inbox.duration_minute" : "inbox.duration_minutes", locale, [String(minutes)])
    }

    /// One form per template set up for the account; a refused one comes
    /// back open with what was typed and the reason beside each field.
    static func templateMessages(
        _ input: Input, _ templates: [WeChatTemplateDTO], path: String, setUp: String?, locale: UILocale
    ) -> TemplateMessages {
        let chosen = input.templateChosen
        var general: [String] = []
        var byField: [String: String] = [:]
        for issue in input.templateRefused {
            if issue.field.hasPrefix("data.") {
                byField[String(issue.field.dropFirst(5))] = issue.text(locale)
            } else {
                let name = InboxVocabulary.text("inbox.field." + issue.field, locale)
                general.append(name.map { I18n.text("inbox.field_problem", locale, [$0, issue.text(locale)]) } ?? issue.text(locale))
            }
        }
        let forms = templates.map { template -> TemplateMessages.Form in
            let id = template.id.uuidString.lowercased()
            let refused = chosen == id
            return .init(
                id: id, title: template.title,
                fields: template.fields.map { key in
                    .init(
                        key: key, rule: I18n.text("inbox.wechat_field_rule." + WeChatTemplateRules.FieldKind.of(key: key).rawValue, locale),
                        value: refused ? input.templateTyped[key] ?? "" : "", problem: refused ? byField[key] : nil)
                }, url: refused ? input.templateURL : "", open: refused || templates.count == 1)
        }
        return .init(action: path + "/template-message", forms: forms, problems: general, setUpHref: setUp)
    }

    // MARK: View

    /// The fan beside the thread: who, where, tier, points, tags, when
    /// seen, and their other conversations.
    static func panel(_ panel: Model.Panel, _ ctx: PageContext) -> HTML {
        let body: HTML
        switch panel {
        case .hidden:
            return .empty
        case .noFan:
            body = "<p class=\"muted\" id=\"no-fan\">\(ctx.t("inbox.panel_no_fan"))</p>"
        case .fan(let fan):
            let identities = fan.identities.map { identity -> HTML in
                "<li>\(Badge.platform(identity.platform, ctx.locale)) \(HTML.typed(identity.handle))</li>"
            }
            let tags = fan.tags.map { "<span class=\"badge tag\" translate=\"no\">\($0)</span>" as HTML }
            let others = fan.others.map { other -> HTML in
                """
                <li><a href="\(other.href)">\(Badge.platform(other.platform, ctx.locale)) \(other.thread)</a> \
                \(InboxVocabulary.badge(other.status, classes: "status")) <span class="muted other-time">\(Layout.time(other.at, ctx))</span></li>
                """
            }
            body = """
                <p class="fan-panel-name"><a href="\(fan.href)" id="fan-page-link">\(fan.name.html)</a></p>
                \(identities.isEmpty ? HTML.empty : HTML("<ul class=\"plain identities\">\(HTML.join(identities))</ul>"))
                <dl class="facts panel-facts">
                <dt>\(ctx.t("inbox.panel_tier"))</dt><dd id="fan-tier" data-tier="\(fan.tierCode)">\(fan.tier)</dd>
                <dt>\(ctx.t("inbox.panel_points"))</dt><dd id="fan-points">\(fan.points)</dd>
                <dt>\(ctx.t("inbox.panel_tags"))</dt><dd id="fan-tags">\(tags.isEmpty ? HTML("<span class=\"muted\">\(ctx.t("inbox.panel_no_tags"))</span>") : HTML.join(tags, separator: " "))</dd>
                <dt>\(ctx.t("inbox.panel_first_seen"))</dt><dd>\(Layout.time(fan.firstSeen, ctx))</dd>
                <dt>\(ctx.t("inbox.panel_last_seen"))</dt><dd>\(fan.lastSeen.map { Layout.time($0, ctx) } ?? HTML("—"))</dd>
                </dl>
                <h3>\(ctx.t("inbox.panel_others"))</h3>
                \(others.isEmpty ? HTML("<p class=\"muted\">\(ctx.t("inbox.panel_no_others"))</p>") : HTML("<ul class=\"plain other-conversations\" id=\"other-conversations\">\(HTML.join(others))</ul>"))
                <p><a href="\(fan.href)">\(ctx.t("inbox.panel_fan_page"))</a></p>
                """
        }
        return """
            <aside class="fan-panel" id="fan-panel" aria-labelledby="fan-panel-title"><h2 id="fan-panel-title">\(ctx.t("inbox.panel_title"))</h2>
            \(body)</aside>
            """
    }

    /// The customer-service window of a WeChat conversation.
    static func window(_ window: Window?, _ ctx: PageContext) -> HTML {
        guard let window else { return .empty }
        return """
            <section class="wechat-window" id="wechat-window" data-state="\(window.state)" aria-labelledby="wechat-window-title">
            <h2 id="wechat-window-title" class="visually-hidden">\(ctx.t("inbox.wechat_window_title"))</h2>
            <p>\(Badge.html(window.sentence, tone: window.tone, classes: "window-state", id: "wechat-window-state", data: [("state", window.state)]))</p>
            <p class="hint">\(ctx.t(window.state == "closed" ? "inbox.wechat_window_closed_at" : "inbox.wechat_window_closes_at", Layout.timeText(window.closesAt, ctx))) \
            \(ctx.t("inbox.wechat_window_rule"))</p></section>
            """
    }

    /// The template messages that may be sent instead of a reply, one form each.
    static func templateMessages(_ model: TemplateMessages?, _ ctx: PageContext) -> HTML {
        guard let model else { return .empty }
        let problems: HTML =
            model.problems.isEmpty
            ? .empty : "<p class=\"flash flash-error\" id=\"template-message-problem\">\(model.problems.joined(separator: " "))</p>"
        let forms = model.forms.map { form -> HTML in
            let fields = form.fields.map { field -> HTML in
                let name = "data[\(field.key)]"
                let error: HTML = field.problem.map { "<span class=\"error\" id=\"template-\(form.id)-\(field.key)-error\">\($0)</span>" } ?? .empty
                return """
                    <div class="field\(field.problem == nil ? "" : " has-error")"><label><code translate="no">\(field.key)</code> \(field.rule) \
                    <input name="\(name)" value="\(field.value)" required translate="no"\(field.problem == nil ? HTML.empty : HTML(raw: " aria-invalid=\"true\""))></label>\(error)</div>
                    """
            }
            return """
                <details class="template-message" id="template-message-\(form.id)"\(form.open ? HTML(raw: " open") : .empty)>
                <summary translate="no">\(form.title)</summary>
                <form method="post" action="\(model.action)" class="stack">\(ctx.csrfField)
                <input type="hidden" name="template_id" value="\(form.id)">
                \(HTML.join(fields))
                <label>\(ctx.t("inbox.template_message_url")) <input name="url" type="url" value="\(form.url)" translate="no"></label>
                <button type="submit" class="primary send-template-message">\(ctx.t("inbox.send_template_message"))</button></form></details>
                """
        }
        let none: HTML =
            model.forms.isEmpty
            ? """
            <p class="muted" id="no-template-messages">\(ctx.t("inbox.no_template_messages"))\
            \(model.setUpHref.map { " <a href=\"\($0)\" id=\"set-up-template-messages\">\(ctx.t("inbox.set_up_template_messages"))</a>" as HTML } ?? .empty)</p>
            """
            : .empty
        return """
            <section class="template-messages" id="template-messages"><h3>\(ctx.t("inbox.template_message"))</h3>
            <p class="hint">\(ctx.t("inbox.template_message_hint"))</p>
            \(problems)\(HTML.join(forms))\(none)</section>
            """
    }

    /// The conversation alone: what the live script fetches again.
    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let timeline = model.entries.map { entry -> HTML in
            switch entry {
            case .message(let message):
                let ticket: HTML =
                    model.canWork
                    ? "<form method=\"post\" action=\"\(model.feedbackAction)\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"message_id\" value=\"\(message.id)\"><button type=\"submit\" class=\"link make-ticket\">\(ctx.t("inbox.make_ticket"))</button></form>"
                    : .empty
                return """
                    <li class="bubble fan-message" data-message-id="\(message.id)"><p class="entry-head">\(HTML.typed(message.author, classes: "who")) · \(Layout.time(message.at, ctx)) · \(message.kind)</p>
                    <p class="message-text" translate="no">\(ModerationService.highlighted(message.text, message.matches, ctx))</p>
                    <div class="entry-foot">\(ModerationService.analysis(message.analysis, ctx)) \(ModerationService.recommendation(message.recommendation, ctx)) \(ticket)</div></li>
                    """
            case .reply(let reply):
                let who: HTML =
                    reply.automatic ? "<span class=\"who\">\(ctx.t("inbox.automatic_reply"))</span>" : HTML.typed(reply.author ?? "—", classes: "who")
                let error: HTML = reply.error.map { "<br><span class=\"muted\" translate=\"no\">\($0)</span>" } ?? .empty
                return """
                    <li class="bubble our-reply" data-reply-status="\(reply.status.code)" data-automatic="\(String(reply.automatic))"><p class="entry-head">\(who) · \(Layout.time(reply.at, ctx)) · \(reply.template ? HTML("<span class=\"template-mark\">\(ctx.t("inbox.template_message"))</span> · ") : .empty)\(InboxVocabulary.badge(reply.status, classes: "reply-status \(reply.status.code)"))\(error)</p>
                    <p class="message-text" translate="no">\(reply.text)</p></li>
                    """
            case .note(let note):
                return """
                    <li class="bubble internal-note"><p class="entry-head"><span class="note-mark">\(ctx.t("inbox.note_mark"))</span> · \
                    \(HTML.typed(note.author ?? "—", classes: "who")) · \(Layout.time(note.at, ctx))</p>
                    <p class="message-text" translate="no">\(note.text)</p></li>
                    """
            }
        }
        let clocks = HTML.join(
            model.clocks.map { clock -> HTML in
                "<dt>\(clock.name)</dt><dd>\(InboxVocabulary.badge(clock.state, classes: "clock \(clock.state.code)")) · \(ctx.t("inbox.due")) \(Layout.time(clock.due, ctx))</dd>"
            })
        let options = HTML.join(
            model.templates.map { group -> HTML in
                let items = group.templates.map { template -> HTML in
                    "<option value=\"\(template.id)\"\(template.id == model.templateID ? HTML(raw: " selected") : .empty) translate=\"no\">\(template.name)</option>"
                }
                return "<optgroup label=\"\(group.category)\">\(HTML.join(items))</optgroup>"
            })
        let blocked: HTML = model.replyBlocked.map { "<p class=\"flash flash-error\" id=\"reply-blocked\">\($0)</p>" } ?? .empty
        let off: HTML = model.replyBlocked == nil ? .empty : HTML(raw: " disabled")
        let replyForm: HTML =
            model.mayAnswer
            ? """
            <h2>\(ctx.t("inbox.reply"))</h2>
            \(blocked)
            <form method="get" action="\(model.path)" class="inline wrap" id="template-form" data-draft="\(model.path)/draft" data-unfilled="\(ctx.t("inbox.template_unfilled"))">
            <label>\(ctx.t("inbox.template")) <select name="template_id" id="template-select"><option value="">\(ctx.t("inbox.no_template"))</option>\(options)</select></label>
            <button type="submit" id="use-template">\(ctx.t("inbox.use_template"))</button></form>
            <p class="hint" id="template-note" hidden></p>
            \(model.problems.isEmpty ? HTML.empty : HTML("<p class=\"flash flash-error\" id=\"reply-problem\">\(model.problems.joined(separator: " "))</p>"))
            <form method="post" action="\(model.path)/reply" class="stack" id="reply-form">\(ctx.csrfField)
            <input type="hidden" name="template_id" value="\(model.templateID)"><input type="hidden" name="seen_replies" value="\(model.seenReplies)">
            <label>\(ctx.t("inbox.reply_text")) <textarea name="text" id="reply-text" rows="4" required translate="no"\(off)>\(model.draft)</textarea></label>
            <p class="hint">\(model.replyHint)</p>
            <label><input type="checkbox" name="resolve" value="true" id="reply-resolve"\(off)> \(ctx.t("inbox.reply_and_resolve"))</label>
            <button type="submit" class="primary" id="send-reply"\(off)>\(ctx.t("inbox.send_reply"))</button></form>
            \(templateMessages(model.templateMessages, ctx))
            """
            : (model.expertsOnly ? "<p class=\"muted\">\(ctx.t("inbox.experts_only"))</p>" : .empty)
        let noteForm: HTML =
            model.mayNote
            ? """
            <details class="note-box" id="note-box"\(model.noteProblems.isEmpty && model.noteDraft.isEmpty ? HTML.empty : HTML(raw: " open"))>
            <summary>\(ctx.t("inbox.add_note"))</summary>
            \(model.noteProblems.isEmpty ? HTML.empty : HTML("<p class=\"flash flash-error\" id=\"note-problem\">\(model.noteProblems.joined(separator: " "))</p>"))
            <form method="post" action="\(model.path)/notes" class="stack" id="note-form">\(ctx.csrfField)
            <label>\(ctx.t("inbox.note_text")) <textarea name="text" id="note-text" rows="3" maxlength="\(String(ConversationNotes.limit))" required translate="no">\(model.noteDraft)</textarea></label>
            <p class="hint">\(ctx.t("inbox.note_hint"))</p>
            <button type="submit" id="add-note">\(ctx.t("inbox.save_note"))</button></form></details>
            """
            : .empty
        var actions = model.actions.map { action -> HTML in
            "<form method=\"post\" action=\"\(model.path)/change\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"\(action.field)\" value=\"\(action.value)\"><button type=\"submit\" id=\"\(action.id)\">\(action.label)</button></form>"
        }
        if model.canWork {
            actions.append(
                "<form method=\"post\" action=\"\(model.path)/change\" class=\"inline\">\(ctx.csrfField)<label>\(ctx.t("inbox.tag")) <input name=\"tag\" size=\"10\" required translate=\"no\"></label> <button type=\"submit\" id=\"add-tag\">\(ctx.t("inbox.add_tag"))</button></form>"
            )
        }
        let due = model.due.map {
            ctx.t("inbox.sla_due", HTML.escape(Layout.timeText($0, ctx)))
        }
        let assignee: HTML = model.assignee.map { HTML.typed($0) } ?? HTML("\(ctx.t("inbox.unassigned"))")
        let tags = model.tags.map { "<span class=\"badge tag\" translate=\"no\">\($0)</span>" as HTML }
        return """
            <div class="conversation-layout"><div class="conversation-main">
            <h1><span translate="no">\(model.fanName)</span> \(InboxVocabulary.badge(model.serviceLevel, classes: "sla \(model.serviceLevel.code)", id: "sla-badge", title: due, data: "badge"))</h1>
            <p class="facts-line">\(Badge.platform(model.platform, ctx.locale)) \(HTML.typed("@" + model.handle)) · \(model.thread) · \(model.tier) · <span id="conversation-status" data-status="\(model.status.code)">\(InboxVocabulary.badge(model.status, classes: "status"))</span> · \(model.queue.text) · \(ctx.t("inbox.assignee")): \(assignee)</p>
            \(tags.isEmpty ? HTML.empty : HTML("<p class=\"tags\">\(HTML.join(tags, separator: " "))</p>"))
            <dl class="clocks facts">\(clocks)</dl>
            \(window(model.window, ctx))
            \(actions.isEmpty ? HTML.empty : HTML("<div class=\"actions\">\(HTML.join(actions, separator: " "))</div>"))
            <p class="conversation-nav">\(model.nextHref.map { "<a href=\"\($0)\" id=\"next-conversation\" rel=\"next\">\(ctx.t("inbox.next_conversation"))</a>" as HTML } ?? .empty) \
            <span class="hint keys-hint" id="keys-hint">\(ctx.t("inbox.shortcuts")) <kbd translate="no">J</kbd> \(ctx.t("inbox.key_next")) · \
            <kbd translate="no">A</kbd> \(ctx.t("inbox.assign_me")) · <kbd translate="no">R</kbd> \(ctx.t("inbox.resolve")) · \
            <kbd translate="no">/</kbd> \(ctx.t("inbox.search"))</span></p>
            <ol class="timeline thread" id="timeline">\(HTML.join(timeline))</ol>
            \(replyForm)
            \(noteForm)
            </div>
            \(panel(model.panel, ctx))</div>
            """
    }
}
