import FanfareCore
import Fluent
import Foundation

/// The service levels and inbox settings page as query → model → view:
/// the policy's form (or, for a role that cannot change it, the policy in
/// one sentence), and the response times of a period by agent, account and
/// fan tier.
enum ServiceLevelPage {
    struct Input: Sendable {
        /// The period, as typed (`days`).
        var days: String?
        /// The settings form as typed (or as stored).
        var values: [String: String]
        var errors: FormErrors

        /// 1 to 366 days; 30 when missing or unreadable.
        var period: Int { min(max(Int(days ?? "") ?? 30, 1), 366) }
    }

    struct Found: Sendable {
        var settings: InboxSettingsDTO
        var report: ServiceLevelService.Report
        var accounts: [InboxListPage.Account]
    }

    struct Row: Sendable {
        var key: String
        var label: String
        /// The label is a name people typed (an agent).
        var typed: Bool
        /// The account's platform, for an account row.
        var platform: String?
        var conversations: Int
        var answered: Int
        var resolved: Int
        var firstP50: String
        var firstP90: String
        var resolutionP50: String
        var resolutionP90: String
        var breaches: Int
    }

    struct Table: Sendable {
        var id: String
        var title: String
        var rows: [Row]
    }

    struct Model: Sendable {
        var base: String
        var days: Int
        var dayOptions: [(value: Int, label: String)]
        var overall: String
        var tables: [Table]
        var canManage: Bool
        /// The policy in one sentence, for a role that cannot change it.
        var policy: String
        var values: [String: String]
        var errors: FormErrors
        var weekdays: [(value: String, label: String)]
        var checkedWeekdays: Set<String>
        var hasHours: Bool
        var adoptedURL: String
        var formURL: String
    }

    /// `settings`: the workspace's settings when the request read them
    /// already (the page fills its form from them); each is read once.
    static func query(_ input: Input, access: WorkspaceAccess, settings: InboxSettings? = nil, on db: any Database) async throws -> Found {
        let settings = if let settings { settings } else { try await InboxSettings.of(access.workspaceID, on: db) }
        let accounts = try await InboxListPage.accounts(access.workspaceID, on: db)
        return Found(
            settings: InboxSettingsDTO(settings),
            report: try await ServiceLevelService(db: db).report(days: input.period, in: access, settings: settings, accounts: accounts),
            accounts: accounts)
    }

    /// "42 min" below an hour, "3.5 h" above; "—" when nothing was measured.
    static func duration(_ minutes: Double?, _ locale: UILocale) -> String {
        guard let minutes else { return "—" }
        if minutes < 60 { return I18n.text("inbox.minutes_short", locale, [String(Int(minutes.rounded()))]) }
        // Tenths of an hour, written by hand (no printf per cell).
        let tenths = Int((minutes / 6).rounded())
        let text = tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
        return I18n.text("inbox.hours_short", locale, [text])
    }

    static func model(_ input: Input, _ found: Found, workspace: String, slug: String, canManage: Bool, locale: UILocale) -> Model {
        let days = input.period
        func row(_ row: ServiceLevelService.Report.Row) -> Row {
            var label = row.label
            var typed = false
            var platform: String?
            switch row.group {
            case "tier": label = InboxVocabulary.tier(row.key, locale)
            case "agent" where row.key == "none": label = I18n.text("inbox.unassigned", locale)
            case "agent": typed = true
            case "account":
                if let account = found.accounts.first(where: { $0.id.uuidString.lowercased() == row.key }) {
                    label = "@" + account.handle
                    platform = account.rulesPlatform
                } else {
                    label = I18n.text("inbox.account_gone", locale)
                }
                typed = platform != nil
            default: break
            }
            return Row(
                key: row.key, label: label, typed: typed, platform: platform, conversations: row.conversations, answered: row.answered,
                resolved: row.resolved, firstP50: duration(row.firstResponseP50, locale), firstP90: duration(row.firstResponseP90, locale),
                resolutionP50: duration(row.resolutionP50, locale), resolutionP90: duration(row.resolutionP90, locale), breaches: row.breaches)
        }
        let rows = found.report.rows
        let tables = [
            ("agent", "sla-by-agent", "inbox.sla_by_agent"), ("account", "sla-by-account", "inbox.sla_by_account"),
            ("tier", "sla-by-tier", "inbox.sla_by_tier"),
        ]
        .map { group, id, title in Table(id: id, title: I18n.text(title, locale), rows: rows.filter { $0.group == group }.map(row)) }
        let o = found.report.overall
        let overall = I18n.text(
            "inbox.sla_overall", locale,
            [
                String(days), String(o.conversations), String(o.answered), String(o.resolved), duration(o.firstResponseP50, locale),
                duration(o.firstResponseP90, locale), duration(o.resolutionP50, locale), duration(o.resolutionP90, locale), String(o.breaches),
            ])
        let values = input.values
        let checked = Set((values["weekdays"] ?? "").split(separator: ",").map(String.init))
        let hasHours = !(values["business_hours_start"] ?? "").isEmpty
        return Model(
            base: workspace + "/inbox/service-levels", days: days,
            dayOptions: ([7, 30, 90, 365] + ([7, 30, 90, 365].contains(days) ? [] : [days])).sorted().map {
                ($0, I18n.text("inbox.sla_days_option", locale, [String($0)]))
            },
            overall: overall, tables: tables, canManage: canManage,
            policy: I18n.text(
                "inbox.sla_policy_now", locale,
                [duration(Double(found.settings.firstResponseMinutes), locale), duration(Double(found.settings.resolutionMinutes), locale)]),
            values: values, errors: input.errors,
            // 1 is Sunday, as the service counts; the week is shown from Monday.
            weekdays: [2, 3, 4, 5, 6, 7, 1].map { (String($0), I18n.text("inbox.weekday.\($0)", locale)) },
            checkedWeekdays: hasHours || !checked.isEmpty ? checked : ["2", "3", "4", "5", "6"], hasHours: hasHours,
            adoptedURL: "/p/\(slug)/adopted", formURL: "/p/\(slug)/feedback")
    }

    // MARK: View

    static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
        let dayOptions = model.dayOptions.map { option -> HTML in
            "<option value=\"\(option.value)\"\(option.value == model.days ? HTML(raw: " selected") : .empty)>\(option.label)</option>"
        }
        let tables = model.tables.map { table -> HTML in "<h3>\(table.title)</h3>\(self.table(table, ctx))" }
        return """
            <h1>\(ctx.t("inbox.tab_service_levels"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, model.errors))
            \(model.canManage ? settingsForm(model, ctx) : HTML("<p class=\"muted\" id=\"sla-policy\">\(model.policy)</p>"))
            <section id="sla-report"><h2>\(ctx.t("inbox.sla_report"))</h2>
            <form method="get" action="\(model.base)" class="inline wrap" id="sla-days-form"><label for="days">\(ctx.t("inbox.sla_days"))</label> <select id="days" name="days">\(dayOptions)</select> <button type="submit">\(ctx.t("inbox.show"))</button></form>
            <p id="sla-overall">\(model.overall)</p>
            \(HTML.join(tables))
            </section>
            """
    }

    static func table(_ table: Table, _ ctx: PageContext) -> HTML {
        let body = table.rows.map { row -> HTML in
            let label: HTML =
                row.platform.map { "\(Badge.platform($0, ctx.locale)) \(HTML.typed(row.label))" }
                ?? (row.typed ? HTML.typed(row.label) : HTML("\(row.label)"))
            return """
                <tr data-key="\(row.key)"><td>\(label)</td><td>\(row.conversations)</td><td>\(row.answered)</td><td>\(row.resolved)</td>
                <td>\(row.firstP50)</td><td>\(row.firstP90)</td><td>\(row.resolutionP50)</td><td>\(row.resolutionP90)</td><td>\(row.breaches)</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"9\" class=\"empty\">\(ctx.t("inbox.sla_no_conversations"))</td></tr>"
        return """
            <div class="table-scroll"><table id="\(table.id)"><thead><tr><th><span class="visually-hidden">\(table.title)</span></th><th>\(ctx.t("inbox.sla_conversations"))</th><th>\(ctx.t("inbox.sla_answered"))</th><th>\(ctx.t("inbox.sla_resolved"))</th>
            <th>\(ctx.t("inbox.sla_first_p50"))</th><th>\(ctx.t("inbox.sla_first_p90"))</th><th>\(ctx.t("inbox.sla_resolution_p50"))</th><th>\(ctx.t("inbox.sla_resolution_p90"))</th><th>\(ctx.t("inbox.sla_breaches"))</th></tr></thead>
            <tbody>\(body.isEmpty ? empty : HTML.join(body))</tbody></table></div>
            """
    }

    static func settingsForm(_ model: Model, _ ctx: PageContext) -> HTML {
        let values = model.values
        let errors = model.errors
        let publicOn = values["public_feedback"] == "true"
        let formOn = values["public_feedback_form"] == "true"
        return """
            <section class="card"><h2>\(ctx.t("inbox.sla_settings"))</h2>
            <form method="post" action="\(model.base)" id="service-level-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "first_response_minutes", label: ctx.t("inbox.sla_first_response"), type: "number", value: values["first_response_minutes"] ?? "", errors: errors, hint: ctx.t("inbox.sla_minutes_hint")))
            \(Layout.field(ctx, name: "resolution_minutes", label: ctx.t("inbox.sla_resolution"), type: "number", value: values["resolution_minutes"] ?? "", errors: errors, hint: ctx.t("inbox.sla_minutes_hint")))
            \(Layout.field(ctx, name: "warning_percent", label: ctx.t("inbox.sla_warning_percent"), type: "number", value: values["warning_percent"] ?? "", errors: errors, hint: ctx.t("inbox.sla_warning_hint")))
            <fieldset id="business-hours"><legend>\(ctx.t("inbox.sla_business_hours"))</legend>
            <p class="hint">\(ctx.t(model.hasHours ? "inbox.sla_business_hours_set" : "inbox.sla_business_hours_none"))</p>
            \(Layout.field(ctx, name: "business_hours_start", label: ctx.t("inbox.sla_hours_start"), type: "time", value: values["business_hours_start"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "business_hours_end", label: ctx.t("inbox.sla_hours_end"), type: "time", value: values["business_hours_end"] ?? "", errors: errors, required: false))
            \(Forms.checkboxes(ctx, name: "weekdays", legend: ctx.t("inbox.sla_weekdays"), options: model.weekdays, checked: model.checkedWeekdays, errors: errors))
            \(Forms.checkbox(ctx, name: "clear_business_hours", label: ctx.t("inbox.sla_clear_hours"), checked: false, errors: errors))
            </fieldset>
            \(Layout.field(ctx, name: "auto_reply_cap", label: ctx.t("inbox.sla_auto_reply_cap"), type: "number", value: values["auto_reply_cap"] ?? "", errors: errors, hint: ctx.t("inbox.sla_auto_reply_cap_hint")))
            \(Forms.checkbox(ctx, name: "public_feedback", label: ctx.t("inbox.sla_public_feedback"), checked: publicOn, hint: ctx.t("inbox.sla_public_feedback_hint"), errors: errors))
            \(publicOn ? HTML("<p id=\"public-adopted-url\">\(ctx.t("inbox.sla_public_url")) <a href=\"\(model.adoptedURL)\" translate=\"no\">\(model.adoptedURL)</a></p>") : HTML.empty)
            \(Forms.checkbox(ctx, name: "public_feedback_form", label: ctx.t("inbox.sla_public_feedback_form"), checked: formOn, hint: ctx.t("inbox.sla_public_feedback_form_hint"), errors: errors))
            \(formOn ? HTML("<p id=\"public-form-url\">\(ctx.t("inbox.sla_public_form_url")) <a href=\"\(model.formURL)\" translate=\"no\">\(model.formURL)</a></p>") : HTML.empty)
            <button type="submit" class="primary" id="save-service-levels">\(ctx.t("inbox.save"))</button></form></section>
            """
    }
}
