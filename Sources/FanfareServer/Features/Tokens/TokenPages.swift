import FanfareCore
import Fluent
import Vapor

/// Settings → API tokens: make one (shown once), see when each was last
/// used, revoke.
struct TokenPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("settings", "tokens", use: list)
        routes.post("settings", "tokens", use: create)
        routes.post("settings", "tokens", ":token", "revoke", use: revoke)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, errors: FormErrors())
    }

    private func render(_ req: Request, errors: FormErrors, created: String? = nil, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let user = try req.signedInUser
        let ctx = try await PageContext.make(req)
        let found = try await TokensPage.query(user: user, on: req.db)
        let model = TokensPage.model(found, created: created, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("tokens.title"), status: status, TokensPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let user = try req.signedInUser
        let scopes = (try? req.content.get([String].self, at: "scopes")) ?? []
        do {
            // A token acts as its owner until revoked: whoever holds a
            // session must also know the password to mint one.
            try await PeopleService(db: req.db, passwords: req.password.async).confirmPassword(
                user, req.formValue("current_password"), address: req.clientAddress, field: "current_password")
            let (_, token) = try await TokenService(db: req.db).create(
                for: user, name: req.formValue("name"), scopes: scopes.isEmpty ? ["read"] : scopes, actor: req.actor)
            return try await render(req, errors: FormErrors(), created: token, status: .created).encodeResponse(for: req)
        } catch let errors as ValidationErrors {
            return try await render(req, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let paused as TooManyTries {
            var errors = FormErrors()
            errors.general = I18n.text("password.locked", req.uiLocale, [String(paused.minutes)])
            return try await render(req, errors: errors, status: .tooManyRequests).encodeResponse(for: req)
        }
    }

    @Sendable func revoke(req: Request) async throws -> Response {
        try await TokenService(db: req.db).revoke(req.parameters.get("token"), of: try req.signedInUser, actor: req.actor)
        Flash.add(.notice, I18n.text("tokens.revoked_notice", req.uiLocale), to: req)
        return req.redirect(to: "/settings/tokens")
    }
}
