import FanfareCore
import Foundation

/// 目标 pages (`/w/{ws}/goals…`): the list of objectives and goals with
/// their progress, a goal's page with its chart against the target path,
/// and the forms. Models are plain values read from the same DTOs as the
/// API; views are pure functions, tested without a database.
enum GoalsPage {
    static let stateTones: [String: Badge.Tone] = [
        "on_track": .success, "achieved": .success, "off_track": .danger, "missed": .danger, "too_early": .info, "no_data": .warning,
        "untracked": .neutral, "not_started": .neutral,
    ]

    // MARK: Words and numbers

    /// The metrics a form offers, each with a label in both languages
    /// (`goals.metric.<key>`); any other valid code still reads through `metricLabel`.
    static var metricChoices: [String] {
        NormalisedMetric.allCases.map(\.rawValue) + ["comments/impressions", "engagements/impressions", "conversions"]
            + ConversionType.allCases.filter { $0 != .refund }.map { "conversions:\($0.rawValue)" } + ["conversion_rate"]
            + ConversionType.allCases.filter { $0 != .refund }.map { "conversion_rate:\($0.rawValue)" }
            + UntrackedMetric.allCases.map { "untracked:\($0.rawValue)" }
    }

    /// The string key of a metric's label: `comments/impressions` is `goals.metric.comments_per_impressions`.
    static func metricKey(_ code: String) -> String {
        "goals.metric." + code.replacingOccurrences(of: "/", with: "_per_").replacingOccurrences(of: ":", with: "_")
    }

    /// A metric as the reader's words; a conversion event of the
    /// workspace's own naming is shown as typed.
    static func metricLabel(_ code: String, _ ctx: PageContext) -> HTML {
        if metricChoices.contains(code) { return "\(ctx.t(metricKey(code)))" }
        if let metric = GoalMetric(code: code) {
            switch metric {
            case .conversions(let event?): return HTML.sentence(ctx.t("goals.metric.conversions_named"), [HTML.typed(event)])
            case .conversionRate(let event?): return HTML.sentence(ctx.t("goals.metric.conversion_rate_named"), [HTML.typed(event)])
            case .rate(let numerator, let denominator):
                return "\(ctx.t("goals.metric.ratio", ctx.t(metricKey(numerator.rawValue)), ctx.t(metricKey(denominator.rawValue))))"
            default: break
            }
        }
        return HTML.typed(code)
    }

    /// A goal's number in the house's formats: shares as percents, counts
    /// by 万 / 亿 (K / M), the exact value on hover.
    static func value(_ value: Double?, unit: String?, _ locale: UILocale) -> HTML {
        let text = valueText(value, unit: unit, locale)
        guard let value, unit != "ratio", value.isFinite, abs(value) < 1e15, abs(value) >= 10_000 else { return "\(text)" }
        return Formats.countHTML(Int(value.rounded()), locale)
    }

    /// `value` as plain text (for a sentence).
    static func valueText(_ value: Double?, unit: String?, _ locale: UILocale) -> String {
        guard let value, value.isFinite else { return "—" }
        if unit == "ratio" { return percent(value) }
        if abs(value) >= 1e15 { return DecimalText.fixed(value, digits: 0) }
        // Counts are whole; a small number such as an ROI of 3.5 keeps one decimal.
        if value.rounded() != value, abs(value) < 10 { return DecimalText.fixed(value, digits: 1) }
        return Formats.count(Int(value.rounded()), locale)
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        var text = DecimalText.fixed(value * 100, digits: 1)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text + "%"
    }

    /// The progress bar: a track with the share filled (held to 0…100 %),
    /// coloured by the state; none for an untracked goal.
    static func bar(_ fraction: Double?, state: String, _ ctx: PageContext) -> HTML {
        // Untracked: no bar at all; the state's badge beside it says so.
        guard state != "untracked" else { return .empty }
        guard let fraction, fraction.isFinite else {
            return
                "<svg class=\"goal-bar\" viewBox=\"0 0 100 8\" preserveAspectRatio=\"none\" aria-hidden=\"true\"><rect class=\"track\" width=\"100\" height=\"8\" rx=\"4\"/></svg>"
        }
        let shown = min(max(fraction, 0), 1)
        // Drawn, not styled: the pages' policy allows no inline style.
        return """
            <svg class="goal-bar tone-\(Badge.tone(state, stateTones).rawValue)" viewBox="0 0 100 8" preserveAspectRatio="none" role="progressbar" \
            aria-valuemin="0" aria-valuemax="100" aria-valuenow="\(DecimalText.fixed(shown * 100, digits: 0))" aria-label="\(ctx.t("goals.progress"))">\
            <rect class="track" width="100" height="8" rx="4"/><rect class="fill" width="\(DecimalText.fixed(shown * 100, digits: 2))" height="8" rx="4"/></svg>\
            <span class="goal-percent">\(percent(fraction))</span>
            """
    }

    static func badge(_ state: String, _ ctx: PageContext, id: String? = nil) -> HTML {
        Badge.html(ctx.t("goals.state.\(state)"), tone: Badge.tone(state, stateTones), classes: "goal-state", id: id, data: [("state", state)])
    }

    /// The target as written: the value, or "+40 % over the baseline" (then the value it resolved to).
    static func targetText(_ goal: GoalDTO, _ ctx: PageContext) -> HTML {
        let resolved = goal.progress?.target
        if goal.targetMode == GoalTargetMode.increasePercent.rawValue {
            let rise = ctx.t("goals.rise", DecimalText.fixed(goal.target, digits: goal.target.rounded() == goal.target ? 0 : 1))
            return resolved.map { target -> HTML in "\(rise) (\(value(target, unit: goal.unit, ctx.locale)))" } ?? "\(rise)"
        }
        let written = value(goal.target, unit: goal.unit, ctx.locale)
        return goal.direction == GoalDirection.atMost.rawValue ? "\(ctx.t("goals.at_most_short")) \(written)" : written
    }

    // MARK: The list

    struct ListModel: Sendable {
        var base: String
        var objectives: [ObjectiveDTO]
        var goals: [GoalDTO]
        /// Members' names by user id (shown as typed).
        var owners: [UUID: String]
        var tolerance: Double
        var canEdit: Bool
        var toleranceValue: String = ""
        var errors = FormErrors()
    }

    static func goalRow(_ goal: GoalDTO, model: ListModel, _ ctx: PageContext) -> HTML {
        let id = goal.id.uuidString.lowercased()
        let state = goal.progress?.state ?? "untracked"
        let tracked = goal.tracked
        let owner = goal.ownerId.flatMap { model.owners[$0] }.map { HTML.typed($0) } ?? "—"
        return """
            <tr data-goal="\(id)" data-state="\(state)"><th scope="row"><a href="\(model.base)/goals/\(id)">\(HTML.typed(goal.title))</a>\
            <small class="hint metric">\(metricLabel(goal.metric, ctx))</small></th>
            <td class="progress-cell">\(tracked ? bar(goal.progress?.fraction, state: state, ctx) : "—")</td>
            <td class="num">\(tracked ? value(goal.progress?.actual, unit: goal.unit, ctx.locale) : "—") / \(targetText(goal, ctx))</td>
            <td class="num">\(tracked ? value(goal.progress?.projected, unit: goal.unit, ctx.locale) : "—")</td>
            <td>\(badge(state, ctx))</td><td>\(Formats.day(goal.deadline, ctx.locale))</td><td>\(owner)</td></tr>
            """
    }

    static func table(_ goals: [GoalDTO], id: String, model: ListModel, _ ctx: PageContext) -> HTML {
        """
        <div class="table-scroll"><table class="goals" id="\(id)"><thead><tr><th>\(ctx.t("goals.col.goal"))</th><th>\(ctx.t("goals.progress"))</th>
        <th>\(ctx.t("goals.col.actual_target"))</th><th>\(ctx.t("goals.col.projected"))</th><th>\(ctx.t("goals.col.state"))</th>
        <th>\(ctx.t("goals.col.deadline"))</th><th>\(ctx.t("goals.col.owner"))</th></tr></thead>
        <tbody>\(HTML.join(goals.map { goalRow($0, model: model, ctx) }))</tbody></table></div>
        """
    }

    static func listView(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let actions: HTML =
            model.canEdit
            ? """
            <p class="actions" id="goal-actions"><a class="button primary" href="\(model.base)/goals/new" id="new-goal">\(ctx.t("goals.new"))</a> \
            <a class="button" href="\(model.base)/goals/objectives/new" id="new-objective">\(ctx.t("goals.objective.new"))</a> \
            <a class="button" href="\(model.base)/goals/template" id="use-template">\(ctx.t("goals.template.use"))</a></p>
            """ : .empty
        let objectives = model.objectives.map { objective -> HTML in
            let id = objective.id.uuidString.lowercased()
            let owner = objective.ownerId.flatMap { model.owners[$0] }.map { HTML.typed($0) } ?? "—"
            let edit: HTML =
                model.canEdit ? " <a href=\"\(model.base)/goals/objectives/\(id)/edit\" class=\"edit-objective\">\(ctx.t("goals.edit"))</a>" : .empty
            let results: HTML =
                objective.keyResults.isEmpty
                ? "<p class=\"empty\">\(ctx.t(model.canEdit ? "goals.objective.no_results_edit" : "goals.objective.no_results"))</p>"
                : table(objective.keyResults, id: "key-results-\(id)", model: model, ctx)
            return """
                <section class="card objective" id="objective-\(id)" data-state="\(objective.state)"><h2>\(HTML.typed(objective.title))\(edit)</h2>
                <p class="objective-summary">\(bar(objective.fraction, state: objective.state, ctx)) \(badge(objective.state, ctx)) \
                <span class="hint">\(Formats.day(objective.startDay, ctx.locale)) – \(Formats.day(objective.deadline, ctx.locale)) · \(ctx.t("goals.col.owner"))：\(owner) · \(ctx.t("goals.objective.results_count", String(objective.keyResults.count), String(GoalRules.maxKeyResults)))</span></p>
                \(results)</section>
                """
        }
        let standalone: HTML =
            model.goals.isEmpty
            ? .empty
            : """
            <section class="card" id="standalone-goals"><h2>\(ctx.t("goals.standalone"))</h2>\(table(model.goals, id: "goals-table", model: model, ctx))</section>
            """
        let empty: HTML =
            model.objectives.isEmpty && model.goals.isEmpty
            ? """
            <section class="empty-state" id="goals-empty"><p>\(ctx.t("goals.empty"))</p>\
            \(model.canEdit ? HTML("<p><a href=\"\(model.base)/goals/template\" id=\"empty-template\">\(ctx.t("goals.empty_template"))</a> · <a href=\"\(model.base)/goals/new\" id=\"empty-new\">\(ctx.t("goals.empty_new"))</a></p>") : HTML("<p>\(ctx.t("goals.empty_ask"))</p>"))</section>
            """ : .empty
        return """
            <h1>\(ctx.t("goals.title"))</h1>
            <p class="hint">\(ctx.t("goals.intro"))</p>
            \(actions)
            \(empty)
            \(HTML.join(objectives))
            \(standalone)
            \(toleranceCard(model, ctx))
            """
    }

    static func toleranceCard(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let sentence = ctx.t("goals.tolerance_now", percent(model.tolerance))
        guard model.canEdit else { return "<p class=\"hint\" id=\"tolerance\">\(sentence)</p>" }
        let value = model.toleranceValue.isEmpty ? DecimalText.fixed(model.tolerance, digits: 2) : model.toleranceValue
        return """
            <section class="card" id="tolerance">
            \(FormPage.post(ctx, id: "tolerance-form", heading: ctx.t("goals.tolerance"), action: "\(model.base)/goals/settings", errors: model.errors, fields: [
                "<p class=\"hint\">\(sentence)</p>",
                Layout.field(ctx, name: "off_track_tolerance", label: ctx.t("goals.tolerance_field"), type: "number", value: value, errors: model.errors, hint: ctx.t("goals.tolerance_help")),
            ], submit: ctx.t("goals.save")))
            </section>
            """
    }

    // MARK: One goal

    struct ShowModel: Sendable {
        var base: String
        var goal: GoalDTO
        var owner: String?
        var objective: (id: UUID, title: String)?
        /// The accounts in scope by name (empty: all, or the platform's).
        var accounts: [String]
        var canEdit: Bool
        var now: Date = Date()
    }

    /// The chart's points: days at UTC midnight, drawn on a UTC axis, so
    /// a day stays the day it names.
    static func points(_ line: [PointDTO]) -> [ChartPoint] {
        line.compactMap { point in MetricDay.parse(point.day).map { ChartPoint(at: $0, value: point.value) } }
    }

    /// A period as people say it: 2026年第1季度 / Q1 2026, 2026年5月 / May 2026.
    static func periodName(_ period: String, _ locale: UILocale) -> String {
        let year = String(period.prefix(4))
        if period.contains("-Q") {
            let quarter = String(period.suffix(1))
            return locale == .zhHans ? "\(year)年第\(quarter)季度" : "Q\(quarter) \(year)"
        }
        let month = Int(period.dropFirst(5)) ?? 1
        let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return locale == .zhHans ? "\(year)年\(month)月" : "\(names[max(0, min(11, month - 1))]) \(year)"
    }

    /// What was reached by a period's end, from the actual line: the
    /// running total (cumulative) or the level, and for a cumulative goal
    /// what the period itself added; nil for a period not begun.
    static func actual(in period: PeriodTargetDTO, line: [PointDTO], cumulative: Bool) -> (toDate: Double, own: Double?)? {
        guard let first = line.first, period.from <= (line.last?.day ?? "") else { return nil }
        guard let end = line.last(where: { $0.day <= period.to }) else { return nil }
        guard cumulative else { return (end.value, nil) }
        let before = line.last(where: { $0.day < period.from })?.value ?? (first.day >= period.from ? 0 : first.value)
        return (end.value, end.value - before)
    }

    static func periods(_ periods: [PeriodTargetDTO], id: String, caption: String, model: ShowModel, _ ctx: PageContext) -> HTML {
        let goal = model.goal
        let cumulative = goal.kind == GoalMetric.Kind.cumulative.rawValue
        let line = goal.actualLine ?? []
        let rows = periods.map { period -> HTML in
            let reached = goal.tracked ? actual(in: period, line: line, cumulative: cumulative) : nil
            let ownCell: HTML = cumulative ? "<td class=\"num\">\(value(reached?.own, unit: goal.unit, ctx.locale))</td>" : .empty
            return """
                <tr data-period="\(period.period)"><th scope="row">\(periodName(period.period, ctx.locale))</th>\
                <td class="num">\(value(period.target, unit: goal.unit, ctx.locale))</td>\(cumulative ? HTML("<td class=\"num\">\(value(period.toDate, unit: goal.unit, ctx.locale))</td>") : .empty)\
                \(ownCell)<td class="num">\(value(reached?.toDate, unit: goal.unit, ctx.locale))</td></tr>
                """
        }
        let head: HTML =
            cumulative
            ? "<th>\(ctx.t("goals.col.period_target"))</th><th>\(ctx.t("goals.col.to_date_target"))</th><th>\(ctx.t("goals.col.period_actual"))</th><th>\(ctx.t("goals.col.to_date_actual"))</th>"
            : "<th>\(ctx.t("goals.col.milestone"))</th><th>\(ctx.t("goals.col.level_actual"))</th>"
        return """
            <div class="table-scroll"><table id="\(id)"><caption>\(caption)</caption><thead><tr><th>\(ctx.t("goals.col.period"))</th>\(head)</tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table></div>
            """
    }

    /// Why the goal is in its state: the off-track rule with its numbers.
    static func explanation(_ goal: GoalDTO, _ ctx: PageContext) -> String {
        guard let progress = goal.progress else { return ctx.t("goals.explain.untracked") }
        let tolerance = percent(progress.offTrackTolerance)
        let projected = valueText(progress.projected, unit: goal.unit, ctx.locale)
        switch progress.state {
        case "on_track", "off_track":
            guard let shortfall = progress.shortfall else { return ctx.t("goals.explain.\(progress.state)_plain", tolerance) }
            if shortfall <= 0 { return ctx.t("goals.explain.ahead", projected, percent(-shortfall), tolerance) }
            return ctx.t("goals.explain.\(progress.state)", projected, percent(shortfall), tolerance)
        case "too_early": return ctx.t("goals.explain.too_early", tolerance)
        default: return ctx.t("goals.explain.\(progress.state)")
        }
    }

    static func showView(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let goal = model.goal
        let id = goal.id.uuidString.lowercased()
        let progress = goal.progress
        let state = progress?.state ?? "untracked"
        let unit = goal.unit
        let format: ChartValueFormat = unit == "ratio" ? .percent : .count
        let chart: HTML
        if goal.tracked {
            let series = [
                LineSeries(name: ctx.t("goals.chart.actual"), points: points(goal.actualLine ?? [])),
                LineSeries(name: ctx.t("goals.chart.path"), points: points(goal.path ?? []), comparison: true),
            ]
            chart = Chart.line(
                ChartSpec(
                    id: "goal-chart", title: ctx.t("goals.chart.title"),
                    summary: ctx.t("goals.chart.summary", Formats.day(goal.startDay, ctx.locale), Formats.day(goal.deadline, ctx.locale)),
                    locale: ctx.locale, format: format, emptyText: ctx.t("goals.chart.empty"), now: model.now),
                series: series, zone: TimeZone(identifier: "UTC")!)
        } else {
            chart = "<p class=\"empty\" id=\"goal-untracked\">\(ctx.t("goals.untracked_explain"))</p>"
        }
        let scope: HTML
        if !model.accounts.isEmpty {
            scope = HTML.join(model.accounts.map { HTML.typed($0) }, separator: "、")
        } else if let platform = goal.platform {
            scope = Badge.platform(platform, ctx.locale)
        } else {
            scope = "\(ctx.t("goals.scope.all"))"
        }
        let method: HTML = progress.map { p -> HTML in "<p class=\"hint\" id=\"goal-method\">\(ctx.t("goals.method.\(p.method)"))</p>" } ?? .empty
        let objective: HTML =
            model.objective.map { o -> HTML in
                "<dt>\(ctx.t("goals.objective"))</dt><dd><a href=\"\(model.base)/goals#objective-\(o.id.uuidString.lowercased())\">\(HTML.typed(o.title))</a></dd>"
            } ?? .empty
        let tracked = goal.tracked
        let facts: HTML = """
            <dl class="facts" id="goal-facts">
            <dt>\(ctx.t("goals.field.metric"))</dt><dd>\(metricLabel(goal.metric, ctx))</dd>
            <dt>\(ctx.t("goals.field.target"))</dt><dd id="goal-target">\(targetText(goal, ctx))</dd>
            <dt>\(ctx.t("goals.col.actual"))</dt><dd id="goal-actual">\(tracked ? value(progress?.actual, unit: unit, ctx.locale) : "—")</dd>
            <dt>\(ctx.t("goals.col.expected"))</dt><dd>\(tracked ? value(progress?.expected, unit: unit, ctx.locale) : "—")</dd>
            <dt>\(ctx.t("goals.col.projected"))</dt><dd id="goal-projected">\(tracked ? value(progress?.projected, unit: unit, ctx.locale) : "—")</dd>
            <dt>\(ctx.t("goals.col.baseline"))</dt><dd>\(tracked ? value(progress?.baseline, unit: unit, ctx.locale) : "—")</dd>
            <dt>\(ctx.t("goals.progress"))</dt><dd>\(bar(tracked ? progress?.fraction : nil, state: state, ctx))</dd>
            <dt>\(ctx.t("goals.field.span"))</dt><dd>\(Formats.day(goal.startDay, ctx.locale)) – \(Formats.day(goal.deadline, ctx.locale))</dd>
            <dt>\(ctx.t("goals.field.direction"))</dt><dd>\(ctx.t("goals.direction.\(goal.direction)"))</dd>
            <dt>\(ctx.t("goals.field.scope"))</dt><dd id="goal-scope">\(scope)</dd>
            <dt>\(ctx.t("goals.col.owner"))</dt><dd>\(model.owner.map { HTML.typed($0) } ?? "—")</dd>
            \(objective)
            </dl>
            """
        let decomposition: HTML =
            (goal.quarters ?? []).isEmpty
            ? .empty
            : """
            <section class="card" id="decomposition"><h2>\(ctx.t("goals.decomposition"))</h2>
            <p class="hint">\(ctx.t(goal.kind == GoalMetric.Kind.cumulative.rawValue ? "goals.decomposition_help_cumulative" : "goals.decomposition_help_level"))</p>
            \(periods(goal.quarters ?? [], id: "quarters", caption: ctx.t("goals.quarters"), model: model, ctx))
            <details id="months-details"><summary>\(ctx.t("goals.months"))</summary>
            \(periods(goal.months ?? [], id: "months", caption: ctx.t("goals.months"), model: model, ctx))</details></section>
            """
        let actions: HTML =
            model.canEdit
            ? """
            <section class="card" id="goal-edit-actions"><a class="button" href="\(model.base)/goals/\(id)/edit" id="edit-goal">\(ctx.t("goals.edit"))</a>
            <form method="post" action="\(model.base)/goals/\(id)/delete" class="inline">\(ctx.csrfField)
            <button type="submit" class="danger" id="delete-goal">\(ctx.t("goals.delete"))</button></form></section>
            """ : .empty
        return """
            <p><a href="\(model.base)/goals">\(ctx.t("goals.back"))</a></p>
            <h1 translate="no">\(goal.title)</h1>
            <p>\(badge(state, ctx, id: "goal-state"))</p>
            <p id="goal-explanation">\(explanation(goal, ctx))</p>
            <section class="card goal-detail"><div class="goal-layout"><div class="goal-chart">\(chart)\(method)</div>\(facts)</div></section>
            \(decomposition)
            \(actions)
            """
    }

    // MARK: Forms

    struct GoalFormModel: Sendable {
        var base: String
        /// nil: a new goal.
        var goalID: UUID?
        var values: [String: String]
        var accountIDs: Set<String> = []
        var members: [(id: String, name: String)]
        var accounts: [(id: String, name: String, platform: String)]
        var objectives: [(id: String, title: String)]
        var errors = FormErrors()
    }

    static func ownerOptions(_ members: [(id: String, name: String)], _ ctx: PageContext) -> [(value: String, label: String)] {
        [("", ctx.t("goals.no_owner"))] + members.map { ($0.id, $0.name) }
    }

    static func platformOptions(_ ctx: PageContext) -> [(value: String, label: String)] {
        [("", ctx.t("goals.platform.all"))] + GoalService.platforms.sorted().map { ($0, ctx.t("platform.\($0)")) }
    }

    static func goalForm(_ model: GoalFormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let metrics = metricChoices.map { ($0, ctx.t(metricKey($0))) }
        let modes = GoalTargetMode.allCases.map { ($0.rawValue, ctx.t("goals.mode.\($0.rawValue)")) }
        let directions = GoalDirection.allCases.map { ($0.rawValue, ctx.t("goals.direction.\($0.rawValue)")) }
        let accountBoxes = model.accounts.map { account -> HTML in
            """
            <label class="check"><input type="checkbox" name="account_ids" value="\(account.id)"\(model.accountIDs.contains(account.id) ? HTML(raw: " checked") : .empty)> \
            \(Badge.platform(account.platform, ctx.locale)) \(HTML.typed(account.name))</label>
            """
        }
        let accounts: HTML =
            model.accounts.isEmpty
            ? .empty
            : """
            <fieldset class="field checks\(e["account_ids"] != nil ? " has-error" : "")" id="account_ids"><legend>\(ctx.t("goals.field.accounts"))</legend>
            <small class="hint">\(ctx.t("goals.field.accounts_help"))</small>
            \(HTML.join(accountBoxes, separator: " "))
            \(e["account_ids"].map { m -> HTML in "<small class=\"error\" id=\"account_ids-error\">\(m.text(ctx.locale))</small>" })
            </fieldset>
            """
        let objective: HTML =
            model.objectives.isEmpty
            ? .empty
            : Layout.select(
                ctx, name: "objective_id", label: ctx.t("goals.objective"),
                options: [("", ctx.t("goals.no_objective"))] + model.objectives.map { ($0.id, $0.title) }, selected: v["objective_id"] ?? "",
                errors: e, hint: ctx.t("goals.objective_help", String(GoalRules.maxKeyResults)), verbatimAfterFirst: true)
        let action = model.goalID.map { "\(model.base)/goals/\($0.uuidString.lowercased())" } ?? "\(model.base)/goals"
        let form = FormPage.post(
            ctx, id: "goal-form", heading: ctx.t(model.goalID == nil ? "goals.new" : "goals.edit_goal"), action: action, errors: e,
            fields: [
                Layout.field(ctx, name: "title", label: ctx.t("goals.field.title"), value: v["title"] ?? "", errors: e),
                Layout.select(
                    ctx, name: "metric", label: ctx.t("goals.field.metric"), options: metrics, selected: v["metric"] ?? "followers_net", errors: e,
                    hint: ctx.t("goals.field.metric_help")),
                Layout.field(
                    ctx, name: "target", label: ctx.t("goals.field.target"), type: "text", value: v["target"] ?? "", errors: e,
                    hint: ctx.t("goals.field.target_help")),
                Layout.select(
                    ctx, name: "target_mode", label: ctx.t("goals.field.target_mode"), options: modes, selected: v["target_mode"] ?? "absolute",
                    errors: e),
                Layout.select(
                    ctx, name: "direction", label: ctx.t("goals.field.direction"), options: directions, selected: v["direction"] ?? "at_least",
                    errors: e),
                Layout.field(ctx, name: "start_day", label: ctx.t("goals.field.start_day"), type: "date", value: v["start_day"] ?? "", errors: e),
                Layout.field(ctx, name: "deadline", label: ctx.t("goals.field.deadline"), type: "date", value: v["deadline"] ?? "", errors: e),
                Layout.field(
                    ctx, name: "month_weights", label: ctx.t("goals.field.month_weights"), value: v["month_weights"] ?? "", errors: e,
                    required: false, hint: ctx.t("goals.field.month_weights_help")),
                Layout.select(
                    ctx, name: "owner_id", label: ctx.t("goals.col.owner"), options: ownerOptions(model.members, ctx), selected: v["owner_id"] ?? "",
                    errors: e, verbatimAfterFirst: true),
                Layout.select(
                    ctx, name: "platform", label: ctx.t("goals.field.platform"), options: platformOptions(ctx), selected: v["platform"] ?? "",
                    errors: e),
                accounts, objective,
            ], submit: ctx.t("goals.save"))
        return """
            <p><a href="\(model.base)/goals">\(ctx.t("goals.back"))</a></p>
            <section class="card" id="goal-form-card">\(form)</section>
            """
    }

    struct ObjectiveFormModel: Sendable {
        var base: String
        var objectiveID: UUID?
        var values: [String: String]
        var members: [(id: String, name: String)]
        var errors = FormErrors()
    }

    static func objectiveForm(_ model: ObjectiveFormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let action = model.objectiveID.map { "\(model.base)/goals/objectives/\($0.uuidString.lowercased())" } ?? "\(model.base)/goals/objectives"
        let form = FormPage.post(
            ctx, id: "objective-form", heading: ctx.t(model.objectiveID == nil ? "goals.objective.new" : "goals.objective.edit"), action: action,
            errors: e,
            fields: [
                "<p class=\"hint\">\(ctx.t("goals.objective.help", String(GoalRules.maxKeyResults)))</p>",
                Layout.field(ctx, name: "title", label: ctx.t("goals.field.title"), value: v["title"] ?? "", errors: e),
                Layout.field(ctx, name: "start_day", label: ctx.t("goals.field.start_day"), type: "date", value: v["start_day"] ?? "", errors: e),
                Layout.field(ctx, name: "deadline", label: ctx.t("goals.field.deadline"), type: "date", value: v["deadline"] ?? "", errors: e),
                Layout.field(
                    ctx, name: "month_weights", label: ctx.t("goals.field.month_weights"), value: v["month_weights"] ?? "", errors: e,
                    required: false, hint: ctx.t("goals.field.month_weights_help")),
                Layout.select(
                    ctx, name: "owner_id", label: ctx.t("goals.col.owner"), options: ownerOptions(model.members, ctx), selected: v["owner_id"] ?? "",
                    errors: e, verbatimAfterFirst: true),
            ], submit: ctx.t("goals.save"))
        let delete: HTML =
            model.objectiveID.map { id -> HTML in
                """
                <section class="card" id="objective-delete"><p class="hint">\(ctx.t("goals.objective.delete_help"))</p>
                <form method="post" action="\(model.base)/goals/objectives/\(id.uuidString.lowercased())/delete" class="inline">\(ctx.csrfField)
                <button type="submit" class="danger" id="delete-objective">\(ctx.t("goals.objective.delete"))</button></form></section>
                """
            } ?? .empty
        return """
            <p><a href="\(model.base)/goals">\(ctx.t("goals.back"))</a></p>
            <section class="card" id="objective-form-card">\(form)</section>
            \(delete)
            """
    }

    struct TemplateFormModel: Sendable {
        var base: String
        var values: [String: String]
        /// Item keys left out.
        var leftOut: Set<String> = []
        var members: [(id: String, name: String)]
        var errors = FormErrors()
    }

    /// The form field of a template item's target (`items.roi.target` in the service).
    static func templateField(_ field: String) -> String {
        guard field.hasPrefix("items."), field.hasSuffix(".target") else { return field }
        return "target_" + field.dropFirst(6).dropLast(7)
    }

    static func templateForm(_ model: TemplateFormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let phases = ThreePhasePlan.Phase.allCases.map { phase -> HTML in
            let items = ThreePhasePlan.items.filter { $0.phase == phase }.map { item -> HTML in
                let unit = item.metric.unit
                let untracked = item.metric.isTracked ? HTML.empty : HTML(" \(Badge.html(ctx.t("goals.state.untracked"), tone: .neutral))")
                let help =
                    item.targetMode == .increasePercent
                    ? ctx.t("goals.template.rise_help") : unit == "ratio" ? ctx.t("goals.template.ratio_help") : ctx.t("goals.template.count_help")
                return """
                    <div class="template-item" id="item-\(item.key)">
                    \(Forms.checkbox(ctx, name: "include_\(item.key)", label: ctx.t("goals.template.\(item.key)"), checked: !model.leftOut.contains(item.key), errors: e))\(untracked)
                    \(Layout.field(ctx, name: "target_\(item.key)", label: ctx.t("goals.field.target"), type: "text", value: v["target_\(item.key)"] ?? Goal.text(item.target), errors: e, hint: "\(metricLabelText(item.metric.code, ctx)) · \(help)"))
                    </div>
                    """
            }
            return """
                <fieldset class="template-phase" id="phase-\(phase.rawValue)"><legend>\(ctx.t("goals.phase.\(phase.rawValue)"))</legend>
                \(HTML.join(items))</fieldset>
                """
        }
        let form = FormPage.post(
            ctx, id: "template-form", heading: ctx.t("goals.template.title"), action: "\(model.base)/goals/template", errors: e,
            fields: [
                "<p class=\"hint\">\(ctx.t("goals.template.intro"))</p>",
                Layout.field(ctx, name: "start_day", label: ctx.t("goals.field.start_day"), type: "date", value: v["start_day"] ?? "", errors: e),
                Layout.select(
                    ctx, name: "owner_id", label: ctx.t("goals.col.owner"), options: ownerOptions(model.members, ctx), selected: v["owner_id"] ?? "",
                    errors: e, verbatimAfterFirst: true),
                Layout.select(
                    ctx, name: "platform", label: ctx.t("goals.field.platform"), options: platformOptions(ctx), selected: v["platform"] ?? "",
                    errors: e),
                e["items"].map { m -> HTML in "<p class=\"error\" id=\"items-error\">\(m.text(ctx.locale))</p>" } ?? .empty,
                HTML.join(phases),
            ], submit: ctx.t("goals.template.apply"))
        return """
            <p><a href="\(model.base)/goals">\(ctx.t("goals.back"))</a></p>
            <section class="card" id="template-card">\(form)</section>
            """
    }

    /// `metricLabel` as text for a hint (the template's metrics all have labels).
    static func metricLabelText(_ code: String, _ ctx: PageContext) -> String {
        metricChoices.contains(code) ? ctx.t(metricKey(code)) : ""
    }
}
