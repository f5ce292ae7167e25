import FanfareCore
import Foundation

/// 风险登记册 pages (`/w/{ws}/risks…`): the register with its heat map and
/// filters, a risk's page with its scores, controls, triggers and
/// timeline, and the form. Models are plain values; views are pure
/// functions, tested without a database.
enum RisksPage {
    static let levelTones: [String: Badge.Tone] = ["high": .danger, "medium": .warning, "low": .success]
    static let stateTones: [String: Badge.Tone] = ["open": .info, "triggered": .danger, "closed": .neutral]

    static func levelBadge(_ level: String, _ ctx: PageContext) -> HTML {
        Badge.html(ctx.t("risks.level.\(level)"), tone: Badge.tone(level, levelTones), classes: "risk-level", data: [("level", level)])
    }

    static func stateBadge(_ state: String, _ ctx: PageContext) -> HTML {
        Badge.html(ctx.t("risks.state.\(state)"), tone: Badge.tone(state, stateTones), classes: "risk-state", data: [("state", state)])
    }

    static func category(_ code: String, _ ctx: PageContext) -> String {
        RiskCategory(rawValue: code) != nil ? ctx.t("risks.category.\(code)") : code
    }

    // MARK: The register

    struct ListModel: Sendable {
        var base: String
        var risks: [RiskDTO]
        /// Of every risk, whatever the filters.
        var heatMap: RiskHeatMap
        var total: Int
        var owners: [UUID: String]
        var filter: RiskFilter
        var today: String
        var canEdit: Bool
    }

    /// Rows probability 5 … 1 (most likely on top), columns impact 1 … 5.
    static func heatMap(_ map: RiskHeatMap, _ ctx: PageContext) -> HTML {
        let probabilities = Array(RiskRules.scale.reversed())
        let impacts = Array(RiskRules.scale)
        let cells = probabilities.map { p in
            impacts.map { i -> HeatCell in
                let count = map.count(probability: p, impact: i)
                let level = RiskHeatMap.level(probability: p, impact: i)
                return HeatCell(
                    value: Double(count), text: String(count),
                    note: ctx.t("risks.heatmap.note", String(count), String(p * i), ctx.t("risks.level.\(level.rawValue)")))
            }
        }
        let spec = ChartSpec(
            id: "risk-heatmap", title: ctx.t("risks.heatmap.title"), summary: ctx.t("risks.heatmap.summary"), locale: ctx.locale,
            emptyText: ctx.t("risks.heatmap.empty"))
        return Chart.heatMap(
            spec, rows: probabilities.map { ctx.t("risks.scale.\($0)") }, columns: impacts.map { String($0) }, cells: cells,
            corner: ctx.t("risks.heatmap.corner"))
    }

    static func row(_ risk: RiskDTO, model: ListModel, _ ctx: PageContext) -> HTML {
        let id = risk.id.uuidString.lowercased()
        let owner = risk.ownerId.flatMap { model.owners[$0] }.map { HTML.typed($0) } ?? "—"
        let overdue = risk.state != RiskState.closed.rawValue && model.today >= risk.reviewDue
        return """
            <tr data-risk="\(id)" data-level="\(risk.level)"><th scope="row"><a href="\(model.base)/risks/\(id)">\(HTML.typed(risk.title))</a></th>
            <td>\(category(risk.category, ctx))</td><td class="num">\(String(risk.score))</td><td>\(levelBadge(risk.level, ctx))</td>
            <td>\(stateBadge(risk.state, ctx))</td><td>\(owner)</td>
            <td\(overdue ? HTML(raw: " class=\"overdue\"") : .empty)>\(Formats.day(risk.reviewDue, ctx.locale))</td></tr>
            """
    }

    static func filters(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let all = ("", ctx.t("risks.all"))
        return FormPage.filters(
            id: "risk-filters",
            fields: [
                Layout.select(
                    ctx, name: "category", label: ctx.t("risks.col.category"),
                    options: [all] + RiskCategory.allCases.map { ($0.rawValue, ctx.t("risks.category.\($0.rawValue)")) },
                    selected: model.filter.category?.rawValue ?? "", errors: FormErrors()),
                Layout.select(
                    ctx, name: "level", label: ctx.t("risks.col.level"),
                    options: [all] + RiskLevel.allCases.reversed().map { ($0.rawValue, ctx.t("risks.level.\($0.rawValue)")) },
                    selected: model.filter.level?.rawValue ?? "", errors: FormErrors()),
                Layout.select(
                    ctx, name: "state", label: ctx.t("risks.col.state"),
                    options: [all] + RiskState.allCases.map { ($0.rawValue, ctx.t("risks.state.\($0.rawValue)")) },
                    selected: model.filter.state?.rawValue ?? "", errors: FormErrors()),
            ], submit: ctx.t("risks.filter"))
    }

    static func query(_ filter: RiskFilter) -> String {
        let parts = [("category", filter.category?.rawValue), ("level", filter.level?.rawValue), ("state", filter.state?.rawValue)]
            .compactMap { name, value in value.map { "\(name)=\($0)" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    static func listView(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let intro: HTML = "<p class=\"lead\">\(ctx.t("risks.intro"))</p>"
        guard model.total > 0 else {
            let action: HTML =
                model.canEdit
                ? """
                <form method="post" action="\(model.base)/risks/templates" class="inline" id="add-typical">\(ctx.csrfField)\
                <button type="submit" class="primary">\(ctx.t("risks.add_typical"))</button></form> \
                <a class="button" href="\(model.base)/risks/new" id="new-risk">\(ctx.t("risks.new"))</a>
                """ : .empty
            return """
                <h1>\(ctx.t("risks.title"))</h1>\(intro)
                <section class="empty-state" id="risks-empty"><p><strong>\(ctx.t("risks.empty"))</strong></p><p>\(ctx.t("risks.empty_next"))</p>
                <p class="actions">\(action)</p></section>
                """
        }
        let actions: HTML =
            model.canEdit
            ? "<a class=\"button primary\" href=\"\(model.base)/risks/new\" id=\"new-risk\">\(ctx.t("risks.new"))</a> " : .empty
        return """
            <h1>\(ctx.t("risks.title"))</h1>\(intro)
            <p class="actions no-print" id="risk-actions">\(actions)<a class="button" href="\(model.base)/risks.csv\(query(model.filter))" id="risks-csv" download>\(ctx.t("risks.csv"))</a></p>
            <section class="risk-heatmap" id="heatmap">\(heatMap(model.heatMap, ctx))</section>
            <section id="register"><div class="no-print">\(filters(model, ctx))</div>
            <p class="hint">\(ctx.t("risks.count", String(model.risks.count)))</p>
            <div class="table-scroll"><table class="risks" id="risk-list"><thead><tr><th>\(ctx.t("risks.col.risk"))</th><th>\(ctx.t("risks.col.category"))</th>
            <th>\(ctx.t("risks.col.score"))</th><th>\(ctx.t("risks.col.level"))</th><th>\(ctx.t("risks.col.state"))</th><th>\(ctx.t("risks.col.owner"))</th>
            <th>\(ctx.t("risks.col.review_due"))</th></tr></thead>
            <tbody>\(HTML.join(model.risks.map { row($0, model: model, ctx) }))</tbody></table></div></section>
            """
    }

    // MARK: One risk

    struct ShowModel: Sendable {
        var base: String
        var risk: RiskDTO
        var owner: String?
        var monitors: [UUID: String]
        var incident: (id: UUID, title: String)?
        var incidents: [(id: String, title: String)]
        var today: String
        var canEdit: Bool
        var reviewErrors = FormErrors()
    }

    static func triggerText(_ trigger: RiskDTO.TriggerDTO, monitors: [UUID: String], _ ctx: PageContext) -> HTML {
        switch trigger.kind {
        case "metric":
            let metric = trigger.metric.map { ctx.t("risks.metric.\($0)") } ?? ""
            let comparison = ctx.t("risks.trigger.\(trigger.comparison ?? "above")")
            let threshold = trigger.threshold.map(RiskWatch.number) ?? ""
            return "\(ctx.t("risks.trigger.metric_text", metric, comparison, threshold, String(trigger.windowDays ?? 1)))"
        default:
            let grade = ctx.t("risks.grade.\(trigger.minGrade ?? "red")")
            if let monitor = trigger.monitorId.flatMap({ monitors[$0] }) {
                return HTML.sentence(ctx.t("risks.trigger.alert_monitor_text"), ["\(grade)", HTML.typed(monitor)])
            }
            return "\(ctx.t("risks.trigger.alert_text", grade))"
        }
    }

    static func eventNote(_ event: RiskDTO.EventDTO, _ ctx: PageContext) -> HTML {
        switch event.kind {
        case "triggered":
            // `RiskWatch.describe`: kind:…:value, the value last.
            let value = event.note.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            guard !value.isEmpty else { return .empty }
            // An alert trigger keeps the grade, a metric trigger the number.
            let shown = AlertGrade(rawValue: value).map { ctx.t("risks.grade.\($0.rawValue)") } ?? value
            return " · \(ctx.t("risks.event.value", shown))"
        case "reviewed", "note", "incident_linked":
            return event.note.isEmpty ? .empty : " · \(HTML.typed(event.note))"
        default:
            return .empty
        }
    }

    static func showView(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let risk = model.risk
        let id = risk.id.uuidString.lowercased()
        let path = "\(model.base)/risks/\(id)"
        let controls = HTML.join(
            RiskControlStage.allCases.map { stage -> HTML in
                let text =
                    switch stage {
                    case .preventive: risk.controlPreventive
                    case .inProcess: risk.controlInProcess
                    case .emergency: risk.controlEmergency
                    }
                let body: HTML = text.isEmpty ? "<p class=\"hint\">\(ctx.t("risks.no_control"))</p>" : "<p class=\"prewrap\">\(HTML.typed(text))</p>"
                return
                    "<section class=\"control\" id=\"control-\(stage.rawValue)\"><h3>\(ctx.t("risks.stage.\(stage.rawValue)"))</h3>\(body)</section>"
            })
        let triggers: HTML =
            (risk.triggers ?? []).isEmpty
            ? "<p class=\"hint\">\(ctx.t("risks.no_triggers"))</p>"
            : """
            <ul id="risk-triggers">\(HTML.join((risk.triggers ?? []).map { t -> HTML in
                "<li data-kind=\"\(t.kind)\">\(triggerText(t, monitors: model.monitors, ctx))\(t.lastFiredAt.map { d -> HTML in " · \(ctx.t("risks.trigger.last_fired", Layout.timeText(d, ctx)))" })</li>"
            }))</ul>
            """
        let timeline = HTML.join(
            (risk.events ?? []).map { e -> HTML in
                "<li data-event=\"\(e.kind)\">\(Layout.time(e.at, ctx)) \(ctx.t("risks.event.\(e.kind)"))\(eventNote(e, ctx))</li>"
            })
        let overdue = risk.state != RiskState.closed.rawValue && model.today >= risk.reviewDue
        let review: HTML =
            model.canEdit
            ? """
            <form method="post" action="\(path)/review" id="review-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "note", label: ctx.t("risks.review_note"), value: "", errors: model.reviewErrors, required: false, hint: ctx.t("risks.review_help")))
            <button type="submit" id="review">\(ctx.t("risks.review"))</button></form>
            """ : .empty
        let incident: HTML =
            model.incident.map { found -> HTML in
                "<p id=\"risk-incident\"><a href=\"\(model.base)/incidents/\(found.id.uuidString.lowercased())\">\(HTML.typed(found.title))</a></p>"
            } ?? "<p class=\"hint\" id=\"risk-incident\">\(ctx.t("risks.incident_none"))</p>"
        let link: HTML =
            model.canEdit && !model.incidents.isEmpty
            ? """
            <form method="post" action="\(path)/incident" id="incident-form" class="inline">\(ctx.csrfField)
            \(Layout.select(ctx, name: "incident_id", label: ctx.t("risks.incident"), options: [("", ctx.t("risks.incident_choose"))] + model.incidents.map { ($0.id, $0.title) }, selected: risk.incidentId?.uuidString.lowercased() ?? "", errors: FormErrors(), verbatimAfterFirst: true))
            <button type="submit">\(ctx.t("risks.incident_link"))</button></form>
            """ : .empty
        let edit: HTML =
            model.canEdit
            ? """
            <p class="actions no-print"><a class="button" href="\(path)/edit" id="edit-risk">\(ctx.t("risks.edit"))</a> \
            <form method="post" action="\(path)/delete" class="inline" id="delete-risk">\(ctx.csrfField)<button type="submit" class="danger">\(ctx.t("risks.delete"))</button></form></p>
            """ : .empty
        return """
            <p class="no-print"><a href="\(model.base)/risks">\(ctx.t("risks.back"))</a></p>
            <h1>\(HTML.typed(risk.title))</h1>
            <p>\(levelBadge(risk.level, ctx)) \(stateBadge(risk.state, ctx)) \(category(risk.category, ctx)) · \(ctx.t("risks.col.owner")): \(model.owner.map { HTML.typed($0) } ?? "\(ctx.t("risks.no_owner"))")</p>
            \(edit)
            <section id="risk-scores"><h2>\(ctx.t("risks.scores"))</h2><dl class="facts">
            <dt>\(ctx.t("risks.field.probability"))</dt><dd id="probability">\(String(risk.probability))</dd>
            <dt>\(ctx.t("risks.field.impact_brand"))</dt><dd>\(String(risk.impactBrand))</dd>
            <dt>\(ctx.t("risks.field.impact_users"))</dt><dd>\(String(risk.impactUsers))</dd>
            <dt>\(ctx.t("risks.field.impact_business"))</dt><dd>\(String(risk.impactBusiness))</dd>
            <dt>\(ctx.t("risks.score"))</dt><dd id="score">\(String(risk.score)) <small class="hint">\(ctx.t("risks.score_rule"))</small></dd></dl></section>
            <section id="risk-controls"><h2>\(ctx.t("risks.controls"))</h2>\(controls)</section>
            <section><h2>\(ctx.t("risks.triggers"))</h2>\(triggers)</section>
            <section id="risk-review"><h2>\(ctx.t("risks.review"))</h2>
            <p>\(ctx.t("risks.last_reviewed", Layout.timeText(risk.lastReviewedAt, ctx), Formats.day(risk.reviewDue, ctx.locale)))</p>
            \(overdue ? "<p class=\"flash flash-warning\" id=\"review-overdue\">\(ctx.t("risks.review_overdue"))</p>" as HTML : .empty)
            \(review)</section>
            <section><h2>\(ctx.t("risks.incident"))</h2>\(incident)\(link)</section>
            <section><h2>\(ctx.t("risks.timeline"))</h2><ol class="timeline" id="risk-timeline">\(timeline)</ol></section>
            """
    }

    // MARK: The form

    static let fields = [
        "title", "category", "probability", "impact_brand", "impact_users", "impact_business", "owner_id", "state", "control_preventive",
        "control_in_process", "control_emergency", "trigger_metric", "trigger_comparison", "trigger_threshold", "trigger_window_days",
        "trigger_alert_grade", "trigger_monitor_id",
    ]

    struct FormModel: Sendable {
        var base: String
        var riskID: UUID?
        var values: [String: String]
        var members: [(id: String, name: String)]
        var monitors: [(id: String, name: String)]
        var errors = FormErrors()
    }

    static func textArea(_ ctx: PageContext, name: String, label: String, value: String, errors: FormErrors, hint: String) -> HTML {
        let error = errors[name].map { $0.text(ctx.locale) }
        return """
            <div class="field\(error != nil ? " has-error" : "")"><label for="\(name)">\(label)</label>
            <textarea id="\(name)" name="\(name)" rows="3" translate="no"\(error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(name)-error\"") : .empty)>\(value)</textarea>
            <small class="hint">\(hint)</small>
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e)</small>" })</div>
            """
    }

    static func form(_ model: FormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let scale = RiskRules.scale.map { (String($0), ctx.t("risks.scale.\($0)")) }
        func number(_ name: String) -> HTML {
            Layout.select(
                ctx, name: name, label: ctx.t("risks.field.\(name)"), options: scale, selected: v[name] ?? "3", errors: e,
                hint: ctx.t("risks.field.scale_help"))
        }
        let owners = [("", ctx.t("risks.no_owner"))] + model.members.map { ($0.id, $0.name) }
        let metrics =
            [("", ctx.t("risks.trigger.metric_none"))] + NormalisedMetric.allCases.map { ($0.rawValue, ctx.t("risks.metric.\($0.rawValue)")) }
        let grades =
            [("", ctx.t("risks.trigger.alert_none"))]
            + AlertGrade.allCases.map { ($0.rawValue, ctx.t("risks.trigger.alert_grade", ctx.t("risks.grade.\($0.rawValue)"))) }
        let monitors: HTML =
            model.monitors.isEmpty
            ? .empty
            : Layout.select(
                ctx, name: "trigger_monitor_id", label: ctx.t("risks.trigger.monitor"),
                options: [("", ctx.t("risks.trigger.any_monitor"))] + model.monitors.map { ($0.id, $0.name) },
                selected: v["trigger_monitor_id"] ?? "",
                errors: e, verbatimAfterFirst: true)
        let action = model.riskID.map { "\(model.base)/risks/\($0.uuidString.lowercased())" } ?? "\(model.base)/risks"
        let form = FormPage.post(
            ctx, id: "risk-form", heading: ctx.t(model.riskID == nil ? "risks.new" : "risks.edit_risk"), action: action, errors: e,
            fields: [
                Layout.field(ctx, name: "title", label: ctx.t("risks.field.title"), value: v["title"] ?? "", errors: e),
                Layout.select(
                    ctx, name: "category", label: ctx.t("risks.field.category"),
                    options: RiskCategory.allCases.map { ($0.rawValue, ctx.t("risks.category.\($0.rawValue)")) },
                    selected: v["category"] ?? "content",
                    errors: e),
                number("probability"), number("impact_brand"), number("impact_users"), number("impact_business"),
                Layout.select(
                    ctx, name: "owner_id", label: ctx.t("risks.col.owner"), options: owners, selected: v["owner_id"] ?? "", errors: e,
                    verbatimAfterFirst: true),
                model.riskID == nil
                    ? .empty
                    : Layout.select(
                        ctx, name: "state", label: ctx.t("risks.field.state"),
                        options: RiskState.allCases.map { ($0.rawValue, ctx.t("risks.state.\($0.rawValue)")) }, selected: v["state"] ?? "open",
                        errors: e),
                HTML.join(
                    RiskControlStage.allCases.map { stage in
                        textArea(
                            ctx, name: "control_\(stage.rawValue)", label: ctx.t("risks.stage.\(stage.rawValue)"),
                            value: v["control_\(stage.rawValue)"] ?? "",
                            errors: e, hint: ctx.t("risks.field.control_help"))
                    }),
                "<fieldset class=\"field\" id=\"metric-trigger\"><legend>\(ctx.t("risks.trigger.metric"))</legend><small class=\"hint\">\(ctx.t("risks.triggers_help"))</small>",
                Layout.select(
                    ctx, name: "trigger_metric", label: ctx.t("risks.trigger.metric"), options: metrics, selected: v["trigger_metric"] ?? "",
                    errors: e),
                Layout.select(
                    ctx, name: "trigger_comparison", label: ctx.t("risks.trigger.comparison"),
                    options: RiskComparison.allCases.map { ($0.rawValue, ctx.t("risks.trigger.\($0.rawValue)")) },
                    selected: v["trigger_comparison"] ?? "below",
                    errors: e),
                Layout.field(
                    ctx, name: "trigger_threshold", label: ctx.t("risks.trigger.threshold"), value: v["trigger_threshold"] ?? "", errors: e,
                    required: false),
                Layout.field(
                    ctx, name: "trigger_window_days", label: ctx.t("risks.trigger.window_days"), type: "number",
                    value: v["trigger_window_days"] ?? "7",
                    errors: e, required: false, hint: ctx.t("risks.trigger.window_help")),
                "</fieldset><fieldset class=\"field\" id=\"alert-trigger\"><legend>\(ctx.t("risks.trigger.alert"))</legend>",
                Layout.select(
                    ctx, name: "trigger_alert_grade", label: ctx.t("risks.trigger.alert"), options: grades, selected: v["trigger_alert_grade"] ?? "",
                    errors: e),
                monitors, "</fieldset>",
            ], submit: ctx.t("risks.save"))
        return "<p><a href=\"\(model.base)/risks\">\(ctx.t("risks.back"))</a></p>\(form)"
    }
}
