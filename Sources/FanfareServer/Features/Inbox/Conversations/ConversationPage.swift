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
    }

    static func query(_ input: Input, access: WorkspaceAccess, agent: String?, on db: any Database) async throws -> Found {
        let service = ConversationService(db: db)
        let (listed, messages, replies) = try await service.find(input.id, in: access)
        let item = InboxListPage.Item(
            conversation: ConversationDTO(listed.conversation, account: listed.account, clocks: listed.clocks),
            account: InboxListPage.account(listed.account), clocks: listed.clocks)
        let templates = try await access.query(ReplyTemplate.self, on: db).sort(\.$category).sort(\.$name).all().map {
            Template(id: $0.id!, name: $0.name, category: $0.category)
        }
        var found = Found(
            item: item, messages: messages.map { IncomingMessageDTO($0, account: listed.account) }, replies: replies.map(InboxReplyDTO.init),
            members: try await InboxListPage.members(access, on: db), templates: templates)
        if let sql = db as? any SQLDatabase, let id = listed.conversation.id {
            found.nextID = try await sql.raw(
                """
                SELECT id FROM conversations WHERE workspace_id = \(bind: access.workspaceID) AND status <> \(bind: Conversation.Status.resolved.rawValue) \
                AND id < \(bind: id) ORDER BY id DESC LIMIT 1
                """
            ).first().map { try SQLRows.uuid($0, "id", asText: SQLRows.uuidsAsText(sql)) }
        }
        found.notes = try await ConversationNotes(db: db).notes(of: listed.conversation.id!).map(ConversationNoteDTO.init)
        let fanID = messages.last { $0.fanID != nil }?.fanID
        found.fanLinked = fanID != nil
        if let fanID, access.can(.fansView), let card = try await FanService.card(of: fanID, workspaceID: access.workspaceID, on: db) {
            found.fan = card
            found.others = try await others(of: card, besides: listed.conversation.id!, access: access, on: db)
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

    /// The fan's other conversations (any account, any thread), newest message first.
    static func others(of card: FanService.Card, besides id: UUID, access: WorkspaceAccess, on db: any Database) async throws -> [Other] {
        try await access.query(Conversation.self, on: db).join(SocialAccount.self, on: \Conversation.$account.$id == \SocialAccount.$id)
            .filter(\.$id != id)
            .filter(
                .sql(
                    embed: """
                        \(ident: "conversations").\(ident: "id") IN (SELECT im.conversation_id FROM incoming_messages im \
                        WHERE im.workspace_id = \(bind: access.workspaceID) AND im.fan_id IN (\(binds: card.fanIDs)))
                        """)
            )
            .sort(\.$lastMessageAt, .descending).sort(\.$id, .descending).range(..<othersShown).all()
            .map { conversation in
                Other(
                    id: conversation.id!, status: conversation.status, thread: conversation.threadKey,
                    platform: try conversation.joined(SocialAccount.self).rulesPlatform, lastMessageAt: conversation.lastMessageAt)
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
                    status: InboxVocabulary.replyStatus(reply.status, locale), error: reply.error, text: reply.text))
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
        return Model(
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
                    <li class="bubble our-reply" data-reply-status="\(reply.status.code)" data-automatic="\(String(reply.automatic))"><p class="entry-head">\(who) · \(Layout.time(reply.at, ctx)) · \(InboxVocabulary.badge(reply.status, classes: "reply-status \(reply.status.code)"))\(error)</p>
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
        let replyForm: HTML =
            model.mayAnswer
            ? """
            <h2>\(ctx.t("inbox.reply"))</h2>
            <form method="get" action="\(model.path)" class="inline wrap" id="template-form" data-draft="\(model.path)/draft" data-unfilled="\(ctx.t("inbox.template_unfilled"))">
            <label>\(ctx.t("inbox.template")) <select name="template_id" id="template-select"><option value="">\(ctx.t("inbox.no_template"))</option>\(options)</select></label>
            <button type="submit" id="use-template">\(ctx.t("inbox.use_template"))</button></form>
            <p class="hint" id="template-note" hidden></p>
            \(model.problems.isEmpty ? HTML.empty : HTML("<p class=\"flash flash-error\" id=\"reply-problem\">\(model.problems.joined(separator: " "))</p>"))
            <form method="post" action="\(model.path)/reply" class="stack" id="reply-form">\(ctx.csrfField)
            <input type="hidden" name="template_id" value="\(model.templateID)"><input type="hidden" name="seen_replies" value="\(model.seenReplies)">
            <label>\(ctx.t("inbox.reply_text")) <textarea name="text" id="reply-text" rows="4" required translate="no">\(model.draft)</textarea></label>
            <p class="hint">\(model.replyHint)</p>
            <label><input type="checkbox" name="resolve" value="true" id="reply-resolve"> \(ctx.t("inbox.reply_and_resolve"))</label>
            <button type="submit" class="primary" id="send-reply">\(ctx.t("inbox.send_reply"))</button></form>
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
