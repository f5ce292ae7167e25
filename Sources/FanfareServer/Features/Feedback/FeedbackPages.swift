import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/feedback`: feedback tickets by score; each ticket's page to
/// score, route, merge into a near-duplicate and close with a notice to
/// the fan. The conversation page posts a `message_id` here to turn a
/// message into a ticket.
struct FeedbackPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("feedback", use: list)
        scoped.post("feedback", use: create)
        scoped.get("feedback", ":ticket", use: show)
        scoped.post("feedback", ":ticket", use: update)
        scoped.post("feedback", ":ticket", "merge", use: merge)
        scoped.post("feedback", ":ticket", "close", use: close)
    }

    static let statusFilters = ["open", "new", "triaged", "in_progress", "closed", "all"]
    static let openStatuses: [FeedbackStatus] = [.new, .triaged, .inProgress]
    static let closingResolutions: [FeedbackResolution] = [.adopted, .declined, .fixed]

    static func path(_ access: WorkspaceAccess, _ ticket: FeedbackTicket) -> String {
        "/w/\(access.workspace.slug)/feedback/\(ticket.id!.uuidString.lowercased())"
    }

    /// Member names by user id.
    static func names(_ req: Request, _ access: WorkspaceAccess) async throws -> [(id: UUID, name: String, replies: Bool)] {
        try await access.members(on: req.db).sort(\.$createdAt).all().compactMap { member in
            guard let user = try? member.joined(User.self) else { return nil }
            return (user.id!, user.displayName, access.matrix.allows(member.memberRole, .inboxReply))
        }
    }

    static func age(_ date: Date, now: Date, _ ctx: PageContext) -> String {
        let hours = max(0, Int(now.timeIntervalSince(date) / 3_600))
        return hours < 48 ? ctx.t("feedback.age_hours", String(hours)) : ctx.t("feedback.age_days", String(hours / 24))
    }

    static func scoreText(_ ticket: FeedbackTicket, _ ctx: PageContext) -> String {
        ctx.t("feedback.score_parts", String(ticket.impact), String(ticket.urgency), String(ticket.cost))
    }

    // MARK: List

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, values: [:], errors: FormErrors())
    }

    private func renderList(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        var statusFilter = req.query[String.self, at: "status"] ?? "open"
        if !Self.statusFilters.contains(statusFilter) { statusFilter = "open" }
        var kindFilter = req.query[String.self, at: "kind"] ?? ""
        if FeedbackKind(rawValue: kindFilter) == nil { kindFilter = "" }
        let tickets = try await FeedbackService(db: req.db).list(
            status: statusFilter == "all" ? nil : statusFilter, kind: kindFilter.isEmpty ? nil : kindFilter, owner: nil, in: access)
        let names = Dictionary(try await Self.names(req, access).map { ($0.id, $0.name) }) { first, _ in first }
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/feedback"
        let now = Date()
        let rows = tickets.map { ticket -> HTML in
            """
            <tr id="ticket-\(ticket.number)" data-status="\(ticket.status)"><td><a href="\(Self.path(access, ticket))">#\(ticket.number)</a></td>
            <td><a href="\(Self.path(access, ticket))">\(ticket.title)</a></td><td>\(ctx.t("feedback.kind." + ticket.kind))</td>
            <td><strong class="score">\(ticket.score)</strong> <small class="muted">\(Self.scoreText(ticket, ctx))</small></td>
            <td>\(ticket.supporters)</td><td>\(ticket.$owner.id.flatMap { names[$0] } ?? "—")</td>
            <td>\(ctx.t("feedback.status." + ticket.status))</td><td>\(Self.age(ticket.createdAt, now: now, ctx))</td></tr>
            """
        }
        let statusOptions = Self.statusFilters.map { ($0, ctx.t("feedback.filter." + $0)) }
        let kindOptions =
            [("", ctx.t("feedback.filter_all_kinds"))] + FeedbackKind.allCases.map { ($0.rawValue, ctx.t("feedback.kind." + $0.rawValue)) }
        let form: HTML =
            access.can(.inboxReply)
            ? """
            <section class="card"><h2>\(ctx.t("feedback.new_ticket"))</h2>
            <form method="post" action="\(base)" id="ticket-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "title", label: ctx.t("feedback.title_field"), value: values["title"] ?? "", errors: errors, required: false, hint: ctx.t("feedback.title_hint")))
            \(Forms.textarea(ctx, name: "body", label: ctx.t("feedback.body"), value: values["body"] ?? "", errors: errors, rows: 4))
            \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: FeedbackKind.allCases.map { ($0.rawValue, ctx.t("feedback.kind." + $0.rawValue)) }, selected: values["kind"] ?? "suggestion", errors: errors))
            <button type="submit" class="primary" id="create-ticket">\(ctx.t("feedback.create"))</button></form></section>
            """
            : .empty
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_feedback"), status: status,
            """
            <h1>\(ctx.t("inbox.tab_feedback"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("feedback.intro"))</p>
            <form method="get" action="\(base)" class="inline" id="ticket-filters">
            <label for="status">\(ctx.t("feedback.status"))</label> <select id="status" name="status">\(Forms.options(statusOptions, statusFilter))</select>
            <label for="kind-filter">\(ctx.t("feedback.kind"))</label> <select id="kind-filter" name="kind">\(Forms.options(kindOptions, kindFilter))</select>
            <button type="submit">\(ctx.t("inbox.show"))</button></form>
            \(tickets.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("feedback.none"))</p>") : HTML("<table id=\"feedback-tickets\"><thead><tr><th>\(ctx.t("feedback.number"))</th><th>\(ctx.t("feedback.title_field"))</th><th>\(ctx.t("feedback.kind"))</th><th>\(ctx.t("feedback.score"))</th><th>\(ctx.t("feedback.supporters"))</th><th>\(ctx.t("feedback.owner"))</th><th>\(ctx.t("feedback.status"))</th><th>\(ctx.t("feedback.age"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
            \(form)
            """)
    }

    /// A ticket from the form, or from an inbox message (`message_id`).
    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = FeedbackService(db: req.db)
        let rawMessage = req.formValue("message_id").trimmingCharacters(in: .whitespaces)
        if !rawMessage.isEmpty {
            do {
                guard let messageID = UUID(uuidString: rawMessage) else { throw ValidationErrors("message_id", .notAMessage) }
                let kind = req.formValue("kind")
                let ticket = try await service.create(
                    .init(title: req.formValue("title"), body: req.formValue("body"), kind: kind.isEmpty ? nil : kind, messageId: messageID),
                    in: access, actor: req.actor)
                Flash.add(.notice, I18n.text("feedback.created", req.uiLocale, [String(ticket.number)]), to: req)
                return req.redirect(to: Self.path(access, ticket))
            } catch let errors as ValidationErrors {
                Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
                return req.redirect(to: "/w/\(access.workspace.slug)/feedback")
            }
        }
        let values = ["title": req.formValue("title"), "body": req.formValue("body"), "kind": req.formValue("kind")]
        do {
            let ticket = try await service.create(
                .init(title: values["title"], body: values["body"], kind: values["kind"].nonEmpty), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("feedback.created", req.uiLocale, [String(ticket.number)]), to: req)
            return req.redirect(to: Self.path(access, ticket))
        } catch let errors as ValidationErrors {
            return try await renderList(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    // MARK: One ticket

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await renderTicket(req, values: nil, closing: [:], errors: FormErrors())
    }

    private func renderTicket(
        _ req: Request, values typed: [String: String]?, closing: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let service = FeedbackService(db: req.db)
        let ticket = try await service.find(req.parameters.get("ticket"), in: access)
        let members = try await Self.names(req, access)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/feedback"
        let path = Self.path(access, ticket)
        let closed = ticket.status == FeedbackStatus.closed.rawValue
        let canWork = access.can(.inboxReply)
        let values =
            typed ?? [
                "title": ticket.title, "body": ticket.body, "kind": ticket.kind, "impact": String(ticket.impact), "urgency": String(ticket.urgency),
                "cost": String(ticket.cost), "owner_id": ticket.$owner.id?.uuidString.lowercased() ?? "", "status": ticket.status,
                "public": ticket.isPublic ? "true" : "",
            ]

        let source: HTML
        switch FeedbackTicket.Source(rawValue: ticket.source) {
        case .message:
            let link: HTML =
                ticket.conversationID.map { id -> HTML in
                    "<a href=\"/w/\(access.workspace.slug)/inbox/\(id.uuidString.lowercased())\" id=\"ticket-conversation\">\(ctx.t("feedback.open_conversation"))</a>"
                } ?? .empty
            source = "\(ctx.t("feedback.source_message", ticket.fanName ?? "—")) \(link)"
        case .form:
            let contact = ticket.contact.map { " · \($0)" } ?? ""
            source = "\(ctx.t("feedback.source_form", ticket.fanName ?? "—"))\(contact)"
        default:
            source = "\(ctx.t("feedback.source_api"))"
        }
        let owner = ticket.$owner.id.flatMap { id in members.first { $0.id == id }?.name } ?? "—"

        var sections: [HTML] = []
        if closed {
            sections.append(try await closedSection(req, ctx, access: access, ticket: ticket))
        } else if canWork {
            sections.append(editForm(ctx, path: path, values: values, errors: errors, members: members, ticket: ticket))
            let duplicates = try await service.duplicates(of: ticket, in: access)
            sections.append(duplicatesSection(ctx, access: access, path: path, ticket: ticket, duplicates: duplicates))
            sections.append(closeForm(ctx, path: path, values: closing, errors: errors))
        }
        let title = ctx.t("feedback.ticket_title", String(ticket.number), ticket.title)
        return Layout.page(
            ctx, title: title, status: status,
            """
            <h1>\(title)</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <section class="card" id="ticket-summary" data-status="\(ticket.status)">
            <p class="template-body" id="ticket-body">\(ticket.body)</p>
            <dl class="facts">
            <dt>\(ctx.t("feedback.kind"))</dt><dd>\(ctx.t("feedback.kind." + ticket.kind))</dd>
            <dt>\(ctx.t("feedback.status"))</dt><dd id="ticket-status">\(ctx.t("feedback.status." + ticket.status))</dd>
            <dt>\(ctx.t("feedback.score"))</dt><dd><strong id="ticket-score">\(ticket.score)</strong> <small class="muted">\(Self.scoreText(ticket, ctx))</small></dd>
            <dt>\(ctx.t("feedback.supporters"))</dt><dd id="ticket-supporters">\(ticket.supporters)</dd>
            <dt>\(ctx.t("feedback.owner"))</dt><dd>\(owner)</dd>
            <dt>\(ctx.t("feedback.source"))</dt><dd id="ticket-source">\(source)</dd>
            <dt>\(ctx.t("feedback.public"))</dt><dd>\(ctx.t(ticket.isPublic ? "feedback.yes" : "feedback.no"))</dd>
            <dt>\(ctx.t("feedback.created_at"))</dt><dd>\(Layout.time(ticket.createdAt, ctx))</dd>
            </dl></section>
            \(HTML.join(sections))
            <p><a href="\(base)">\(ctx.t("feedback.back"))</a></p>
            """)
    }

    private func editForm(
        _ ctx: PageContext, path: String, values: [String: String], errors: FormErrors, members: [(id: UUID, name: String, replies: Bool)],
        ticket: FeedbackTicket
    ) -> HTML {
        let scale = (1...5).map { (String($0), String($0)) }
        var owners = members.filter(\.replies).map { ($0.id.uuidString.lowercased(), $0.name) }
        if ticket.$owner.id == nil { owners.insert(("", "—"), at: 0) }
        return """
            <section class="card"><h2>\(ctx.t("feedback.edit"))</h2>
            <form method="post" action="\(path)" id="edit-ticket-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "title", label: ctx.t("feedback.title_field"), value: values["title"] ?? "", errors: errors))
            \(Forms.textarea(ctx, name: "body", label: ctx.t("feedback.body"), value: values["body"] ?? "", errors: errors, rows: 4))
            \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: FeedbackKind.allCases.map { ($0.rawValue, ctx.t("feedback.kind." + $0.rawValue)) }, selected: values["kind"] ?? "", errors: errors))
            <p class="hint">\(ctx.t("feedback.score_hint"))</p>
            \(Layout.select(ctx, name: "impact", label: ctx.t("feedback.impact"), options: scale, selected: values["impact"] ?? "3", errors: errors))
            \(Layout.select(ctx, name: "urgency", label: ctx.t("feedback.urgency"), options: scale, selected: values["urgency"] ?? "3", errors: errors))
            \(Layout.select(ctx, name: "cost", label: ctx.t("feedback.cost"), options: scale, selected: values["cost"] ?? "3", errors: errors))
            \(Layout.select(ctx, name: "owner_id", label: ctx.t("feedback.owner"), options: owners, selected: values["owner_id"] ?? "", errors: errors))
            \(Layout.select(ctx, name: "status", label: ctx.t("feedback.status"), options: Self.openStatuses.map { ($0.rawValue, ctx.t("feedback.status." + $0.rawValue)) }, selected: values["status"] ?? "new", errors: errors))
            \(Forms.checkbox(ctx, name: "public", label: ctx.t("feedback.public_label"), checked: values["public"] == "true", hint: ctx.t("feedback.public_hint"), errors: errors))
            <button type="submit" class="primary" id="save-ticket">\(ctx.t("inbox.save"))</button></form></section>
            """
    }

    private func duplicatesSection(
        _ ctx: PageContext, access: WorkspaceAccess, path: String, ticket: FeedbackTicket, duplicates: [FeedbackService.Duplicate]
    ) -> HTML {
        guard !duplicates.isEmpty else {
            return
                "<section class=\"card\" id=\"duplicates\"><h2>\(ctx.t("feedback.duplicates"))</h2><p class=\"empty\">\(ctx.t("feedback.no_duplicates"))</p></section>"
        }
        let items = duplicates.map { duplicate -> HTML in
            let other = duplicate.ticket
            let otherPath = "/w/\(access.workspace.slug)/feedback/\(other.id.uuidString.lowercased())"
            return """
                <li class="duplicate" data-ticket="\(other.number)"><a href="\(otherPath)">#\(other.number) \(other.title)</a>
                <small class="muted">\(ctx.t("feedback.similarity", String(Int((duplicate.similarity * 100).rounded())))) · \(ctx.t("feedback.supporters")) \(other.supporters) · \(ctx.t("feedback.status." + other.status))</small>
                <form method="post" action="\(path)/merge" class="inline">\(ctx.csrfField)<input type="hidden" name="into" value="\(other.id.uuidString.lowercased())">
                <button type="submit" class="merge-ticket" id="merge-into-\(other.number)">\(ctx.t("feedback.merge_into", String(ticket.number), String(other.number)))</button></form></li>
                """
        }
        return """
            <section class="card" id="duplicates"><h2>\(ctx.t("feedback.duplicates"))</h2>
            <p class="hint">\(ctx.t("feedback.duplicates_hint", String(ticket.number)))</p>
            <ul id="duplicate-proposals">\(items)</ul></section>
            """
    }

    private func closeForm(_ ctx: PageContext, path: String, values: [String: String], errors: FormErrors) -> HTML {
        """
        <section class="card"><h2>\(ctx.t("feedback.close"))</h2>
        <form method="post" action="\(path)/close" id="close-ticket-form" class="stack">\(ctx.csrfField)
        \(Layout.select(ctx, name: "resolution", label: ctx.t("feedback.resolution"), options: Self.closingResolutions.map { ($0.rawValue, ctx.t("feedback.resolution." + $0.rawValue)) }, selected: values["resolution"] ?? "adopted", errors: errors))
        \(Forms.textarea(ctx, name: "note", label: ctx.t("feedback.note"), value: values["note"] ?? "", errors: errors, rows: 3, hint: ctx.t("feedback.note_hint")))
        <button type="submit" class="primary" id="close-ticket">\(ctx.t("feedback.close"))</button></form></section>
        """
    }

    private func closedSection(_ req: Request, _ ctx: PageContext, access: WorkspaceAccess, ticket: FeedbackTicket) async throws -> HTML {
        var merged: HTML = .empty
        if let targetID = ticket.mergedIntoID, let target = try await access.query(FeedbackTicket.self, on: req.db).filter(\.$id == targetID).first()
        {
            merged =
                "<p id=\"merged-into\">\(ctx.t("feedback.merged_into")) <a href=\"\(Self.path(access, target))\">#\(target.number) \(target.title)</a></p>"
        }
        var notice: HTML = .empty
        if let replyID = ticket.noticeReplyID {
            let reply = try await access.query(InboxReply.self, on: req.db).filter(\.$id == replyID).first()
            let state = reply?.status ?? InboxReply.Status.unknown.rawValue
            notice =
                "<p id=\"notice-state\" data-state=\"\(state)\">\(ctx.t("feedback.notice_reply")): \(ctx.t("feedback.notice." + state))\(reply?.sentAt.map { HTML(" · \(Layout.time($0, ctx))") } ?? .empty)</p>"
        } else if ticket.source == FeedbackTicket.Source.message.rawValue, ticket.resolution != FeedbackResolution.duplicate.rawValue {
            notice = "<p id=\"notice-state\" data-state=\"none\">\(ctx.t("feedback.notice_reply")): \(ctx.t("feedback.notice_none"))</p>"
        } else if ticket.source == FeedbackTicket.Source.form.rawValue {
            notice = "<p id=\"notice-state\" data-state=\"receipt\">\(ctx.t("feedback.notice_receipt"))</p>"
        }
        return """
            <section class="card" id="ticket-closed"><h2>\(ctx.t("feedback.closed"))</h2>
            <dl class="facts">
            <dt>\(ctx.t("feedback.resolution"))</dt><dd id="ticket-resolution">\(ctx.t("feedback.resolution." + (ticket.resolution ?? "declined")))</dd>
            <dt>\(ctx.t("feedback.closed_at"))</dt><dd>\(Layout.time(ticket.closedAt, ctx))</dd>
            <dt>\(ctx.t("feedback.note"))</dt><dd id="ticket-note">\(ticket.closingNote ?? "—")</dd>
            </dl>
            \(merged)
            \(notice)
            </section>
            """
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let keys = ["title", "body", "kind", "impact", "urgency", "cost", "owner_id", "status"]
        var values = keys.reduce(into: [String: String]()) { $0[$1] = req.formValue($1) }
        values["public"] = Forms.isOn(req, "public") ? "true" : ""
        do {
            var errors = ValidationErrors()
            var parts: [String: Int] = [:]
            for key in ["impact", "urgency", "cost"] {
                if let value = Int(values[key] ?? "") { parts[key] = value } else { errors.add(key, .wholeNumberBetween(min: 1, max: 5)) }
            }
            var ownerID: UUID?
            if let raw = values["owner_id"], !raw.isEmpty {
                ownerID = UUID(uuidString: raw)
                if ownerID == nil { errors.add("owner_id", .inboxMember) }
            }
            try errors.throwIfAny()
            let ticket = try await FeedbackService(db: req.db).update(
                req.parameters.get("ticket"),
                .init(
                    title: values["title"], body: values["body"], kind: values["kind"], impact: parts["impact"], urgency: parts["urgency"],
                    cost: parts["cost"], ownerId: ownerID, public: values["public"] == "true", status: values["status"]),
                in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("feedback.saved", req.uiLocale, [String(ticket.number), String(ticket.score)]), to: req)
            return req.redirect(to: Self.path(access, ticket))
        } catch let errors as ValidationErrors {
            return try await renderTicket(req, values: values, closing: [:], errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
            return req.redirect(to: req.url.path)
        }
    }

    /// Folds this ticket into the proposal: its fans count there and hear when that one closes.
    @Sendable func merge(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let raw = req.parameters.get("ticket")
        do {
            let target = try await FeedbackService(db: req.db).merge(raw, into: req.formValue("into"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("feedback.merged", req.uiLocale, [String(target.number)]), to: req)
            return req.redirect(to: Self.path(access, target))
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/feedback/\(raw ?? "")")
    }

    @Sendable func close(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = ["resolution": req.formValue("resolution"), "note": req.formValue("note")]
        do {
            let ticket = try await FeedbackService(db: req.db).close(
                req.parameters.get("ticket"), .init(resolution: values["resolution"], note: values["note"]), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("feedback.closed_notice", req.uiLocale, [String(ticket.number)]), to: req)
            return req.redirect(to: Self.path(access, ticket))
        } catch let errors as ValidationErrors {
            return try await renderTicket(req, values: nil, closing: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/feedback/\(req.parameters.get("ticket") ?? "")")
        }
    }
}
