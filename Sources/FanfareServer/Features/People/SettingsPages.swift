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
        return try await renderProfile(
            req, values: ["display_name": user.displayName, "locale": user.locale, "time_zone": user.timeZone], errors: FormErrors())
    }

    private func renderProfile(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t("profile.title"), status: status,
            """
            <section class="narrow">
            <h1>\(ctx.t("profile.title"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" id="profile-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "display_name", label: ctx.t("field.display_name"), value: values["display_name"] ?? "", errors: errors))
            \(Layout.select(ctx, name: "locale", label: ctx.t("field.locale"), options: Layout.localeOptions(), selected: values["locale"] ?? "", errors: errors, languageNames: true))
            \(Layout.timeZoneField(ctx, value: values["time_zone"] ?? "", errors: errors))
            <button type="submit" class="primary">\(ctx.t("form.save"))</button>
            </form>
            </section>
            """)
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
            return try await renderProfile(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func passwordForm(req: Request) async throws -> HTMLResponse {
        try await renderPassword(req, errors: FormErrors())
    }

    private func renderPassword(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t("password.title"), status: status,
            """
            <section class="narrow">
            <h1>\(ctx.t("password.title"))</h1>
            <p>\(ctx.t("password.intro"))</p>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" id="password-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "current_password", label: ctx.t("field.current_password"), type: "password", errors: errors, autocomplete: "current-password"))
            \(Layout.field(ctx, name: "new_password", label: ctx.t("field.new_password"), type: "password", errors: errors, hint: ctx.t("field.password_hint"), autocomplete: "new-password"))
            <button type="submit" class="primary">\(ctx.t("password.submit"))</button>
            </form>
            </section>
            """)
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
