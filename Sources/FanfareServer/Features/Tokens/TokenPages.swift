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

    /// Scopes are stored as `read write`; each is named in the reader's language.
    static func scopeLabels(_ stored: String, _ ctx: PageContext) -> String {
        stored.split(whereSeparator: { $0 == " " || $0 == "," }).map { scope in
            let key = "tokens.scope." + scope.trimmingCharacters(in: .whitespaces)
            let text = ctx.t(key)
            return text == key ? String(scope) : text
        }.joined(separator: ctx.locale == .en ? ", " : "、")
    }

    private func render(_ req: Request, errors: FormErrors, created: String? = nil, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let user = try req.signedInUser
        let ctx = try await PageContext.make(req)
        let tokens = try await TokenService(db: req.db).list(for: user)
        let rows = tokens.map { t -> HTML in
            let state: HTML =
                t.revokedAt == nil
                ? "<form method=\"post\" action=\"/settings/tokens/\(t.id!.uuidString)/revoke\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("tokens.revoke"))</button></form>"
                : "\(ctx.t("tokens.revoked"))"
            return
                "<tr><td translate=\"no\">\(t.name)</td><td><code translate=\"no\">\(t.hint)…</code></td><td>\(Self.scopeLabels(t.scopes, ctx))</td><td>\(Layout.time(t.createdAt, ctx))</td><td>\(Layout.time(t.lastUsedAt, ctx))</td><td>\(state)</td></tr>"
        }
        let createdBox: HTML =
            created.map { token in
                """
                <section class="card highlight" id="token-created"><h2>\(ctx.t("tokens.created"))</h2>
                <p>\(ctx.t("tokens.copy_now"))</p><input type="text" readonly class="wide" id="new-token" value="\(token)"></section>
                """
            } ?? .empty
        let tokenTable: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("tokens.none"))</p>"
            : "<div class=\"table-scroll\"><table id=\"token-list\"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("tokens.hint"))</th><th>\(ctx.t("tokens.scopes"))</th><th>\(ctx.t("tokens.created_at"))</th><th>\(ctx.t("tokens.last_used"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>"
        return Layout.page(
            ctx, title: ctx.t("tokens.title"), status: status,
            """
            <h1>\(ctx.t("tokens.title"))</h1>
            <p>\(ctx.t("tokens.intro")) <code translate="no">Authorization: Bearer fnf_…</code></p>
            \(createdBox)
            \(tokenTable)
            <section class="card narrow"><h2>\(ctx.t("tokens.new"))</h2>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="/settings/tokens" id="new-token-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), errors: errors))
            \(Layout.field(ctx, name: "current_password", label: ctx.t("field.current_password"), type: "password", errors: errors, hint: ctx.t("tokens.password_hint"), autocomplete: "current-password"))
            <fieldset><legend>\(ctx.t("tokens.scopes"))</legend>
            <label><input type="checkbox" name="scopes[]" value="read" checked> \(ctx.t("tokens.scope.read"))</label>
            <label><input type="checkbox" name="scopes[]" value="write" checked> \(ctx.t("tokens.scope.write"))</label></fieldset>
            <button type="submit" class="primary">\(ctx.t("tokens.create"))</button>
            </form></section>
            """)
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
