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
        scoped.get("inbox", ":conversation", "draft", use: draft)
        scoped.post("inbox", ":conversation", "reply", use: reply)
        scoped.post("inbox", ":conversation", "change", use: change)
        scoped.post("inbox", ":conversation", "notes", use: note)
        scoped.post("inbox", ":conversation", "template-message", use: templateMessage)
    }

    static let filterKeys = ConversationFilterKeys.all

    /// Fields a refusal may name, by the name the service gives them.
    static let fields = [
        "text", "template_id", "account", "status", "queue", "add_tags", "ids", "assignee_id", "assignee", "fan_name", "kind", "url", "title",
        "fields", "account_id",
    ]

    /// Refusals in the reader's language, each after the name of the field it concerns.
    static func problems(_ issues: [FieldIssue], _ locale: UILocale) -> String {
        issues.map { issue in
            let message = issue.text(locale)
            guard let field = InboxVocabulary.text("inbox.field." + issue.field, locale) else { return message }
            return I18n.text("inbox.field_problem", locale, [field, message])
        }.joined(separator: " ")
    }

    // MARK: List

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let values = Dictionary(uniqueKeysWithValues: Self.filterKeys.compactMap { key in req.query[String.self, at: key].map { (key, $0) } })
        let input = InboxListPage.Input(values: values, cursor: req.query[String.self, at: "cursor"], limit: req.query[String.self, at: "limit"])
        let found = try await InboxListPage.query(input, access: access, user: req.actor.userID, on: req.db)
        let workspace = "/w/\(access.workspace.slug)"
        let model = InboxListPage.model(
            input, found, workspace: workspace, canWork: access.can(.inboxReply), canConnect: access.can(.accountsConnect), locale: ctx.locale)
        if req.query[String.self, at: "fragment"] != nil {
            return HTMLResponse(html: InboxListPage.list(model, ctx))
        }
        return Layout.page(ctx, title: ctx.t("nav.inbox"), InboxListPage.view(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
            Flash.add(.error, Self.problems(errors.issues, req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
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
            Flash.add(.error, Self.problems(errors.issues, req.uiLocale), to: req)
        }
        return req.redirect(to: back)
    }

    // MARK: One conversation

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await page(req, typed: nil, refused: [])
    }

    /// A template filled in for this conversation, as JSON: `inbox.js`
    /// puts it where the cursor is in the reply box, so nothing typed is
    /// lost (without the script, the form reloads the page with it).
    @Sendable func draft(req: Request) async throws -> InboxAPI.DraftOutput {
        let text = try await ConversationService(db: req.db).draft(
            req.parameters.get("conversation"), template: req.query[String.self, at: "template_id"], in: try req.workspaceAccess,
            agent: req.auth.get(User.self)?.displayName)
        return InboxAPI.DraftOutput(text: text, unfilled: ReplyTemplateText.unfilled(in: text))
    }

    /// The conversation page; a refused reply comes back with the agent's
    /// text still in the box and the reason above it.
    func page(
        _ req: Request, typed: String?, refused: [FieldIssue], noteTyped: String? = nil, noteRefused: [FieldIssue] = [],
        template: (chosen: String, typed: [String: String], url: String, refused: [FieldIssue])? = nil
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        var input = ConversationPage.Input(
            id: req.parameters.get("conversation"), templateID: req.query[String.self, at: "template_id"], typed: typed, refused: refused,
            noteTyped: noteTyped, noteRefused: noteRefused)
        if let template {
            input.templateChosen = template.chosen
            input.templateTyped = template.typed
            input.templateURL = template.url
            input.templateRefused = template.refused
        }
        let refused = refused + (template?.refused ?? [])
        let found = try await ConversationPage.query(input, access: access, agent: req.auth.get(User.self)?.displayName, on: req.db)
        let model = ConversationPage.model(
            input, found, workspace: "/w/\(access.workspace.slug)", user: req.actor.userID, can: access.can, locale: ctx.locale)
        let view = ConversationPage.view(model, ctx)
        if req.query[String.self, at: "fragment"] != nil { return HTMLResponse(html: view) }
        return Layout.page(
            ctx, title: ctx.t("inbox.conversation_title"), status: refused.isEmpty && noteRefused.isEmpty ? .ok : .unprocessableEntity,
            """
            <p><a href="\(model.inboxHref)">← \(ctx.t("nav.inbox"))</a></p>
            <div id="conversation-view" data-events="\(model.inboxHref)/events" data-fragment="\(model.path)?fragment=1">\(view)</div>
            <script src="/static/inbox.js" defer></script>
            """)
    }

    @Sendable func reply(req: Request) async throws -> Response {
        do {
            return try await send(req)
        } catch let errors as ValidationErrors {
            return try await page(req, typed: req.formValue("text"), refused: errors.issues).encodeResponse(for: req)
        }
    }

    private func send(_ req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("conversation")
        let base = "/w/\(access.workspace.slug)/inbox/\(rawID ?? "")"
        let input = ConversationService.ReplyInput(
            text: req.formValue("text"), templateId: UUID(uuidString: req.formValue("template_id")), resolve: req.formValue("resolve") == "true",
            seenReplies: Int(req.formValue("seen_replies")))
        _ = try await ConversationService(db: req.db).reply(to: rawID, input, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text(input.resolve == true ? "inbox.replied_resolved" : "inbox.replied", req.uiLocale), to: req)
        return req.redirect(to: base)
    }

    /// A WeChat template message: recorded and sent like a reply; a refused
    /// one comes back with what was typed in its form and the reason beside
    /// each field.
    @Sendable func templateMessage(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("conversation")
        let chosen = req.formValue("template_id").lowercased()
        let data = (try? req.content.get([String: String].self, at: "data")) ?? [:]
        let url = req.formValue("url")
        do {
            _ = try await WeChatTemplateService(db: req.db).send(
                to: rawID, .init(templateId: UUID(uuidString: chosen), data: data, url: url), in: access, actor: req.actor)
        } catch let errors as ValidationErrors {
            return try await page(req, typed: nil, refused: [], template: (chosen, data, url, errors.issues)).encodeResponse(for: req)
        }
        Flash.add(.notice, I18n.text("inbox.template_message_sent", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/\(rawID ?? "")")
    }

    /// An internal note: stored and shown in the thread, never sent. A
    /// refused note comes back with its text in the note box.
    @Sendable func note(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let rawID = req.parameters.get("conversation")
        do {
            _ = try await ConversationNotes(db: req.db).add(to: rawID, .init(text: req.formValue("text")), in: access, actor: req.actor)
        } catch let errors as ValidationErrors {
            return try await page(req, typed: nil, refused: [], noteTyped: req.formValue("text"), noteRefused: errors.issues).encodeResponse(for: req)
        }
        Flash.add(.notice, I18n.text("inbox.noted", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/\(rawID ?? "")")
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
            Flash.add(.error, Self.problems(errors.issues, req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/\(rawID)")
    }
}
