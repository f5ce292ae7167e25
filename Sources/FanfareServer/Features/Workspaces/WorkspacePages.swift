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
        scoped.post("settings", "review-chain", use: saveReviewChain)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, .init())
    }

    private func renderList(_ req: Request, _ input: WorkspaceListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        let found = WorkspaceListPage.query(ctx.workspaces)
        let model = WorkspaceListPage.model(
            input, found, mayCreate: Self.mayCreate(req, ctx.user), userTimeZone: ctx.user?.timeZone, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("workspaces.title"), status: status, WorkspaceListPage.view(model, ctx))
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
            return try await renderList(req, .init(values: values, refused: true), status: .forbidden).encodeResponse(for: req)
        }
        do {
            let workspace = try await WorkspaceService(db: req.db).create(
                .init(name: values["name"]!, slug: values["slug"], timeZone: values["time_zone"].nonEmpty), by: user, actor: req.actor)
            Flash.add(.notice, I18n.text("workspaces.created", req.uiLocale, [workspace.name]), to: req)
            return req.redirect(to: "/w/\(workspace.slug)")
        } catch let errors as ValidationErrors {
            return try await renderList(req, .init(values: values, errors: FormErrors(errors)), status: .unprocessableEntity).encodeResponse(for: req)
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

    private func renderSettings(
        _ req: Request, values: [String: String], errors: FormErrors, chain: ReviewChainEditor.Model? = nil, status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        var model = WorkspaceSettingsPage.model(values: values, slug: access.workspace.slug, errors: errors)
        let saved = ReviewChainEditor.input(access.workspace.reviewChain, ctx.locale)
        model.chain =
            chain
            ?? ReviewChainEditor.Model(
                action: "/w/\(access.workspace.slug)/settings/review-chain", steps: saved.steps ?? [],
                independent: saved.independentApprovers ?? true,
                errors: FormErrors(), problems: [])
        return Layout.page(ctx, title: ctx.t("wsettings.title"), status: status, WorkspaceSettingsPage.view(model, ctx))
    }

    /// The review chain's form: a move, add or remove draws it again
    /// unsaved; "Save" checks and keeps it (`ReviewChainService`).
    @Sendable func saveReviewChain(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let pairs = req.formPairs()
        var (input, _) = ReviewChainEditor.read(pairs)
        let action = pairs.first { $0.0 == "action" }?.1 ?? "save"
        let values = ["name": access.workspace.name, "time_zone": access.workspace.timeZone]
        var model = ReviewChainEditor.Model(
            action: "/w/\(access.workspace.slug)/settings/review-chain", steps: input.steps ?? [], independent: input.independentApprovers ?? false,
            errors: FormErrors(), problems: [])
        if let change = ReviewChainEditor.Change(action) {
            ReviewChainEditor.apply(change, to: &model.steps)
            return try await renderSettings(req, values: values, errors: FormErrors(), chain: model).encodeResponse(for: req)
        }
        input.steps = model.steps
        do {
            _ = try await ReviewChainService(db: req.db).save(input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("chain.saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/settings#review-chain")
        } catch let errors as ValidationErrors {
            model.errors = FormErrors(errors)
            model.problems = ReviewChainEditor.lines(errors, steps: model.steps, req.uiLocale)
            return try await renderSettings(req, values: values, errors: FormErrors(), chain: model, status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
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
