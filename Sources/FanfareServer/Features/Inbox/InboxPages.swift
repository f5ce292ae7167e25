import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `/w/{ws}/inbox`: every conversation of every account, with filters,
/// bulk actions and live updates; `/inbox/{id}`: one conversation, its
/// clocks, and the reply box with the team's templates. Everything works
/// as plain forms; `inbox.js` adds live updates over server-sent events.
struct InboxPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("inbox", use: list)
        scoped.get("inbox", "events", use: events)
        scoped.post("inbox", "bulk", use: bulk)
        scoped.post("inbox", "sandbox-fan", use: sandboxFan)
        scoped.get("inbox", ":conversation", use: show)
        scoped.post("inbox", ":conversation", "reply", use: reply)
        scoped.post("inbox", ":conversation", "change", use: change)
    }

    static let filterKeys = ConversationFilterKeys.all

    // MARK: List

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/inbox"
        var values = Dictionary(uniqueKeysWithValues: Self.filterKeys.compactMap { key in req.query[String.self, at: key].map { (key, $0) } })
        // Agents start on what needs an answer.
        if values.isEmpty, req.query[String.self, at: "cursor"] == nil { values["status"] = "unresolved" }
        var problems: [String] = []
        var filter = ConversationFilter()
        do {
            filter = try ConversationFilter(
                account: values["account"], platform: values["platform"], sentiment: values["sentiment"], intent: values["intent"],
                status: values["status"], queue: values["queue"], assignee: values["assignee"], serviceLevel: values["sla"], tag: values["tag"])
        } catch {
            problems = error.issues.map { "\($0.field): " + $0.text(req.uiLocale) }
        }
        let (items, next) = try await ConversationService(db: req.db).list(
            filter, page: try req.pageRequest(), in: access, user: req.actor.userID)
        let users = try await Self.memberNames(access, on: req.db)
        let table = Self.table(items, ctx: ctx, access: access, users: users)
        if req.query[String.self, at: "fragment"] != nil {
            return HTMLResponse(html: table)
        }
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$handle).all()
        func select(_ name: String, _ options: [(String, String)]) -> HTML {
            let chosen = values[name] ?? ""
            let items = [("", ctx.t("inbox.filter_any"))] + options
            return
                "<label>\(ctx.t("inbox.filter." + name)) <select name=\"\(name)\">\(HTML.join(items.map { value, label -> HTML in "<option value=\"\(value)\"\(value == chosen ? HTML(raw: " selected") : .empty)>\(label)</option>" }))</select></label>"
        }
        let filters: HTML = """
            <form method="get" action="\(base)" class="filters inline" id="inbox-filters">
            \(select("account", accounts.map { ($0.id!.uuidString.lowercased(), "\(ctx.t("platform." + $0.rulesPlatform)) @\($0.handle)") }))
            \(select("platform", Array(Set(accounts.map(\.platform))).sorted().map { ($0, ctx.t("platform." + $0)) }))
            \(select("sentiment", MessageSentiment.allCases.map { ($0.rawValue, ctx.t("inbox.sentiment." + $0.rawValue)) }))
            \(select("intent", MessageIntent.allCases.map { ($0.rawValue, ctx.t("inbox.intent." + $0.rawValue)) }))
            \(select("status", [("unresolved", ctx.t("inbox.status.unresolved"))] + Conversation.Status.allCases.map { ($0.rawValue, ctx.t("inbox.status." + $0.rawValue)) }))
            \(select("queue", InboxQueue.allCases.map { ($0.rawValue, ctx.t("inbox.queue." + $0.rawValue)) }))
            \(select("assignee", [("me", ctx.t("inbox.assignee_me")), ("none", ctx.t("inbox.assignee_none"))] + users.sorted { $0.value < $1.value }.map { ($0.key.uuidString.lowercased(), $0.value) }))
            \(select("sla", [ServiceBadge.ok, .warning, .breached, .done].map { ($0.rawValue, ctx.t("inbox.sla." + $0.rawValue)) }))
            <label>\(ctx.t("inbox.filter.tag")) <input name="tag" value="\(values["tag"] ?? "")" size="10"></label>
            <button type="submit">\(ctx.t("inbox.apply_filters"))</button> <a href="\(base)?status=">\(ctx.t("inbox.show_everything"))</a>
            </form>
            """
        let query = values.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.sorted().joined(
            separator: "&")
        let more: HTML = next.map { "<p><a href=\"\(base)?\(query)&cursor=\($0)\" id=\"older\">\(ctx.t("inbox.older"))</a></p>" } ?? .empty
        let canWork = access.can(.inboxReply)
        let bulk: HTML =
            canWork
            ? """
            <div class="bulk inline">
            <label>\(ctx.t("inbox.bulk_action")) <select name="action" form="bulk-form" id="bulk-action">
            <option value="assign_me">\(ctx.t("inbox.bulk.assign_me"))</option><option value="resolve">\(ctx.t("inbox.bulk.resolve"))</option>
            <option value="reopen">\(ctx.t("inbox.bulk.reopen"))</option><option value="experts">\(ctx.t("inbox.bulk.experts"))</option>
            <option value="agents">\(ctx.t("inbox.bulk.agents"))</option><option value="tag">\(ctx.t("inbox.bulk.tag"))</option></select></label>
            <label>\(ctx.t("inbox.tag")) <input name="tag" form="bulk-form" size="10"></label>
            <button type="submit" form="bulk-form" id="bulk-apply">\(ctx.t("inbox.bulk_apply"))</button>
            </div>
            <form method="post" action="\(base)/bulk" id="bulk-form">\(ctx.csrfField)<input type="hidden" name="return" value="\(base)?\(query)"></form>
            """ : .empty
        let sandboxAccounts = accounts.filter { $0.platform == "sandbox" }
        let tryIt: HTML =
            access.can(.accountsConnect) && !sandboxAccounts.isEmpty
            ? """
            <details id="sandbox-fan"><summary>\(ctx.t("inbox.sandbox_fan"))</summary>
            <form method="post" action="\(base)/sandbox-fan" class="stack" id="sandbox-fan-form">\(ctx.csrfField)
            <p class="hint">\(ctx.t("inbox.sandbox_fan_hint"))</p>
            <label>\(ctx.t("inbox.filter.account")) <select name="account_id">\(HTML.join(sandboxAccounts.map { "<option value=\"\($0.id!.uuidString.lowercased())\">@\($0.handle)</option>" }))</select></label>
            <label>\(ctx.t("inbox.sandbox_fan_name")) <input name="fan_name" required maxlength="40"></label>
            <label>\(ctx.t("inbox.sandbox_fan_kind")) <select name="kind"><option value="comment">\(ctx.t("inbox.kind.comment"))</option><option value="direct_message">\(ctx.t("inbox.kind.direct_message"))</option></select></label>
            <label>\(ctx.t("inbox.sandbox_fan_text")) <textarea name="text" rows="2" required></textarea></label>
            <button type="submit" id="sandbox-fan-send">\(ctx.t("inbox.sandbox_fan_send"))</button></form></details>
            """ : .empty
        return Layout.page(
            ctx, title: ctx.t("nav.inbox"),
            """
            <h1>\(ctx.t("nav.inbox"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            <p>\(ctx.t("inbox.intro"))</p>
            \(problems.isEmpty ? HTML.empty : HTML("<p class=\"flash flash-error\">\(problems.joined(separator: " "))</p>"))
            \(filters)
            \(bulk)
            <div id="conversation-list" data-events="\(base)/events" data-fragment="\(base)?\(query)&fragment=1">\(table)</div>
            \(more)
            <p class="muted live-status" id="live-status" hidden>\(ctx.t("inbox.live"))</p>
            \(tryIt)
            <script src="/static/inbox.js" defer></script>
            """)
    }

    static func memberNames(_ access: WorkspaceAccess, on db: any Database) async throws -> [UUID: String] {
        Dictionary(
            uniqueKeysWithValues: try await access.members(on: db).all().compactMap { member -> (UUID, String)? in
                guard let user = try? member.joined(User.self) else { return nil }
                return (user.id!, user.displayName)
            })
    }

    static func badge(_ clocks: ConversationClocks, _ ctx: PageContext, id: String? = nil) -> HTML {
        let due = clocks.firstResponse.state == .running || clocks.firstResponse.state == .warning ? clocks.firstResponse.due : clocks.resolution.due
        let title =
            clocks.badge == .done
            ? ""
            : ctx.t("inbox.sla_due", Layout.time(due, ctx).description.replacingOccurrences(of: #"<[^>]+>"#, with: "", options: .regularExpression))
        return
            "<span class=\"badge sla \(clocks.badge.rawValue)\"\(id.map { HTML(raw: " id=\"\($0)\"") } ?? .empty) data-badge=\"\(clocks.badge.rawValue)\" title=\"\(title)\">\(ctx.t("inbox.sla." + clocks.badge.rawValue))</span>"
    }

    static func table(_ items: [ConversationService.Listed], ctx: PageContext, access: WorkspaceAccess, users: [UUID: String]) -> HTML {
        guard !items.isEmpty else { return "<p class=\"empty\" id=\"no-conversations\">\(ctx.t("inbox.no_conversations"))</p>" }
        let base = "/w/\(access.workspace.slug)/inbox"
        let canWork = access.can(.inboxReply)
        let rows = items.map { item -> HTML in
            let c = item.conversation
            let id = c.id!.uuidString.lowercased()
            let check: HTML =
                canWork ? "<td><input type=\"checkbox\" name=\"ids\" value=\"\(id)\" form=\"bulk-form\" aria-label=\"\(c.authorName)\"></td>" : .empty
            let tags = HTML.join(c.tags.map { "<span class=\"badge tag\">\($0)</span>" })
            return """
                <tr data-conversation-id="\(id)" data-sentiment="\(c.lastSentiment)" data-intent="\(c.lastIntent)" data-status="\(c.status)" data-sla="\(item.clocks.badge.rawValue)">
                \(check)<td>\(badge(item.clocks, ctx))</td>
                <td><a href="\(base)/\(id)" class="conversation-link"><strong>\(c.authorName)</strong></a><br><span class="muted">\(ctx.t("platform." + item.account.rulesPlatform)) @\(item.account.handle) · \(ctx.t("inbox.tier." + c.tier))</span></td>
                <td class="message-text">\(c.lastText)<br>\(tags)</td>
                <td><span class="badge sentiment \(c.lastSentiment)">\(ctx.t("inbox.sentiment." + c.lastSentiment))</span> <span class="badge intent">\(ctx.t("inbox.intent." + c.lastIntent))</span> <span class="badge priority \(c.priority)">\(ctx.t("inbox.priority." + c.priority))</span></td>
                <td>\(ctx.t("inbox.status." + c.status))<br><span class="muted">\(ctx.t("inbox.queue." + c.queue))</span></td>
                <td>\(c.$assignee.id.flatMap { users[$0] } ?? "—")</td>
                <td>\(String(c.messageCount))</td><td>\(Layout.time(c.lastMessageAt, ctx))</td></tr>
                """
        }
        return """
            <table id="conversations"><thead><tr>\(canWork ? HTML("<th></th>") : .empty)<th>\(ctx.t("inbox.sla"))</th><th>\(ctx.t("inbox.fan"))</th><th>\(ctx.t("inbox.last_message"))</th><th>\(ctx.t("inbox.analysis"))</th><th>\(ctx.t("inbox.status"))</th><th>\(ctx.t("inbox.assignee"))</th><th>\(ctx.t("inbox.messages"))</th><th>\(ctx.t("inbox.last_at"))</th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table>
            """
    }

    /// Server-sent events: `changed` whenever a conversation of the
    /// workspace changes, on any node (the stream watches the database,
    /// twice a second). The page then fetches its list again. A stream
    /// ends after 5 minutes, or when the server stops; the browser
    /// reconnects by itself.
    @Sendable func events(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let workspaceID = access.workspaceID
        let db = req.db
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "event-stream")
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        // A proxy must pass each event on as it comes (nginx buffers otherwise).
        headers.replaceOrAdd(name: "X-Accel-Buffering", value: "no")
        let first = try await Self.lastChange(workspaceID, on: db)
        return Response.streamed(headers: headers, first: "retry: 2000\n\n") { writer in
            var last = first
            let until = Date().addingTimeInterval(300)
            var beat = Date()
            while Date() < until {
                try await Task.sleep(for: .milliseconds(500))
                let now = try await Self.lastChange(workspaceID, on: db)
                if now != last {
                    last = now
                    try await writer.write("event: changed\ndata: \(now.map { String($0.timeIntervalSince1970) } ?? "")\n\n")
                } else if Date().timeIntervalSince(beat) > 15 {
                    // A comment keeps proxies from closing a quiet stream.
                    try await writer.write(": quiet\n\n")
                    beat = Date()
                }
            }
        }
    }

    static func lastChange(_ workspaceID: UUID, on db: any Database) async throws -> Date? {
        try await Conversation.query(on: db).filter(\.$workspace.$id == workspaceID).max(\.$updatedAt)
    }

    @Sendable func bulk(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let ids = (try? req.content.get([String].self, at: "ids")) ?? [req.formValue("ids")].filter { !$0.isEmpty }
        let back = req.safeReturnPath(req.formValueIfPresent("return"), fallback: "/w/\(access.workspace.slug)/inbox")
        var change = ConversationService.Change()
        switch req.formValue("action") {
        case "assign_me": change.assigneeId = req.actor.userID
        case "resolve": change.status = Conversation.Status.resolved.rawValue
        case "reopen": change.status = Conversation.Status.open.rawValue
        case "experts": change.queue = InboxQueue.experts.rawValue
        case "agents": change.queue = InboxQueue.agents.rawValue
        case "tag": change.addTags = [req.formValue("tag")]
        default:
            Flash.add(.error, I18n.text("inbox.bulk_unknown", req.uiLocale), to: req)
            return req.redirect(to: back)
        }
        do {
            let changed = try await ConversationService(db: req.db).change(ids, change, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.bulk_done", req.uiLocale, [String(changed.count)]), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { "\($0.field): " + $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.detail ?? problem.title, to: req)
        }
        return req.redirect(to: back)
    }

    @Sendable func sandboxFan(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let back = "/w/\(access.workspace.slug)/inbox"
        do {
            let account = try await access.find(SocialAccount.self, req.formValue("account_id"), on: req.db, what: "Account")
            try await SandboxFans.write(
                .init(
                    fanName: req.formValue("fan_name"), kind: InteractionKind(rawValue: req.formValue("kind")) ?? .comment,
                    text: req.formValue("text")),
                to: account, app: req.application)
            Flash.add(.notice, I18n.text("inbox.sandbox_fan_sent", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { "\($0.field): " + $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        return req.redirect(to: back)
    }

    // MARK: One conversation

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await page(req, draft: "", draftProblem: nil)
    }

    /// The conversation page; a refused reply comes back with the agent's
    /// text still in the box and the reason above it.
    func page(_ req: Request, draft typed: String, draftProblem refused: String?) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let service = ConversationService(db: req.db)
        let (listed, messages, replies) = try await service.find(req.parameters.get("conversation"), in: access)
        var draft = typed
        var draftProblem = refused
        if refused == nil, let templateID = req.query[String.self, at: "template_id"], !templateID.isEmpty {
            do {
                draft = try await service.draft(
                    req.parameters.get("conversation"), template: templateID, in: access, agent: req.auth.get(User.self)?.displayName)
            } catch let errors as ValidationErrors {
                draftProblem = errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " ")
            }
        }
        let view = try await Self.conversationView(
            listed, messages, replies, draft: draft, draftProblem: draftProblem, ctx: ctx, access: access, req: req)
        if req.query[String.self, at: "fragment"] != nil { return HTMLResponse(html: view) }
        let base = "/w/\(access.workspace.slug)/inbox"
        return Layout.page(
            ctx, title: listed.conversation.authorName,
            """
            <p><a href="\(base)">← \(ctx.t("nav.inbox"))</a></p>
            <div id="conversation-view" data-events="\(base)/events" data-fragment="\(base)/\(listed.conversation.id!.uuidString.lowercased())?fragment=1">\(view)</div>
            <script src="/static/inbox.js" defer></script>
            """)
    }

    static func conversationView(
        _ listed: ConversationService.Listed, _ messages: [IncomingMessage], _ replies: [InboxReply], draft: String, draftProblem: String?,
        ctx: PageContext, access: WorkspaceAccess, req: Request
    ) async throws -> HTML {
        let c = listed.conversation
        let id = c.id!.uuidString.lowercased()
        let base = "/w/\(access.workspace.slug)/inbox/\(id)"
        let users = try await memberNames(access, on: req.db)
        let templates = try await access.query(ReplyTemplate.self, on: req.db).sort(\.$category).sort(\.$name).all()
        enum Entry { case message(IncomingMessage), reply(InboxReply) }
        let entries = (messages.map { (at: $0.sentAt, entry: Entry.message($0)) } + replies.map { (at: $0.createdAt, entry: Entry.reply($0)) })
            .sorted { $0.at < $1.at }
        let canWork = access.can(.inboxReply)
        let timeline = entries.map { item -> HTML in
            switch item.entry {
            case .message(let message):
                let ticket: HTML =
                    canWork
                    ? "<form method=\"post\" action=\"/w/\(access.workspace.slug)/feedback\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"message_id\" value=\"\(message.id!.uuidString.lowercased())\"><button type=\"submit\" class=\"link make-ticket\">\(ctx.t("inbox.make_ticket"))</button></form>"
                    : .empty
                return """
                    <li class="fan-message" data-message-id="\(message.id!.uuidString.lowercased())"><p><strong>\(message.authorName)</strong> · \(Layout.time(message.sentAt, ctx)) · \(ctx.t("inbox.kind." + message.kind))</p>
                    <p class="message-text">\(ModerationService.highlighted(message.text, message.matches, ctx))</p>
                    <p>\(ModerationService.analysis(message, ctx)) \(message.recommendation == "none" ? HTML.empty : HTML("<span class=\"badge recommendation \(message.recommendation)\">\(ctx.t("moderation.action." + message.recommendation))</span>")) \(ticket)</p></li>
                    """
            case .reply(let reply):
                let who = reply.automatic ? ctx.t("inbox.automatic_reply") : (reply.$author.id.flatMap { users[$0] } ?? "—")
                let error: HTML = reply.error.map { "<br><span class=\"muted\">\($0)</span>" } ?? .empty
                return """
                    <li class="our-reply" data-reply-status="\(reply.status)" data-automatic="\(String(reply.automatic))"><p><strong>\(who)</strong> · \(Layout.time(reply.createdAt, ctx)) · <span class="badge reply-status \(reply.status)">\(ctx.t("inbox.reply_status." + reply.status))</span>\(error)</p>
                    <p class="message-text">\(reply.text)</p></li>
                    """
            }
        }
        let clocks = listed.clocks
        let clockRows: HTML = """
            <dl class="clocks">
            <dt>\(ctx.t("inbox.first_response"))</dt><dd>\(ctx.t("inbox.clock." + clocks.firstResponse.state.rawValue)) · \(ctx.t("inbox.due")) \(Layout.time(clocks.firstResponse.due, ctx))</dd>
            <dt>\(ctx.t("inbox.resolution"))</dt><dd>\(ctx.t("inbox.clock." + clocks.resolution.state.rawValue)) · \(ctx.t("inbox.due")) \(Layout.time(clocks.resolution.due, ctx))</dd>
            </dl>
            """
        let mayAnswer = canWork && (c.queue != InboxQueue.experts.rawValue || access.can(.inboxExpertAnswer))
        let options = templates.map { t -> HTML in
            "<option value=\"\(t.id!.uuidString.lowercased())\">\(ctx.t("inbox.template_category." + t.category)) · \(t.name)</option>"
        }
        let replyForm: HTML =
            mayAnswer
            ? """
            <h2>\(ctx.t("inbox.reply"))</h2>
            <form method="get" action="\(base)" class="inline" id="template-form">
            <label>\(ctx.t("inbox.template")) <select name="template_id" id="template-select"><option value="">—</option>\(options)</select></label>
            <button type="submit" id="use-template">\(ctx.t("inbox.use_template"))</button></form>
            \(draftProblem.map { HTML("<p class=\"flash flash-error\">\($0)</p>") } ?? .empty)
            <form method="post" action="\(base)/reply" class="stack" id="reply-form">\(ctx.csrfField)
            <input type="hidden" name="template_id" value="\(req.query[String.self, at: "template_id"] ?? "")">
            <label>\(ctx.t("inbox.reply_text")) <textarea name="text" id="reply-text" rows="4" required>\(draft)</textarea></label>
            <p class="hint">\(ctx.t("inbox.reply_hint", ctx.t("platform." + listed.account.rulesPlatform)))</p>
            <label><input type="checkbox" name="resolve" value="true" id="reply-resolve"> \(ctx.t("inbox.reply_and_resolve"))</label>
            <button type="submit" id="send-reply">\(ctx.t("inbox.send_reply"))</button></form>
            """
            : (canWork ? "<p class=\"muted\">\(ctx.t("inbox.experts_only"))</p>" : .empty)
        func action(_ name: String, _ field: String, _ value: String, _ label: String) -> HTML {
            "<form method=\"post\" action=\"\(base)/change\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"\(field)\" value=\"\(value)\"><button type=\"submit\" id=\"\(name)\">\(label)</button></form>"
        }
        var actions: [HTML] = []
        if canWork {
            if c.$assignee.id != req.actor.userID { actions.append(action("assign-me", "assign", "me", ctx.t("inbox.assign_me"))) }
            if access.can(.inboxEscalate) || access.can(.inboxExpertAnswer) {
                actions.append(
                    c.queue == InboxQueue.experts.rawValue
                        ? action("to-agents", "queue", "agents", ctx.t("inbox.to_agents"))
                        : action("escalate", "queue", "experts", ctx.t("inbox.escalate")))
            }
            actions.append(
                c.status == Conversation.Status.resolved.rawValue
                    ? action("reopen", "status", "open", ctx.t("inbox.reopen")) : action("resolve", "status", "resolved", ctx.t("inbox.resolve")))
            actions.append(
                "<form method=\"post\" action=\"\(base)/change\" class=\"inline\">\(ctx.csrfField)<label>\(ctx.t("inbox.tag")) <input name=\"tag\" size=\"10\" required></label> <button type=\"submit\" id=\"add-tag\">\(ctx.t("inbox.add_tag"))</button></form>"
            )
        }
        return """
            <h1>\(c.authorName) \(badge(clocks, ctx, id: "sla-badge"))</h1>
            <p class="muted">\(ctx.t("platform." + listed.account.rulesPlatform)) @\(listed.account.handle) · \(ctx.t("inbox.thread." + (c.threadKey.hasPrefix("post:") ? "post" : c.threadKey))) · \(ctx.t("inbox.tier." + c.tier)) · <span id="conversation-status" data-status="\(c.status)">\(ctx.t("inbox.status." + c.status))</span> · \(ctx.t("inbox.queue." + c.queue)) · \(ctx.t("inbox.assignee")): \(c.$assignee.id.flatMap { users[$0] } ?? "—")</p>
            <p>\(HTML.join(c.tags.map { "<span class=\"badge tag\">\($0)</span> " }))</p>
            \(clockRows)
            <div class="actions">\(HTML.join(actions))</div>
            <ol class="timeline" id="timeline">\(HTML.join(timeline))</ol>
            \(replyForm)
            """
    }

    @Sendable func reply(req: Request) async throws -> Response {
        do {
            return try await send(req)
        } catch let errors as ValidationErrors {
            let problem = errors.issues.map { "\($0.field): " + $0.text(req.uiLocale) }.joined(separator: " ")
            return try await page(req, draft: req.formValue("text"), draftProblem: problem).encodeResponse(for: req)
        }
    }

    private func send(_ req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("conversation")
        let base = "/w/\(access.workspace.slug)/inbox/\(rawID ?? "")"
        let input = ConversationService.ReplyInput(
            text: req.formValue("text"), templateId: UUID(uuidString: req.formValue("template_id")), resolve: req.formValue("resolve") == "true")
        _ = try await ConversationService(db: req.db).reply(to: rawID, input, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text(input.resolve == true ? "inbox.replied_resolved" : "inbox.replied", req.uiLocale), to: req)
        return req.redirect(to: base)
    }

    @Sendable func change(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("conversation") ?? ""
        var change = ConversationService.Change()
        if req.formValue("assign") == "me" { change.assigneeId = req.actor.userID }
        if let queue = req.formValueIfPresent("queue") { change.queue = queue }
        if let status = req.formValueIfPresent("status") { change.status = status }
        if let tag = req.formValueIfPresent("tag") { change.addTags = [tag] }
        do {
            _ = try await ConversationService(db: req.db).change([rawID], change, in: access, actor: req.actor)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { "\($0.field): " + $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.detail ?? problem.title, to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/\(rawID)")
    }
}
