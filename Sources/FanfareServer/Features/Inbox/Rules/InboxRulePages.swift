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
    struct Values: Sendable {
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

    @Sendable func rules(req: Request) async throws -> HTMLResponse {
        try await renderRules(req, values: Values(), errors: FormErrors())
    }

    private func renderRules(_ req: Request, values: Values, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await InboxRulePage.query(access: access, on: req.db)
        let model = InboxRulePage.list(
            found, workspace: "/w/\(access.workspace.slug)", canManage: access.can(.inboxRulesManage), values: values, errors: errors,
            locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.tab_rules"), status: status,
            InboxRulePage.listView(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
        let ctx = try await PageContext.make(req)
        var found = try await InboxRulePage.query(access: access, on: req.db)
        found.rules = [InboxRuleDTO(record)]
        let model = InboxRulePage.edit(found, workspace: "/w/\(access.workspace.slug)", values: values, errors: errors, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("inbox.edit_rule"), status: status,
            InboxRulePage.editView(model, ctx, tabs: InboxTabs.html(ctx, access, current: model.base)))
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
            Flash.add(.error, InboxPages.problems(errors.issues, req.uiLocale), to: req)
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
