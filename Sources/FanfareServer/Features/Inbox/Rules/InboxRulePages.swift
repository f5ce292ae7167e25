import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/inbox/rules`: the routing rules in the order they are tried,
/// each summed up in words; members who keep the rules add, edit, switch
/// off and remove them.
struct InboxRulePages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("inbox", "rules", use: rules)
        scoped.post("inbox", "rules", use: create)
        scoped.get("inbox", "rules", ":rule", use: edit)
        scoped.post("inbox", "rules", ":rule", use: update)
        scoped.post("inbox", "rules", ":rule", "toggle", use: toggle)
        scoped.post("inbox", "rules", ":rule", "delete", use: delete)
    }

    /// What the form holds, typed back in when it has an error.
    struct Values {
        var name = ""
        var keywords = ""
        var intents: Set<String> = []
        var sentiments: Set<String> = []
        var kinds: Set<String> = []
        var tiers: Set<String> = []
        var accountIDs: Set<String> = []
        var hoursFrom = ""
        var hoursTo = ""
        var replyTemplateID = ""
        var tags = ""
        var queue = ""
        var escalate = false
        var answersNegative = false
        var position = ""

        init() {}

        init(_ record: InboxRuleRecord) {
            let conditions = record.conditions
            let actions = record.actions
            name = record.name
            keywords = conditions.keywords.joined(separator: ", ")
            intents = Set(conditions.intents)
            sentiments = Set(conditions.sentiments)
            kinds = Set(conditions.kinds)
            tiers = Set(conditions.tiers)
            accountIDs = Set(conditions.accountIDs.map { $0.uuidString.lowercased() })
            hoursFrom = conditions.hours.map { String($0.from) } ?? ""
            hoursTo = conditions.hours.map { String($0.to) } ?? ""
            replyTemplateID = actions.replyTemplateID?.uuidString.lowercased() ?? ""
            tags = actions.tags.joined(separator: ", ")
            queue = actions.queue?.rawValue ?? ""
            escalate = actions.escalate
            answersNegative = record.answersNegative
            position = String(record.position)
        }

        init(_ req: Request) {
            name = req.formValue("name")
            keywords = req.formValue("keywords")
            intents = Set(Forms.values(req, "intents"))
            sentiments = Set(Forms.values(req, "sentiments"))
            kinds = Set(Forms.values(req, "kinds"))
            tiers = Set(Forms.values(req, "tiers"))
            accountIDs = Set(Forms.values(req, "account_ids").map { $0.lowercased() })
            hoursFrom = req.formValue("hours_from")
            hoursTo = req.formValue("hours_to")
            replyTemplateID = req.formValue("reply_template_id")
            tags = req.formValue("tags")
            queue = req.formValue("queue")
            escalate = Forms.isOn(req, "escalate")
            answersNegative = Forms.isOn(req, "answers_negative")
            position = req.formValue("position").trimmingCharacters(in: .whitespaces)
        }

        /// Ticked values in the order the form shows them; unknown ones last, for the service to refuse.
        static func ordered(_ values: Set<String>, _ order: [String]) -> [String] {
            order.filter(values.contains) + values.subtracting(order).sorted()
        }

        /// The service's input; what the form itself can tell is wrong
        /// (an hour without the other, a position that is not a number)
        /// is thrown with the service's own findings.
        func input() throws(ValidationErrors) -> InboxRuleService.Input {
            var errors = ValidationErrors()
            var accounts: [UUID] = []
            for raw in accountIDs.sorted() {
                if let id = UUID(uuidString: raw) { accounts.append(id) } else { errors.add("account_ids", .workspaceAccounts) }
            }
            var hours: HourWindow?
            switch (Int(hoursFrom), Int(hoursTo)) {
            case (let from?, let to?): hours = HourWindow(from: from, to: to)
            case (nil, nil) where hoursFrom.isEmpty && hoursTo.isEmpty: hours = nil
            default: errors.add("hours", .bothOrNeither)
            }
            var templateID: UUID?
            if !replyTemplateID.isEmpty {
                templateID = UUID(uuidString: replyTemplateID)
                if templateID == nil { errors.add("reply_template_id", .notAReplyTemplate) }
            }
            var queueValue: InboxQueue?
            if !queue.isEmpty {
                queueValue = InboxQueue(rawValue: queue)
                if queueValue == nil { errors.add("queue", .oneOf(choices: ["agents", "experts"])) }
            }
            var positionValue: Int?
            if !position.isEmpty {
                positionValue = Int(position)
                if positionValue == nil { errors.add("position", .numberBetween(min: 0, max: 10_000)) }
            }
            try errors.throwIfAny()
            return InboxRuleService.Input(
                name: name, position: positionValue, enabled: nil,
                conditions: InboxRuleConditions(
                    keywords: Forms.list(keywords), intents: Self.ordered(intents, MessageIntent.allCases.map(\.rawValue)),
                    sentiments: Self.ordered(sentiments, MessageSentiment.allCases.map(\.rawValue)), accountIDs: accounts,
                    tiers: Self.ordered(tiers, ActivityTier.allCases.map(\.rawValue)), kinds: Self.ordered(kinds, InboxRouting.kinds), hours: hours),
                actions: InboxRuleActions(replyTemplateID: templateID, tags: Forms.list(tags), queue: queueValue, escalate: escalate),
                answersNegative: answersNegative)
        }
    }

    /// The service names fields as the API does (`conditions.intents`); the form as `intents`.
    static func formErrors(_ errors: ValidationErrors) -> FormErrors {
        var mapped = errors
        mapped.issues = errors.issues.map { issue in
            var field = issue.field
            for prefix in ["conditions.", "actions."] where field.hasPrefix(prefix) { field = String(field.dropFirst(prefix.count)) }
            return FieldIssue(field: field, issue.coded)
        }
        return FormErrors(mapped)
    }

    static func kind(_ ctx: PageContext, _ raw: String) -> String { ctx.t("inbox.kind." + raw) }

    /// The workspace's accounts and templates, for the form and the summaries.
    struct Lookups {
        var accounts: [SocialAccount]
        var templates: [ReplyTemplate]

        static func load(_ req: Request, _ access: WorkspaceAccess) async throws -> Lookups {
            Lookups(
                accounts: try await access.query(SocialAccount.self, on: req.db).sort(\.$platform).sort(\.$handle).all(),
                templates: try await ReplyTemplateService(db: req.db).list(in: access))
        }

        func account(_ id: UUID) -> String {
            accounts.first { $0.id == id }.map { "\($0.platform) @\($0.handle)" } ?? id.uuidString.lowercased()
        }
    }

    /// "When … then …" in the page's language.
    static func summary(_ ctx: PageContext, _ record: InboxRuleRecord, _ lookups: Lookups) -> HTML {
        let c = record.conditions
        let a = record.actions
        var when: [String] = []
        if !c.keywords.isEmpty { when.append(ctx.t("inbox.rule_when_keywords", c.keywords.joined(separator: ", "))) }
        if !c.intents.isEmpty { when.append(ctx.t("inbox.rule_when_intents", c.intents.map { ctx.t("inbox.intent." + $0) }.joined(separator: ", "))) }
        if !c.sentiments.isEmpty {
            when.append(ctx.t("inbox.rule_when_sentiments", c.sentiments.map { ctx.t("inbox.sentiment." + $0) }.joined(separator: ", ")))
        }
        if !c.kinds.isEmpty { when.append(ctx.t("inbox.rule_when_kinds", c.kinds.map { kind(ctx, $0) }.joined(separator: ", "))) }
        if !c.tiers.isEmpty { when.append(ctx.t("inbox.rule_when_tiers", c.tiers.map { ctx.t("inbox.tier." + $0) }.joined(separator: ", "))) }
        if !c.accountIDs.isEmpty { when.append(ctx.t("inbox.rule_when_accounts", c.accountIDs.map(lookups.account).joined(separator: ", "))) }
        if let hours = c.hours {
            when.append(ctx.t("inbox.rule_when_hours", String(format: "%02d:00", hours.from), String(format: "%02d:00", hours.to)))
        }
        var then: [String] = []
        if let id = a.replyTemplateID {
            then.append(ctx.t("inbox.rule_then_reply", lookups.templates.first { $0.id == id }?.name ?? id.uuidString.lowercased()))
        }
        if !a.tags.isEmpty { then.append(ctx.t("inbox.rule_then_tags", a.tags.joined(separator: ", "))) }
        if let queue = a.queue { then.append(ctx.t("inbox.rule_then_queue", ctx.t("inbox.queue." + queue.rawValue))) }
        if a.escalate { then.append(ctx.t("inbox.rule_then_escalate")) }
        if record.answersNegative { then.append(ctx.t("inbox.rule_then_answers_negative")) }
        let whenText = when.isEmpty ? ctx.t("inbox.rule_when_any") : when.joined(separator: ctx.t("inbox.rule_and"))
        return """
            <span class="rule-when"><strong>\(ctx.t("inbox.rule_when")):</strong> \(whenText)</span>
            <span class="rule-then"><strong>\(ctx.t("inbox.rule_then")):</strong> \(then.joined(separator: "; "))</span>
            """
    }

    @Sendable func rules(req: Request) async throws -> HTMLResponse {
        try await renderRules(req, values: Values(), errors: FormErrors())
    }

    private func renderRules(_ req: Request, values: Values, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let records = try await InboxRuleService(db: req.db).list(in: access)
        let lookups = try await Lookups.load(req, access)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/inbox/rules"
        let canManage = access.can(.inboxRulesManage)
        let rows = records.map { record -> HTML in
            let id = record.id!.uuidString.lowercased()
            let actions: HTML =
                canManage
                ? """
                <a href="\(base)/\(id)" class="edit-rule">\(ctx.t("inbox.edit"))</a>
                <form method="post" action="\(base)/\(id)/toggle" class="inline">\(ctx.csrfField)<button type="submit" class="link toggle-rule">\(ctx.t(record.enabled ? "inbox.rule_disable" : "inbox.rule_enable"))</button></form>
                <form method="post" action="\(base)/\(id)/delete" class="inline">\(ctx.csrfField)<button type="submit" class="link delete-rule">\(ctx.t("inbox.delete"))</button></form>
                """
                : .empty
            return """
                <tr id="rule-\(id)" data-enabled="\(record.enabled ? "true" : "false")"><td>\(record.position)</td><td>\(record.name)</td>
                <td class="rule-summary">\(Self.summary(ctx, record, lookups))</td>
                <td>\(ctx.t(record.enabled ? "inbox.rule_enabled" : "inbox.rule_disabled"))</td><td>\(actions)</td></tr>
                """
        }
        let form: HTML =
            canManage
            ? """
            <section class="card"><h2>\(ctx.t("inbox.add_rule"))</h2>
            <form method="post" action="\(base)" id="rule-form" class="stack">\(ctx.csrfField)
            \(Self.formFields(ctx, values: values, errors: errors, lookups: lookups))
            <button type="submit" class="primary" id="add-rule">\(ctx.t("inbox.add_rule"))</button></form></section>
            """
            : "<p class=\"muted\">\(ctx.t("inbox.read_only"))</p>"
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_rules"), status: status,
            """
            <h1>\(ctx.t("inbox.tab_rules"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("inbox.rules_intro"))</p>
            \(records.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("inbox.no_rules"))</p>") : HTML("<table id=\"inbox-rules\"><thead><tr><th>\(ctx.t("inbox.rule_position"))</th><th>\(ctx.t("inbox.rule_name"))</th><th>\(ctx.t("inbox.rule_summary"))</th><th>\(ctx.t("inbox.rule_state"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table>"))
            \(form)
            """)
    }

    static func formFields(_ ctx: PageContext, values: Values, errors: FormErrors, lookups: Lookups) -> HTML {
        let hourOptions = [("", ctx.t("inbox.rule_any_hour"))] + (0...23).map { (String($0), String(format: "%02d:00", $0)) }
        let templateOptions =
            [("", ctx.t("inbox.rule_no_reply"))]
            + lookups.templates.map { ($0.id!.uuidString.lowercased(), "\($0.name) (\(ReplyTemplatePages.category(ctx, $0.category)))") }
        let queueOptions = [("", ctx.t("inbox.queue_none"))] + InboxQueue.allCases.map { ($0.rawValue, ctx.t("inbox.queue." + $0.rawValue)) }
        let accountOptions = lookups.accounts.map { account -> HTML in
            let id = account.id!.uuidString.lowercased()
            return
                "<option value=\"\(id)\"\(values.accountIDs.contains(id) ? HTML(raw: " selected") : .empty)>\(ctx.t("platform." + account.platform)) @\(account.handle)</option>"
        }
        return """
            \(Layout.field(ctx, name: "name", label: ctx.t("inbox.rule_name"), value: values.name, errors: errors))
            \(errors["actions"].map { e -> HTML in "<p class=\"error\" id=\"actions-error\">\(e.text(ctx.locale))</p>" })
            <fieldset id="rule-conditions"><legend>\(ctx.t("inbox.rule_conditions"))</legend>
            <p class="hint">\(ctx.t("inbox.rule_conditions_hint"))</p>
            \(Layout.field(ctx, name: "keywords", label: ctx.t("inbox.rule_keywords"), value: values.keywords, errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Forms.checkboxes(ctx, name: "intents", legend: ctx.t("inbox.rule_intents"), options: MessageIntent.allCases.map { ($0.rawValue, ctx.t("inbox.intent." + $0.rawValue)) }, checked: values.intents, errors: errors))
            \(Forms.checkboxes(ctx, name: "sentiments", legend: ctx.t("inbox.rule_sentiments"), options: MessageSentiment.allCases.map { ($0.rawValue, ctx.t("inbox.sentiment." + $0.rawValue)) }, checked: values.sentiments, errors: errors))
            \(Forms.checkboxes(ctx, name: "kinds", legend: ctx.t("inbox.rule_kinds"), options: InboxRouting.kinds.map { ($0, kind(ctx, $0)) }, checked: values.kinds, errors: errors))
            \(Forms.checkboxes(ctx, name: "tiers", legend: ctx.t("inbox.rule_tiers"), options: ActivityTier.allCases.map { ($0.rawValue, ctx.t("inbox.tier." + $0.rawValue)) }, checked: values.tiers, errors: errors))
            <div class="field\(errors["account_ids"] != nil ? " has-error" : "")"><label for="account_ids">\(ctx.t("inbox.rule_accounts"))</label>
            <select id="account_ids" name="account_ids" multiple size="\(min(max(lookups.accounts.count, 2), 8))">\(accountOptions)</select>
            <small class="hint">\(ctx.t("inbox.rule_accounts_hint"))</small>
            \(errors["account_ids"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            <div class="field\(errors["hours"] != nil ? " has-error" : "")"><span class="label">\(ctx.t("inbox.rule_hours"))</span>
            <label for="hours_from">\(ctx.t("inbox.rule_hours_from"))</label> <select id="hours_from" name="hours_from">\(Forms.options(hourOptions, values.hoursFrom))</select>
            <label for="hours_to">\(ctx.t("inbox.rule_hours_to"))</label> <select id="hours_to" name="hours_to">\(Forms.options(hourOptions, values.hoursTo))</select>
            <small class="hint">\(ctx.t("inbox.rule_hours_hint"))</small>
            \(errors["hours"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            </fieldset>
            <fieldset id="rule-actions"><legend>\(ctx.t("inbox.rule_actions"))</legend>
            \(Layout.select(ctx, name: "reply_template_id", label: ctx.t("inbox.rule_template"), options: templateOptions, selected: values.replyTemplateID, errors: errors))
            \(Layout.field(ctx, name: "tags", label: ctx.t("inbox.rule_tags"), value: values.tags, errors: errors, required: false, hint: ctx.t("inbox.comma_hint")))
            \(Layout.select(ctx, name: "queue", label: ctx.t("inbox.rule_queue"), options: queueOptions, selected: values.queue, errors: errors))
            \(Forms.checkbox(ctx, name: "escalate", label: ctx.t("inbox.rule_escalate"), checked: values.escalate, errors: errors))
            \(Forms.checkbox(ctx, name: "answers_negative", label: ctx.t("inbox.rule_answers_negative"), checked: values.answersNegative, hint: ctx.t("inbox.rule_answers_negative_hint"), errors: errors))
            </fieldset>
            \(Layout.field(ctx, name: "position", label: ctx.t("inbox.rule_position"), type: "number", value: values.position, errors: errors, required: false, hint: ctx.t("inbox.rule_position_hint")))
            """
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let values = Values(req)
        do {
            let record = try await InboxRuleService(db: req.db).create(try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.rule_added", req.uiLocale, [record.name]), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/rules")
        } catch let errors as ValidationErrors {
            return try await renderRules(req, values: values, errors: Self.formErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func edit(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let record = try await access.find(InboxRuleRecord.self, req.parameters.get("rule"), on: req.db, what: "Inbox rule")
        return try await renderEdit(req, record: record, values: Values(record), errors: FormErrors())
    }

    private func renderEdit(
        _ req: Request, record: InboxRuleRecord, values: Values, errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let lookups = try await Lookups.load(req, access)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/inbox/rules"
        let path = "\(base)/\(record.id!.uuidString.lowercased())"
        return Layout.page(
            ctx, title: ctx.t("inbox.edit_rule"), status: status,
            """
            <h1>\(ctx.t("inbox.edit_rule"))</h1>
            \(InboxTabs.html(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p class="rule-summary">\(Self.summary(ctx, record, lookups))</p>
            <form method="post" action="\(path)" id="edit-rule-form" class="stack">\(ctx.csrfField)
            \(Self.formFields(ctx, values: values, errors: errors, lookups: lookups))
            <div class="actions"><button type="submit" class="primary" id="save-rule">\(ctx.t("inbox.save"))</button> <a href="\(base)">\(ctx.t("inbox.cancel"))</a></div></form>
            <form method="post" action="\(path)/delete" id="delete-rule-form">\(ctx.csrfField)
            <button type="submit" class="danger" id="delete-rule">\(ctx.t("inbox.delete"))</button></form>
            """)
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let record = try await access.find(InboxRuleRecord.self, req.parameters.get("rule"), on: req.db, what: "Inbox rule")
        let values = Values(req)
        do {
            _ = try await InboxRuleService(db: req.db).update(record.id!.uuidString, try values.input(), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("inbox.rule_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/inbox/rules")
        } catch let errors as ValidationErrors {
            return try await renderEdit(req, record: record, values: values, errors: Self.formErrors(errors), status: .unprocessableEntity)
                .encodeResponse(for: req)
        }
    }

    /// Switches a rule on or off, keeping everything else as it is.
    @Sendable func toggle(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxRulesManage)
        let record = try await access.find(InboxRuleRecord.self, req.parameters.get("rule"), on: req.db, what: "Inbox rule")
        let input = InboxRuleService.Input(
            name: record.name, position: nil, enabled: !record.enabled, conditions: record.conditions, actions: record.actions,
            answersNegative: nil)
        do {
            let saved = try await InboxRuleService(db: req.db).update(record.id!.uuidString, input, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text(saved.enabled ? "inbox.rule_now_enabled" : "inbox.rule_now_disabled", req.uiLocale, [saved.name]), to: req)
        } catch let errors as ValidationErrors {
            // A rule stored before a template or account went away.
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/rules")
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await InboxRuleService(db: req.db).delete(req.parameters.get("rule"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("inbox.rule_deleted", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/inbox/rules")
    }
}
