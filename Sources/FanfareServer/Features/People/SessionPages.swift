import FanfareCore
import Fluent
import Vapor

/// Sign-in, sign-out, first-run setup and the language switch.
struct SessionPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        routes.get("sign-in", use: signInForm)
        routes.post("sign-in", use: signIn)
        routes.post("sign-out", use: signOut)
        routes.get("setup", ":token", use: setupForm)
        routes.post("setup", ":token", use: setup)
        routes.post("locale", use: switchLocale)
    }

    @Sendable func home(req: Request) async throws -> Response {
        guard let user = req.auth.get(User.self) else { return req.redirect(to: "/sign-in") }
        let memberships = try await WorkspaceService(db: req.db).memberships(of: user)
        if memberships.count == 1 { return req.redirect(to: "/w/\(memberships[0].workspace.slug)") }
        return req.redirect(to: "/workspaces")
    }

    @Sendable func signInForm(req: Request) async throws -> HTMLResponse {
        if req.auth.has(User.self) {
            let ctx = try await PageContext.make(req)
            return Layout.page(ctx, title: ctx.t("signin.title"), SessionPage.signedInView(email: ctx.user?.email ?? "", ctx))
        }
        return try await render(req, email: "", next: req.query[String.self, at: "next"], errors: FormErrors())
    }

    private func render(_ req: Request, email: String, next: String?, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        let model = SessionPage.signIn(email: email, next: req.safeReturnPath(next), errors: errors)
        return Layout.page(ctx, title: ctx.t("signin.title"), status: status, SessionPage.signInView(model, ctx))
    }

    @Sendable func signIn(req: Request) async throws -> Response {
        let email = req.formValue("email"), password = req.formValue("password")
        let next = req.safeReturnPath(req.formValueIfPresent("next"))
        let address = req.clientAddress
        let service = PeopleService(db: req.db, passwords: req.password.async)
        var errors = FormErrors()
        switch try await service.signIn(email: email, password: password, address: address) {
        case .signedIn(let user):
            try await SessionUserMiddleware.signIn(user, on: req)
            req.logger.info("signed in", metadata: ["user": .string(user.id!.uuidString)])
            return req.redirect(to: next)
        case .wrongCredentials:
            errors.general = I18n.text("signin.wrong", req.uiLocale)
            return try await render(req, email: email, next: next, errors: errors, status: .unauthorized).encodeResponse(for: req)
        case .locked(let until):
            let minutes = max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up)))
            errors.general = I18n.text("signin.locked", req.uiLocale, [String(minutes)])
            return try await render(req, email: email, next: next, errors: errors, status: .tooManyRequests).encodeResponse(for: req)
        }
    }

    @Sendable func signOut(req: Request) async throws -> Response {
        req.auth.logout(User.self)
        req.session.destroy()
        return req.redirect(to: "/sign-in")
    }

    // MARK: First run

    @Sendable func setupForm(req: Request) async throws -> HTMLResponse {
        _ = try await openSetup(req)
        return try await renderSetup(req, values: [:], errors: FormErrors())
    }

    /// The setup link's row, counted against the secret-link throttle.
    private func openSetup(_ req: Request) async throws -> UUID {
        try await req.openingSecretLink("setup") { try await SessionPage.querySetup(token: req.parameters.get("token"), on: req.db) }
    }

    private func renderSetup(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let ctx = try await PageContext.make(req)
        let model = SessionPage.setup(values: values, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("setup.title"), status: status, SessionPage.setupView(model, ctx))
    }

    @Sendable func setup(req: Request) async throws -> Response {
        let setupID = try await openSetup(req)
        let values = [
            "email": req.formValue("email"), "display_name": req.formValue("display_name"),
            "locale": req.formValue("locale"), "time_zone": req.formValue("time_zone"),
        ]
        do {
            let user = try await req.db.writeTransaction { tx -> User in
                // Updating the token row first takes its lock, so a racing
                // submit waits here and then finds a user already made.
                try await SetupToken.query(on: tx).filter(\.$id == setupID).set(\.$usedAt, to: Date()).update()
                guard try await User.query(on: tx).count() == 0
                else { throw Problem(.conflict, "Setup has already been completed.") }
                return try await PeopleService(db: tx, passwords: req.password.async).create(
                    .init(
                        email: values["email"]!, displayName: values["display_name"]!, password: req.formValue("password"),
                        locale: values["locale"], timeZone: values["time_zone"], isAdmin: true),
                    actor: .commandLine("setup-link"))
            }
            try await SessionUserMiddleware.signIn(user, on: req)
            Flash.add(.notice, I18n.text("setup.done", user.uiLocale), to: req)
            return req.redirect(to: "/workspaces")
        } catch let errors as ValidationErrors {
            return try await renderSetup(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    // MARK: Language

    @Sendable func switchLocale(req: Request) async throws -> Response {
        let locale = try UILocale(validating: req.formValue("locale"))
        if let user = req.auth.get(User.self) {
            req.session.data[SessionKey.locale] = locale.rawValue
            try await PeopleService(db: req.db, passwords: req.password.async)
                .updateProfile(user, .init(locale: locale.rawValue), actor: req.actor)
        }
        let response = req.redirect(to: req.safeReturnPath(req.formValueIfPresent("next")))
        // A visitor's choice stays in their browser: no session is made for it.
        response.cookies[UILocale.cookieName] = HTTPCookies.Value(
            string: locale.rawValue, maxAge: 365 * 86_400, path: "/", isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
