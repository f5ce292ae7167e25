import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// The connected accounts and the connect form, as query → model → view:
/// each account with its platform in colour, its state and followers; the
/// form of the chosen platform with every label, hint and answer in the
/// reader's language. `model` and `view` are tested without a database.
enum AccountsPage {
    struct Found: Sendable {
        struct Account: Sendable, Equatable {
            var id: String
            var name: String
            var platform: String
            var rulesPlatform: String
            var handle: String
            var status: String
            /// The latest followers in the metric store, the day they were
            /// taken, and the last 30 days (oldest first) for the sparkline.
            var followers: Int?
            var followersDay: String? = nil
            var recentFollowers: [Double] = []
            /// When its authorisation ends unless someone signs in again
            /// (`CredentialWatch`), and that day in the workspace's zone.
            var endsAt: Date? = nil
            var endsDay: String? = nil
            /// The server it lives on, for platforms with many (a Mastodon instance).
            var server: String? = nil
        }
        var accounts: [Account] = []
        /// Platforms whose app the workspace has entered (Weibo, Douyin).
        var apps: Set<String> = []
        var now = Date()
    }

    /// What the person asked for or typed.
    struct Input: Sendable, Equatable {
        /// The platform tab (`?platform=`), or the one the form was sent for.
        var platform: String?
        /// `?simulates=`: the rules a new Sandbox account should follow.
        var simulates: String?
        var values: [String: String] = [:]
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var id: String
            var name: String
            var platform: String
            var simulates: String?
            var handle: String
            var status: String
            var statusLabel: String
            var tone: Badge.Tone
            var followers: String
            var followersExact: String?
            /// "as of Sat 5 Dec" / "截至 12月5日 周六", or nil before the first snapshot.
            var followersAsOf: String? = nil
            var sparkline: [Double] = []
            var sparklineLabel: String = ""
            var disconnect: String?
            /// "ends Sat 5 Dec" / "已到期", for an authorisation ending within 7 days.
            var expiry: String? = nil
            var reconnect: Reconnect? = nil
        }
        /// How an account is reconnected: by signing in again (the same
        /// row is kept), or on a page with its platform's fields.
        enum Reconnect: Sendable, Equatable {
            case signIn(action: String, server: String?, account: String)
            case page(href: String)
        }
        struct Field: Sendable, Equatable {
            /// The form name, `fields[key]` for a connector's field.
            var name: String
            /// The field as the server names it in an error (`fields.key`).
            var errorKey: String
            var label: String
            var hint: String?
            var secret: Bool
            var required: Bool
            var value: String
            var error: AccountsVocabulary.Sentence?
        }
        struct Tab: Sendable, Equatable {
            var platform: String
            var href: String
            var current: Bool
        }
        var rows: [Row]
        var empty: String?
        var canConnect: Bool
        var action: String
        var tabs: [Tab]
        var platform: String
        var intro: String
        /// False for a platform whose connector is not finished (Bilibili).
        var connectable: Bool
        var rehearseHref: String?
        var fields: [Field]
        var simulates: [(value: String, label: String)]
        var simulated: String
        var general: [AccountsVocabulary.Sentence]
        var displayName: String
        var hasErrors: Bool
        /// Connecting by signing in on the platform, where Fanfare can.
        struct SignIn: Sendable, Equatable {
            var action: String
            var instance: String
            var error: AccountsVocabulary.Sentence?
            /// Whether the person types a server (a Mastodon instance).
            var asksServer: Bool = true
            /// The button: "Sign in with Weibo" / "用微博登录".
            var label: String = ""
            /// Admins: the workspace app's settings.
            var appHref: String? = nil
        }
        var signIn: SignIn? = nil
        /// A platform whose sign-in needs the workspace's app, not entered
        /// yet: what to do, and for admins the form to do it.
        struct AppSetup: Sendable, Equatable {
            var text: String
            var href: String?
        }
        var appSetup: AppSetup? = nil
    }

    /// Followers come from the metric store (the daily snapshot), never
    /// from the platform: a page view spends no platform quota.
    static func query(access: WorkspaceAccess, app: Application, on db: any Database, now: Date = Date()) async throws -> Found {
        let accounts = try await access.query(SocialAccount.self, on: db).sort(\.$id).all()
        let zone = TimeZone(identifier: access.workspace.timeZone) ?? TimeZone(identifier: "UTC")!
        let stored = try await MetricHistoryService.followers(
            of: accounts.map { $0.id! }, workspaceID: access.workspaceID, today: MetricDay.of(now, in: zone), days: 30, on: db)
        let service = AccountService(db: db, app: app)
        let apps = try await PlatformApps(db: db, app: app).all(in: access.workspaceID)
        return Found(
            accounts: accounts.map { account in
                let history = stored[account.id!]
                // The end the token watch works towards; credentials that
                // cannot be opened show none (the watch logs them).
                let credentials = account.platform == "sandbox" ? nil : try? service.credentials(of: account)
                let endsAt = credentials.flatMap { c in
                    CredentialWatch.Credential(
                        expiresAt: c.expiresAt, refreshable: ConnectorRegistry.kind(account.platform)?.renewsUnattended(c) ?? false,
                        refreshExpiresAt: c.refreshExpiresAt
                    ).endsAt
                }
                return .init(
                    id: account.id!.uuidString, name: account.displayName, platform: account.platform, rulesPlatform: account.rulesPlatform,
                    handle: account.handle, status: account.status, followers: history?.latest, followersDay: history?.day,
                    recentFollowers: history?.recent ?? [], endsAt: endsAt, endsDay: endsAt.map { MetricDay.of($0, in: zone) },
                    server: OAuthSignInRegistry.flow(account.platform)?.server(of: account.settings))
            }, apps: Set(apps.map(\.platform)), now: now)
    }

    /// How `account` is reconnected from the list, or nil when it needs
    /// nothing or the reader may not.
    static func reconnect(_ account: Found.Account, _ found: Found, base: String, canConnect: Bool) -> Model.Reconnect? {
        guard canConnect, account.platform != "sandbox" else { return nil }
        let ending = account.endsAt.map { $0.timeIntervalSince(found.now) <= 7 * 86_400 } ?? false
        guard account.status == SocialAccount.Status.needsReconnect.rawValue || ending else { return nil }
        if let flow = OAuthSignInRegistry.flow(account.platform), flow.registration == .perServer || found.apps.contains(account.platform) {
            return .signIn(action: "\(base)/accounts/sign-in/\(account.platform)", server: account.server, account: account.id)
        }
        return ConnectorRegistry.kind(account.platform) == nil ? nil : .page(href: "\(base)/accounts/\(account.id)/reconnect")
    }

    /// `base` is the workspace's path (`/w/{ws}`).
    static func model(
        _ input: Input, _ found: Found, errors: FormErrors, base: String, canConnect: Bool, locale: UILocale, canManageApps: Bool = false
    ) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let rows = found.accounts.map { account in
            let ended = account.endsAt.map { $0 <= found.now } ?? false
            let ending = account.endsAt.map { $0.timeIntervalSince(found.now) <= 7 * 86_400 } ?? false
            let status = ended ? SocialAccount.Status.needsReconnect.rawValue : account.status
            return Model.Row(
                id: account.id, name: account.name, platform: account.platform,
                simulates: account.platform == "sandbox" && account.rulesPlatform != "sandbox" ? account.rulesPlatform : nil, handle: account.handle,
                status: status, statusLabel: PostVocabulary.known("accounts.status." + status, locale) ?? status,
                tone: status != SocialAccount.Status.connected.rawValue ? .danger : ending ? .warning : .success,
                followers: account.followers.map { Formats.count($0, locale) } ?? "—",
                followersExact: account.followers.flatMap { $0 >= 10_000 ? Formats.grouped($0) : nil },
                followersAsOf: account.followersDay.map { t("accounts.followers_as_of", Formats.day($0, locale)) },
                sparkline: account.recentFollowers, sparklineLabel: t("accounts.followers_30_days"),
                disconnect: canConnect ? "\(base)/accounts/\(account.id)/disconnect" : nil,
                expiry: ended
                    ? t("accounts.authorisation_ended")
                    : ending ? account.endsDay.map { t("accounts.authorisation_ends", Formats.day($0, locale)) } : nil,
                reconnect: reconnect(account, found, base: base, canConnect: canConnect))
        }
        let chosen = input.platform.nonEmpty ?? "sandbox"
        let platform = AccountsVocabulary.platforms.contains(chosen) ? chosen : "sandbox"
        let tabs = AccountsVocabulary.platforms.map { name in
            Model.Tab(platform: name, href: "\(base)/accounts?platform=\(name)#connect", current: name == platform)
        }
        // The API names a platform field `fields.instance_url`; the form's
        // input is `fields[instance_url]`.
        func error(_ field: String) -> AccountsVocabulary.Sentence? {
            errors[field].map { AccountsVocabulary.result($0, locale) }
        }
        var fields: [Model.Field] = []
        if let kind = ConnectorRegistry.kind(platform) {
            fields = fieldModels(
                kind.connectionFields, values: input.values, errors: errors, locale: locale,
                label: { AccountsVocabulary.labelKey(platform, $0) }, hint: { AccountsVocabulary.hintKey(platform, $0) })
        } else if platform == "sandbox" {
            fields = [
                Model.Field(
                    name: "handle", errorKey: "handle", label: t("accounts.handle"), hint: t("accounts.handle_hint"), secret: false, required: true,
                    value: input.values["handle"] ?? "", error: error("handle"))
            ]
        }
        let simulated = input.values["simulates"] ?? input.simulates ?? ""
        let connectable = platform == "sandbox" || ConnectorRegistry.kind(platform) != nil
        // Errors of no field on the form (the platform, the rules to follow,
        // the name, or the connection as a whole) are said above it.
        let flow = connectable ? OAuthSignInRegistry.flow(platform) : nil
        let appHref = canManageApps && flow?.registration == .perWorkspace ? "\(base)/accounts/apps/\(platform)" : nil
        let signIn = flow.flatMap { flow -> Model.SignIn? in
            guard flow.registration == .perServer || found.apps.contains(platform) else { return nil }
            return Model.SignIn(
                action: "\(base)/accounts/sign-in/\(platform)", instance: input.values["sign_in.instance_url"] ?? "", error: error("instance_url"),
                asksServer: flow.registration == .perServer,
                label: PostVocabulary.known("accounts.sign_in_with.\(platform)", locale) ?? t("accounts.sign_in_platform", t("platform." + platform)),
                appHref: appHref)
        }
        let appSetup =
            flow?.registration == .perWorkspace && signIn == nil
            ? Model.AppSetup(text: t(appHref == nil ? "accounts.app_missing_ask" : "accounts.app_missing", t("platform." + platform)), href: appHref)
            : nil
        let general = errors.byField.keys.filter { key in !fields.contains { $0.errorKey == key } && !(signIn != nil && key == "instance_url") }
            .sorted().compactMap { error($0) }
        return Model(
            rows: rows, empty: rows.isEmpty ? t(canConnect ? "accounts.none" : "accounts.none_reader") : nil, canConnect: canConnect,
            action: "\(base)/accounts", tabs: tabs, platform: platform, intro: t("accounts.intro." + platform), connectable: connectable,
            rehearseHref: connectable ? nil : "\(base)/accounts?platform=sandbox&simulates=\(platform)#connect", fields: fields,
            simulates: [(value: "", label: t("accounts.simulates_none"))]
                + PlatformRules.standard.keys.sorted().filter { $0 != "sandbox" }.map {
                    (value: $0, label: PostVocabulary.known("platform." + $0, locale) ?? $0)
                },
            simulated: simulated, general: general, displayName: input.values["display_name"] ?? "", hasErrors: !errors.isEmpty, signIn: signIn,
            appSetup: appSetup)
    }

    /// A platform's fields for a form: labels and hints in the reader's
    /// language where the vocabulary has them (`label`, `hint` give the
    /// keys by field), the platform's English otherwise; typed values kept,
    /// secrets never. `keepSecret`: a stored secret stays when the box is
    /// left empty, so it is not required.
    static func fieldModels(
        _ list: [ConnectionField], values: [String: String], errors: FormErrors, locale: UILocale, label: (String) -> String,
        hint: (String) -> String, keepSecret: Bool = false
    ) -> [Model.Field] {
        list.map { field in
            let shown = field.hint.isEmpty ? nil : PostVocabulary.known(hint(field.key), locale) ?? field.hint
            return Model.Field(
                name: "fields[\(field.key)]", errorKey: "fields." + field.key, label: PostVocabulary.known(label(field.key), locale) ?? field.label,
                hint: field.secret && keepSecret ? I18n.text("accounts.secret_kept", locale) : shown,
                secret: field.secret, required: field.required && !(field.secret && keepSecret),
                value: field.secret ? "" : values["fields." + field.key] ?? "",
                error: errors["fields." + field.key].map { AccountsVocabulary.result($0, locale) })
        }
    }

    /// Text whose backticked parts are literals, shown as code out of
    /// translation; `{0}`… outside them are the `typed` pieces.
    static func markup(_ text: String, typed: [String] = []) -> HTML {
        let parts = text.split(separator: "`", omittingEmptySubsequences: false)
        return HTML.join(
            parts.enumerated().map { index, part -> HTML in
                index % 2 == 1
                    ? "<code translate=\"no\">\(String(part))</code>" : HTML.sentence(String(part), typed.map { HTML.typed($0) })
            })
    }

    static func sentence(_ s: AccountsVocabulary.Sentence) -> HTML {
        markup(s.template, typed: s.typed)
    }

    /// A platform's fields as form rows: label, input (a password box for
    /// a secret, never prefilled), hint and the error on it.
    static func fieldsHTML(_ fields: [Model.Field], _ ctx: PageContext) -> HTML {
        HTML.join(
            fields.map { field -> HTML in
                let id = field.name
                let error: HTML = field.error.map { e -> HTML in "<small class=\"error\" id=\"\(id)-error\">\(sentence(e))</small>" } ?? .empty
                let described = field.error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(HTML.escape(id))-error\"") : .empty
                return """
                    <div class="field\(field.error != nil ? " has-error" : "")">
                    <label for="\(id)">\(markup(field.label))\(field.required ? HTML.empty : HTML(" <span class=\"muted\">\(ctx.t("accounts.optional"))</span>"))</label>
                    <input id="\(id)" name="\(id)" type="\(field.secret ? "password" : "text")" value="\(field.value)"\(field.required ? HTML(raw: " required") : .empty)\(field.secret ? HTML(raw: " autocomplete=\"off\"") : .empty)\(described)>
                    \(field.hint.map { h -> HTML in "<small class=\"hint\">\(markup(h))</small>" })
                    \(error)
                    </div>
                    """
            }, separator: "\n")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            let platform: HTML =
                row.simulates.map { rules -> HTML in
                    "\(Badge.platform(row.platform, ctx.locale)) <span class=\"muted\">\(ctx.t("accounts.follows_rules"))</span> \(Badge.platform(rules, ctx.locale))"
                } ?? Badge.platform(row.platform, ctx.locale)
            let disconnect: HTML =
                row.disconnect.map { action -> HTML in
                    "<form method=\"post\" action=\"\(action)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("accounts.disconnect"))</button></form>"
                } ?? .empty
            var followers: HTML =
                row.followersExact.map { exact -> HTML in "<span title=\"\(exact)\">\(row.followers)</span>" } ?? HTML("\(row.followers)")
            if let asOf = row.followersAsOf {
                let line: HTML = row.sparkline.count > 1 ? Chart.sparkline(row.sparkline, label: row.sparklineLabel, locale: ctx.locale) : .empty
                followers = "\(followers)<br><small class=\"muted followers-as-of\">\(asOf)</small>\(line)"
            }
            let expiry: HTML = row.expiry.map { text -> HTML in "<br><small class=\"muted authorisation-ends\">\(text)</small>" } ?? .empty
            let reconnect: HTML =
                switch row.reconnect {
                case .signIn(let action, let server, let account):
                    """
                    <form method="post" action="\(action)" class="inline reconnect">\(ctx.csrfField)<input type="hidden" name="account" value="\(account)">\
                    \(server.map { s -> HTML in "<input type=\"hidden\" name=\"instance_url\" value=\"\(s)\">" })\
                    <button type="submit" class="primary">\(ctx.t("accounts.reconnect"))</button></form>
                    """
                case .page(let href): "<a class=\"button primary reconnect\" href=\"\(href)\">\(ctx.t("accounts.reconnect"))</a>"
                case nil: .empty
                }
            return """
                <tr id="account-\(row.id)" data-handle="\(row.handle)" data-platform="\(row.platform)"><td translate="no">\(row.name)</td><td>\(platform)</td>\
                <td translate="no">@\(row.handle)</td><td>\(Badge.html(row.statusLabel, tone: row.tone, classes: "status-\(row.status)"))\(expiry)</td>\
                <td class="number">\(followers)</td><td>\(reconnect) \(disconnect)</td></tr>
                """
        }
        let table: HTML =
            model.empty.map { "<p class=\"empty\" id=\"accounts-empty\">\($0)</p>" }
                ?? """
                <div class="table-scroll"><table id="account-list"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("accounts.platform"))</th>\
                <th>\(ctx.t("accounts.handle"))</th><th>\(ctx.t("accounts.state"))</th><th>\(ctx.t("accounts.followers"))</th><th></th></tr></thead>\
                <tbody>\(rows)</tbody></table></div>
                """
        guard model.canConnect else {
            return "<h1>\(ctx.t("accounts.title"))</h1>\n\(table)"
        }
        let tabs = HTML.join(
            model.tabs.map { tab -> HTML in
                "<a href=\"\(tab.href)\" data-platform=\"\(tab.platform)\"\(tab.current ? HTML(raw: " aria-current=\"true\"") : .empty)>\(ctx.t("platform." + tab.platform))</a>"
            }, separator: " ")
        let fields = fieldsHTML(model.fields, ctx)
        let simulates: HTML =
            model.platform == "sandbox"
            ? Layout.select(
                ctx, name: "simulates", label: ctx.t("accounts.simulates"), options: model.simulates, selected: model.simulated, errors: FormErrors(),
                hint: ctx.t("accounts.simulates_hint"))
            : .empty
        let general: HTML =
            model.general.isEmpty
            ? .empty
            : "<div class=\"flash flash-error\" role=\"alert\" id=\"connect-error\">\(HTML.join(model.general.map { HTML("<p>\(sentence($0))</p>") }))</div>"
        let summary: HTML =
            model.hasErrors && model.general.isEmpty ? "<p class=\"flash flash-error\" role=\"alert\">\(ctx.t("form.fix_errors"))</p>" : .empty
        let signIn: HTML =
            model.signIn.map { signIn -> HTML in
                let error: HTML =
                    signIn.error.map { e -> HTML in "<small class=\"error\" id=\"sign-in-instance-error\">\(sentence(e))</small>" } ?? .empty
                let server: HTML =
                    signIn.asksServer
                    ? """
                    <div class="field\(signIn.error != nil ? " has-error" : "")"><label for="sign-in-instance">\(ctx.t("accounts.sign_in_instance"))</label>
                    <input id="sign-in-instance" name="instance_url" type="text" inputmode="url" required placeholder="mastodon.social" value="\(signIn.instance)"\(signIn.error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"sign-in-instance-error\"") : .empty)>
                    <small class="hint">\(ctx.t("accounts.sign_in_hint"))</small>\(error)</div>
                    """
                    : "<p class=\"hint\">\(ctx.t("accounts.sign_in_app_hint", ctx.t("platform." + model.platform)))</p>"
                let appLink: HTML =
                    signIn.appHref.map { href -> HTML in "<a href=\"\(href)\" id=\"app-settings\">\(ctx.t("accounts.app_settings_link"))</a>" }
                    ?? .empty
                return """
                    <form method="post" action="\(signIn.action)" id="sign-in-form">\(ctx.csrfField)
                    \(server)
                    <button type="submit" class="primary" id="sign-in-submit">\(signIn.label)</button> \(appLink)
                    </form>
                    """
            } ?? model.appSetup.map { setup -> HTML in
                let link: HTML =
                    setup.href.map { href -> HTML in "<a class=\"button\" id=\"app-setup\" href=\"\(href)\">\(ctx.t("accounts.app_setup"))</a>" }
                    ?? .empty
                return "<div class=\"notice\" id=\"sign-in-setup\"><p>\(setup.text)</p>\(link)</div>"
            } ?? .empty
        let tokenForm: HTML =
            model.connectable
            ? """
            <form method="post" action="\(model.action)" id="connect-account-form">\(ctx.csrfField)
            <input type="hidden" name="platform" value="\(model.platform)">
            \(fields)
            \(simulates)
            \(Layout.field(ctx, name: "display_name", label: ctx.t("accounts.display_name"), value: model.displayName, errors: FormErrors(), required: false, hint: ctx.t("accounts.display_name_hint")))
            <button type="submit" class="\(model.signIn == nil ? "primary" : "secondary")" id="connect-submit">\(ctx.t("accounts.connect_platform", ctx.t("platform." + model.platform)))</button>
            </form>
            """
            : """
            <p id="not-connectable">\(ctx.t("accounts.not_connectable"))</p>
            \(model.rehearseHref.map { "<p><a class=\"button\" id=\"rehearse\" href=\"\($0)\">\(ctx.t("accounts.rehearse"))</a></p>" })
            """
        let form: HTML =
            model.signIn != nil
            ? "<details id=\"connect-by-token\"\(model.hasErrors && model.signIn?.error == nil ? HTML(raw: " open") : .empty)><summary>\(ctx.t(model.platform == "mastodon" ? "accounts.or_token" : "accounts.or_by_hand"))</summary>\(tokenForm)</details>"
            : tokenForm
        return """
            <h1>\(ctx.t("accounts.title"))</h1>
            \(table)
            <section class="card" id="connect">
            <h2>\(ctx.t("accounts.connect"))</h2>
            <p>\(ctx.t("accounts.connect_intro"))</p>
            <nav class="filters tabs" id="platform-choice" aria-label="\(ctx.t("accounts.platform"))">\(tabs)</nav>
            <div class="narrow">
            <p class="muted" id="platform-intro">\(markup(model.intro))</p>
            \(summary)\(general)
            \(signIn)
            \(form)
            </div>
            </section>
            """
    }
}
