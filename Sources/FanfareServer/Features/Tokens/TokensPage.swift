import FanfareCore
import Fluent
import Vapor

/// Settings → API tokens as query → model → view: each token with its
/// scopes and state in the reader's language; a new token is shown once.
/// `model` and `view` are tested without a database.
enum TokensPage {
    struct Found: Sendable {
        struct Token: Sendable, Equatable {
            var id: UUID
            var name: String
            var hint: String
            var scopes: String
            var createdAt: Date
            var lastUsedAt: Date?
            var revoked: Bool
        }
        var tokens: [Token] = []
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var name: String
            var hint: String
            var scopes: String
            var createdAt: Date
            var lastUsedAt: Date?
            /// Where the revoke button posts; nil once revoked.
            var revokeAction: String?
            var stateLabel: String
            var tone: Badge.Tone
        }
        var rows: [Row]
        var empty: String?
        /// The token just made, shown this once.
        var created: String?
        var errors: FormErrors
    }

    static func query(user: User, on db: any Database) async throws -> Found {
        let tokens = try await TokenService(db: db).list(for: user)
        return Found(
            tokens: tokens.map {
                .init(
                    id: $0.id!, name: $0.name, hint: $0.hint, scopes: $0.scopes, createdAt: $0.createdAt, lastUsedAt: $0.lastUsedAt,
                    revoked: $0.revokedAt != nil)
            })
    }

    static func model(_ found: Found, created: String? = nil, errors: FormErrors = FormErrors(), locale: UILocale) -> Model {
        let rows = found.tokens.map { token in
            Model.Row(
                name: token.name, hint: token.hint, scopes: scopeLabels(token.scopes, locale), createdAt: token.createdAt,
                lastUsedAt: token.lastUsedAt, revokeAction: token.revoked ? nil : "/settings/tokens/\(token.id.uuidString)/revoke",
                stateLabel: I18n.text(token.revoked ? "tokens.revoked" : "tokens.active", locale, []), tone: token.revoked ? .neutral : .success)
        }
        return Model(rows: rows, empty: rows.isEmpty ? I18n.text("tokens.none", locale, []) : nil, created: created, errors: errors)
    }

    /// Scopes are stored as `read write`; each is named in the reader's language.
    static func scopeLabels(_ stored: String, _ locale: UILocale) -> String {
        stored.split(whereSeparator: { $0 == " " || $0 == "," }).map { scope in
            let key = "tokens.scope." + scope.trimmingCharacters(in: .whitespaces)
            let text = I18n.text(key, locale, [])
            return text == key ? String(scope) : text
        }.joined(separator: locale == .en ? ", " : "、")
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            let action: HTML =
                row.revokeAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\">\(ctx.t("tokens.revoke"))</button></form>"
                } ?? .empty
            return """
                <tr><td translate="no">\(row.name)</td><td><code translate="no">\(row.hint)…</code></td><td>\(row.scopes)</td>\
                <td>\(Layout.time(row.createdAt, ctx))</td><td>\(Layout.time(row.lastUsedAt, ctx))</td>\
                <td>\(Badge.html(row.stateLabel, tone: row.tone, classes: "token-state"))</td><td>\(action)</td></tr>
                """
        }
        let createdBox: HTML =
            model.created.map { token in
                """
                <section class="card highlight" id="token-created"><h2>\(ctx.t("tokens.created"))</h2>
                <p>\(ctx.t("tokens.copy_now"))</p><input type="text" readonly class="wide" id="new-token" value="\(token)" translate="no"></section>
                """
            } ?? .empty
        let tokenTable: HTML =
            model.empty.map { "<p class=\"empty\" id=\"tokens-empty\">\($0)</p>" }
                ?? """
                <div class="table-scroll"><table id="token-list"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("tokens.hint"))</th>\
                <th>\(ctx.t("tokens.scopes"))</th><th>\(ctx.t("tokens.created_at"))</th><th>\(ctx.t("tokens.last_used"))</th>\
                <th>\(ctx.t("tokens.state"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
                """
        return """
            <h1>\(ctx.t("tokens.title"))</h1>
            <p>\(ctx.t("tokens.intro")) <code translate="no">Authorization: Bearer fnf_…</code></p>
            \(createdBox)
            \(tokenTable)
            <section class="card narrow"><h2>\(ctx.t("tokens.new"))</h2>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="post" action="/settings/tokens" id="new-token-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), errors: model.errors))
            \(Layout.field(ctx, name: "current_password", label: ctx.t("field.current_password"), type: "password", errors: model.errors, hint: ctx.t("tokens.password_hint"), autocomplete: "current-password"))
            <fieldset><legend>\(ctx.t("tokens.scopes"))</legend>
            <label><input type="checkbox" name="scopes[]" value="read" checked> \(ctx.t("tokens.scope.read"))</label>
            <label><input type="checkbox" name="scopes[]" value="write" checked> \(ctx.t("tokens.scope.write"))</label></fieldset>
            <button type="submit" class="primary">\(ctx.t("tokens.create"))</button>
            </form></section>
            """
    }
}
