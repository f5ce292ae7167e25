import FanfareConnectors
import FanfareCore
import Vapor

/// `/w/{ws}/accounts/{id}/reconnect`: new credentials for an account that
/// keeps its row (its posts, messages and numbers stay) — by signing in
/// again where the platform allows it, or with its platform's fields (a
/// new token, a new app password). `model` and `view` are tested without
/// a database.
enum ReconnectPage {
    struct Account: Sendable, Equatable {
        var id: String
        var name: String
        var platform: String
        var handle: String
        var settings: [String: String]
    }

    struct Model: Sendable {
        var title: String
        var name: String
        var intro: String
        var action: String
        var fields: [AccountsPage.Model.Field]
        var general: [AccountsVocabulary.Sentence]
        /// Signing in again, where the platform and the workspace allow it.
        var signIn: AccountsPage.Model.Reconnect?
        var signInLabel: String
        var back: String
    }

    static func model(
        account: Account, values: [String: String], errors: FormErrors, base: String, appReady: Bool, locale: UILocale
    ) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let platform = account.platform
        let list = ConnectorRegistry.kind(platform)?.connectionFields ?? []
        // What the account was connected with, except secrets, is filled in.
        var known = values
        for field in list where !field.secret && known["fields." + field.key] == nil {
            if let stored = account.settings[field.key] { known["fields." + field.key] = stored }
        }
        let fields = AccountsPage.fieldModels(
            list, values: known, errors: errors, locale: locale, label: { AccountsVocabulary.labelKey(platform, $0) },
            hint: { AccountsVocabulary.hintKey(platform, $0) })
        let general = errors.byField.keys.filter { key in !fields.contains { $0.errorKey == key } }.sorted()
            .compactMap { key in errors[key].map { AccountsVocabulary.result($0, locale) } }
        var signIn: AccountsPage.Model.Reconnect?
        if let flow = OAuthSignInRegistry.flow(platform), flow.registration == .perServer || appReady {
            signIn = .signIn(action: "\(base)/accounts/sign-in/\(platform)", server: flow.server(of: account.settings), account: account.id)
        }
        return Model(
            title: t("accounts.reconnect_title", account.name), name: account.name, intro: t("accounts.reconnect_intro", t("platform." + platform)),
            action: "\(base)/accounts/\(account.id)/reconnect", fields: fields, general: general, signIn: signIn,
            signInLabel: PostVocabulary.known("accounts.sign_in_with.\(platform)", locale)
                ?? t("accounts.sign_in_platform", t("platform." + platform)),
            back: "\(base)/accounts#account-\(account.id)")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let general: HTML =
            model.general.isEmpty
            ? .empty
            : "<div class=\"flash flash-error\" role=\"alert\" id=\"reconnect-error\">\(HTML.join(model.general.map { HTML("<p>\(AccountsPage.sentence($0))</p>") }))</div>"
        let signIn: HTML =
            switch model.signIn {
            case .signIn(let action, let server, let account):
                """
                <form method="post" action="\(action)" id="reconnect-sign-in">\(ctx.csrfField)<input type="hidden" name="account" value="\(account)">\
                \(server.map { s -> HTML in "<input type=\"hidden\" name=\"instance_url\" value=\"\(s)\">" })\
                <button type="submit" class="primary">\(model.signInLabel)</button></form>
                <p class="muted">\(ctx.t("accounts.reconnect_or_fields"))</p>
                """
            default: .empty
            }
        return """
            <h1>\(HTML.sentence(ctx.t("accounts.reconnect_title"), [HTML.typed(model.name)]))</h1>
            <p>\(model.intro)</p>
            <div class="narrow">
            \(signIn)
            \(general)
            <form method="post" action="\(model.action)" id="reconnect-form">\(ctx.csrfField)
            \(AccountsPage.fieldsHTML(model.fields, ctx))
            <button type="submit" class="\(model.signIn == nil ? "primary" : "secondary")" id="reconnect-submit">\(ctx.t("accounts.reconnect"))</button>
            <a href="\(model.back)">\(ctx.t("accounts.back_to_accounts"))</a>
            </form>
            </div>
            """
    }
}
