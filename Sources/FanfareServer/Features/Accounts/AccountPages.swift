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
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors())
    }

    private func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)"
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$id).all()
        var rows: [HTML] = []
        for account in accounts {
            let followers: String
            if let stats = try? await AccountStatsReader.read(account, app: req.application, db: req.db) {
                followers = String(stats.followers)
            } else {
                followers = "—"
            }
            let disconnect: HTML =
                access.can(.accountsConnect)
                ? "<form method=\"post\" action=\"\(base)/accounts/\(account.id!.uuidString)/disconnect\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("accounts.disconnect"))</button></form>"
                : .empty
            rows.append(
                "<tr data-handle=\"\(account.handle)\"><td>\(account.displayName)</td><td>\(ctx.t("platform." + account.platform))\(account.platform == "sandbox" && account.rulesPlatform != "sandbox" ? " → " + ctx.t("platform." + account.rulesPlatform) : "")</td><td>@\(account.handle)</td><td>\(ctx.t("accounts.status." + account.status))</td><td>\(followers)</td><td>\(disconnect)</td></tr>"
            )
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("accounts.none"))</p>"
            : "<table id=\"account-list\"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("accounts.platform"))</th><th>\(ctx.t("accounts.handle"))</th><th>\(ctx.t("invitations.state"))</th><th>\(ctx.t("accounts.followers"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>"
        let chosen = values["platform"] ?? req.query[String.self, at: "platform"] ?? "sandbox"
        let platform = AccountService.connectable.contains(chosen) ? chosen : "sandbox"
        let choices = AccountService.connectable.map { name -> HTML in
            let current = name == platform ? HTML(raw: " aria-current=\"true\"") : .empty
            return "<a href=\"\(base)/accounts?platform=\(name)#connect\"\(current)>\(ctx.t("platform." + name))</a>"
        }
        // The API names a platform field `fields.instance_url`; the form's
        // input is `fields[instance_url]`.
        var errors = errors
        for (field, message) in errors.byField where field.hasPrefix("fields.") {
            errors.byField["fields[\(field.dropFirst("fields.".count))]"] = message
        }
        let platformFields: HTML
        if let kind = ConnectorRegistry.kind(platform) {
            platformFields = HTML.join(
                kind.connectionFields.map { field in
                    Layout.field(
                        ctx, name: "fields[\(field.key)]", label: field.label, type: field.secret ? "password" : "text",
                        value: field.secret ? "" : values["fields." + field.key] ?? "", errors: errors, required: field.required,
                        hint: field.hint.isEmpty ? nil : field.hint, autocomplete: field.secret ? "off" : nil)
                })
        } else {
            platformFields = """
                \(Layout.field(ctx, name: "handle", label: ctx.t("accounts.handle"), value: values["handle"] ?? "", errors: errors))
                \(Layout.select(ctx, name: "simulates", label: ctx.t("accounts.simulates"), options: [("", "—")] + PlatformRules.standard.keys.sorted().filter { $0 != "sandbox" }.map { ($0, ctx.t("platform." + $0)) }, selected: values["simulates"] ?? "", errors: errors))
                """
        }
        let fieldsError: HTML = errors["fields"].map { "<p class=\"flash flash-error\">\($0.text(ctx.locale))</p>" } ?? .empty
        let form: HTML =
            access.can(.accountsConnect)
            ? """
            <section class="card narrow" id="connect">
            <h2>\(ctx.t("accounts.connect"))</h2>
            <p>\(ctx.t("accounts.connect_intro"))</p>
            <p class="filters" id="platform-choice">\(HTML.join(choices, separator: " · "))</p>
            \(Layout.errorSummary(ctx, errors))\(fieldsError)
            <form method="post" action="\(base)/accounts" id="connect-account-form">\(ctx.csrfField)
            <input type="hidden" name="platform" value="\(platform)">
            \(platformFields)
            \(Layout.field(ctx, name: "display_name", label: ctx.t("field.name"), value: values["display_name"] ?? "", errors: errors, required: false))
            <button type="submit" class="primary">\(ctx.t("accounts.connect"))</button>
            </form>
            </section>
            """
            : .empty
        return Layout.page(
            ctx, title: ctx.t("accounts.title"), status: status,
            """
            <h1>\(ctx.t("accounts.title"))</h1>
            \(table)
            \(form)
            """)
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

    @Sendable func disconnect(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await AccountService(db: req.db, app: req.application).disconnect(req.parameters.get("account"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("accounts.disconnected", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/accounts")
    }
}
