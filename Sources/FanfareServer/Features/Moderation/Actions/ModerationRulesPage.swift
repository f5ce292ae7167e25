import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/moderation/rules`: what Fanfare does on the platform by itself
/// at each graded recommendation, as query → model → view. Everyone who
/// reads the inbox sees the rules; admins change them.
enum ModerationRulesPage {
    struct Account: Sendable {
        var platform: String
        var handle: String
        var moves: Set<ModerationMove>
    }

    struct Found: Sendable {
        var current: ModerationRuleService.Current
        var accounts: [Account]
    }

    struct Row: Sendable {
        var grade: String
        var label: String
        var messageField: String
        var blockField: String
        var options: [(value: String, label: String)]
        var message: String
        var block: Bool
    }

    struct Model: Sendable {
        var action: String
        var canEdit: Bool
        var off: Bool
        var rows: [Row]
        /// When and by whom, the latter as typed.
        var updated: (at: Date, by: String)?
        /// Per account: its platform, handle and what it allows, in words.
        var accounts: [(platform: String, handle: String, allows: String)]
        var errors: FormErrors
    }

    static func query(access: WorkspaceAccess, app: Application, on db: any Database) async throws -> Found {
        let current = try await ModerationRuleService(db: db).current(in: access)
        let acting = PlatformModeration(db: db, app: app)
        let accounts = try await access.query(SocialAccount.self, on: db).sort(\.$handle).all().map {
            Account(platform: $0.rulesPlatform, handle: $0.handle, moves: acting.moves(for: $0))
        }
        return Found(current: current, accounts: accounts)
    }

    /// The form's names: `delete_message`, `delete_block_author`.
    static func messageField(_ grade: ModerationAction) -> String { "\(grade.rawValue)_message" }
    static func blockField(_ grade: ModerationAction) -> String { "\(grade.rawValue)_block_author" }

    /// Core names a problem `delete.message`; the form's field is `delete_message`.
    static func formErrors(_ errors: ValidationErrors) -> FormErrors {
        FormErrors(ValidationErrors(errors.issues.map { FieldIssue(field: $0.field.replacingOccurrences(of: ".", with: "_"), $0.coded) }))
    }

    static func model(
        _ found: Found, rules shown: ModerationRules? = nil, workspace: String, canEdit: Bool, errors: FormErrors = FormErrors(), locale: UILocale
    )
        -> Model
    {
        let rules = shown ?? found.current.rules
        let options = ModerationRules.MessageMove.allCases.map { ($0.rawValue, I18n.text("moderation.rule_message.\($0.rawValue)", locale)) }
        let rows = ModerationRules.grades.map { grade in
            let step = rules.step(for: grade)
            return Row(
                grade: grade.rawValue, label: I18n.text("moderation.action.\(grade.rawValue)", locale), messageField: messageField(grade),
                blockField: blockField(grade), options: options, message: step.message.rawValue, block: step.blockAuthor)
        }
        let accounts = found.accounts.map { account in
            let moves = ModerationMove.offered.filter { account.moves.contains($0) }
            return (
                platform: account.platform, handle: account.handle,
                allows: moves.isEmpty
                    ? I18n.text("moderation.platform_allows_nothing", locale)
                    : moves.map { I18n.text("moderation.move.\($0.rawValue)", locale) }.joined(separator: locale == .zhHans ? "、" : ", ")
            )
        }
        let updated = found.current.updatedAt.flatMap { at in found.current.updatedBy.map { (at: at, by: $0) } }
        return Model(
            action: workspace + "/moderation/rules", canEdit: canEdit, off: rules.isOff, rows: rows, updated: updated, accounts: accounts,
            errors: errors)
    }

    static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
        let rows = model.rows.map { row -> HTML in
            let error = model.errors[row.messageField].map { $0.text(ctx.locale) }
            let options = HTML.join(
                row.options.map { option -> HTML in
                    "<option value=\"\(option.value)\"\(option.value == row.message ? HTML(raw: " selected") : .empty)>\(option.label)</option>"
                })
            return """
                <tr data-grade="\(row.grade)"><th scope="row">\(ModerationVocabulary.recommendation(row.grade, ctx.locale))</th>
                <td><label class="visually-hidden" for="\(row.messageField)">\(row.label) · \(ctx.t("moderation.rules_message"))</label>\
                <select id="\(row.messageField)" name="\(row.messageField)"\(error != nil ? HTML(raw: " aria-invalid=\"true\"") : .empty)>\(options)</select>\
                \(error.map { e -> HTML in " <small class=\"error\">\(e)</small>" })</td>
                <td><label><input type="checkbox" id="\(row.blockField)" name="\(row.blockField)" value="true"\(row.block ? HTML(raw: " checked") : .empty)> \(ctx.t("moderation.rules_block"))</label></td></tr>
                """
        }
        let disabled: HTML = model.canEdit ? .empty : HTML(raw: " disabled")
        let updated: HTML =
            model.updated.map { updated -> HTML in
                "<p class=\"muted\" id=\"rules-updated\">\(HTML.sentence(ctx.t("moderation.rules_updated"), [Layout.time(updated.at, ctx), HTML.typed(updated.by)]))</p>"
            } ?? .empty
        let accounts: HTML =
            model.accounts.isEmpty
            ? "<p class=\"empty\" id=\"rules-no-accounts\">\(ctx.t("moderation.rules_no_accounts"))</p>"
            : """
            <ul id="rules-accounts">\(HTML.join(model.accounts.map { account -> HTML in "<li>\(Badge.platform(account.platform, ctx.locale)) \(HTML.typed("@" + account.handle)): \(account.allows)</li>" }))</ul>
            """
        return """
            <h1>\(ctx.t("moderation.rules_title"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, model.errors))
            <p>\(ctx.t("moderation.rules_intro"))</p>
            <p class="muted">\(ctx.t("moderation.rules_example"))</p>
            \(model.off ? HTML("<p id=\"rules-off\" class=\"muted\">\(ctx.t("moderation.rules_off"))</p>") : HTML.empty)
            <form method="post" action="\(model.action)" id="moderation-rules-form">\(ctx.csrfField)
            <fieldset\(disabled)><div class="table-scroll"><table id="moderation-rules"><thead><tr><th>\(ctx.t("moderation.rules_grade"))</th><th>\(ctx.t("moderation.rules_message"))</th><th>\(ctx.t("moderation.rules_block"))</th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table></div>
            \(model.canEdit ? HTML("<button type=\"submit\" class=\"primary\" id=\"save-moderation-rules\">\(ctx.t("moderation.rules_save"))</button>") : HTML("<p class=\"muted\">\(ctx.t("moderation.rules_admins_only"))</p>"))
            </fieldset></form>
            \(updated)
            <h2>\(ctx.t("moderation.rules_accounts"))</h2>
            \(accounts)
            """
    }
}
