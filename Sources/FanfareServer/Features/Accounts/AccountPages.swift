import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/accounts`: the connected accounts, connecting and disconnecting.
struct AccountPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("accounts", use: list)
        scoped.post("accounts", use: connect)
        scoped.post("accounts", ":account", "disconnect", use: disconnect)
        scoped.get("accounts", ":account", "reconnect", use: reconnectForm)
        scoped.post("accounts", ":account", "reconnect", use: reconnect)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors())
    }

    func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let found = try await AccountsPage.query(access: access, app: req.application, on: req.db)
        let input = AccountsPage.Input(
            platform: values["platform"] ?? req.query[String.self, at: "platform"], simulates: req.query[String.self, at: "simulates"], values: values
        )
        let model = AccountsPage.model(
            input, found, errors: errors, base: "/w/\(access.workspace.slug)", canConnect: access.can(.accountsConnect), locale: ctx.locale,
            canManageApps: access.can(.workspaceUpdate))
        return Layout.page(ctx, title: ctx.t("accounts.title"), status: status, AccountsPage.view(model, ctx))
    }

    @Sendable func connect(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        var values = [
            "platform": req.formValue("platform"), "handle": req.formValue("handle"), "display_name": req.formValue("display_name"),
            "simulates": req.formValue("simulates"),
        ]
        let fields = (try? req.content.get([String: String].self, at: "fields")) ?? [:]
        for (key, value) in fields { values["fields." + key] = value }
        do {
            let account = try await AccountService(db: req.db, app: req.application).connect(
                .init(
                    platform: values["platform"]!, handle: values["handle"]!, displayName: values["display_name"], simulates: values["simulates"],
                    fields: fields), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("accounts.connected", req.uiLocale, [account.displayName]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/accounts")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func reconnectForm(req: Request) async throws -> HTMLResponse {
        try await renderReconnect(req, values: [:], errors: FormErrors())
    }

    func renderReconnect(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let account = try await access.find(SocialAccount.self, req.parameters.get("account"), on: req.db, what: "Account")
        try access.require(.accountsConnect)
        guard ConnectorRegistry.kind(account.platform) != nil else { throw Abort(.notFound) }
        let ctx = try await PageContext.make(req)
        let apps = try await PlatformApps(db: req.db, app: req.application).all(in: access.workspaceID)
        let model = ReconnectPage.model(
            account: .init(
                id: account.id!.uuidString, name: account.displayName, platform: account.platform, handle: account.handle, settings: account.settings),
            values: values, errors: errors, base: "/w/\(access.workspace.slug)", appReady: apps.contains { $0.platform == account.platform },
            locale: ctx.locale)
        return Layout.page(ctx, title: model.title, status: status, ReconnectPage.view(model, ctx))
    }

    @Sendable func reconnect(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let fields = (try? req.content.get([String: String].self, at: "fields")) ?? [:]
        do {
            let account = try await AccountService(db: req.db, app: req.application).reconnect(
                req.parameters.get("account"), fields: fields, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("accounts.reconnected", req.uiLocale, [account.displayName]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/accounts")
        } catch let errors as ValidationErrors {
            var values: [String: String] = [:]
            for (key, value) in fields { values["fields." + key] = value }
            return try await renderReconnect(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func disconnect(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await AccountService(db: req.db, app: req.application).disconnect(req.parameters.get("account"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("accounts.disconnected", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/accounts")
    }
}
