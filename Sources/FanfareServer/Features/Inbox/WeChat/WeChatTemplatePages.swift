import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/inbox/wechat-templates`: the template messages (模板消息) each
/// WeChat Official Account may send once a fan's customer-service window
/// has closed, as query → model → view. Members who keep the inbox's rules
/// add and remove them; everyone who reads the inbox sees them.
struct WeChatTemplatePages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("inbox", "wechat-templates", use: list)
        scoped.post("inbox", "wechat-templates", use: add)
        scoped.post("inbox", "wechat-templates", ":template", "remove", use: remove)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors())
    }

    func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await WeChatTemplatePage.query(access: access, on: req.db)
        let model = WeChatTemplatePage.model(
            found, workspace: "/w/\(access.workspace.slug)", canManage: access.can(.inboxRulesManage), values: values, errors: errors,
            locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_wechat_templates"), status: status,
            WeChatTemplatePage.view(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
    }

    @Sendable func add(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let values = [
            "account_id": req.formValue("account_id"), "template_id": req.formValue("template_id"), "title": req.formValue("title"),
            "fields": req.formValue("fields"),
        ]
        do {
            let template = try await WeChatTemplateService(db: req.db).add(
                .init(
                    accountId: UUID(uuidString: values["account_id"]!), templateId: values["template_id"], title: values["title"],
                    fields: ListText.items(values["fields"]!, separatedBy: .punctuationAndSpaces)), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.wechat_template_added", req.uiLocale, [template.title]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/wechat-templates")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func remove(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await WeChatTemplateService(db: req.db).remove(req.parameters.get("template"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("inbox.wechat_template_removed", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/wechat-templates")
    }
}

enum WeChatTemplatePage {
    struct Found: Sendable {
        var accounts: [(id: UUID, name: String)] = []
        var templates: [WeChatTemplateDTO] = []
    }

    struct Row: Sendable, Equatable {
        var id: String
        var account: String
        var templateID: String
        var title: String
        var fields: [(key: String, rule: String)]
        var removeAction: String

        static func == (a: Row, b: Row) -> Bool {
            a.id == b.id && a.title == b.title && a.fields.map(\.key) == b.fields.map(\.key) && a.fields.map(\.rule) == b.fields.map(\.rule)
        }
    }

    struct Model: Sendable {
        var base: String
        var rows: [Row]
        var canManage: Bool
        /// The WeChat accounts to pick from; empty: none is connected.
        var accounts: [(value: String, label: String)]
        var accountsHref: String
        var values: [String: String]
        var errors: FormErrors
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        let service = WeChatTemplateService(db: db)
        let templates = try await service.list(in: access).map(WeChatTemplateDTO.init)
        let accounts = try await service.accounts(in: access).map { ($0.id!, $0.displayName.isEmpty ? $0.handle : $0.displayName) }
        return Found(accounts: accounts, templates: templates)
    }

    static func model(
        _ found: Found, workspace: String, canManage: Bool, values: [String: String], errors: FormErrors, locale: UILocale
    ) -> Model {
        let base = workspace + "/inbox/wechat-templates"
        let names = Dictionary(found.accounts.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = found.templates.map { template in
            Row(
                id: template.id.uuidString.lowercased(), account: names[template.accountId] ?? "—", templateID: template.templateId,
                title: template.title,
                fields: template.fields.map { key in
                    (key, I18n.text("inbox.wechat_field_rule." + WeChatTemplateRules.FieldKind.of(key: key).rawValue, locale))
                }, removeAction: "\(base)/\(template.id.uuidString.lowercased())/remove")
        }
        return Model(
            base: base, rows: rows, canManage: canManage, accounts: found.accounts.map { ($0.id.uuidString.lowercased(), $0.name) },
            accountsHref: workspace + "/accounts", values: values, errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
        let rows = model.rows.map { row -> HTML in
            let fields = row.fields.map { "<li><code translate=\"no\">\($0.key)</code> \($0.rule)</li>" as HTML }
            let remove: HTML =
                model.canManage
                ? "<form method=\"post\" action=\"\(row.removeAction)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger remove-wechat-template\">\(ctx.t("inbox.wechat_template_remove"))</button></form>"
                : .empty
            return """
                <article class="card wechat-template" id="wechat-template-\(row.id)">
                <h3 translate="no">\(row.title)</h3>
                <p class="muted">\(ctx.t("inbox.wechat_template_account")): <span translate="no">\(row.account)</span> · \(ctx.t("inbox.wechat_template_id")): <code translate="no">\(row.templateID)</code></p>
                <ul class="plain wechat-template-fields">\(HTML.join(fields))</ul>
                \(remove)</article>
                """
        }
        let empty: HTML = """
            <div class="empty-state" id="no-wechat-templates"><p>\(ctx.t("inbox.wechat_templates_empty"))</p>\
            \(model.canManage ? (model.accounts.isEmpty ? HTML.empty : HTML("<p><a href=\"#wechat-template-form\">\(ctx.t("inbox.wechat_template_add_first"))</a></p>")) : HTML("<p>\(ctx.t("inbox.read_only"))</p>"))</div>
            """
        let form: HTML
        if !model.canManage {
            form = .empty
        } else if model.accounts.isEmpty {
            form = """
                <p class="muted" id="no-wechat-accounts">\(ctx.t("inbox.wechat_templates_no_account")) <a href="\(model.accountsHref)">\(ctx.t("inbox.empty_connect"))</a></p>
                """
        } else {
            form = """
                <section class="card"><h2>\(ctx.t("inbox.wechat_template_add"))</h2>
                <form method="post" action="\(model.base)" id="wechat-template-form" class="stack">\(ctx.csrfField)
                \(Layout.select(ctx, name: "account_id", label: ctx.t("inbox.wechat_template_account"), options: [("", ctx.t("inbox.wechat_template_pick_account"))] + model.accounts, selected: model.values["account_id"] ?? (model.accounts.count == 1 ? model.accounts[0].value : ""), errors: model.errors, verbatimAfterFirst: true))
                \(Layout.field(ctx, name: "template_id", label: ctx.t("inbox.wechat_template_id"), value: model.values["template_id"] ?? "", errors: model.errors, hint: ctx.t("inbox.wechat_template_id_hint")))
                \(Layout.field(ctx, name: "title", label: ctx.t("inbox.wechat_template_title"), value: model.values["title"] ?? "", errors: model.errors))
                \(Layout.field(ctx, name: "fields", label: ctx.t("inbox.wechat_template_fields"), value: model.values["fields"] ?? "", errors: model.errors, hint: ctx.t("inbox.wechat_template_fields_hint")))
                <p class="hint" id="wechat-template-fields-example">\(HTML.sentence(ctx.t("inbox.wechat_template_fields_example"), ["<code translate=\"no\">{{thing1.DATA}}</code>", "<code translate=\"no\">thing1</code>"])) \
                <code translate="no">thing1 time2 character_string3</code></p>
                <button type="submit" class="primary" id="add-wechat-template">\(ctx.t("inbox.wechat_template_add"))</button></form></section>
                """
        }
        return """
            <h1>\(ctx.t("inbox.tab_wechat_templates"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, model.errors))
            <p>\(ctx.t("inbox.wechat_templates_intro"))</p>
            \(rows.isEmpty ? empty : HTML("<div class=\"wechat-templates\">\(HTML.join(rows))</div>"))
            \(form)
            """
    }
}
