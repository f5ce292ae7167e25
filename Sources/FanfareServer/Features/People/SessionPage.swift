import FanfareCore
import Fluent
import Vapor

/// Signing in and the first-run setup, as query → model → view. The
/// handlers in `SessionPages` keep the security (CSRF, throttled secret
/// links and passwords); `model` and `view` are tested without a database.
enum SessionPage {
    // MARK: Sign in

    struct SignIn: Sendable {
        var email: String
        /// A local path to return to (already made safe by the handler).
        var next: String
        var errors: FormErrors
    }

    static func signIn(email: String, next: String, errors: FormErrors = FormErrors()) -> SignIn {
        SignIn(email: email, next: next, errors: errors)
    }

    static func signInView(_ model: SignIn, _ ctx: PageContext) -> HTML {
        """
        <section class="narrow">
        <h1>\(ctx.t("signin.title"))</h1>
        \(Layout.errorSummary(ctx, model.errors))
        <form method="post" action="/sign-in" id="sign-in-form">\(ctx.csrfField)
        <input type="hidden" name="next" value="\(model.next)">
        \(Layout.field(ctx, name: "email", label: ctx.t("field.email"), type: "email", value: model.email, errors: model.errors, autocomplete: "username"))
        \(Layout.field(ctx, name: "password", label: ctx.t("field.password"), type: "password", errors: model.errors, autocomplete: "current-password"))
        <button type="submit" class="primary">\(ctx.t("signin.submit"))</button>
        </form>
        </section>
        """
    }

    /// The sign-in page for someone already signed in: who they are, and on.
    static func signedInView(email: String, _ ctx: PageContext) -> HTML {
        """
        <section class="narrow">
        <h1>\(ctx.t("signin.title"))</h1>
        <p>\(HTML.sentence(ctx.t("signin.already"), [.typed(email)]))</p>
        <p><a href="/" class="button">\(ctx.t("signin.continue"))</a></p>
        </section>
        """
    }

    // MARK: First run

    /// The setup link's row, if the link still opens the setup form: unused,
    /// not expired, and no person exists yet.
    static func querySetup(token: String?, on db: any Database, now: Date = Date()) async throws -> UUID {
        guard let token,
            let setup = try await SetupToken.query(on: db).filter(\.$tokenHash == Secrets.sha256(token)).first(),
            setup.usedAt == nil, setup.expiresAt > now,
            try await User.query(on: db).count() == 0
        else {
            throw Problem(
                .notFound,
                "This setup link is used, expired or unknown. Run `fanfare serve` again to print a new one while no user exists, or use `fanfare user create`."
            )
        }
        return setup.id!
    }

    struct Setup: Sendable {
        var email: String
        var displayName: String
        var locale: String
        var timeZone: String
        var errors: FormErrors
    }

    /// What the form shows: what was typed, else the reader's language and
    /// China's time zone.
    static func setup(values: [String: String], errors: FormErrors = FormErrors(), locale: UILocale) -> Setup {
        Setup(
            email: values["email"] ?? "", displayName: values["display_name"] ?? "",
            locale: values["locale"].nonEmpty ?? locale.rawValue, timeZone: values["time_zone"] ?? "Asia/Shanghai", errors: errors)
    }

    static func setupView(_ model: Setup, _ ctx: PageContext) -> HTML {
        """
        <section class="narrow">
        <h1>\(ctx.t("setup.title"))</h1>
        <p>\(ctx.t("setup.intro"))</p>
        \(Layout.errorSummary(ctx, model.errors))
        <form method="post" id="setup-form">\(ctx.csrfField)
        \(Layout.field(ctx, name: "email", label: ctx.t("field.email"), type: "email", value: model.email, errors: model.errors, autocomplete: "username"))
        \(Layout.field(ctx, name: "display_name", label: ctx.t("field.display_name"), value: model.displayName, errors: model.errors, autocomplete: "name"))
        \(Layout.field(ctx, name: "password", label: ctx.t("field.password"), type: "password", errors: model.errors, hint: ctx.t("field.password_hint"), autocomplete: "new-password"))
        \(Layout.select(ctx, name: "locale", label: ctx.t("field.locale"), options: Layout.localeOptions(), selected: model.locale, errors: model.errors, languageNames: true))
        \(Layout.timeZoneField(ctx, value: model.timeZone, errors: model.errors))
        <button type="submit" class="primary">\(ctx.t("setup.submit"))</button>
        </form>
        </section>
        """
    }
}

/// The person's own settings (profile with language and time zone, and
/// password): no query, the person is the session's; model → view.
enum SettingsPage {
    struct Profile: Sendable {
        var displayName: String
        var locale: String
        var timeZone: String
        var errors: FormErrors
    }

    static func profile(values: [String: String], errors: FormErrors = FormErrors()) -> Profile {
        Profile(displayName: values["display_name"] ?? "", locale: values["locale"] ?? "", timeZone: values["time_zone"] ?? "", errors: errors)
    }

    /// The form as the person's record has it.
    static func profile(of user: User) -> Profile {
        profile(values: ["display_name": user.displayName, "locale": user.locale, "time_zone": user.timeZone])
    }

    static func profileView(_ model: Profile, _ ctx: PageContext) -> HTML {
        """
        <section class="narrow">
        <h1>\(ctx.t("profile.title"))</h1>
        \(Layout.errorSummary(ctx, model.errors))
        <form method="post" id="profile-form">\(ctx.csrfField)
        \(Layout.field(ctx, name: "display_name", label: ctx.t("field.display_name"), value: model.displayName, errors: model.errors))
        \(Layout.select(ctx, name: "locale", label: ctx.t("field.locale"), options: Layout.localeOptions(), selected: model.locale, errors: model.errors, languageNames: true))
        \(Layout.timeZoneField(ctx, value: model.timeZone, errors: model.errors))
        <button type="submit" class="primary">\(ctx.t("form.save"))</button>
        </form>
        </section>
        """
    }

    static func passwordView(errors: FormErrors, _ ctx: PageContext) -> HTML {
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
        """
    }
}
