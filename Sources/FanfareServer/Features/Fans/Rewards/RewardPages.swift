import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/rewards/…`: the routes of the points mall (`RewardListPage`),
/// one reward (`RewardPage`), and fulfilling or cancelling a redemption. A
/// refused form is drawn again by the same model and view, as typed.
struct RewardPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("rewards", use: list)
        scoped.post("rewards", use: create)
        scoped.get("rewards", ":reward", use: show)
        scoped.post("rewards", ":reward", use: replace)
        scoped.post("redemptions", ":redemption", "fulfil", use: fulfil)
        scoped.post("redemptions", ":redemption", "cancel", use: cancel)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, RewardListPage.Input())
    }

    private func renderList(_ req: Request, _ input: RewardListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await RewardListPage.query(access: access, on: req.db)
        let model = RewardListPage.model(input, found, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("fans.tab_rewards"), status: status, RewardListPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let values = RewardListPage.Values(req)
        do {
            let reward = try await RewardCatalogue(db: req.db).create(try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.saved", req.uiLocale, [reward.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
        } catch let errors as ValidationErrors {
            return try await renderList(req, .init(values: values, errors: FormErrors(errors)), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let reward = try await RewardCatalogue(db: req.db).find(req.parameters.get("reward"), in: access)
        return try await renderReward(req, reward, .init(values: RewardListPage.Values(reward)))
    }

    private func renderReward(_ req: Request, _ reward: Reward, _ input: RewardListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await RewardPage.query(reward, access: access, on: req.db)
        let model = RewardPage.model(input, found, viewer: FanViewer(access), slug: access.workspace.slug, locale: ctx.locale)
        return Layout.page(ctx, title: reward.name, typedTitle: true, status: status, RewardPage.view(model, ctx))
    }

    @Sendable func replace(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let reward = try await RewardCatalogue(db: req.db).find(req.parameters.get("reward"), in: access)
        let values = RewardListPage.Values(req)
        do {
            let saved = try await RewardCatalogue(db: req.db).replace(reward.id!.uuidString, try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("rewards.saved", req.uiLocale, [saved.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/rewards/\(saved.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            return try await renderReward(req, reward, .init(values: values, errors: FormErrors(errors)), status: .unprocessableEntity)
                .encodeResponse(
                    for: req)
        }
    }

    @Sendable func fulfil(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await Redemptions(db: req.db).fulfil(
            req.parameters.get("redemption"), .init(note: req.formValue("note")), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("rewards.fulfilled", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
    }

    @Sendable func cancel(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await Redemptions(db: req.db).cancel(
            req.parameters.get("redemption"), .init(note: req.formValue("note")), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("rewards.cancelled", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/rewards")
    }
}
