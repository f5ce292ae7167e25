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
        let model = PublicFeedbackPage.form(brand: workspace.name, slug: workspace.slug, values: values, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("feedback.public_page_title"), status: status, PublicFeedbackPage.formView(model, ctx))
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
        let model = PublicFeedbackPage.receipt(
            FeedbackTicketDTO(ticket), shown: FeedbackTicketDTO(shown), brand: workspace.name, zone: workspace.zone, locale: ctx.locale)
        return Layout.page(ctx, title: model.title, PublicFeedbackPage.receiptView(model, ctx))
    }

    @Sendable func adopted(req: Request) async throws -> HTMLResponse {
        let workspace = try await workspace(req)
        guard try await InboxSettings.of(workspace.id!, on: req.db).publicFeedback else { throw Problem.notFound("Page") }
        let tickets = try await FeedbackService.adopted(in: workspace.id!, on: req.db)
        let ctx = try await PageContext.make(req)
        let model = PublicFeedbackPage.adopted(
            tickets.map(FeedbackTicketDTO.init), brand: workspace.name, slug: workspace.slug, zone: workspace.zone, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("feedback.adopted_page_title"), PublicFeedbackPage.adoptedView(model, ctx))
    }

    /// A date in the workspace's time zone, as a fan reads it.
    static func day(_ date: Date?, _ zone: TimeZone) -> String {
        guard let date else { return "—" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: date)
    }
}
