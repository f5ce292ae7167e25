import FanfareCore
import Fluent
import Vapor

/// The incident pages' models and views (query → model → view): the list
/// (互动 → 危机事件), one incident, its review, the reviews' search and
/// the publishing holds. Models are plain values, so views are tested
/// without a database.
enum IncidentsPage {
    // MARK: List

    struct ListRow: Sendable, Equatable {
        var href: String
        var title: String
        var severity: String
        var severityLabel: String
        var stateLabel: String
        var opened: String
        var fromAlert: Bool
    }

    struct ListModel: Sendable {
        var rows: [ListRow]
        var filtered: Bool
        var stateFilter: String
        var severityFilter: String
        var newHref: String
        var reviewsHref: String
        var holdsHref: String
        var canOpen: Bool
        var nextHref: String?
    }

    static func listView(_ m: ListModel, _ ctx: PageContext) -> HTML {
        let states =
            [("", ctx.t("incidents.filter.all")), ("active", ctx.t("incidents.filter.active"))]
            + IncidentState.allCases.map { ($0.rawValue, ctx.t("incidents.state.\($0.rawValue)")) }
        let grades = [("", ctx.t("incidents.filter.all"))] + AlertGrade.allCases.map { ($0.rawValue, ctx.t("incidents.severity.\($0.rawValue)")) }
        let filters = FormPage.filters(
            id: "incident-filters",
            fields: [
                Layout.select(
                    ctx, name: "state", label: ctx.t("incidents.col.state"), options: states, selected: m.stateFilter, errors: FormErrors()),
                Layout.select(
                    ctx, name: "severity", label: ctx.t("incidents.col.severity"), options: grades, selected: m.severityFilter, errors: FormErrors()),
            ], submit: ctx.t("incidents.filter.show"))
        let rows = m.rows.map { row -> HTML in
            """
            <tr><td><a href="\(row.href)">\(HTML.typed(row.title))</a>\(row.fromAlert ? HTML(" <small>\(ctx.t("incidents.from_alert"))</small>") : .empty)</td>\
            <td><span class="badge grade-\(row.severity)">\(row.severityLabel)</span></td><td>\(row.stateLabel)</td><td>\(row.opened)</td></tr>
            """
        }
        let empty: HTML =
            m.rows.isEmpty
            ? HTML("<p class=\"empty\" id=\"incidents-empty\">\(ctx.t(m.filtered ? "incidents.none_filtered" : "incidents.none"))</p>") : .empty
        let table: HTML =
            m.rows.isEmpty
            ? .empty
            : """
            <div class="table-scroll"><table id="incidents-list"><thead><tr><th>\(ctx.t("incidents.col.title"))</th><th>\(ctx.t("incidents.col.severity"))</th>\
            <th>\(ctx.t("incidents.col.state"))</th><th>\(ctx.t("incidents.col.opened"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        let more: HTML = m.nextHref.map { HTML("<p><a href=\"\($0)\">\(ctx.t("incidents.more"))</a></p>") } ?? .empty
        let open: HTML = m.canOpen ? HTML("<a class=\"button\" href=\"\(m.newHref)\" id=\"incident-new\">\(ctx.t("incidents.new"))</a>") : .empty
        return """
            <h1>\(ctx.t("incidents.title"))</h1>
            <p>\(ctx.t("incidents.intro"))</p>
            <p class="actions">\(open) <a href="\(m.holdsHref)">\(ctx.t("incidents.holds.title"))</a> · <a href="\(m.reviewsHref)">\(ctx.t("incidents.reviews.title"))</a></p>
            \(filters)
            \(empty)
            \(table)
            \(more)
            """
    }

    static func newView(action: String, values: [String: String], errors: FormErrors, _ ctx: PageContext) -> HTML {
        let grades = AlertGrade.allCases.map { ($0.rawValue, ctx.t("incidents.severity.\($0.rawValue)")) }
        return """
            <h1>\(ctx.t("incidents.new"))</h1>
            <p>\(ctx.t("incidents.new_intro"))</p>
            \(FormPage.post(
                ctx, id: "incident-form", heading: ctx.t("incidents.new_heading"), action: action, errors: errors,
                fields: [
                    Layout.field(ctx, name: "title", label: ctx.t("incidents.field.title"), value: values["title"] ?? "", errors: errors),
                    Layout.select(
                        ctx, name: "severity", label: ctx.t("incidents.col.severity"), options: grades, selected: values["severity"] ?? "yellow",
                        errors: errors, hint: ctx.t("incidents.severity_hint")),
                ], submit: ctx.t("incidents.open_button")))
            """
    }

    // MARK: One incident

    struct ClockRow: Sendable, Equatable {
        var name: String
        var state: String
        var stateLabel: String
        var started: String
        var due: String
        var stopped: String
    }

    struct StepRow: Sendable, Equatable {
        var id: String
        var phase: String
        var label: String
        /// "who, when" once checked.
        var done: String?
    }

    struct MemberRow: Sendable, Equatable {
        var name: String
        var role: String
    }

    struct StatementRow: Sendable {
        var id: String
        var text: String
        var approved: Bool
        var meta: HTML
        var approveAction: String?
        var draftHref: String?
    }

    struct HoldRow: Sendable, Equatable {
        var scope: String
        var since: String
        var releaseAction: String?
    }

    struct EntryRow: Sendable, Equatable {
        var kind: String
        var time: String
        var label: String
        var who: String?
        var body: String?
    }

    struct DetailModel: Sendable {
        var title: String
        var severity: String
        var severityLabel: String
        var stateLabel: String
        var alertLine: HTML?
        var base: String
        var moves: [(state: String, label: String)]
        var clocks: [ClockRow]
        var nextUpdate: String?
        var updateOverdue: Bool
        var members: [MemberRow]
        var people: [(value: String, label: String)]
        var steps: [StepRow]
        var statements: [StatementRow]
        var templates: [(value: String, label: String)]
        var holds: [HoldRow]
        var accounts: [(value: String, label: String)]
        var canAct: Bool
        var canHold: Bool
        var closed: Bool
        var entries: [EntryRow]
        var reviewHref: String
        var errors: FormErrors
        var values: [String: String]
        /// Mentions to attach: the alert's monitor's newest, or those found.
        var mentions: [MentionPick] = []
        var mentionSearch = ""
        /// The alert's monitor, when the list is its mentions.
        var mentionMonitor: String?
    }

    struct MentionPick: Sendable {
        var id: String
        var author: String
        var text: String
        var time: String
        var negative: Bool
        var attached: Bool
    }

    /// The 关联提及 section: a search (GET, the page again) and the
    /// mentions with a box each; attached ones say so.
    static func mentionsSection(_ m: DetailModel, act: Bool, _ ctx: PageContext) -> HTML {
        let rows = m.mentions.map { p -> HTML in
            let box: HTML =
                p.attached
                ? "<span class=\"badge\">\(ctx.t("incidents.mentions.attached"))</span>"
                : act
                    ? "<input type=\"checkbox\" name=\"mention_ids[]\" value=\"\(p.id)\" id=\"mention-\(p.id)\" aria-label=\"\(p.author)\">" : .empty
            return
                "<li data-mention=\"\(p.id)\" data-attached=\"\(p.attached ? "true" : "false")\"\(p.negative ? HTML(raw: " class=\"negative\"") : .empty)>\(box) <strong translate=\"no\">\(p.author)</strong> <small>\(p.time)</small><p class=\"entry-body\" translate=\"no\">\(p.text)</p></li>"
        }
        let intro =
            m.mentionMonitor.map { HTML.sentence(ctx.t("incidents.mentions.of_monitor"), [HTML.typed($0)]) }
            ?? HTML("\(ctx.t("incidents.mentions.recent"))")
        let list: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("incidents.mentions.none"))</p>"
            : "<ul class=\"plain\" id=\"incident-mention-list\">\(HTML.join(rows))</ul>"
        let attach: HTML =
            act && m.mentions.contains(where: { !$0.attached })
            ? """
            <form method="post" action="\(m.base)/mentions" id="incident-mentions-form">\(ctx.csrfField)
            \(list)
            \(m.errors["mention_ids"].map { HTML("<small class=\"error\">\($0.text(ctx.locale))</small>") } ?? .empty)
            <button type="submit" id="attach-mentions">\(ctx.t("incidents.mentions.attach"))</button></form>
            """ : list
        return """
            <h2>\(ctx.t("incidents.mentions.title"))</h2>
            <p>\(ctx.t("incidents.mentions.intro")) \(intro)</p>
            <form method="get" action="\(m.base)" class="filters" id="incident-mention-search">
            <div class="field"><label for="mention_q">\(ctx.t("incidents.mentions.search"))</label><input type="search" id="mention_q" name="mention_q" value="\(m.mentionSearch)" maxlength="100"></div>
            <button type="submit" class="secondary">\(ctx.t("incidents.mentions.search_button"))</button></form>
            \(attach)
            """
    }

    static func detailView(_ m: DetailModel, _ ctx: PageContext) -> HTML {
        let csrf = ctx.csrfField
        let act = m.canAct && !m.closed
        let moves =
            act
            ? HTML.join(
                m.moves.map { move -> HTML in
                    "<form method=\"post\" action=\"\(m.base)/state\" class=\"inline\">\(csrf)<input type=\"hidden\" name=\"state\" value=\"\(move.state)\"><button type=\"submit\" class=\"secondary\">\(move.label)</button></form>"
                }, separator: " ") : .empty
        let grades = AlertGrade.allCases.map { ($0.rawValue, ctx.t("incidents.severity.\($0.rawValue)")) }
        let severityForm: HTML =
            act
            ? """
            <form method="post" action="\(m.base)/severity" class="filters" id="incident-severity">\(csrf)
            \(Layout.select(ctx, name: "severity", label: ctx.t("incidents.col.severity"), options: grades, selected: m.severity, errors: m.errors))
            <button type="submit" class="secondary">\(ctx.t("incidents.change"))</button></form>
            """ : .empty
        let clocks = m.clocks.map { c -> HTML in
            "<tr data-clock-state=\"\(c.state)\"><td>\(c.name)</td><td><span class=\"badge clock-\(c.state)\">\(c.stateLabel)</span></td><td>\(c.started)</td><td>\(c.due)</td><td>\(c.stopped)</td></tr>"
        }
        let next: HTML =
            m.nextUpdate.map {
                HTML(
                    "<p id=\"incident-next-update\"\(m.updateOverdue ? HTML(raw: " class=\"flash flash-error\"") : .empty)>\(ctx.t(m.updateOverdue ? "incidents.update_overdue" : "incidents.update_due", $0))</p>"
                )
            } ?? .empty
        let members = m.members.map { HTML("<li>\(HTML.typed($0.name)) — \($0.role)</li>") }
        let roles = IncidentRole.allCases.map { ($0.rawValue, ctx.t("incidents.role.\($0.rawValue)")) } + [("none", ctx.t("incidents.role.none"))]
        let roleForm: HTML =
            act
            ? """
            <form method="post" action="\(m.base)/roles" class="filters" id="incident-role-form">\(csrf)
            \(Layout.select(ctx, name: "user_id", label: ctx.t("incidents.person"), options: [("", ctx.t("incidents.person_choose"))] + m.people, selected: "", errors: m.errors, verbatimAfterFirst: true))
            \(Layout.select(ctx, name: "role", label: ctx.t("incidents.role"), options: roles, selected: "observer", errors: m.errors))
            <button type="submit" class="secondary">\(ctx.t("incidents.assign"))</button></form>
            """ : .empty
        var phases: [HTML] = []
        for phase in IncidentPlaybook.Phase.allCases {
            let items = m.steps.filter { $0.phase == phase.rawValue }.map { step -> HTML in
                if let done = step.done {
                    return "<li class=\"done\" data-step=\"\(step.id)\">✓ \(step.label) <small translate=\"no\">\(done)</small></li>"
                }
                let button: HTML =
                    act
                    ? "<form method=\"post\" action=\"\(m.base)/playbook\" class=\"inline\">\(csrf)<input type=\"hidden\" name=\"step\" value=\"\(step.id)\"><button type=\"submit\" class=\"link\">\(ctx.t("incidents.check"))</button></form>"
                    : .empty
                return "<li data-step=\"\(step.id)\">\(step.label) \(button)</li>"
            }
            phases.append("<li><strong>\(ctx.t("incidents.phase.\(phase.rawValue)"))</strong><ul>\(items)</ul></li>")
        }
        let statements = m.statements.map { s -> HTML in
            let approve: HTML =
                s.approveAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(csrf)<button type=\"submit\">\(ctx.t("incidents.statement.approve"))</button></form>"
                } ?? .empty
            let use: HTML =
                s.approved
                ? "<textarea readonly rows=\"3\" translate=\"no\" aria-label=\"\(ctx.t("incidents.statement.copy"))\">\(s.text)</textarea><small class=\"hint\">\(ctx.t("incidents.statement.use_hint"))</small>\(s.draftHref.map { HTML(" <a href=\"\($0)\">\(ctx.t("incidents.statement.as_post"))</a>") } ?? .empty)"
                : "<p translate=\"no\">\(s.text)</p>"
            return "<li data-statement=\"\(s.id)\" data-approved=\"\(s.approved ? "true" : "false")\"><small>\(s.meta)</small>\(use) \(approve)</li>"
        }
        let statementForm: HTML =
            act
            ? """
            <form method="post" action="\(m.base)/statements" class="stack" id="incident-statement-form">\(csrf)
            \(Layout.select(ctx, name: "template_id", label: ctx.t("incidents.statement.template"), options: [("", ctx.t("incidents.statement.no_template"))] + m.templates, selected: m.values["template_id"] ?? "", errors: m.errors, hint: m.templates.isEmpty ? ctx.t("incidents.statement.no_templates") : nil, verbatimAfterFirst: true))
            \(textarea(ctx, name: "statement_text", field: "text", label: ctx.t("incidents.statement.text"), value: m.values["statement_text"] ?? "", errors: m.errors, hint: ctx.t("incidents.statement.text_hint")))
            <button type="submit">\(ctx.t("incidents.statement.submit"))</button></form>
            """ : .empty
        let holds = m.holds.map { h -> HTML in
            let release: HTML =
                h.releaseAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(csrf)<button type=\"submit\" class=\"secondary\">\(ctx.t("incidents.hold.release"))</button></form>"
                } ?? .empty
            return "<li class=\"held\"><span class=\"badge\">\(ctx.t("incidents.hold.on"))</span> \(h.scope) · \(h.since) \(release)</li>"
        }
        let holdForm: HTML =
            m.canHold && !m.closed
            ? """
            <form method="post" action="\(m.base)/hold" class="filters" id="incident-hold-form">\(csrf)
            \(Layout.select(ctx, name: "account_id", label: ctx.t("incidents.hold.scope"), options: [("all", ctx.t("incidents.hold.all"))] + m.accounts, selected: "all", errors: m.errors, verbatimAfterFirst: true))
            <button type="submit">\(ctx.t("incidents.hold.start"))</button></form>
            """ : .empty
        let audiences = IncidentService.UpdateAudience.allCases.map { ($0.rawValue, ctx.t("incidents.audience.\($0.rawValue)")) }
        let updateForm: HTML =
            act
            ? """
            <form method="post" action="\(m.base)/status-updates" class="stack" id="incident-update-form">\(csrf)
            \(Layout.select(ctx, name: "audience", label: ctx.t("incidents.audience"), options: audiences, selected: m.values["audience"] ?? "tactical", errors: m.errors))
            \(textarea(ctx, name: "update_text", field: "text", label: ctx.t("incidents.update.text"), value: m.values["update_text"] ?? "", errors: m.errors, hint: nil))
            <button type="submit">\(ctx.t("incidents.update.post"))</button></form>
            """ : .empty
        let noteForm: HTML =
            act
            ? """
            <form method="post" action="\(m.base)/notes" class="stack" id="incident-note-form">\(csrf)
            \(textarea(ctx, name: "note_text", field: "text", label: ctx.t("incidents.note"), value: m.values["note_text"] ?? "", errors: m.errors, hint: nil))
            <button type="submit" class="secondary">\(ctx.t("incidents.note.add"))</button></form>
            """ : .empty
        let entries = m.entries.map { e -> HTML in
            "<li data-kind=\"\(e.kind)\"><time>\(e.time)</time> \(e.label)\(e.who.map { HTML(" · \(HTML.typed($0))") } ?? .empty)\(e.body.map { HTML("<p class=\"entry-body\" translate=\"no\">\($0)</p>") } ?? .empty)</li>"
        }
        return """
            <p><a href="\(m.base.components(separatedBy: "/").dropLast().joined(separator: "/"))">\(ctx.t("incidents.back"))</a></p>
            <h1>\(HTML.typed(m.title)) <span class="badge grade-\(m.severity)">\(m.severityLabel)</span> <span class="badge" id="incident-state">\(m.stateLabel)</span></h1>
            \(m.alertLine.map { HTML("<p>\($0)</p>") } ?? .empty)
            \(Layout.errorSummary(ctx, m.errors))
            <p class="actions">\(moves) <a href="\(m.reviewHref)">\(ctx.t("incidents.review.open"))</a></p>
            \(severityForm)
            <h2>\(ctx.t("incidents.clocks"))</h2>
            <div class="table-scroll"><table id="incident-clocks"><thead><tr><th>\(ctx.t("incidents.clock"))</th><th>\(ctx.t("incidents.col.state"))</th>\
            <th>\(ctx.t("incidents.clock.started"))</th><th>\(ctx.t("incidents.clock.due"))</th><th>\(ctx.t("incidents.clock.stopped"))</th></tr></thead>\
            <tbody>\(clocks)</tbody></table></div>
            <p class="hint">\(ctx.t("incidents.first_response_rule"))</p>
            \(next)
            <h2>\(ctx.t("incidents.people"))</h2>
            <ul id="incident-members">\(members)</ul>
            \(roleForm)
            <h2>\(ctx.t("incidents.hold.title"))</h2>
            <p>\(ctx.t("incidents.hold.intro"))</p>
            <ul id="incident-holds">\(holds)</ul>
            \(holdForm)
            <h2>\(ctx.t("incidents.playbook"))</h2>
            <ol id="incident-playbook">\(phases)</ol>
            \(mentionsSection(m, act: act, ctx))
            <h2>\(ctx.t("incidents.statements"))</h2>
            <p>\(ctx.t("incidents.statements.intro"))</p>
            <ul id="incident-statements">\(statements)</ul>
            \(statementForm)
            <h2>\(ctx.t("incidents.updates"))</h2>
            \(updateForm)
            <h2>\(ctx.t("incidents.timeline"))</h2>
            \(noteForm)
            <ol id="incident-timeline" class="timeline">\(entries)</ol>
            """
    }

    static func textarea(_ ctx: PageContext, name: String, field: String, label: String, value: String, errors: FormErrors, hint: String?) -> HTML {
        let error = errors[field].map { $0.text(ctx.locale) }
        return """
            <div class="field\(error != nil ? " has-error" : "")"><label for="\(name)">\(label)</label>\
            <textarea id="\(name)" name="\(name)" rows="4" required>\(value)</textarea>\
            \(hint.map { HTML("<small class=\"hint\">\($0)</small>") } ?? .empty)\(error.map { HTML("<small class=\"error\">\($0)</small>") } ?? .empty)</div>
            """
    }

    /// A timeline line's words: the kind, with its value in the reader's language.
    static func entryLabel(_ item: IncidentTimeline.Item, locale: UILocale) -> String {
        let t = { (key: String) in I18n.text(key, locale, []) }
        let detail = item.detail ?? ""
        switch item.kind {
        case IncidentEntry.Kind.opened.rawValue:
            return t(detail == "from_alert" ? "incidents.entry.opened_from_alert" : "incidents.entry.opened")
        case IncidentEntry.Kind.stateChanged.rawValue, IncidentEntry.Kind.severityChanged.rawValue:
            let parts = detail.split(separator: ">").map(String.init)
            let prefix = item.kind == IncidentEntry.Kind.stateChanged.rawValue ? "incidents.state." : "incidents.severity."
            let to = parts.last.map { t(prefix + $0) } ?? ""
            return I18n.text("incidents.entry.\(item.kind)", locale, [to])
        case IncidentEntry.Kind.roleAssigned.rawValue, IncidentEntry.Kind.roleRemoved.rawValue:
            return I18n.text("incidents.entry.\(item.kind)", locale, [t("incidents.role." + detail)])
        case IncidentEntry.Kind.playbookStep.rawValue:
            return I18n.text("incidents.entry.playbook_step", locale, [t("incidents.step." + detail)])
        case IncidentEntry.Kind.statusUpdate.rawValue:
            return I18n.text("incidents.entry.status_update", locale, [t("incidents.audience." + detail)])
        case IncidentEntry.Kind.mentionsAttached.rawValue, IncidentEntry.Kind.holdStarted.rawValue, IncidentEntry.Kind.holdReleased.rawValue:
            return I18n.text(
                "incidents.entry.\(item.kind)", locale, [item.kind == IncidentEntry.Kind.mentionsAttached.rawValue ? detail : (item.body ?? "0")])
        case IncidentEntry.Kind.reminderSent.rawValue:
            // `clock.first_response.before`, `clock.resolution.due`, `status.<epoch>`.
            let parts = detail.split(separator: ".").map(String.init)
            guard parts.count == 3, parts[0] == "clock" else { return t("incidents.entry.reminder_status") }
            return I18n.text(
                parts[2] == "due" ? "incidents.entry.reminder_due" : "incidents.entry.reminder_before", locale, [t("incidents.clock." + parts[1])])
        case "reply_published":
            return t(detail == "statement" ? "incidents.entry.statement_reply" : "incidents.entry.reply_published")
        default:
            return t("incidents.entry.\(item.kind)")
        }
    }

    // MARK: Review

    static func reviewView(
        title: String, body: String, saved: String?, action: String, backHref: String, errors: FormErrors, _ ctx: PageContext
    ) -> HTML {
        """
        <p><a href="\(backHref)">\(ctx.t("incidents.back_to_incident"))</a></p>
        <h1>\(ctx.t("incidents.review.title"))</h1>
        <p>\(saved.map { ctx.t("incidents.review.saved_at", $0) } ?? ctx.t("incidents.review.draft_intro"))</p>
        \(Layout.errorSummary(ctx, errors))
        <form method="post" action="\(action)" class="stack" id="incident-review-form">\(ctx.csrfField)
        \(Layout.field(ctx, name: "title", label: ctx.t("incidents.field.title"), value: title, errors: errors))
        <div class="field\(errors["body"] != nil ? " has-error" : "")"><label for="body">\(ctx.t("incidents.review.body"))</label>\
        <textarea id="body" name="body" rows="24" translate="no" required>\(body)</textarea>\
        \(errors["body"].map { HTML("<small class=\"error\">\($0.text(ctx.locale))</small>") } ?? .empty)</div>
        <button type="submit">\(ctx.t("incidents.review.save"))</button></form>
        """
    }

    static func reviewsView(query: String, rows: [(href: String, title: String, updated: String)], _ ctx: PageContext) -> HTML {
        let filters = FormPage.filters(
            id: "review-search",
            fields: [Layout.field(ctx, name: "q", label: ctx.t("incidents.reviews.search"), value: query, errors: FormErrors(), required: false)],
            submit: ctx.t("incidents.filter.show"))
        let items = rows.map { HTML("<li><a href=\"\($0.href)\">\(HTML.typed($0.title))</a> <small>\($0.updated)</small></li>") }
        return """
            <h1>\(ctx.t("incidents.reviews.title"))</h1>
            <p>\(ctx.t("incidents.reviews.intro"))</p>
            \(filters)
            \(rows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t(query.isEmpty ? "incidents.reviews.none" : "incidents.reviews.none_found"))</p>") : .empty)
            <ul id="reviews-list">\(items)</ul>
            """
    }

    // MARK: Holds

    static func holdsView(holds: [HoldRow], accounts: [(value: String, label: String)], action: String?, _ ctx: PageContext) -> HTML {
        let rows = holds.map { h -> HTML in
            let release: HTML =
                h.releaseAction.map {
                    "<form method=\"post\" action=\"\($0)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"secondary\">\(ctx.t("incidents.hold.release"))</button></form>"
                } ?? .empty
            return "<li class=\"held\"><span class=\"badge\">\(ctx.t("incidents.hold.on"))</span> \(h.scope) · \(h.since) \(release)</li>"
        }
        let form: HTML =
            action.map { action in
                """
                <form method="post" action="\(action)" class="filters" id="hold-form">\(ctx.csrfField)
                \(Layout.select(ctx, name: "account_id", label: ctx.t("incidents.hold.scope"), options: [("all", ctx.t("incidents.hold.all"))] + accounts, selected: "all", errors: FormErrors(), verbatimAfterFirst: true))
                <button type="submit">\(ctx.t("incidents.hold.start"))</button></form>
                """
            } ?? .empty
        return """
            <h1>\(ctx.t("incidents.holds.title"))</h1>
            <p>\(ctx.t("incidents.hold.intro"))</p>
            \(holds.isEmpty ? HTML("<p class=\"empty\" id=\"holds-none\">\(ctx.t("incidents.holds.none"))</p>") : .empty)
            <ul id="holds-list">\(rows)</ul>
            \(form)
            """
    }
}
