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

    // MARK: List

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, values: [:], errors: FormErrors())
    }

    private func renderList(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let input = FeedbackPage.List.Input(
            status: req.query[String.self, at: "status"], kind: req.query[String.self, at: "kind"], values: values, errors: errors)
        let found = try await FeedbackPage.List.query(input, access: access, on: req.db)
        let model = FeedbackPage.List.model(
            input, found, workspace: "/w/\(access.workspace.slug)", canCreate: access.can(.inboxReply), locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_feedback"), status: status,
            FeedbackPage.List.view(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
        let ctx = try await PageContext.make(req)
        let input = FeedbackPage.Ticket.Input(id: req.parameters.get("ticket"), values: typed, closing: closing, errors: errors)
        let canWork = access.can(.inboxReply)
        let found = try await FeedbackPage.Ticket.query(input, access: access, canWork: canWork, on: req.db)
        let model = FeedbackPage.Ticket.model(input, found, workspace: "/w/\(access.workspace.slug)", canWork: canWork, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("feedback.ticket_title", String(model.number)), status: status,
            FeedbackPage.Ticket.view(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
