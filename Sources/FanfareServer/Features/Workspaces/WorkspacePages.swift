import FanfareCore
import Fluent
import Vapor

/// The list of one's workspaces, creating one, its overview and settings.
struct WorkspacePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("workspaces", use: list)
        routes.post("workspaces", use: create)
    }

    /// Routes under `/w/:workspace`, already scoped to a membership.
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get(use: overview)
        scoped.get("settings", use: settingsForm)
        scoped.post("settings", use: saveSettings)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, values: [:], errors: FormErrors())
    }

    private func renderList(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        let rows = ctx.workspaces.map { entry -> HTML in
            "<tr><td><a href=\"/w/\(entry.workspace.slug)\" translate=\"no\">\(entry.workspace.name)</a></td><td><code translate=\"no\">\(entry.workspace.slug)</code></td><td>\(ctx.t("role." + entry.role.rawValue))</td></tr>"
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("workspaces.none"))</p>"
            : "<table id=\"workspace-list\"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("field.slug"))</th><th>\(ctx.t("field.your_role"))</th></tr></thead><tbody>\(rows)</tbody></table>"
        // Who may not create a workspace sees why instead of a form that
        // would only refuse.
        let create: HTML =
            Self.mayCreate(req, ctx.user)
            ? """
            <p>\(ctx.t("workspaces.new_intro"))</p>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="/workspaces" id="new-workspace-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: values["name"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "slug", label: ctx.t("field.slug"), value: values["slug"] ?? "", errors: errors, required: false, hint: ctx.t("field.slug_hint")))
            \(Layout.timeZoneField(ctx, value: values["time_zone"] ?? (ctx.user?.timeZone ?? "Asia/Shanghai"), errors: errors))
            <button type="submit" class="primary">\(ctx.t("workspaces.create"))</button>
            </form>
            """
            : "<p id=\"workspaces-admins-only\"\(status == .forbidden ? HTML(raw: " class=\"flash flash-error\" role=\"alert\"") : .empty)>\(ctx.t("workspaces.admins_only"))</p>"
        return Layout.page(
            ctx, title: ctx.t("workspaces.title"), status: status,
            """
            <h1>\(ctx.t("workspaces.title"))</h1>
            \(table)
            <section id="new" class="card narrow">
            <h2>\(ctx.t("workspaces.new"))</h2>
            \(create)
            </section>
            """)
    }

    /// Whether this instance lets `user` create workspaces
    /// (`FANFARE_WORKSPACE_CREATORS`).
    static func mayCreate(_ req: Request, _ user: User?) -> Bool {
        guard let user else { return false }
        return req.application.settings.workspaceCreators.allows(isInstanceAdmin: user.isAdmin)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.signedInUser
        let values = ["name": req.formValue("name"), "slug": req.formValue("slug"), "time_zone": req.formValue("time_zone")]
        guard Self.mayCreate(req, user) else {
            return try await renderList(req, values: values, errors: FormErrors(), status: .forbidden).encodeResponse(for: req)
        }
        do {
            let workspace = try await WorkspaceService(db: req.db).create(
                .init(name: values["name"]!, slug: values["slug"], timeZone: values["time_zone"].nonEmpty), by: user, actor: req.actor)
            Flash.add(.notice, I18n.text("workspaces.created", req.uiLocale, [workspace.name]), to: req)
            return req.redirect(to: "/w/\(workspace.slug)")
        } catch let errors as ValidationErrors {
            return try await renderList(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func overview(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await WorkbenchPage.query(access, actor: req.actor, on: req.db)
        let model = WorkbenchPage.model(found, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
        return Layout.page(ctx, title: model.title, WorkbenchPage.view(model, ctx))
    }

    @Sendable func settingsForm(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        return try await renderSettings(req, values: ["name": access.workspace.name, "time_zone": access.workspace.timeZone], errors: FormErrors())
    }

    private func renderSettings(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t("wsettings.title"), status: status,
            """
            <section class="narrow">
            <h1>\(ctx.t("wsettings.title"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" id="workspace-settings-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: values["name"] ?? "", errors: errors))
            \(Layout.timeZoneField(ctx, value: values["time_zone"] ?? "", errors: errors))
            <button type="submit" class="primary">\(ctx.t("form.save"))</button>
            </form>
            </section>
            """)
    }

    @Sendable func saveSettings(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = ["name": req.formValue("name"), "time_zone": req.formValue("time_zone")]
        do {
            let workspace = try await WorkspaceService(db: req.db).update(
                access, name: values["name"], timeZone: values["time_zone"], actor: req.actor)
            Flash.add(.notice, I18n.text("form.saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(workspace.slug)/settings")
        } catch let errors as ValidationErrors {
            return try await renderSettings(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }
}
