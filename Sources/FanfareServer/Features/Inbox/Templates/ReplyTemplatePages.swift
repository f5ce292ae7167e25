import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/inbox/templates`: the reply library (话术库) by category, with
/// each template's variables and platform wordings; members who keep the
/// inbox's rules add, edit and remove templates, everyone else reads.
struct ReplyTemplatePages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("inbox", "templates", use: library)
        scoped.post("inbox", "templates", use: create)
        scoped.get("inbox", "templates", ":template", use: edit)
        scoped.post("inbox", "templates", ":template", use: update)
        scoped.post("inbox", "templates", ":template", "delete", use: delete)
    }

    static let fields = ["name", "category", "body"]
    static var platforms: [String] { PlatformRules.standard.keys.sorted() }

    @Sendable func library(req: Request) async throws -> HTMLResponse {
        try await renderLibrary(req, values: [:], errors: FormErrors())
    }

    private func renderLibrary(
        _ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await ReplyTemplatePage.query(access: access, on: req.db)
        let model = ReplyTemplatePage.library(
            found, workspace: "/w/\(access.workspace.slug)", canManage: access.can(.inboxRulesManage), values: values, errors: errors,
            locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_templates"), status: status,
            ReplyTemplatePage.libraryView(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
    }

    static func input(_ req: Request) -> ReplyTemplateService.Input {
        var variants: [String: String] = [:]
        for platform in platforms {
            let text = req.formValue("variant_\(platform)")
            if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { variants[platform] = text }
        }
        return .init(name: req.formValue("name"), category: req.formValue("category"), body: req.formValue("body"), variants: variants)
    }

    static func typedValues(_ req: Request) -> [String: String] {
        var values: [String: String] = [:]
        for key in fields + platforms.map({ "variant_\($0)" }) { values[key] = req.formValue(key) }
        return values
    }

    /// The service names a platform's wording `variants.weibo`; the form `variant_weibo`.
    static func formErrors(_ errors: ValidationErrors) -> FormErrors {
        var mapped = errors
        mapped.issues = errors.issues.map { issue in
            let field = issue.field.hasPrefix("variants.") ? "variant_" + issue.field.dropFirst("variants.".count) : issue.field
            return FieldIssue(field: field == "variants" ? "body" : field, issue.coded)
        }
        return FormErrors(mapped)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        do {
            let template = try await ReplyTemplateService(db: req.db).create(Self.input(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.template_added", req.uiLocale, [template.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/templates")
        } catch let errors as ValidationErrors {
            return try await renderLibrary(req, values: Self.typedValues(req), errors: Self.formErrors(errors), status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    @Sendable func edit(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let template = try await access.find(ReplyTemplate.self, req.parameters.get("template"), on: req.db, what: "Reply template")
        var values = ["name": template.name, "category": template.category, "body": template.body]
        for (platform, text) in template.variants { values["variant_\(platform)"] = text }
        return try await renderEdit(req, template: template, values: values, errors: FormErrors())
    }

    private func renderEdit(
        _ req: Request, template: ReplyTemplate, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    )
        async throws -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let model = ReplyTemplatePage.edit(
            id: template.id!, workspace: "/w/\(access.workspace.slug)", values: values, errors: errors, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.edit_template"), status: status,
            ReplyTemplatePage.editView(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let template = try await access.find(ReplyTemplate.self, req.parameters.get("template"), on: req.db, what: "Reply template")
        do {
            _ = try await ReplyTemplateService(db: req.db).update(template.id!.uuidString, Self.input(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.template_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/templates")
        } catch let errors as ValidationErrors {
            return try await renderEdit(
                req, template: template, values: Self.typedValues(req), errors: Self.formErrors(errors), status: .unprocessableEntity
            )
            .encodeResponse(for: req)
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let raw = req.parameters.get("template")
        do {
            try await ReplyTemplateService(db: req.db).delete(raw, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.template_deleted", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/templates")
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/templates/\(raw ?? "")")
        }
    }
}
