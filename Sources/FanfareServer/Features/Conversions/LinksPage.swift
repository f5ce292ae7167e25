import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/links`: the workspace's tracked links with their clicks (total
/// and unique named apart), a copy-able short address each, and the form
/// to make one for a post, a campaign tag or an account. Query → model →
/// view; the model and view are tested without a database.
struct LinksPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("links", use: page)
        scoped.post("links", use: create)
        scoped.post("links", ":link_id", "disable", use: disable)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors(), status: .ok)
    }

    func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let found = try await LinksPage.query(access: access, cursor: req.query[String.self, at: "cursor"], on: req.db)
        let model = LinksPage.model(
            found, base: "/w/\(access.workspace.slug)", shortBase: req.application.settings.linkBase, canEdit: access.can(.contentEdit),
            values: values, errors: errors, prefillPost: req.query[String.self, at: "post_id"], locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("links.title"), status: status, LinksPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let names = ["destination", "post_id", "campaign", "account_id", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
        var values: [String: String] = [:]
        for name in names { values[name] = req.formValue(name).trimmingCharacters(in: .whitespaces) }
        func value(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }
        do {
            let link = try await LinkService(db: req.db).create(
                .init(
                    destination: values["destination"], utmSource: value("utm_source"), utmMedium: value("utm_medium"),
                    utmCampaign: value("utm_campaign"), utmContent: value("utm_content"), utmTerm: value("utm_term"), postId: value("post_id"),
                    campaign: value("campaign"), accountId: value("account_id")),
                in: access, by: req.auth.get(User.self)?.id)
            Flash.add(
                .notice, I18n.text("links.created", req.uiLocale, [LinkService.shortURL(base: req.application.settings.linkBase, code: link.code)]),
                to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/links")
        } catch let invalid as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(invalid), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func disable(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let service = LinkService(db: req.db)
        let link = try await service.find(req.parameters.get("link_id"), in: access)
        try await service.disable(link)
        req.application.linkCache.forget(link.code)
        Flash.add(.notice, I18n.text("links.disabled_notice", req.uiLocale, [link.code]), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/links")
    }
}

enum LinksPage {
    /// One link as stored, with its counts (no model leaves the query).
    struct Row: Sendable, Equatable {
        var id: UUID
        var code: String
        var destination: String
        var targetKind: String
        var postID: UUID?
        var accountID: UUID?
        var campaign: String?
        var clicks: ClickCounts
        var disabled: Bool
        var createdAt: Date
    }

    struct Found: Sendable {
        var rows: [Row] = []
        var nextCursor: String?
    }

    static func query(access: WorkspaceAccess, cursor: String?, postID: UUID? = nil, on db: any Database) async throws -> Found {
        let page = (try? PageQuery(limit: nil, cursor: cursor)) ?? PageQuery()
        let service = LinkService(db: db)
        let (links, next) = try await service.list(postID: postID, accountID: nil, page: page, in: access)
        let clicks = try await service.clicks(of: links.map { $0.id! }, in: access.workspaceID)
        return Found(
            rows: links.map {
                Row(
                    id: $0.id!, code: $0.code, destination: $0.destination, targetKind: $0.targetKind, postID: $0.postID, accountID: $0.accountID,
                    campaign: $0.campaign, clicks: clicks[$0.id!] ?? ClickCounts(), disabled: $0.disabledAt != nil, createdAt: $0.createdAt)
            }, nextCursor: next)
    }

    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            var code: String
            var shortURL: String
            var destination: String
            /// The target's kind in the reader's language ("Campaign {0}"),
            /// the campaign's name as typed, and where it links.
            var target: String
            var campaign: String?
            var targetHref: String?
            var total: Int
            var unique: Int
            var bots: Int
            var disabled: Bool
            var disableAction: String?
            var createdAt: Date
        }
        var items: [Item]
        var nextHref: String?
        var canEdit: Bool
        var formAction: String
        var values: [String: String]
        var errors: FormErrors
    }

    static func model(
        _ found: Found, base: String, shortBase: String, canEdit: Bool, values: [String: String], errors: FormErrors, prefillPost: String?,
        locale: UILocale = .en
    ) -> Model {
        var values = values
        if values["post_id"] == nil, let prefillPost { values["post_id"] = prefillPost }
        let items = found.rows.map { row in
            Model.Item(
                code: row.code, shortURL: LinkService.shortURL(base: shortBase, code: row.code), destination: row.destination,
                target: I18n.text("links.target.\(row.targetKind)", locale), campaign: row.campaign,
                targetHref: row.postID.map { "\(base)/posts/\($0.uuidString)" }, total: row.clicks.total, unique: row.clicks.unique,
                bots: row.clicks.bots, disabled: row.disabled,
                disableAction: canEdit && !row.disabled ? "\(base)/links/\(row.id.uuidString)/disable" : nil, createdAt: row.createdAt)
        }
        return Model(
            items: items, nextHref: found.nextCursor.map { "\(base)/links?cursor=\($0)" }, canEdit: canEdit, formAction: "\(base)/links",
            values: values, errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.items.map { item -> HTML in
            // The campaign's name is what people typed: kept out of translation.
            let text = HTML.sentence(item.target, [HTML.typed(item.campaign ?? "")])
            let target: HTML = item.targetHref.map { "<a href=\"\($0)\">\(text)</a>" } ?? text
            let state: HTML =
                item.disabled
                ? Badge.html(ctx.t("links.disabled"), tone: .neutral, data: [("code", "disabled")])
                : (item.disableAction.map { action -> HTML in
                    "<form method=\"post\" action=\"\(action)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"secondary\">\(ctx.t("links.disable"))</button></form>"
                } ?? .empty)
            return """
                <tr data-code="\(item.code)"><td><input class="copy" readonly value="\(item.shortURL)" aria-label="\(ctx.t("links.short_url"))" onfocus="this.select()"></td>\
                <td class="summary" translate="no"><a href="\(item.destination)" rel="noopener noreferrer">\(item.destination)</a></td><td>\(target)</td>\
                <td class="num" data-total="\(item.total)">\(Formats.countHTML(item.total, ctx.locale))</td>\
                <td class="num" data-unique="\(item.unique)">\(Formats.countHTML(item.unique, ctx.locale))</td>\
                <td class="num" data-bots="\(item.bots)">\(Formats.countHTML(item.bots, ctx.locale))</td>\
                <td>\(Layout.time(item.createdAt, ctx))</td><td>\(state)</td></tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t(model.canEdit ? "links.none_edit" : "links.none"))</p>"
            : """
            <div class="table-scroll"><table id="links-list"><thead><tr><th>\(ctx.t("links.short_url"))</th><th>\(ctx.t("links.destination"))</th>\
            <th>\(ctx.t("links.target"))</th><th>\(ctx.t("links.total"))</th><th>\(ctx.t("links.unique"))</th><th>\(ctx.t("links.bots"))</th>\
            <th>\(ctx.t("links.created_at"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            <p class="hint">\(ctx.t("links.counts_explained"))</p>
            """
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"links-next\">\(ctx.t("list.next"))</a></p>" } ?? .empty
        func field(_ name: String, _ label: String, hint: String? = nil) -> HTML {
            Layout.field(
                ctx, name: name, label: ctx.t(label), value: model.values[name] ?? "", errors: model.errors, required: false,
                hint: hint.map { ctx.t($0) })
        }
        let form: HTML =
            model.canEdit
            ? FormPage.post(
                ctx, id: "link-form", heading: ctx.t("links.new"), action: model.formAction, errors: model.errors,
                fields: [
                    Layout.field(
                        ctx, name: "destination", label: ctx.t("links.destination"), type: "url", value: model.values["destination"] ?? "",
                        errors: model.errors, hint: ctx.t("links.destination_hint")),
                    """
                    <fieldset><legend>\(ctx.t("links.target"))</legend>
                    \(model.errors["target"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })
                    \(field("post_id", "links.post_id"))
                    \(field("campaign", "links.campaign"))
                    \(field("account_id", "links.account_id"))
                    </fieldset>
                    """,
                    """
                    <details><summary>\(ctx.t("links.utm"))</summary>
                    \(field("utm_source", "links.utm_source", hint: "links.utm_source_hint"))
                    \(field("utm_medium", "links.utm_medium", hint: "links.utm_medium_hint"))
                    \(field("utm_campaign", "links.utm_campaign", hint: "links.utm_campaign_hint"))
                    \(field("utm_content", "links.utm_content"))
                    \(field("utm_term", "links.utm_term"))
                    </details>
                    """,
                ], submit: ctx.t("links.create"))
            : .empty
        return """
            <h1>\(ctx.t("links.title"))</h1>
            <p>\(ctx.t("links.intro"))</p>
            \(table)
            \(more)
            \(form)
            """
    }

    /// The post page's part: the post's links and their clicks.
    static func postSection(_ items: [Model.Item], newHref: String?, _ ctx: PageContext) -> HTML {
        let list = items.map { item -> HTML in
            """
            <li data-code="\(item.code)"><input class="copy" readonly value="\(item.shortURL)" aria-label="\(ctx.t("links.short_url"))" onfocus="this.select()"> \
            \(ctx.t("links.clicks_line", String(item.total), String(item.unique)))\(item.disabled ? Badge.html(ctx.t("links.disabled"), tone: .neutral, data: [("code", "disabled")]) : .empty)</li>
            """
        }
        let body: HTML = list.isEmpty ? "<p class=\"empty\">\(ctx.t("links.post_none"))</p>" : "<ul>\(list)</ul>"
        return """
            <section id="post-links"><h2>\(ctx.t("links.post_heading"))</h2>\
            \(body)\
            \(newHref.map { "<p><a class=\"button\" href=\"\($0)\">\(ctx.t("links.new"))</a></p>" })</section>
            """
    }
}
