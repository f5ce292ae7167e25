import FanfareCore
import Fluent
import Vapor

/// The signed-in person's own settings: profile and password.
struct SettingsPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let settings = routes.grouped("settings")
        settings.get("profile", use: profileForm)
        settings.post("profile", use: saveProfile)
        settings.get("password", use: passwordForm)
        settings.post("password", use: changePassword)
    }

    @Sendable func profileForm(req: Request) async throws -> HTMLResponse {
        let user = try req.signedInUser
        return try await renderProfile(req, SettingsPage.profile(of: user))
    }

    private func renderProfile(_ req: Request, _ model: SettingsPage.Profile, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("profile.title"), status: status, SettingsPage.profileView(model, ctx))
    }

    @Sendable func saveProfile(req: Request) async throws -> Response {
        let user = try req.signedInUser
        let values = ["display_name": req.formValue("display_name"), "locale": req.formValue("locale"), "time_zone": req.formValue("time_zone")]
        do {
            try await PeopleService(db: req.db, passwords: req.password.async).updateProfile(
                user, .init(displayName: values["display_name"], locale: values["locale"], timeZone: values["time_zone"]), actor: req.actor)
            req.session.data[SessionKey.locale] = user.locale
            Flash.add(.notice, I18n.text("form.saved", user.uiLocale), to: req)
            return req.redirect(to: "/settings/profile")
        } catch let errors as ValidationErrors {
            return try await renderProfile(req, SettingsPage.profile(values: values, errors: FormErrors(errors)), status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    @Sendable func passwordForm(req: Request) async throws -> HTMLResponse {
        try await renderPassword(req, errors: FormErrors())
    }

    private func renderPassword(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("password.title"), status: status, SettingsPage.passwordView(errors: errors, ctx))
    }

    @Sendable func changePassword(req: Request) async throws -> Response {
        let user = try req.signedInUser
        do {
            try await PeopleService(db: req.db, passwords: req.password.async).changePassword(
                user, current: req.formValue("current_password"), new: req.formValue("new_password"), actor: req.actor,
                address: req.clientAddress)
            // Other sessions die with the old epoch; this one starts afresh.
            try await SessionUserMiddleware.signIn(user, on: req)
            Flash.add(.notice, I18n.text("password.changed", user.uiLocale), to: req)
            return req.redirect(to: "/settings/password")
        } catch let errors as ValidationErrors {
            return try await renderPassword(req, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let paused as TooManyTries {
            var errors = FormErrors()
            errors.general = I18n.text("password.locked", req.uiLocale, [String(paused.minutes)])
            return try await renderPassword(req, errors: errors, status: .tooManyRequests).encodeResponse(for: req)
        }
    }
}
