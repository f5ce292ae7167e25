import FanfareCore
import Fluent
import Vapor

/// Pages for fans, without signing in: `/p/{slug}/feedback` to send a
/// suggestion, complaint or bug report and read its state on a receipt
/// page; `/p/{slug}/adopted` lists the adopted suggestions a workspace
/// chose to publish.
///
/// Each is off until the workspace turns it on (inbox settings), and a page
/// that is off answers exactly as for a workspace that does not exist, so
/// the pages do not tell which brands use Fanfare. Sends are limited per
/// address and per workspace (`ThrottleStore`), and a field people never
/// see catches the robots that fill in every field.
struct PublicFeedbackPages: RouteCollection {
    static let kinds: [FeedbackKind] = [.suggestion, .complaint, .bug]

    /// The field people never see: a send that fills it is a robot's.
    static let trapField = "leave_empty"

    func boot(routes: any RoutesBuilder) throws {
        let site = routes.grouped("p", ":slug")
        site.get("feedback", use: form)
        site.post("feedback", use: send)
        site.get("feedback", ":receipt", use: receipt)
        site.get("adopted", use: adopted)
    }

    /// The workspace of the address; an unknown one is not found.
    private func workspace(_ req: Request) async throws -> Workspace {
        guard let slug = req.parameters.get("slug"), let workspace = try await Workspace.query(on: req.db).filter(\.$slug == slug).first()
        else { throw Problem.notFound("Page") }
        return workspace
    }

    /// The workspace of the address if its form is open; otherwise the
    /// same 404 as for an unknown workspace.
    private func openForm(_ req: Request) async throws -> Workspace {
        let workspace = try await workspace(req)
        guard try await InboxSettings.of(workspace.id!, on: req.db).publicFeedbackForm else { throw Problem.notFound("Page") }
        return workspace
    }

    @Sendable func form(req: Request) async throws -> HTMLResponse {
        try await renderForm(req, workspace: try await openForm(req), values: [:], errors: FormErrors())
    }

    private func renderForm(
        _ req: Request, workspace: Workspace, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    )
        async throws -> HTMLResponse
    {
        let ctx = try await PageContext.make(req)
        let kinds = Self.kinds.map { ($0.rawValue, ctx.t("feedback.kind." + $0.rawValue)) }
        let title = ctx.t("feedback.public_title", workspace.name)
        return Layout.page(
            ctx, title: title, status: status,
            """
            <section class="narrow">
            <h1>\(title)</h1>
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("feedback.public_intro"))</p>
            <form method="post" action="/p/\(workspace.slug)/feedback" id="public-feedback-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("feedback.your_name"), value: values["name"] ?? "", errors: errors, required: false, autocomplete: "name"))
            \(Layout.field(ctx, name: "contact", label: ctx.t("feedback.contact"), value: values["contact"] ?? "", errors: errors, required: false, hint: ctx.t("feedback.contact_hint")))
            \(Layout.select(ctx, name: "kind", label: ctx.t("feedback.kind"), options: kinds, selected: values["kind"] ?? "suggestion", errors: errors))
            \(Forms.textarea(ctx, name: "text", label: ctx.t("feedback.text"), value: values["text"] ?? "", errors: errors, rows: 6))
            <div class="trap" aria-hidden="true"><label for="\(Self.trapField)">\(ctx.t("feedback.trap"))</label><input type="text" id="\(Self.trapField)" name="\(Self.trapField)" value="" tabindex="-1" autocomplete="off"></div>
            <button type="submit" class="primary" id="send-feedback">\(ctx.t("feedback.send"))</button></form>
            </section>
            """)
    }

    @Sendable func send(req: Request) async throws -> Response {
        let workspace = try await openForm(req)
        // A robot that filled the invisible field is told nothing useful:
        // it sees the empty form again, and nothing is stored.
        if !req.formValue(Self.trapField).isEmpty {
            return req.redirect(to: "/p/\(workspace.slug)/feedback")
        }
        let throttle = ThrottleStore(db: req.db)
        if let wait = try await throttle.feedbackWait(workspaceID: workspace.id!, address: req.clientAddress) {
            var errors = FormErrors()
            errors.general = I18n.text("feedback.too_many", req.uiLocale, [String(max(1, Int((wait / 60).rounded(.up))))])
            let kept = [
                "name": req.formValue("name"), "contact": req.formValue("contact"), "kind": req.formValue("kind"), "text": req.formValue("text"),
            ]
            let response = try await renderForm(req, workspace: workspace, values: kept, errors: errors, status: .tooManyRequests).encodeResponse(
                for: req)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(Int(wait.rounded(.up))))
            return response
        }
        let values = [
            "name": req.formValue("name"), "contact": req.formValue("contact"), "kind": req.formValue("kind"), "text": req.formValue("text"),
        ]
        do {
            if !Self.kinds.map(\.rawValue).contains(values["kind"] ?? "") {
                throw ValidationErrors("kind", .oneOf(choices: ["suggestion", "complaint", "bug"]))
            }
            let ticket = try await FeedbackService(db: req.db).createFromForm(
                workspace: workspace, name: values["name"] ?? "", contact: values["contact"] ?? "", kind: values["kind"] ?? "",
                text: values["text"] ?? "")
            try await throttle.record(.feedback, subject: workspace.id!.uuidString, address: req.clientAddress)
            return req.redirect(to: "/p/\(workspace.slug)/feedback/\(ticket.receipt)")
        } catch let errors as ValidationErrors {
            // The fan writes one text; the service derives the title from it.
            var mapped = ValidationErrors()
            for issue in errors.issues where issue.field != "title" || !errors.issues.contains(where: { $0.field == "body" }) {
                mapped.add(["body": "text", "title": "text"][issue.field] ?? issue.field, issue.coded)
            }
            return try await renderForm(req, workspace: workspace, values: values, errors: FormErrors(mapped), status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    /// The ticket's number and state; once closed, how and the notice. A
    /// ticket merged into another shows the other's outcome.
    @Sendable func receipt(req: Request) async throws -> HTMLResponse {
        let workspace = try await workspace(req)
        guard let code = req.parameters.get("receipt"),
            let ticket = try await FeedbackTicket.query(on: req.db).filter(\.$workspace.$id == workspace.id!).filter(\.$receipt == code).first()
        else { throw Problem.notFound("Page") }
        var shown = ticket
        if let targetID = ticket.mergedIntoID,
            let target = try await FeedbackTicket.query(on: req.db).filter(\.$workspace.$id == workspace.id!).filter(\.$id == targetID).first()
        {
            shown = target
        }
        let ctx = try await PageContext.make(req)
        let title = ctx.t("feedback.receipt_title", String(ticket.number))
        let closed = shown.status == FeedbackStatus.closed.rawValue
        let outcome: HTML =
            closed
            ? """
            <dl class="facts"><dt>\(ctx.t("feedback.resolution"))</dt><dd id="receipt-resolution">\(ctx.t("feedback.resolution." + (shown.resolution ?? "declined")))</dd>
            <dt>\(ctx.t("feedback.closed_at"))</dt><dd>\(Self.day(shown.closedAt, workspace))</dd>
            <dt>\(ctx.t("feedback.public_note"))</dt><dd id="receipt-note">\(shown.closingNote ?? "—")</dd></dl>
            """
            : "<p>\(ctx.t("feedback.receipt_open"))</p>"
        return Layout.page(
            ctx, title: title,
            """
            <section class="narrow" id="receipt" data-status="\(shown.status)">
            <h1>\(title)</h1>
            <p>\(ctx.t("feedback.receipt_intro", workspace.name))</p>
            <dl class="facts"><dt>\(ctx.t("feedback.number"))</dt><dd id="receipt-number">#\(ticket.number)</dd>
            <dt>\(ctx.t("feedback.kind"))</dt><dd>\(ctx.t("feedback.kind." + ticket.kind))</dd>
            <dt>\(ctx.t("feedback.status"))</dt><dd id="receipt-status">\(ctx.t(closed ? "feedback.public_state_closed" : "feedback.public_state_open"))</dd>
            <dt>\(ctx.t("feedback.sent_at"))</dt><dd>\(Self.day(ticket.createdAt, workspace))</dd></dl>
            <blockquote class="template-body">\(ticket.body)</blockquote>
            \(outcome)
            <p class="muted">\(ctx.t("feedback.receipt_keep"))</p>
            </section>
            """)
    }

    @Sendable func adopted(req: Request) async throws -> HTMLResponse {
        let workspace = try await workspace(req)
        guard try await InboxSettings.of(workspace.id!, on: req.db).publicFeedback else { throw Problem.notFound("Page") }
        let tickets = try await FeedbackService.adopted(in: workspace.id!, on: req.db)
        let ctx = try await PageContext.make(req)
        let title = ctx.t("feedback.adopted_title", workspace.name)
        let items = tickets.map { ticket -> HTML in
            """
            <article class="card adopted" id="adopted-\(ticket.number)"><h2>\(ticket.title)</h2>
            <p>\(ticket.closingNote ?? "")</p>
            <p class="muted">\(ctx.t("feedback.adopted_on", Self.day(ticket.closedAt, workspace))) · \(ctx.t("feedback.adopted_supporters", String(ticket.supporters)))</p>
            </article>
            """
        }
        return Layout.page(
            ctx, title: title,
            """
            <section class="narrow" id="adopted">
            <h1>\(title)</h1>
            <p>\(ctx.t("feedback.adopted_intro"))</p>
            \(items.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("feedback.adopted_none"))</p>") : HTML.join(items))
            <p><a href="/p/\(workspace.slug)/feedback">\(ctx.t("feedback.adopted_send"))</a></p>
            </section>
            """)
    }

    /// A date in the workspace's time zone, as a fan reads it.
    static func day(_ date: Date?, _ workspace: Workspace) -> String {
        guard let date else { return "—" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = workspace.zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
