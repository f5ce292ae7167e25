import FanfareCore
import Foundation

/// 实验 pages (`/w/{ws}/experiments…`): the list with the form to plan a
/// new one, and an experiment's page with its read-out drawn (interval
/// plot, posterior) and the numbers beside it. Models are plain values,
/// views pure functions, tested without a database.
enum ExperimentsPage {
    static let stateTones: [String: Badge.Tone] = ["draft": .neutral, "running": .info, "finished": .success]

    struct ListModel: Sendable {
        var base: String
        var experiments: [ExperimentDTO]
        /// The workspace's enabled links (id, label) an experiment may split.
        var links: [(id: String, label: String)]
        /// The workspace's published posts (id, label) a post arm may name.
        var posts: [(id: String, label: String)] = []
        /// The workspace's accounts (id, label) whose platform sends to groups of fans.
        var accounts: [(id: String, label: String)] = []
        var canEdit: Bool
        var values: [String: String] = [
            "varies": "title", "assignment": "link", "metric": "conversion", "conversion_type": "purchase", "arm0_name": "", "arm0_weight": "1",
            "arm1_weight": "1",
        ]
        var errors = FormErrors()
    }

    /// Form fields for the service's fields: `arms[1].name` is `arm1_name`.
    static func formField(_ field: String) -> String {
        guard field.hasPrefix("arms["), let close = field.firstIndex(of: "]") else { return field }
        let index = field[field.index(field.startIndex, offsetBy: 5)..<close]
        // `arms[1].post_ids[0]` is the arm's post list.
        let rest = field[field.index(after: close)...].drop { $0 == "." }.prefix { $0 != "[" }
        return rest.isEmpty ? "arms" : "arm\(index)_\(rest)"
    }

    static func listView(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let rows = model.experiments.map { e -> HTML in
            let id = e.id.uuidString.lowercased()
            return """
                <tr data-experiment="\(id)"><td><a href="\(model.base)/experiments/\(id)">\(HTML.typed(e.name))</a></td>
                <td>\(Badge.html(ctx.t("experiments.state.\(e.state)"), tone: Badge.tone(e.state, stateTones), classes: "state"))</td>
                <td>\(ctx.t("experiments.varies.\(e.varies)"))</td><td>\(ctx.t("experiments.metric.\(e.metric)"))</td>
                <td>\(e.arms.count)</td><td>\(Layout.time(e.startedAt, ctx))</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"6\" class=\"empty\">\(ctx.t(model.canEdit ? "experiments.empty_edit" : "experiments.empty"))</td></tr>"
        return """
            <h1>\(ctx.t("experiments.title"))</h1>
            <p class="hint">\(ctx.t("experiments.intro"))</p>
            <section class="card"><div class="table-scroll"><table id="experiments"><thead><tr><th>\(ctx.t("experiments.name"))</th>
            <th>\(ctx.t("experiments.state"))</th><th>\(ctx.t("experiments.varies"))</th><th>\(ctx.t("experiments.metric"))</th>
            <th>\(ctx.t("experiments.arms"))</th><th>\(ctx.t("experiments.started"))</th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div></section>
            \(model.canEdit ? form(model, ctx) : .empty)
            """
    }

    static func form(_ model: ListModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        guard !model.links.isEmpty || !model.posts.isEmpty else {
            return """
                <section class="card" id="new-experiment"><h2>\(ctx.t("experiments.new"))</h2>
                <p class="empty" id="no-links">\(ctx.t("experiments.needs_link_or_post")) <a href="\(model.base)/links">\(ctx.t("experiments.make_link"))</a></p></section>
                """
        }
        let assignments = Experiment.Assignment.allCases.map { ($0.rawValue, ctx.t("experiments.assignment_name.\($0.rawValue)")) }
        let varies = Experiment.Varies.allCases.map { ($0.rawValue, ctx.t("experiments.varies.\($0.rawValue)")) }
        let metrics = Experiment.Metric.allCases.map { ($0.rawValue, ctx.t("experiments.metric.\($0.rawValue)")) }
        let types = ConversionType.allCases.filter { $0 != .refund }.map { ($0.rawValue, ctx.t("experiments.conversion.\($0.rawValue)")) }
        let fieldsets =
            (0..<ExperimentArms.count.upperBound).map { i -> HTML in
                let optional = i >= 2
                return """
                    <fieldset class="arm" id="arm-\(i)"><legend>\(ctx.t(i == 0 ? "experiments.control" : "experiments.variant_n", String(i)))</legend>
                    \(Layout.field(ctx, name: "arm\(i)_name", label: ctx.t("experiments.arm_name"), value: v["arm\(i)_name"] ?? "", errors: e, required: !optional))
                    \(Layout.field(ctx, name: "arm\(i)_destination", label: ctx.t("experiments.destination"), type: "url", value: v["arm\(i)_destination"] ?? "", errors: e, required: false, hint: ctx.t("experiments.link_posts_only")))
                    \(postPicker(model, arm: i, ctx))
                    \(Layout.field(ctx, name: "arm\(i)_weight", label: ctx.t("experiments.weight"), type: "number", value: v["arm\(i)_weight"] ?? "", errors: e, required: false, hint: i == 0 ? ctx.t("experiments.weight_help") : nil))
                    </fieldset>
                    """
            }
        // Variants 2 to 4 are folded away until wanted (or filled in).
        let extraTyped = (2..<ExperimentArms.count.upperBound).contains { i in
            ["name", "destination", "weight", "post_ids"].contains { !(v["arm\(i)_\($0)"] ?? "").isEmpty }
                || e.byField.keys.contains { $0.hasPrefix("arm\(i)_") }
        }
        let arms: HTML = """
            \(HTML.join(Array(fieldsets.prefix(2))))
            <details class="more-arms" id="more-arms"\(extraTyped ? HTML(raw: " open") : .empty)><summary>\(ctx.t("experiments.more_arms"))</summary>
            \(HTML.join(Array(fieldsets.dropFirst(2))))</details>
            """
        return """
            <section class="card" id="new-experiment"><h2>\(ctx.t("experiments.new"))</h2>
            \(Layout.errorSummary(ctx, e))
            <form method="post" action="\(model.base)/experiments" id="experiment-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("experiments.name"), value: v["name"] ?? "", errors: e))
            \(Layout.field(ctx, name: "hypothesis", label: ctx.t("experiments.hypothesis"), value: v["hypothesis"] ?? "", errors: e, hint: ctx.t("experiments.hypothesis_help")))
            \(Layout.select(ctx, name: "varies", label: ctx.t("experiments.varies"), options: varies, selected: v["varies"] ?? "title", errors: e))
            \(Layout.select(ctx, name: "assignment", label: ctx.t("experiments.assignment"), options: assignments, selected: v["assignment"] ?? "link", errors: e))
            <ul class="hint" id="assignment-note"><li>\(ctx.t("experiments.assignment.link_help"))</li><li>\(ctx.t("experiments.assignment.alternation_help"))</li>
            <li>\(ctx.t("experiments.assignment.audience_help"))</li></ul>
            \(Layout.select(ctx, name: "account_id", label: ctx.t("experiments.account"), options: [("", ctx.t(model.accounts.isEmpty ? "experiments.no_audience_accounts" : "experiments.choose_account"))] + model.accounts.map { ($0.id, $0.label) }, selected: v["account_id"] ?? "", errors: e, hint: ctx.t("experiments.account_help"), verbatimAfterFirst: true))
            \(Layout.select(ctx, name: "link_id", label: ctx.t("experiments.link"), options: [("", ctx.t("experiments.choose_link"))] + model.links.map { ($0.id, $0.label) }, selected: v["link_id"] ?? "", errors: e, hint: ctx.t("experiments.link_help") + " " + ctx.t("experiments.link_posts_only"), verbatimAfterFirst: true))
            \(Layout.select(ctx, name: "metric", label: ctx.t("experiments.metric"), options: metrics, selected: v["metric"] ?? "conversion", errors: e))
            \(Layout.select(ctx, name: "conversion_type", label: ctx.t("experiments.conversion_type"), options: types, selected: v["conversion_type"] ?? "purchase", errors: e))
            \(arms)
            <button type="submit" class="primary" id="create-experiment">\(ctx.t("experiments.create"))</button>
            </form></section>
            """
    }

    /// The arm's posts: a multiple choice of the workspace's published posts
    /// (their titles are typed text, kept out of translation).
    static func postPicker(_ model: ListModel, arm i: Int, _ ctx: PageContext) -> HTML {
        let name = "arm\(i)_post_ids"
        guard !model.posts.isEmpty else {
            return "<p class=\"hint\" id=\"\(name)\">\(ctx.t("experiments.posts")): \(ctx.t("experiments.no_posts"))</p>"
        }
        let chosen = Set((model.values[name] ?? "").split(separator: ",").map(String.init))
        let error = model.errors[name].map { $0.text(ctx.locale) }
        let options = model.posts.map { post -> HTML in
            "<option value=\"\(post.id)\" translate=\"no\"\(chosen.contains(post.id) ? HTML(raw: " selected") : .empty)>\(post.label)</option>"
        }
        return """
            <div class="field\(error != nil ? " has-error" : "")">
            <label for="\(name)">\(ctx.t("experiments.posts"))</label>
            <select id="\(name)" name="\(name)" multiple size="4"\(error != nil ? HTML(raw: " aria-invalid=\"true\" aria-describedby=\"\(name)-error\"") : .empty)>\(HTML.join(options))</select>
            <small class="hint">\(ctx.t("experiments.posts_help"))</small>
            \(error.map { e -> HTML in "<small class=\"error\" id=\"\(name)-error\">\(e)</small>" })
            </div>
            """
    }

    // MARK: One experiment

    struct ShowModel: Sendable {
        var base: String
        var experiment: ExperimentDTO
        var readout: ReadoutDTO
        /// Before it ends: what the traffic allows.
        var power: PowerDTO? = nil
        var shortURL: String
        var canEdit: Bool
        var errors = FormErrors()
        /// The arms' posts by id: their titles (typed text).
        var postLabels: [UUID: String] = [:]
        /// An audience experiment's account, as the accounts page names it (typed).
        var accountLabel: String = ""
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return DecimalText.fixed(value * 100, digits: 1) + "%"
    }

    static func number(_ value: Double?, digits: Int = 2) -> String {
        guard let value, value.isFinite else { return "—" }
        return DecimalText.fixed(value, digits: digits)
    }

    /// The arm's metric as it reads: a rate, or yuan per visitor.
    static func metricText(_ value: Double, metric: String) -> String {
        metric == Experiment.Metric.revenuePerVisitor.rawValue ? Formats.yuan(value) : percent(value)
    }

    static func showView(_ model: ShowModel, _ ctx: PageContext) -> HTML {
        let e = model.experiment
        let r = model.readout
        let id = e.id.uuidString.lowercased()
        let names = Dictionary(uniqueKeysWithValues: e.arms.map { ($0.id, $0.name) })
        let postsOfArm = Dictionary(uniqueKeysWithValues: e.arms.map { ($0.id, $0.postIds) })
        let byAudience = e.assignment == Experiment.Assignment.audience.rawValue
        let byPosts = e.linkId == nil && !byAudience
        let armRows = r.arms.map { arm -> HTML in
            let winner = e.winnerArmId == arm.id
            let posts = (postsOfArm[arm.id] ?? []).compactMap { model.postLabels[$0] }
            let postList: HTML =
                posts.isEmpty ? .empty : "<br><small class=\"arm-posts\" translate=\"no\">\(posts.joined(separator: " · "))</small>"
            return """
                <tr data-arm="\(arm.id.uuidString.lowercased())"><th scope="row"><span translate="no">\(arm.name)</span>\(winner ? HTML(" \(Badge.html(ctx.t("experiments.winner"), tone: .success, classes: "winner"))") : .empty)\(postList)</th>
                <td>\(ctx.t(arm.control ? "experiments.control" : "experiments.variant"))</td><td>\(number(arm.weight, digits: 2))</td>
                <td class="num visitors">\(Formats.grouped(arm.visitors))</td><td class="num">\(Formats.grouped(arm.converted))</td>
                <td class="num mean">\(metricText(arm.mean, metric: e.metric))</td></tr>
                """
        }
        let srm: HTML =
            r.srmWarning
            ? "<p class=\"flash flash-error\" id=\"srm-warning\">\(HTML.sentence(ctx.t("experiments.srm_warning"), [HTML.typed("p = " + number(r.srmPValue, digits: 4))]))</p>"
            : r.srmPValue.map { p -> HTML in
                "<p class=\"hint\" id=\"srm-ok\">\(HTML.sentence(ctx.t("experiments.srm_ok"), [HTML.typed("p = " + number(p, digits: 3))]))</p>"
            } ?? .empty
        let quasi: HTML =
            r.quasiExperiment || !e.randomised
            ? """
            <div class="flash flash-warning" id="quasi" data-quasi-experiment="true"><p>\(ctx.t("experiments.quasi"))</p>
            <p id="srm-not-applicable">\(ctx.t("experiments.srm_not_applicable"))</p></div>
            """ : .empty
        var sections: [HTML] = []
        for comparison in r.comparisons {
            let name = names[comparison.armId] ?? ""
            let rel = comparison.relative
            let bayes = rel.bayesian
            let rows = [
                IntervalRow(
                    label: ctx.t("experiments.method.bayesian"), expected: bayes.expected ?? .nan, lower: bayes.ciLower ?? .nan,
                    upper: bayes.ciUpper ?? .nan,
                    tone: tone(bayes, inverse: e.inverse)),
                IntervalRow(
                    label: ctx.t("experiments.method.frequentist"), expected: rel.frequentist.expected ?? .nan,
                    lower: rel.frequentist.ciLower ?? .nan,
                    upper: rel.frequentist.ciUpper ?? .nan, tone: tone(rel.frequentist, inverse: e.inverse)),
                IntervalRow(
                    label: ctx.t("experiments.method.sequential"), expected: rel.sequential.expected ?? .nan, lower: rel.sequential.ciLower ?? .nan,
                    upper: rel.sequential.ciUpper ?? .nan, tone: tone(rel.sequential, inverse: e.inverse)),
            ]
            let armID = comparison.armId.uuidString.lowercased()
            let intervals = Chart.intervals(
                ChartSpec(
                    id: "intervals-\(armID)", title: ctx.t("experiments.uplift_chart"), summary: ctx.t("experiments.uplift_summary"),
                    locale: ctx.locale, format: .percent, emptyText: ctx.t("experiments.no_result")),
                rows: rows, columns: [ctx.t("experiments.expected"), ctx.t("experiments.ci_lower"), ctx.t("experiments.ci_upper")])
            let chance = ctx.t("experiments.chance_label", percent(bayes.chanceToWin))
            let posterior = Chart.posterior(
                ChartSpec(
                    id: "posterior-\(armID)", title: ctx.t("experiments.posterior_chart", name),
                    summary: ctx.t("experiments.posterior_summary", name),
                    locale: ctx.locale, format: .percent, emptyText: ctx.t("experiments.no_result")),
                mean: bayes.expected ?? .nan, stddev: bayes.upliftStddev ?? .nan, inverse: e.inverse,
                columns: [ctx.t("experiments.expected"), ctx.t("experiments.ci_lower"), ctx.t("experiments.ci_upper")], chance: chance)
            func errorText(_ method: ReadoutDTO.Method) -> HTML {
                method.error.map { code -> HTML in
                    "<span class=\"error readout-error\" data-error=\"\(code)\">\(ctx.t("experiments.error.\(code)"))</span>"
                }
                    ?? .empty
            }
            sections.append(
                """
                <section class="card comparison" id="comparison-\(armID)" data-chance="\(bayes.chanceToWin.map { DecimalText.fixed($0, digits: 4) } ?? "")">
                <h2>\(HTML.sentence(ctx.t("experiments.versus"), [HTML.typed(name)]))</h2>
                \(r.quasiExperiment ? HTML("<p class=\"hint quasi-note\">\(ctx.t("experiments.quasi_short"))</p>") : .empty)
                <dl class="facts">
                <dt>\(ctx.t("experiments.chance_to_win"))</dt><dd class="chance">\(percent(bayes.chanceToWin))\(errorText(bayes))</dd>
                <dt>\(ctx.t("experiments.expected_uplift"))</dt><dd>\(percent(bayes.expected)) (\(percent(bayes.ciLower)) … \(percent(bayes.ciUpper)))</dd>
                <dt>\(ctx.t("experiments.risk_variant"))</dt><dd>\(percent(bayes.riskVariant))</dd>
                <dt>\(ctx.t("experiments.risk_control"))</dt><dd>\(percent(bayes.riskControl))</dd>
                <dt>\(ctx.t("experiments.p_value"))</dt><dd>\(number(rel.frequentist.pValue, digits: 4))\(errorText(rel.frequentist))</dd>
                <dt>\(ctx.t("experiments.sequential_p"))</dt><dd>\(number(rel.sequential.pValue, digits: 4))</dd>
                <dt>\(ctx.t("experiments.proper_prior"))</dt><dd>\(percent(rel.bayesianProper.chanceToWin)) · \(percent(rel.bayesianProper.expected))</dd>
                <dt>\(ctx.t("experiments.absolute"))</dt><dd>\(metricText(comparison.absolute.bayesian.expected ?? .nan, metric: e.metric))</dd>
                </dl>
                <div class="chart-pair">\(intervals)\(posterior)</div>
                </section>
                """)
        }
        let readoutEmpty: HTML
        if !(r.comparisons.isEmpty || r.arms.allSatisfy({ $0.visitors == 0 })) {
            readoutEmpty = .empty
        } else if byAudience {
            readoutEmpty =
                "<p class=\"empty\" id=\"no-visitors\">\(ctx.t(e.state == "draft" ? "experiments.not_started_audience" : "experiments.not_counted"))</p>"
        } else if byPosts {
            readoutEmpty =
                "<p class=\"empty\" id=\"no-visitors\">\(ctx.t(e.state == "draft" ? "experiments.not_started_posts" : "experiments.no_impressions"))</p>"
        } else {
            readoutEmpty =
                "<p class=\"empty\" id=\"no-visitors\">\(HTML.sentence(ctx.t(e.state == "draft" ? "experiments.not_started" : "experiments.no_visitors"), [HTML.typed(model.shortURL)]))</p>"
        }
        let unitsHeader = ctx.t(byAudience ? "experiments.delivered" : byPosts ? "experiments.impressions" : "experiments.visitors")
        let convertedHeader = ctx.t(
            byAudience
                ? "experiments.readers"
                : byPosts
                    ? (e.metric == Experiment.Metric.clickThrough.rawValue ? "experiments.link_clicks" : "experiments.engagements")
                    : "experiments.converted")
        let assignmentNote: HTML =
            byAudience
            ? "<p class=\"hint\" id=\"assignment\" data-assignment=\"\(e.assignment)\">\(HTML.sentence(ctx.t("experiments.assignment.audience"), [HTML.typed(model.accountLabel)]))</p>"
            : byPosts
                ? "<p class=\"hint\" id=\"assignment\" data-assignment=\"\(e.assignment)\">\(ctx.t("experiments.assignment.alternation"))</p>"
                : "<p class=\"hint\" id=\"assignment\" data-assignment=\"\(e.assignment)\" data-short-url=\"\(model.shortURL)\">\(HTML.sentence(ctx.t("experiments.assignment.link"), [HTML.typed(model.shortURL)]))</p>"
        let conversionText: HTML = e.linkId == nil ? .empty : HTML(" · \(ctx.t("experiments.conversion.\(e.conversionType)"))")
        return """
            <p><a href="\(model.base)/experiments">\(ctx.t("experiments.back"))</a></p>
            <h1 translate="no">\(e.name)</h1>
            <p>\(Badge.html(ctx.t("experiments.state.\(e.state)"), tone: Badge.tone(e.state, stateTones), classes: "state", id: "experiment-state"))
            \(ctx.t("experiments.varies.\(e.varies)")) · \(ctx.t("experiments.metric.\(e.metric)"))\(conversionText)</p>
            <section class="card"><h2>\(ctx.t("experiments.hypothesis"))</h2><p translate="no">\(e.hypothesis)</p>
            \(assignmentNote)
            \(e.decision.map { d -> HTML in "<p id=\"decision\"><strong>\(ctx.t("experiments.decision"))</strong> <span translate=\"no\">\(d)</span></p>" } ?? .empty)
            </section>
            \(quasi)
            \(srm)
            <section class="card"><h2>\(ctx.t("experiments.arms"))</h2><div class="table-scroll"><table id="arms"><thead><tr>
            <th>\(ctx.t("experiments.arm_name"))</th><th>\(ctx.t("experiments.role"))</th><th>\(ctx.t("experiments.weight"))</th>
            <th>\(unitsHeader)</th><th>\(convertedHeader)</th><th>\(ctx.t("experiments.metric_value"))</th></tr></thead>
            <tbody>\(HTML.join(armRows))</tbody></table></div>\(readoutEmpty)</section>
            \(e.sends.map { sendsCard($0, names: names, ctx) } ?? .empty)
            \(model.power.map { powerCard($0, metric: e.metric, ctx) } ?? .empty)
            \(HTML.join(sections))
            \(model.canEdit ? actions(model, id: id, ctx) : .empty)
            """
    }

    static let sendTones: [String: Badge.Tone] = ["pending": .neutral, "sent": .success, "failed": .danger]

    /// An audience experiment's group sends: each group's size, when it was
    /// sent, and what the platform counted of it (or why it refused it).
    static func sendsCard(_ sends: [ExperimentDTO.Send], names: [UUID: String], _ ctx: PageContext) -> HTML {
        let rows = sends.map { send -> HTML in
            let counted: HTML =
                send.delivered == nil
                ? "<td class=\"num\" colspan=\"2\">\(ctx.t("experiments.not_counted_short"))</td>"
                : "<td class=\"num delivered\">\(Formats.grouped(send.delivered ?? 0))</td><td class=\"num readers\">\(Formats.grouped(send.readers ?? 0))</td>"
            let failure: HTML = send.failure.map { "<br><small class=\"error send-failure\">\(HTML.typed($0))</small>" } ?? .empty
            return """
                <tr data-send="\(send.armId.uuidString.lowercased())" data-state="\(send.state)"><th scope="row" translate="no">\(names[send.armId] ?? "")</th>
                <td>\(Badge.html(ctx.t("experiments.send_state.\(send.state)"), tone: Badge.tone(send.state, sendTones), classes: "send-state"))\(failure)</td>
                <td class="num addressed">\(Formats.grouped(send.addressed))</td><td>\(Layout.time(send.sentAt, ctx))</td>\(counted)</tr>
                """
        }
        return """
            <section class="card" id="sends"><h2>\(ctx.t("experiments.sends"))</h2><p class="hint">\(ctx.t("experiments.sends_help"))</p>
            <div class="table-scroll"><table id="sends-table"><thead><tr><th>\(ctx.t("experiments.arm_name"))</th><th>\(ctx.t("experiments.send_state"))</th>
            <th>\(ctx.t("experiments.addressed"))</th><th>\(ctx.t("experiments.sent_at"))</th><th>\(ctx.t("experiments.delivered"))</th>
            <th>\(ctx.t("experiments.readers"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div></section>
            """
    }

    /// What the traffic allows: the history it is read from, the smallest
    /// change found in two and four weeks, the days for +10 % and +20 %.
    static func powerCard(_ power: PowerDTO, metric: String, _ ctx: PageContext) -> HTML {
        if let fans = power.audienceFans {
            guard power.basis == "audience", let baseline = power.baseline else {
                return """
                    <section class="card" id="power" data-basis="none"><h2>\(ctx.t("experiments.power"))</h2>
                    <p class="empty">\(ctx.t("experiments.power_audience_none", Formats.grouped(fans)))</p></section>
                    """
            }
            return """
                <section class="card" id="power" data-basis="audience"><h2>\(ctx.t("experiments.power"))</h2>
                <p class="hint">\(ctx.t("experiments.power_basis.audience", Formats.grouped(fans), percent(baseline)))</p>
                <dl class="facts"><dt>\(ctx.t("experiments.mde_audience"))</dt><dd id="mde-audience">\(percent(power.mdeAudience))</dd></dl></section>
                """
        }
        if power.basis == "posts", let baseline = power.baseline {
            func posts(_ value: Int?) -> String { value.map { ctx.t("experiments.posts_count", Formats.grouped($0)) } ?? "—" }
            return """
                <section class="card" id="power" data-basis="posts"><h2>\(ctx.t("experiments.power"))</h2>
                <p class="hint">\(ctx.t("experiments.power_basis.posts", Formats.grouped(power.historyPosts ?? 0), Formats.grouped(Int((power.impressionsPerPost ?? 0).rounded())), metricText(baseline, metric: metric)))</p>
                <dl class="facts">
                <dt>\(ctx.t("experiments.mde_posts", Formats.grouped(power.postsPerArm ?? 0)))</dt><dd id="mde-posts">\(percent(power.mdePosts))</dd>
                <dt>\(ctx.t("experiments.posts_for", "10%"))</dt><dd id="posts-10">\(posts(power.postsFor10Percent))</dd>
                <dt>\(ctx.t("experiments.posts_for", "20%"))</dt><dd>\(posts(power.postsFor20Percent))</dd>
                </dl><p class="hint">\(ctx.t("experiments.power_posts_caveat"))</p></section>
                """
        }
        guard power.basis != "none", let baseline = power.baseline else {
            return
                "<section class=\"card\" id=\"power\"><h2>\(ctx.t("experiments.power"))</h2><p class=\"empty\">\(ctx.t("experiments.power_none"))</p></section>"
        }
        func days(_ value: Int?) -> String { value.map { ctx.t("experiments.days", Formats.grouped($0)) } ?? "—" }
        return """
            <section class="card" id="power" data-basis="\(power.basis)"><h2>\(ctx.t("experiments.power"))</h2>
            <p class="hint">\(ctx.t("experiments.power_basis.\(power.basis)", String(power.historyDays), number(power.visitorsPerDay, digits: 1), metricText(baseline, metric: metric)))</p>
            <dl class="facts">
            <dt>\(ctx.t("experiments.mde", "14"))</dt><dd id="mde-14">\(percent(power.mde14Days))</dd>
            <dt>\(ctx.t("experiments.mde", "28"))</dt><dd>\(percent(power.mde28Days))</dd>
            <dt>\(ctx.t("experiments.days_for", "10%"))</dt><dd id="days-10">\(days(power.daysFor10Percent))</dd>
            <dt>\(ctx.t("experiments.days_for", "20%"))</dt><dd>\(days(power.daysFor20Percent))</dd>
            </dl></section>
            """
    }

    /// Green when the whole interval says better, red when it says worse.
    static func tone(_ method: ReadoutDTO.Method, inverse: Bool) -> ChartTone? {
        guard let low = method.ciLower, let high = method.ciUpper else { return nil }
        if low > 0 { return inverse ? .bad : .good }
        if high < 0 { return inverse ? .good : .bad }
        return nil
    }

    static func actions(_ model: ShowModel, id: String, _ ctx: PageContext) -> HTML {
        let e = model.experiment
        let path = "\(model.base)/experiments/\(id)"
        switch e.state {
        case "draft":
            return """
                <section class="card" id="experiment-actions"><form method="post" action="\(path)/start" class="inline">\(ctx.csrfField)
                <button type="submit" class="primary" id="start-experiment">\(ctx.t("experiments.start"))</button></form>
                <form method="post" action="\(path)/delete" class="inline">\(ctx.csrfField)
                <button type="submit" class="danger" id="delete-experiment">\(ctx.t("experiments.delete"))</button></form></section>
                """
        case "running":
            let choices = [("", ctx.t("experiments.no_winner"))] + e.arms.map { ($0.id.uuidString.lowercased(), $0.name) }
            return """
                <section class="card" id="experiment-actions"><h2>\(ctx.t("experiments.end"))</h2>
                <p class="hint">\(ctx.t(e.linkId == nil ? "experiments.end_help_posts" : "experiments.end_help"))</p>
                \(Layout.errorSummary(ctx, model.errors))
                <form method="post" action="\(path)/end" id="end-form" class="stack">\(ctx.csrfField)
                \(Layout.select(ctx, name: "winner_arm_id", label: ctx.t("experiments.winner"), options: choices, selected: "", errors: model.errors, verbatimAfterFirst: true))
                \(Layout.field(ctx, name: "decision", label: ctx.t("experiments.decision"), value: "", errors: model.errors, required: false))
                <button type="submit" class="primary" id="end-experiment">\(ctx.t("experiments.end_promote"))</button></form></section>
                """
        default:
            return .empty
        }
    }
}
