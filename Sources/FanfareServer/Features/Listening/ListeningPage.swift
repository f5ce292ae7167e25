import FanfareCore
import Fluent
import Foundation

/// The 舆情 pages as query → model → view: mentions, alerts (and one
/// alert with its chart), monitors (list and form), the grading rule.
enum ListeningPage {
    enum Tab: String, CaseIterable, Sendable {
        case mentions, alerts, monitors, sources, grading

        var path: String { self == .mentions ? "/listening" : "/listening/\(rawValue)" }
    }

    static func tabs(_ ctx: PageContext, base: String, current: Tab) -> HTML {
        let links = Tab.allCases.map { tab -> HTML in
            "<a href=\"\(base + tab.path)\"\(tab == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(ctx.t("listening.tab_\(tab.rawValue)"))</a>"
        }
        return "<nav class=\"tabs\" id=\"listening-tabs\">\(HTML.join(links))</nav>"
    }

    static func gradeBadge(_ grade: String, _ ctx: PageContext) -> HTML {
        "<span class=\"badge grade-\(grade)\" data-grade=\"\(grade)\">\(ctx.t("listening.grade.\(grade)"))</span>"
    }

    // MARK: Mentions

    struct MentionsModel: Sendable {
        var base: String
        var monitors: [(id: String, name: String)]
        var monitor: String
        var source: String
        var sentiment: String
        var mentions: [MentionDTO]
        var monitorNames: [UUID: String]
    }

    static func mentionsView(_ model: MentionsModel, _ ctx: PageContext) -> HTML {
        // `verbatim`: the labels after "all" are names people gave (monitors).
        func options(_ values: [(String, String)], selected: String, verbatim: Bool = false) -> HTML {
            HTML.join(
                values.map { value, label -> HTML in
                    let typed = verbatim && !value.isEmpty ? HTML(raw: " translate=\"no\"") : .empty
                    return "<option value=\"\(value)\"\(typed)\(value == selected ? HTML(raw: " selected") : .empty)>\(label)</option>"
                })
        }
        let monitorOptions = [("", ctx.t("listening.all_monitors"))] + model.monitors.map { ($0.id, $0.name) }
        let sourceOptions =
            [("", ctx.t("listening.all_sources"))] + ListeningSource.allCases.map { ($0.rawValue, ctx.t("listening.source.\($0.rawValue)")) }
        let sentimentOptions =
            [("", ctx.t("listening.all_sentiments"))] + MessageSentiment.allCases.map { ($0.rawValue, ctx.t("listening.sentiment.\($0.rawValue)")) }
        let rows = model.mentions.map { mention -> HTML in
            mentionRow(mention, monitors: mention.monitorIds.compactMap { model.monitorNames[$0] }.joined(separator: "、"), ctx)
        }
        return """
            <form method="get" action="\(model.base)/listening" class="inline wrap" id="mention-filters">
            <label for="monitor_id">\(ctx.t("listening.monitor"))</label> <select id="monitor_id" name="monitor_id">\(options(monitorOptions, selected: model.monitor, verbatim: true))</select>
            <label for="source">\(ctx.t("listening.source"))</label> <select id="source" name="source">\(options(sourceOptions, selected: model.source))</select>
            <label for="sentiment">\(ctx.t("listening.sentiment"))</label> <select id="sentiment" name="sentiment">\(options(sentimentOptions, selected: model.sentiment))</select>
            <button type="submit">\(ctx.t("listening.filter"))</button></form>
            \(mentionTable(rows, ctx))
            """
    }

    /// One mention as a table row; on a phone the row is a card, each
    /// cell under its label.
    static func mentionRow(_ mention: MentionDTO, monitors names: String, _ ctx: PageContext) -> HTML {
        """
        <tr data-sentiment="\(mention.sentiment)"><td class="inline-on-phone">\(Layout.time(mention.publishedAt, ctx))</td><td class="inline-on-phone">\(Badge.platform(mention.platform, ctx.locale))</td>
        <td data-label="\(ctx.t("listening.source"))">\(ctx.t("listening.source.\(mention.source)"))</td><td data-label="\(ctx.t("listening.author"))">\(HTML.typed(mention.author))</td><td>\(HTML.typed(mention.text))</td>
        <td data-label="\(ctx.t("listening.sentiment"))">\(ctx.t("listening.sentiment.\(mention.sentiment)"))</td><td data-label="\(ctx.t("listening.monitors"))">\(HTML.typed(names))</td></tr>
        """
    }

    static func mentionTable(_ rows: [HTML], _ ctx: PageContext) -> HTML {
        let empty: HTML = "<tr><td colspan=\"7\" class=\"empty\">\(ctx.t("listening.no_mentions"))</td></tr>"
        return """
            <div class="table-scroll"><table id="mentions" class="cards-on-phone"><thead><tr><th>\(ctx.t("listening.published"))</th><th>\(ctx.t("listening.platform"))</th>
            <th>\(ctx.t("listening.source"))</th><th>\(ctx.t("listening.author"))</th><th>\(ctx.t("listening.text"))</th><th>\(ctx.t("listening.sentiment"))</th>
            <th>\(ctx.t("listening.monitors"))</th></tr></thead><tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div>
            """
    }

    // MARK: Alerts

    struct AlertRow: Sendable {
        var alert: AlertDTO
        var monitorName: String
    }

    static func alertsView(_ rows: [AlertRow], base: String, _ ctx: PageContext) -> HTML {
        let body = rows.map { row -> HTML in
            """
            <tr data-state="\(row.alert.state)"><td>\(gradeBadge(row.alert.grade, ctx))</td>
            <td><a href="\(base)/listening/alerts/\(row.alert.id.uuidString.lowercased())">\(HTML.typed(row.monitorName))</a></td>
            <td>\(ctx.t("listening.state.\(row.alert.state)"))</td><td>\(Layout.time(row.alert.openedAt, ctx))</td><td>\(row.alert.mentions)</td></tr>
            """
        }
        let empty: HTML = "<tr><td colspan=\"5\" class=\"empty\">\(ctx.t("listening.no_alerts"))</td></tr>"
        return """
            <div class="table-scroll"><table id="alerts"><thead><tr><th>\(ctx.t("listening.grade"))</th><th>\(ctx.t("listening.monitor"))</th>
            <th>\(ctx.t("listening.state"))</th><th>\(ctx.t("listening.opened"))</th><th>\(ctx.t("listening.mentions_in_window"))</th></tr></thead>
            <tbody>\(body.isEmpty ? empty : HTML.join(body))</tbody></table></div>
            """
    }

    struct AlertModel: Sendable {
        var base: String
        var alert: AlertDTO
        var monitorName: String
        /// 15-minute volume over the day before the last spike, and the
        /// same slots a week earlier (the baseline).
        var series: [ListeningSeries.Bucket]
        var baseline: [ListeningSeries.Bucket]
        var mentions: [MentionDTO]
        var canAct: Bool
        var zone: TimeZone
        /// Whether the reader may open an incident from this alert.
        var canOpenIncident = false
    }

    static func alertView(_ model: AlertModel, _ ctx: PageContext) -> HTML {
        let alert = model.alert
        let link = "\(model.base)/listening/alerts/\(alert.id.uuidString.lowercased())"
        let chart = Chart.line(
            ChartSpec(
                id: "alert-chart", title: ctx.t("listening.chart_title"), summary: ctx.t("listening.chart_summary"), locale: ctx.locale,
                emptyText: ctx.t("listening.no_mentions")),
            series: [
                LineSeries(name: ctx.t("listening.series_volume"), points: model.series.map { ChartPoint(at: $0.start, value: Double($0.mentions)) }),
                LineSeries(
                    name: ctx.t("listening.series_baseline"), points: model.baseline.map { ChartPoint(at: $0.start, value: Double($0.mentions)) },
                    comparison: true, shift: 7 * 86_400),
            ], zone: model.zone)
        let why = [
            alert.byVolume ? ctx.t("listening.by_volume") : nil, alert.byShare ? ctx.t("listening.by_share") : nil,
            alert.bySpeed ? ctx.t("listening.by_speed") : nil,
        ].compactMap { $0 }.joined(separator: "；")
        let actions: HTML =
            model.canAct && alert.state != ListeningAlert.State.closed.rawValue
            ? """
            <div class="actions" id="alert-actions">
            <form method="post" action="\(link)/actions" class="inline">\(ctx.csrfField)<input type="hidden" name="action" value="acknowledge"><button type="submit" id="acknowledge">\(ctx.t("listening.acknowledge"))</button></form>
            <form method="post" action="\(link)/actions" class="inline">\(ctx.csrfField)<input type="hidden" name="action" value="snooze">
            <label for="snooze_hours">\(ctx.t("listening.snooze_for"))</label> <select id="snooze_hours" name="snooze_hours"><option value="1">1</option><option value="4">4</option><option value="24">24</option></select>
            <button type="submit" id="snooze">\(ctx.t("listening.snooze"))</button></form>
            <form method="post" action="\(link)/actions" class="inline">\(ctx.csrfField)<input type="hidden" name="action" value="close"><button type="submit" id="close">\(ctx.t("listening.close"))</button></form>
            </div>
            """
            : .empty
        // Incidents opens (or finds) the incident of this alert; its clocks
        // start from the alert's first mention.
        let incident: HTML =
            model.canOpenIncident
            ? """
            <div id="alert-incident" class="actions"><form method="post" action="\(model.base)/incidents/from-alert/\(alert.id.uuidString.lowercased())" class="inline">\(ctx.csrfField)<button type="submit" id="open-incident">\(ctx.t("listening.open_incident"))</button></form>
            <p class="hint">\(ctx.t("listening.open_incident_hint"))</p></div>
            """
            : .empty
        let rows = model.mentions.map { mentionRow($0, monitors: model.monitorName, ctx) }
        return """
            <section class="card" id="alert-summary" data-grade="\(alert.grade)" data-state="\(alert.state)">
            <p>\(gradeBadge(alert.grade, ctx)) \(ctx.t("listening.state.\(alert.state)"))</p>
            <p>\(ctx.t("listening.alert_numbers", String(alert.mentions), String(alert.negative), Self.decimal(alert.expected), String(alert.previous)))</p>
            <p>\(why)</p>
            \(alert.acknowledgedAt.map { at -> HTML in "<p id=\"acknowledged\">\(ctx.t("listening.acknowledged_at")) \(Layout.time(at, ctx))</p>" })
            \(alert.snoozedUntil.map { at -> HTML in "<p id=\"snoozed\">\(ctx.t("listening.snoozed_until")) \(Layout.time(at, ctx))</p>" })
            \(actions)
            \(incident)
            </section>
            \(chart)
            <h2>\(ctx.t("listening.alert_mentions"))</h2>
            \(mentionTable(rows, ctx))
            """
    }

    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? String(tenths / 10) : "\(tenths / 10).\(tenths % 10)"
    }

    // MARK: Monitors

    struct MonitorsModel: Sendable {
        var base: String
        var monitors: [MonitorDTO]
        var canManage: Bool
        /// The form: new (nil) or the monitor being edited.
        var editing: UUID?
        var values: [String: String]
        var sources: Set<String>
        var errors: FormErrors
        /// The live check's answer, when one was asked.
        var check: Bool?
        /// The platforms and accounts ticked (none: every one), and the
        /// workspace's accounts to choose from.
        var platforms: Set<String> = []
        var accountIDs: Set<String> = []
        var accountOptions: [(id: String, handle: String, platform: String)] = []
        /// The monitor being edited: its mentions per day over 30 days.
        var series: [ListeningSeries.Bucket] = []
        var zone: TimeZone = .gmt
    }

    static func monitorsView(_ model: MonitorsModel, _ ctx: PageContext) -> HTML {
        let rows = model.monitors.map { monitor -> HTML in
            let sources =
                monitor.sources.isEmpty
                ? ctx.t("listening.all_sources") : monitor.sources.map { ctx.t("listening.source.\($0)") }.joined(separator: "、")
            return """
                <tr data-enabled="\(monitor.enabled ? "true" : "false")"><td><a href="\(model.base)/listening/monitors/\(monitor.id.uuidString.lowercased())">\(HTML.typed(monitor.name))</a></td>
                <td><code translate="no">\(monitor.query)</code></td><td>\(sources)</td>
                <td>\(ctx.t(monitor.enabled ? "listening.enabled" : "listening.disabled"))</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"4\" class=\"empty\">\(ctx.t("listening.no_monitors"))</td></tr>"
        return """
            <div class="table-scroll"><table id="monitors"><thead><tr><th>\(ctx.t("listening.name"))</th><th>\(ctx.t("listening.query"))</th>
            <th>\(ctx.t("listening.sources"))</th><th>\(ctx.t("listening.status"))</th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div>
            \(model.editing == nil ? HTML.empty : monitorChart(model, ctx))
            \(model.canManage ? monitorForm(model, ctx) : HTML.empty)
            """
    }

    /// The edited monitor's own series: volume and negatives per day.
    static func monitorChart(_ model: MonitorsModel, _ ctx: PageContext) -> HTML {
        let chart = Chart.line(
            ChartSpec(
                id: "monitor-chart", title: ctx.t("listening.monitor_chart_title"), summary: ctx.t("listening.monitor_chart_summary"),
                locale: ctx.locale, emptyText: ctx.t("listening.no_mentions")),
            series: [
                LineSeries(name: ctx.t("listening.series_volume"), points: model.series.map { ChartPoint(at: $0.start, value: Double($0.mentions)) }),
                LineSeries(
                    name: ctx.t("listening.series_negative"), points: model.series.map { ChartPoint(at: $0.start, value: Double($0.negative)) },
                    tone: .bad),
            ], zone: model.zone)
        return "<h2>\(ctx.t("listening.monitor_chart_title"))</h2>\(chart)"
    }

    static func monitorForm(_ model: MonitorsModel, _ ctx: PageContext) -> HTML {
        let action = model.editing.map { "\(model.base)/listening/monitors/\($0.uuidString.lowercased())" } ?? "\(model.base)/listening/monitors"
        let values = model.values
        let checkLine: HTML =
            model.check.map { matches -> HTML in
                "<p id=\"check-result\" data-matches=\"\(matches ? "true" : "false")\">\(ctx.t(matches ? "listening.check_matches" : "listening.check_no_match"))</p>"
            } ?? .empty
        return """
            <section class="card" id="monitor-form-card"><h2>\(ctx.t(model.editing == nil ? "listening.new_monitor" : "listening.edit_monitor"))</h2>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="post" action="\(action)" id="monitor-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("listening.name"), value: values["name"] ?? "", errors: model.errors))
            \(Forms.textarea(ctx, name: "query", label: ctx.t("listening.query"), value: values["query"] ?? "", errors: model.errors, rows: 2, hint: ctx.t("listening.query_help")))
            \(Forms.textarea(ctx, name: "exclusions", label: ctx.t("listening.exclusions"), value: values["exclusions"] ?? "", errors: model.errors, rows: 3, required: false, hint: ctx.t("listening.exclusions_help")))
            \(Forms.checkboxes(ctx, name: "sources", legend: ctx.t("listening.sources"), options: ListeningSource.allCases.map { ($0.rawValue, ctx.t("listening.source.\($0.rawValue)")) }, checked: model.sources, errors: model.errors))
            \(Forms.checkboxes(ctx, name: "platforms", legend: ctx.t("listening.platforms"), options: MonitorService.platforms.map { ($0, ctx.t("platform.\($0)")) }, checked: model.platforms, errors: model.errors))
            \(accountBoxes(model, ctx))
            <p class="hint">\(ctx.t("listening.scope_help"))</p>
            \(Forms.checkbox(ctx, name: "enabled", label: ctx.t("listening.enabled"), checked: values["enabled"] != "", errors: model.errors))
            \(Forms.textarea(ctx, name: "check_text", label: ctx.t("listening.check_text"), value: values["check_text"] ?? "", errors: model.errors, rows: 2, required: false, hint: ctx.t("listening.check_help")))
            \(checkLine)
            <div class="actions"><button type="submit" name="intent" value="check" id="check-monitor">\(ctx.t("listening.check"))</button>
            <button type="submit" class="primary" name="intent" value="save" id="save-monitor">\(ctx.t("listening.save"))</button></div>
            </form>
            \(model.editing.map { id -> HTML in "<form method=\"post\" action=\"\(model.base)/listening/monitors/\(id.uuidString.lowercased())/delete\">\(ctx.csrfField)<button type=\"submit\" class=\"danger\" id=\"delete-monitor\">\(ctx.t("listening.delete"))</button></form>" })
            </section>
            """
    }

    /// The workspace's accounts to tick, like `Forms.checkboxes` but with
    /// each handle kept out of translation (it is the account's own name).
    static func accountBoxes(_ model: MonitorsModel, _ ctx: PageContext) -> HTML {
        guard !model.accountOptions.isEmpty else { return .empty }
        let boxes = model.accountOptions.map { option -> HTML in
            """
            <label class="check"><input type="checkbox" id="account_ids-\(option.id)" name="account_ids" value="\(option.id)"\(model.accountIDs.contains(option.id) ? HTML(raw: " checked") : .empty)> \(HTML.typed(option.handle)) · \(ctx.t("platform.\(option.platform)"))</label>
            """
        }
        let error = model.errors["account_ids"]
        return """
            <fieldset class="field checks\(error != nil ? " has-error" : "")" id="account_ids"><legend>\(ctx.t("listening.accounts"))</legend>
            \(HTML.join(boxes, separator: " "))
            \(error.map { e -> HTML in "<small class=\"error\" id=\"account_ids-error\">\(e.text(ctx.locale))</small>" })
            </fieldset>
            """
    }

    // MARK: Grading

    static let gradingNumbers = ["volume_ratio", "mentions", "negative_share", "negatives"]
    static let gradingGlobals = ["share_rise", "speed_ratio", "window_minutes"]

    static func gradingValues(_ rule: AlertGradingRule) -> [String: String] {
        var values: [String: String] = [
            "share_rise": "\(rule.shareRise)", "speed_ratio": "\(rule.speedRatio)", "window_minutes": "\(rule.windowMinutes)",
        ]
        for grade in AlertGrade.allCases {
            let step = rule.step(grade)
            values["\(grade.rawValue).volume_ratio"] = "\(step.volumeRatio)"
            values["\(grade.rawValue).mentions"] = "\(step.mentions)"
            values["\(grade.rawValue).negative_share"] = "\(step.negativeShare)"
            values["\(grade.rawValue).negatives"] = "\(step.negatives)"
        }
        return values
    }

    static func gradingView(base: String, values: [String: String], errors: FormErrors, canManage: Bool, _ ctx: PageContext) -> HTML {
        let columns = ["listening.volume_ratio", "listening.min_mentions", "listening.negative_share", "listening.min_negatives"]
        func cell(_ grade: AlertGrade, _ index: Int) -> HTML {
            let name = "\(grade.rawValue).\(gradingNumbers[index])"
            // Read aloud as "蓝色 最少提及数", in the reader's language.
            let label = "\(ctx.t("listening.grade.\(grade.rawValue)")) \(ctx.t(columns[index]))"
            let error = errors[name].map { $0.text(ctx.locale) }
            return """
                <td class="\(error != nil ? "has-error" : "")"><input id="\(name)" name="\(name)" type="number" step="any" value="\(values[name] ?? "")"\(canManage ? HTML.empty : HTML(raw: " disabled")) aria-label="\(label)">\(error.map { e -> HTML in "<small class=\"error\">\(e)</small>" })</td>
                """
        }
        let rows = AlertGrade.allCases.map { grade -> HTML in
            let rowError = errors[grade.rawValue].map { e -> HTML in
                "<small class=\"error\" id=\"\(grade.rawValue)-error\">\(e.text(ctx.locale))</small>"
            }
            return
                "<tr><th>\(gradeBadge(grade.rawValue, ctx))\(rowError)</th>\(HTML.join(gradingNumbers.indices.map { cell(grade, $0) }))</tr>"
        }
        return """
            <p class="hint">\(ctx.t("listening.grading_help"))</p>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(base)/listening/grading" id="grading-form" class="stack">\(ctx.csrfField)
            <div class="table-scroll"><table id="grading"><thead><tr><th>\(ctx.t("listening.grade"))</th><th>\(ctx.t("listening.volume_ratio"))</th>
            <th>\(ctx.t("listening.min_mentions"))</th><th>\(ctx.t("listening.negative_share"))</th><th>\(ctx.t("listening.min_negatives"))</th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table></div>
            \(Layout.field(ctx, name: "share_rise", label: ctx.t("listening.share_rise"), type: "number", value: values["share_rise"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "speed_ratio", label: ctx.t("listening.speed_ratio"), type: "number", value: values["speed_ratio"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "window_minutes", label: ctx.t("listening.window_minutes"), type: "number", value: values["window_minutes"] ?? "", errors: errors))
            \(canManage ? HTML("<button type=\"submit\" class=\"primary\" id=\"save-grading\">\(ctx.t("listening.save"))</button>") : HTML.empty)
            </form>
            """
    }

    /// The form's numbers as a rule; each unreadable number named.
    static func gradingRule(_ values: [String: String]) throws(ValidationErrors) -> AlertGradingRule {
        var errors = ValidationErrors()
        func number(_ name: String) -> Double {
            guard let value = Double(values[name] ?? "") else {
                errors.add(name, .decimalBetween(min: "0", max: "1000000"))
                return 0
            }
            return value
        }
        // Clamped before conversion: a typed 1e300 is refused by the rule's
        // bounds, not a crash.
        func whole(_ name: String) -> Int { Int(max(min(number(name), 1e9), -1e9)) }
        func step(_ grade: AlertGrade) -> AlertGradingRule.Step {
            AlertGradingRule.Step(
                volumeRatio: number("\(grade.rawValue).volume_ratio"), mentions: whole("\(grade.rawValue).mentions"),
                negativeShare: number("\(grade.rawValue).negative_share"), negatives: whole("\(grade.rawValue).negatives"))
        }
        let rule = AlertGradingRule(
            blue: step(.blue), yellow: step(.yellow), orange: step(.orange), red: step(.red), shareRise: number("share_rise"),
            speedRatio: number("speed_ratio"), windowMinutes: whole("window_minutes"))
        try errors.throwIfAny()
        return rule
    }
}
