import FanfareConnectors
import FanfareCore
import Vapor

/// `/w/{ws}/accounts/apps/{platform}`: the workspace's own app on Weibo or
/// Douyin, entered once by an admin — the key, the secret (a password box,
/// never shown again: left empty it stays), the platform's settings — and
/// the address to register on the platform as the app's callback, built
/// from the configured public address. `model` and `view` are tested
/// without a database.
enum PlatformAppPage {
    struct Found: Sendable, Equatable {
        var platform: String
        /// What is stored, secrets left out, by field key.
        var stored: [String: String]?
        var redirectURI: String
    }

    struct Model: Sendable {
        var platform: String
        var title: String
        var intro: String
        var redirectURI: String
        /// Where the callback address goes on the platform's console.
        var registerHint: String
        var action: String
        var fields: [AccountsPage.Model.Field]
        var general: [AccountsVocabulary.Sentence]
        var configured: Bool
        var remove: String?
        var back: String
    }

    static func labelKey(_ platform: String, _ key: String) -> String { "accounts.app_field.\(platform).\(key.lowercased())" }
    static func hintKey(_ platform: String, _ key: String) -> String { "accounts.app_hint.\(platform).\(key.lowercased())" }

    /// Every label and hint key of every app field: keys built at run time.
    static var dynamicKeys: [String] {
        OAuthSignInRegistry.flows.flatMap { flow in
            flow.appFields.flatMap { field in
                [labelKey(flow.platform, field.key)] + (field.hint.isEmpty ? [] : [hintKey(flow.platform, field.key)])
            } + (flow.registration == .perWorkspace ? ["accounts.app_intro.\(flow.platform)", "accounts.app_register.\(flow.platform)"] : [])
        }
    }

    static func model(_ found: Found, values: [String: String], errors: FormErrors, base: String, locale: UILocale) -> Model {
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        let platform = found.platform
        let list = OAuthSignInRegistry.flow(platform)?.appFields ?? []
        var known = values
        for (key, value) in found.stored ?? [:] where known["fields." + key] == nil { known["fields." + key] = value }
        let fields = AccountsPage.fieldModels(
            list, values: known, errors: errors, locale: locale, label: { labelKey(platform, $0) }, hint: { hintKey(platform, $0) },
            keepSecret: found.stored != nil)
        let general = errors.byField.keys.filter { key in !fields.contains { $0.errorKey == key } }.sorted()
            .compactMap { key in errors[key].map { AccountsVocabulary.result($0, locale) } }
        return Model(
            platform: platform, title: t("accounts.app_title", t("platform." + platform)), intro: t("accounts.app_intro.\(platform)"),
            redirectURI: found.redirectURI, registerHint: t("accounts.app_register.\(platform)"), action: "\(base)/accounts/apps/\(platform)",
            fields: fields, general: general, configured: found.stored != nil,
            remove: found.stored != nil ? "\(base)/accounts/apps/\(platform)/remove" : nil, back: "\(base)/accounts?platform=\(platform)#connect")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let general: HTML =
            model.general.isEmpty
            ? .empty
            : "<div class=\"flash flash-error\" role=\"alert\" id=\"app-error\">\(HTML.join(model.general.map { HTML("<p>\(AccountsPage.sentence($0))</p>") }))</div>"
        let remove: HTML =
            model.remove.map { action -> HTML in
                """
                <form method="post" action="\(action)" id="app-remove">\(ctx.csrfField)<button type="submit" class="danger">\(ctx.t("accounts.app_remove"))</button>\
                <small class="hint">\(ctx.t("accounts.app_remove_hint"))</small></form>
                """
            } ?? .empty
        return """
            <h1>\(model.title)</h1>
            <p>\(AccountsPage.markup(model.intro))</p>
            <section class="card" id="app-callback">
            <h2>\(ctx.t("accounts.app_callback"))</h2>
            <p><code translate="no" id="redirect-uri">\(model.redirectURI)</code></p>
            <p class="hint">\(AccountsPage.markup(model.registerHint))</p>
            </section>
            <div class="narrow">
            \(general)
            <form method="post" action="\(model.action)" id="app-form">\(ctx.csrfField)
            \(AccountsPage.fieldsHTML(model.fields, ctx))
            <button type="submit" class="primary" id="app-save">\(ctx.t(model.configured ? "accounts.app_update" : "accounts.app_save"))</button>
            <a href="\(model.back)">\(ctx.t("accounts.back_to_accounts"))</a>
            </form>
            \(remove)
            </div>
            """
    }
}
