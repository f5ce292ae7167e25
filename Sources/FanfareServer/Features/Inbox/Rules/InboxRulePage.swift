import FanfareCore
import Fluent
import Foundation

/// The routing rules and a rule's edit page as query → model → view: each
/// rule summed up as "when … then …" in the reader's language, with what
/// the team typed (keywords, tags, names) kept as typed.
enum InboxRulePage {
    struct Found: Sendable {
        var rules: [InboxRuleDTO] = []
        var accounts: [InboxListPage.Account] = []
        var templates: [ConversationPage.Template] = []
    }

    /// One part of a summary: a phrase in the reader's language whose
    /// `{0}` is filled with typed names or labels.
    struct Clause: Sendable {
        var phrase: String
        var pieces: [HTML]
    }

    struct Summary: Sendable {
        var when: [Clause]
        var then: [Clause]
    }

    struct Row: Sendable {
        var id: String
        var href: String
        var position: Int
        var name: String
        var enabled: Bool
        var summary: Summary
    }

    struct Option: Sendable, Equatable {
        var value: String
        var label: String
        var typed = false
        var group: String?
    }

    struct Form: Sendable {
        var values: InboxRulePages.Values
        var errors: FormErrors
        var templates: [Option]
        var accounts: [Option]
    }

    struct List: Sendable {
        var base: String
        var rows: [Row]
        var canManage: Bool
        var form: Form
    }

    struct Edit: Sendable {
        var base: String
        var path: String
        var summary: Summary
        var form: Form
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        Found(
            rules: try await InboxRuleService(db: db).list(in: access).map(InboxRuleDTO.init),
            accounts: try await InboxListPage.accounts(access.workspaceID, byPlatform: true, on: db),
            templates: try await ConversationPage.templates(access.workspaceID, on: db))
    }

    /// "09:00" for 9, written without printf.
    static func hourText(_ hour: Int) -> String { (0..<10).contains(hour) ? "0\(hour):00" : "\(hour):00" }

    /// "When … then …" in the reader's language.
    static func summary(_ rule: InboxRuleDTO, _ found: Found, _ locale: UILocale) -> Summary {
        let c = rule.conditions
        let a = rule.actions
        func t(_ key: String) -> String { I18n.text(key, locale) }
        func labels(_ codes: [String], _ label: (String) -> String) -> [HTML] { codes.map { HTML("\(label($0))") } }
        var when: [Clause] = []
        if !c.keywords.isEmpty { when.append(Clause(phrase: t("inbox.rule_when_keywords"), pieces: c.keywords.map { HTML.typed($0) })) }
        if !c.intents.isEmpty {
            when.append(Clause(phrase: t("inbox.rule_when_intents"), pieces: labels(c.intents) { InboxVocabulary.intent($0, locale).text }))
        }
        if !c.sentiments.isEmpty {
            when.append(Clause(phrase: t("inbox.rule_when_sentiments"), pieces: labels(c.sentiments) { InboxVocabulary.sentiment($0, locale).text }))
        }
        if !c.kinds.isEmpty { when.append(Clause(phrase: t("inbox.rule_when_kinds"), pieces: labels(c.kinds) { InboxVocabulary.kind($0, locale) })) }
        if !c.tiers.isEmpty { when.append(Clause(phrase: t("inbox.rule_when_tiers"), pieces: labels(c.tiers) { InboxVocabulary.tier($0, locale) })) }
        if !c.accountIDs.isEmpty {
            let pieces = c.accountIDs.map { id -> HTML in
                guard let account = found.accounts.first(where: { $0.id == id }) else { return HTML("\(t("inbox.rule_account_gone"))") }
                return "\(InboxVocabulary.platform(account.rulesPlatform, locale)) \(HTML.typed("@" + account.handle))"
            }
            when.append(Clause(phrase: t("inbox.rule_when_accounts"), pieces: pieces))
        }
        if let hours = c.hours {
            when.append(
                Clause(
                    phrase: I18n.text("inbox.rule_when_hours", locale, [hourText(hours.from), hourText(hours.to)]),
                    pieces: []))
        }
        var then: [Clause] = []
        if let id = a.replyTemplateID {
            let name = found.templates.first { $0.id == id }.map { HTML.typed($0.name) } ?? HTML("\(t("inbox.rule_template_gone"))")
            then.append(Clause(phrase: t("inbox.rule_then_reply"), pieces: [name]))
        }
        if !a.tags.isEmpty { then.append(Clause(phrase: t("inbox.rule_then_tags"), pieces: a.tags.map { HTML.typed($0) })) }
        if let queue = a.queue {
            then.append(Clause(phrase: t("inbox.rule_then_queue"), pieces: [HTML("\(InboxVocabulary.queue(queue.rawValue, locale).text)")]))
        }
        if a.escalate { then.append(Clause(phrase: t("inbox.rule_then_escalate"), pieces: [])) }
        if rule.answersNegative { then.append(Clause(phrase: t("inbox.rule_then_answers_negative"), pieces: [])) }
        if then.isEmpty { then.append(Clause(phrase: t("inbox.rule_then_nothing"), pieces: [])) }
        return Summary(when: when, then: then)
    }

    static func form(_ found: Found, values: InboxRulePages.Values, errors: FormErrors, locale: UILocale) -> Form {
        let templates = found.templates.sorted { ($0.category, $0.name) < ($1.category, $1.name) }.map {
            Option(value: $0.id.uuidString.lowercased(), label: $0.name, typed: true, group: InboxVocabulary.templateCategory($0.category, locale))
        }
        let accounts = found.accounts.sorted { ($0.rulesPlatform, $0.handle) < ($1.rulesPlatform, $1.handle) }.map {
            Option(
                value: $0.id.uuidString.lowercased(), label: "@" + $0.handle, typed: true, group: InboxVocabulary.platform($0.rulesPlatform, locale))
        }
        return Form(values: values, errors: errors, templates: templates, accounts: accounts)
    }

    static func list(
        _ found: Found, workspace: String, canManage: Bool, values: InboxRulePages.Values, errors: FormErrors, locale: UILocale
    ) -> List {
        let base = workspace + "/inbox/rules"
        let rows = found.rules.map { rule in
            Row(
                id: rule.id.uuidString.lowercased(), href: "\(base)/\(rule.id.uuidString.lowercased())", position: rule.position, name: rule.name,
                enabled: rule.enabled, summary: summary(rule, found, locale))
        }
        return List(base: base, rows: rows, canManage: canManage, form: form(found, values: values, errors: errors, locale: locale))
    }

    /// `found.rules` holds the one rule being edited.
    static func edit(_ found: Found, workspace: String, values: InboxRulePages.Values, errors: FormErrors, locale: UILocale) -> Edit {
        let base = workspace + "/inbox/rules"
        let rule = found.rules[0]
        return Edit(
            base: base, path: "\(base)/\(rule.id.uuidString.lowercased())", summary: summary(rule, found, locale),
            form: form(found, values: values, errors: errors, locale: locale))
    }

    // MARK: View

    static func summaryView(_ summary: Summary, _ ctx: PageContext) -> HTML {
        func clause(_ clause: Clause) -> HTML {
            clause.pieces.isEmpty
                ? "\(clause.phrase)" : HTML.sentence(clause.phrase, [HTML.join(clause.pieces, separator: HTML("\(ctx.t("inbox.list_separator"))"))])
        }
        let when =
            summary.when.isEmpty
            ? HTML("\(ctx.t("inbox.rule_when_any"))") : HTML.join(summary.when.map(clause), separator: HTML("\(ctx.t("inbox.rule_and"))"))
        return """
            <span class="rule-when"><strong>\(ctx.t("inbox.rule_when_label"))</strong> \(when)</span>
            <span class="rule-then"><strong>\(ctx.t("inbox.rule_then_label"))</strong> \(HTML.join(summary.then.map(clause), separator: HTML("\(ctx.t("inbox.clause_separator"))")))</span>
            """
    }

    static func listView(_ model: List, _ ctx: PageContext, tabs: HTML) -> HTML {
        let rows = model.rows.map { row -> HTML in
            let actions: HTML =
                model.canManage
                ? """
                <a href="\(row.href)" class="edit-rule">\(ctx.t("inbox.edit"))</a>
                <form method="post" action="\(row.href)/toggle" class="inline">\(ctx.csrfField)<button type="submit" class="link toggle-rule">\(ctx.t(row.enabled ? "inbox.rule_disable" : "inbox.rule_enable"))</button></form>
                <form method="post" action="\(row.href)/delete" class="inline">\(ctx.csrfField)<button type="submit" class="link delete-rule">\(ctx.t("inbox.delete"))</button></form>
                """
                : .empty
            return """
                <tr id="rule-\(row.id)" data-enabled="\(row.enabled ? "true" : "false")"><td>\(row.position)</td><td translate="no">\(row.name)</td>
                <td class="rule-summary">\(summaryView(row.summary, ctx))</td>
                <td>\(Badge.html(ctx.t(row.enabled ? "inbox.rule_enabled" : "inbox.rule_disabled"), tone: row.enabled ? .success : .neutral, classes: "rule-state"))</td><td class="row-actions">\(actions)</td></tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? """
            <div class="empty-state" id="no-rules"><p>\(ctx.t("inbox.no_rules"))</p>\
            \(model.canManage ? HTML("<p><a href=\"#rule-form\">\(ctx.t("inbox.add_first_rule"))</a></p>") : .empty)</div>
            """
            : """
            <div class="table-scroll"><table id="inbox-rules"><thead><tr><th>\(ctx.t("inbox.rule_position"))</th><th>\(ctx.t("inbox.rule_name"))</th><th>\(ctx.t("inbox.rule_summary"))</th><th>\(ctx.t("inbox.rule_state"))</th><th><span class="visually-hidden">\(ctx.t("inbox.actions"))</span></th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        let form: HTML =
            model.canManage
            ? """
            <section class="card"><h2>\(ctx.t("inbox.add_rule"))</h2>
            <form method="post" action="\(model.base)" id="rule-form" class="stack">\(ctx.csrfField)
            \(formFields(model.form, ctx))
            <button type="submit" class="primary" id="add-rule">\(ctx.t("inbox.add_rule"))</button></form></section>
            """
            : "<p class=\"muted\">\(ctx.t("inbox.read_only"))</p>"
        return """
            <h1>\(ctx.t("inbox.tab_rules"))</h1>
            \(tabs)
            \(Layout.errorSummary(ctx, model.form.errors))
            <p>\(ctx.t("inbox.rules_intro"))</p>
            \(table)
            \(form)
            """
    }

    static func editView(_ model: Edit, _ ctx: PageContext, tabs: HTML) -> HTML {
        """
        <h1>\(ctx.t("inbox.edit_rule"))</h1>
        \(tabs)
        \(Layout.errorSummary(ctx, model.form.errors))
        <p class="rule-summary">\(summaryView(model.summary, ctx))</p>
        <form method="post" action="\(model.path)" id="edit-rule-form" class="stack">\(ctx.csrfField)
        \(formFields(model.form, ctx))
        <div class="actions"><button type="submit" class="primary" id="save-rule">\(ctx.t("inbox.save"))</button> <a href="\(model.base)">\(ctx.t("inbox.cancel"))</a></div></form>
        <form method="post" action="\(model.path)/delete" id="delete-rule-form">\(ctx.csrfField)
        <button type="submit" class="danger" id="delete-rule">\(ctx.t("inbox.delete"))</button></form>
        """
    }

    /// `<option>`s, grouped, names people typed marked; `selected` holds the chosen values.
    static func options(_ options: [Option], selected: Set<String>) -> HTML {
        var parts: [HTML] = []
        var group: String?
        for option in options {
            if option.group != group {
                if group != nil { parts.append("</optgroup>") }
                if let next = option.group { parts.append("<optgroup label=\"\(next)\">") }
                group = option.group
            }
            parts.append(
                "<option value=\"\(option.value)\"\(selected.contains(option.value) ? HTML(raw: " selected") : .empty)\(option.typed ? HTML(raw: " translate=\"no\"") : .empty)>\(option.label)</option>"
            )
        }
        if group != nil { parts.append("</optgroup>") }
        return HTML.join(parts)
    }

    static func formFields(_ form: Form, _ ctx: PageContext) -> HTML {
        let values = form.values
        let errors = form.errors
        func error(_ field: String, _ tag: String = "small") -> HTML {
            errors[field].map { e -> HTML in "<\(tag) class=\"error\" id=\"\(field)-error\">\(e.text(ctx.locale))</\(tag)>" } ?? .empty
        }
        let hourOptions = [("", ctx.t("inbox.rule_any_hour"))] + (0...23).map { (String($0), hourText($0)) }
        let queueOptions = [("", ctx.t("inbox.queue_none"))] + InboxQueue.allCases.map { ($0.rawValue, ctx.t("inbox.queue." + $0.rawValue)) }
        func choices(_ codes: [String], _ label: (String) -> String) -> [(value: String, label: String)] { codes.map { ($0, label($0)) } }
        return """
            \(Layout.field(ctx, name: "name", label: ctx.t("inbox.rule_name"), value: values.name, errors: errors))
            \(error("actions", "p"))
            <fieldset id="rule-conditions"><legend>\(ctx.t("inbox.rule_conditions"))</legend>
            <p class="hint">\(ctx.t("inbox.rule_conditions_hint"))</p>
            \(Layout.field(ctx, name: "keywords", label: ctx.t("inbox.rule_keywords"), value: values.keywords, errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Forms.checkboxes(ctx, name: "intents", legend: ctx.t("inbox.rule_intents"), options: choices(MessageIntent.allCases.map(\.rawValue)) { InboxVocabulary.intent($0, ctx.locale).text }, checked: values.intents, errors: errors))
            \(Forms.checkboxes(ctx, name: "sentiments", legend: ctx.t("inbox.rule_sentiments"), options: choices(MessageSentiment.allCases.map(\.rawValue)) { InboxVocabulary.sentiment($0, ctx.locale).text }, checked: values.sentiments, errors: errors))
            \(Forms.checkboxes(ctx, name: "kinds", legend: ctx.t("inbox.rule_kinds"), options: choices(InboxRouting.kinds) { InboxVocabulary.kind($0, ctx.locale) }, checked: values.kinds, errors: errors))
            \(Forms.checkboxes(ctx, name: "tiers", legend: ctx.t("inbox.rule_tiers"), options: choices(ActivityTier.allCases.map(\.rawValue)) { InboxVocabulary.tier($0, ctx.locale) }, checked: values.tiers, errors: errors))
            <div class="field\(errors["account_ids"] != nil ? " has-error" : "")"><label for="account_ids">\(ctx.t("inbox.rule_accounts"))</label>
            <select id="account_ids" name="account_ids" multiple size="\(min(max(form.accounts.count + Set(form.accounts.compactMap(\.group)).count, 2), 10))">\(options(form.accounts, selected: values.accountIDs))</select>
            <small class="hint">\(ctx.t("inbox.rule_accounts_hint"))</small>
            \(error("account_ids"))</div>
            <div class="field\(errors["hours"] != nil ? " has-error" : "")"><span class="label">\(ctx.t("inbox.rule_hours"))</span>
            <span class="inline wrap"><label for="hours_from">\(ctx.t("inbox.rule_hours_from"))</label> <select id="hours_from" name="hours_from">\(Forms.options(hourOptions, values.hoursFrom))</select>
            <label for="hours_to">\(ctx.t("inbox.rule_hours_to"))</label> <select id="hours_to" name="hours_to">\(Forms.options(hourOptions, values.hoursTo))</select></span>
            <small class="hint">\(ctx.t("inbox.rule_hours_hint"))</small>
            \(error("hours"))</div>
            </fieldset>
            <fieldset id="rule-actions"><legend>\(ctx.t("inbox.rule_actions"))</legend>
            <div class="field\(errors["reply_template_id"] != nil ? " has-error" : "")"><label for="reply_template_id">\(ctx.t("inbox.rule_template"))</label>
            <select id="reply_template_id" name="reply_template_id"><option value="">\(ctx.t("inbox.rule_no_reply"))</option>\(options(form.templates, selected: [values.replyTemplateID]))</select>
            \(error("reply_template_id"))</div>
            \(Layout.field(ctx, name: "tags", label: ctx.t("inbox.rule_tags"), value: values.tags, errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Layout.select(ctx, name: "queue", label: ctx.t("inbox.rule_queue"), options: queueOptions, selected: values.queue, errors: errors))
            \(Forms.checkbox(ctx, name: "escalate", label: ctx.t("inbox.rule_escalate"), checked: values.escalate, errors: errors))
            \(Forms.checkbox(ctx, name: "answers_negative", label: ctx.t("inbox.rule_answers_negative"), checked: values.answersNegative, hint: ctx.t("inbox.rule_answers_negative_hint"), errors: errors))
            </fieldset>
            \(Layout.field(ctx, name: "position", label: ctx.t("inbox.rule_position"), type: "number", value: values.position, errors: errors, required: false, hint: ctx.t("inbox.rule_position_hint")))
            """
    }
}
