import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Signing in on a platform to connect an account:
/// `POST /w/{ws}/accounts/sign-in/{platform}` sends the person to the
/// platform; the platform sends them back to `GET /oauth/{platform}/callback`
/// (one address for every workspace, as registered), which passes them on
/// to `GET /w/{ws}/accounts/sign-in/{platform}/finish` in the workspace
/// they started from, where the account is connected.
struct SignInPages {
    func boot(_ routes: FeatureRoutes) {
        routes.workspacePages.post("accounts", "sign-in", ":platform", use: start)
        routes.workspacePages.get("accounts", "sign-in", ":platform", "finish", use: finish)
        routes.signedInPages.get("oauth", ":platform", "callback", use: callback)
    }

    @Sendable func start(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        guard let platform = req.parameters.get("platform"), SignInService.platforms.contains(platform) else { throw Abort(.notFound) }
        let typed = req.formValue("instance_url")
        do {
            let url = try await SignInService(db: req.db, app: req.application).start(instance: typed, in: access, actor: req.actor)
            // Leaving for the instance the person typed. Not a redirect from
            // the form's POST: the pages' CSP (`form-action 'self'`) rightly
            // stops a form whose answer leads to another site. A page that
            // moves on by itself (Refresh) and a link do not submit a form.
            let ctx = try await PageContext.make(req)
            let host = url.host ?? url.absoluteString
            let page = Layout.page(
                ctx, title: ctx.t("accounts.sign_in_leaving"),
                """
                <h1>\(ctx.t("accounts.sign_in_leaving"))</h1>
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
        guard let platform = req.parameters.get("platform"), SignInService.platforms.contains(platform) else { throw Abort(.notFound) }
        let state = req.query[String.self, at: "state"] ?? ""
        guard let slug = try await SignInService(db: req.db, app: req.application).workspaceSlug(state: state) else {
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
        let base = "/w/\(access.workspace.slug)/accounts"
        do {
            let outcome = try await SignInService(db: req.db, app: req.application).finish(
                state: req.query[String.self, at: "state"] ?? "", code: req.query[String.self, at: "code"] ?? "",
                refusal: req.query[String.self, at: "error"], in: access, actor: req.actor)
            switch outcome {
            case .connected(let account):
                Flash.add(.notice, I18n.text("accounts.connected", req.uiLocale, [account.displayName]), to: req)
            case .reconnected(let account):
                Flash.add(.notice, I18n.text("accounts.reconnected", req.uiLocale, [account.displayName]), to: req)
            }
        } catch let errors as ValidationErrors {
            let message = errors.issues.first.map { $0.coded.text(req.uiLocale) } ?? ""
            Flash.add(.error, I18n.text("accounts.sign_in_failed", req.uiLocale, [message]), to: req)
        }
        return req.redirect(to: base)
    }
}
