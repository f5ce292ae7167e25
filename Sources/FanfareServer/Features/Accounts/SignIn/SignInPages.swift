import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Signing in on a platform to connect an account:
/// `POST /w/{ws}/accounts/sign-in/{platform}` sends the person to the
/// platform; the platform sends them back to `GET /oauth/{platform}/callback`
/// (one address for every workspace, as registered), which passes them on
/// to `GET /w/{ws}/accounts/sign-in/{platform}/finish` in the workspace
/// they started from, where the account is connected. The workspace's own
/// apps (Weibo, Douyin) are entered at `/w/{ws}/accounts/apps/{platform}`.
struct SignInPages {
    func boot(_ routes: FeatureRoutes) {
        routes.workspacePages.post("accounts", "sign-in", ":platform", use: start)
        routes.workspacePages.get("accounts", "sign-in", ":platform", "finish", use: finish)
        routes.signedInPages.get("oauth", ":platform", "callback", use: callback)
        routes.workspacePages.get("accounts", "apps", ":platform", use: appForm)
        routes.workspacePages.post("accounts", "apps", ":platform", use: saveApp)
        routes.workspacePages.post("accounts", "apps", ":platform", "remove", use: removeApp)
    }

    @Sendable func start(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        guard let platform = req.parameters.get("platform"), let flow = OAuthSignInRegistry.flow(platform) else { throw Abort(.notFound) }
        let typed = req.formValue("instance_url")
        do {
            let url = try await SignInService(db: req.db, app: req.application).start(
                platform: platform, typed: typed, reconnect: req.formValueIfPresent("account"), in: access, actor: req.actor)
            // Leaving for the platform. Not a redirect from the form's POST:
            // the pages' CSP (`form-action 'self'`) rightly stops a form
            // whose answer leads to another site. A page that moves on by
            // itself (Refresh) and a link do not submit a form.
            let ctx = try await PageContext.make(req)
            let host = url.host ?? url.absoluteString
            let name = ctx.t("platform." + platform)
            let title = flow.registration == .perServer ? ctx.t("accounts.sign_in_leaving") : ctx.t("accounts.sign_in_leaving_platform", name)
            let page = Layout.page(
                ctx, title: title,
                """
                <h1>\(title)</h1>
                <p>\(HTML.sentence(ctx.t("accounts.sign_in_leaving_to"), [HTML.typed(host)]))</p>
                <p><a class="button primary" id="sign-in-continue" href="\(url.absoluteString)" rel="noreferrer">\(ctx.t("accounts.sign_in_continue"))</a></p>
                """)
            let response = try await page.encodeResponse(for: req)
            response.headers.replaceOrAdd(name: "Refresh", value: "0; url=\(url.absoluteString)")
            response.headers.replaceOrAdd(name: "Referrer-Policy", value: "no-referrer")
            return response
        } catch let errors as ValidationErrors {
            let page = try await AccountPages().render(
                req, values: ["platform": platform, "sign_in.instance_url": typed], errors: FormErrors(errors), status: .unprocessableEntity)
            return try await page.encodeResponse(for: req)
        }
    }

    /// Writes nothing: finds which workspace the sign-in came from and
    /// sends the person there with what the platform sent.
    @Sendable func callback(req: Request) async throws -> Response {
        guard let platform = req.parameters.get("platform"), OAuthSignInRegistry.flow(platform) != nil else { throw Abort(.notFound) }
        let state = req.query[String.self, at: "state"] ?? ""
        guard let slug = try await SignInService(db: req.db, app: req.application).workspaceSlug(state: state, platform: platform) else {
            Flash.add(.error, I18n.text("accounts.sign_in_expired", req.uiLocale), to: req)
            return req.redirect(to: "/")
        }
        var components = URLComponents()
        components.path = "/w/\(slug)/accounts/sign-in/\(platform)/finish"
        components.queryItems = ["state", "code", "error"].compactMap { name in
            req.query[String.self, at: name].map { URLQueryItem(name: name, value: String($0.prefix(2_000))) }
        }
        return req.redirect(to: components.string ?? "/")
    }

    @Sendable func finish(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        guard let platform = req.parameters.get("platform"), OAuthSignInRegistry.flow(platform) != nil else { throw Abort(.notFound) }
        let base = "/w/\(access.workspace.slug)/accounts"
        do {
            let outcome = try await SignInService(db: req.db, app: req.application).finish(
                platform: platform, state: req.query[String.self, at: "state"] ?? "", code: req.query[String.self, at: "code"] ?? "",
                refusal: req.query[String.self, at: "error"], in: access, actor: req.actor)
            switch outcome {
            case .connected(let account):
                Flash.add(.notice, I18n.text("accounts.connected", req.uiLocale, [account.displayName]), to: req)
            case .reconnected(let account):
                Flash.add(.notice, I18n.text("accounts.reconnected", req.uiLocale, [account.displayName]), to: req)
            }
        } catch let errors as ValidationErrors {
            let locale = req.uiLocale
            if let issue = errors.issues.first, issue.coded.code == .signInRefused {
                Flash.add(.error, I18n.text("accounts.sign_in_refused", locale, [I18n.text("platform." + platform, locale)]), to: req)
            } else {
                let message = errors.issues.first.map { Self.plain(AccountsVocabulary.result($0.coded, locale)) } ?? ""
                Flash.add(.error, I18n.text("accounts.sign_in_failed", locale, [message]), to: req)
            }
        }
        return req.redirect(to: base)
    }

    /// A sentence with its typed pieces put in, for a flash (plain text).
    static func plain(_ sentence: AccountsVocabulary.Sentence) -> String {
        var text = sentence.template
        for (index, piece) in sentence.typed.enumerated() { text = text.replacingOccurrences(of: "{\(index)}", with: piece) }
        return text
    }

    // MARK: The workspace's own apps

    @Sendable func appForm(req: Request) async throws -> HTMLResponse {
        try await renderApp(req, values: [:], errors: FormErrors())
    }

    func renderApp(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        guard let flow = PlatformApps.flow(req.parameters.get("platform")) else { throw Abort(.notFound) }
        try access.require(.workspaceUpdate)
        let ctx = try await PageContext.make(req)
        let stored = try await PlatformApps(db: req.db, app: req.application).find(flow.platform, in: access.workspaceID)
        let found = PlatformAppPage.Found(
            platform: flow.platform,
            stored: stored.map { row in row.settings.merging([PlatformApps.clientIDKey(flow): row.clientID]) { _, key in key } },
            redirectURI: SignInService(db: req.db, app: req.application).redirectURI(flow.platform))
        let model = PlatformAppPage.model(found, values: values, errors: errors, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
        return Layout.page(ctx, title: model.title, status: status, PlatformAppPage.view(model, ctx))
    }

    @Sendable func saveApp(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let fields = (try? req.content.get([String: String].self, at: "fields")) ?? [:]
        do {
            let row = try await PlatformApps(db: req.db, app: req.application).save(
                req.parameters.get("platform"), fields: fields, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("accounts.app_saved", req.uiLocale, [I18n.text("platform." + row.platform, req.uiLocale)]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/accounts?platform=\(row.platform)#connect")
        } catch let errors as ValidationErrors {
            var values: [String: String] = [:]
            for (key, value) in fields { values["fields." + key] = value }
            return try await renderApp(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func removeApp(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let platform = req.parameters.get("platform")
        try await PlatformApps(db: req.db, app: req.application).remove(platform, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("accounts.app_removed", req.uiLocale, [I18n.text("platform." + (platform ?? ""), req.uiLocale)]), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/accounts?platform=\(platform ?? "")#connect")
    }
}
