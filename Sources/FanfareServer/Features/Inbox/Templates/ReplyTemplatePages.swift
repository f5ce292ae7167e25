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

    static func category(_ ctx: PageContext, _ raw: String) -> String {
        let key = "inbox.template_category." + raw
        let text = ctx.t(key)
        return text == key ? raw : text
    }

    @Sendable func library(req: Request) async throws -> HTMLResponse {
        try await renderLibrary(req, values: [:], errors: FormErrors())
    }

    private func renderLibrary(
        _ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let templates = try await ReplyTemplateService(db: req.db).list(in: access)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/inbox/templates"
        let canManage = access.can(.inboxRulesManage)
        let byCategory = Dictionary(grouping: templates, by: \.category)
        let shelves = ReplyTemplateCategory.allCases.compactMap { category -> HTML? in
            guard let items = byCategory[category.rawValue], !items.isEmpty else { return nil }
            let cards = items.map { template -> HTML in
                let id = template.id!.uuidString.lowercased()
                let variables = ReplyTemplateDTO(template).variables
                let variants = template.variants.sorted { $0.key < $1.key }.map { platform, text -> HTML in
                    "<dt>\(ctx.t("platform." + platform))</dt><dd class=\"template-body\">\(text)</dd>"
                }
                let actions: HTML =
                    canManage
                    ? "<p><a href=\"\(base)/\(id)\" class=\"edit-template\">\(ctx.t("inbox.edit"))</a></p>"
                    : .empty
                return """
                    <article class="card template" id="template-\(id)" data-category="\(category.rawValue)">
                    <h3>\(template.name)</h3>
                    <p class="template-body">\(template.body)</p>
                    \(variables.isEmpty ? HTML.empty : HTML("<p class=\"muted\">\(ctx.t("inbox.template_variables")): <code>\(variables.map { "{\($0)}" }.joined(separator: " "))</code></p>"))
                    \(variants.isEmpty ? HTML.empty : HTML("<details><summary>\(ctx.t("inbox.template_variants")) (\(variants.count))</summary><dl>\(variants)</dl></details>"))
                    \(actions)
                    </article>
                    """
            }
            return
                "<section class=\"template-shelf\" id=\"shelf-\(category.rawValue)\"><h2>\(Self.category(ctx, category.rawValue)) (\(items.count))</h2>\(cards)</section>"
        }
        let form: HTML =
            canManage
            ? """
            <section class="card"><h2>\(ctx.t("inbox.add_template"))</h2>
            <form method="post" action="\(base)" id="template-form" class="stack">\(ctx.csrfField)
            \(Self.formFields(ctx, values: values, errors: errors))
            <button type="submit" class="primary" id="add-template">\(ctx.t("inbox.add_template"))</button></form></section>
            """
            : "<p class=\"muted\">\(ctx.t("inbox.read_only"))</p>"
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_templates"), status: status,
            """
            <h1>\(ctx.t("inbox.tab_templates"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("inbox.templates_intro"))</p>
            \(shelves.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("inbox.no_templates"))</p>") : HTML.join(shelves))
            \(form)
            """)
    }

    /// Name, category, body and one optional wording per platform.
    static func formFields(_ ctx: PageContext, values: [String: String], errors: FormErrors) -> HTML {
        let categories = ReplyTemplateCategory.allCases.map { ($0.rawValue, category(ctx, $0.rawValue)) }
        let variables = TemplateVariable.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
        let variants = platforms.map { platform -> HTML in
            Forms.textarea(
                ctx, name: "variant_\(platform)", label: ctx.t("platform." + platform), value: values["variant_\(platform)"] ?? "", errors: errors,
                rows: 2, required: false)
        }
        return """
            \(Layout.field(ctx, name: "name", label: ctx.t("inbox.template_name"), value: values["name"] ?? "", errors: errors))
            \(Layout.select(ctx, name: "category", label: ctx.t("inbox.template_category"), options: categories, selected: values["category"] ?? ReplyTemplateCategory.faqFeatures.rawValue, errors: errors))
            \(Forms.textarea(ctx, name: "body", label: ctx.t("inbox.template_body"), value: values["body"] ?? "", errors: errors, rows: 5, hint: ctx.t("inbox.template_body_hint", variables)))
            <fieldset id="template-variants"><legend>\(ctx.t("inbox.template_variants"))</legend>
            <p class="hint">\(ctx.t("inbox.template_variants_hint"))</p>
            \(variants)
            </fieldset>
            """
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
        let base = "/w/\(access.workspace.slug)/inbox/templates"
        let path = "\(base)/\(template.id!.uuidString.lowercased())"
        return Layout.page(
            ctx, title: ctx.t("inbox.edit_template"), status: status,
            """
            <h1>\(ctx.t("inbox.edit_template"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(path)" id="edit-template-form" class="stack">\(ctx.csrfField)
            \(Self.formFields(ctx, values: values, errors: errors))
            <div class="actions"><button type="submit" class="primary" id="save-template">\(ctx.t("inbox.save"))</button> <a href="\(base)">\(ctx.t("inbox.cancel"))</a></div></form>
            <form method="post" action="\(path)/delete" id="delete-template-form">\(ctx.csrfField)
            <button type="submit" class="danger" id="delete-template">\(ctx.t("inbox.delete_template"))</button></form>
            """)
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
