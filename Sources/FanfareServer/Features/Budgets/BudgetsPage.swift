import FanfareCore
import Foundation

/// The budget pages' views: plain models in, HTML out.
enum BudgetsPage {
    static func yuan(_ fen: Int64) -> String { Formats.yuan(Double(fen) / 100) }

    static func percent(_ share: Double?) -> String {
        guard let share, share.isFinite else { return "—" }
        return DecimalText.fixed(share * 100, digits: 1) + "%"
    }

    static func ratio(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return DecimalText.fixed(value, digits: 2) + ":1"
    }

    static func categoryOptions(_ ctx: PageContext) -> [(value: String, label: String)] {
        BudgetCategory.allCases.map { ($0.rawValue, ctx.t("budgets.category.\($0.rawValue)")) }
    }

    static func stateBadge(_ state: String, _ ctx: PageContext) -> HTML {
        let tone = state == "breached" ? "bad" : (state == "healthy" ? "good" : "neutral")
        return "<span class=\"badge badge-\(tone) stop-loss-\(state)\">\(ctx.t("budgets.state.\(state)"))</span>"
    }

    // MARK: Overview

    struct OverviewModel: Sendable {
        var base: String
        var summary: BudgetSummary
        var canEdit: Bool
        var splitValues: [String: String] = [:]
        var splitErrors = FormErrors()
        var settingsValues: [String: String] = [:]
        var settingsErrors = FormErrors()
    }

    static func overview(_ model: OverviewModel, _ ctx: PageContext) -> HTML {
        let s = model.summary
        let base = model.base
        let actions: HTML =
            model.canEdit
            ? """
            <p class="actions" id="budget-actions"><a class="button primary" href="\(base)/budget/lines/new?month=\(s.month)" id="new-line">\(ctx.t("budgets.line.new"))</a> \
            <a class="button" href="\(base)/budget/channels/new" id="new-channel">\(ctx.t("budgets.channel.new"))</a> \
            <a class="button" href="\(base)/budget/spend" id="ledger-link">\(ctx.t("budgets.ledger"))</a></p>
            """ : "<p><a href=\"\(base)/budget/spend\" id=\"ledger-link\">\(ctx.t("budgets.ledger"))</a></p>"
        let monthBar = FormPage.filters(
            id: "month-filter",
            fields: [Layout.field(ctx, name: "month", label: ctx.t("budgets.field.month"), type: "month", value: s.month, errors: FormErrors())],
            submit: ctx.t("budgets.show"))
        let body: HTML = s.lines.isEmpty ? empty(model, ctx) : HTML.join([totals(s, ctx), linesCard(model, ctx), splitCard(s, ctx)], separator: "\n")
        return """
            <h1>\(ctx.t("budgets.title"))</h1>
            <p class="hint">\(ctx.t("budgets.intro"))</p>
            \(actions)
            \(monthBar)
            \(body)
            \(channelsCard(model, ctx))
            \(campaignsCard(s, ctx))
            \(movesCard(s, ctx))
            \(settingsCard(model, ctx))
            """
    }

    static func empty(_ model: OverviewModel, _ ctx: PageContext) -> HTML {
        guard model.canEdit else { return "<section class=\"empty-state\" id=\"budget-empty\"><p>\(ctx.t("budgets.empty_ask"))</p></section>" }
        let v = model.splitValues
        let form = FormPage.post(
            ctx, id: "default-split-form", heading: ctx.t("budgets.split_heading"), action: "\(model.base)/budget/default-split",
            errors: model.splitErrors,
            fields: [
                "<input type=\"hidden\" name=\"month\" value=\"\(v["month"] ?? model.summary.month)\">",
                Layout.field(
                    ctx, name: "total_yuan", label: ctx.t("budgets.field.total_yuan"), value: v["total_yuan"] ?? "", errors: model.splitErrors,
                    hint: ctx.t("budgets.split_help")),
            ], submit: ctx.t("budgets.split_use"))
        return """
            <section class="empty-state" id="budget-empty"><p>\(ctx.t("budgets.empty"))</p>\(form)</section>
            """
    }

    static func totals(_ s: BudgetSummary, _ ctx: PageContext) -> HTML {
        let figures = PlanActual(plannedFen: s.plannedFen, actualFen: s.actualFen)
        return """
            <p id="budget-totals">\(ctx.t("budgets.totals", yuan(s.plannedFen), yuan(s.actualFen), percent(figures.deviation))) \
            \(s.pendingFen > 0 ? HTML("<span class=\"hint\" id=\"pending-total\">\(ctx.t("budgets.pending_total", yuan(s.pendingFen)))</span>") : .empty)</p>
            """
    }

    static func deviationBadge(_ line: BudgetSummary.Line, tolerance: Double, _ ctx: PageContext) -> HTML {
        let text = percent(line.deviation)
        guard line.flagged else { return "<span class=\"badge badge-good deviation\">\(text)</span>" }
        return "<span class=\"badge badge-bad deviation flagged\" title=\"\(ctx.t("budgets.deviation_flag", percent(tolerance)))\">\(text) ⚑</span>"
    }

    static func linesCard(_ model: OverviewModel, _ ctx: PageContext) -> HTML {
        let s = model.summary
        let chart = Chart.bars(
            ChartSpec(
                id: "plan-actual", title: ctx.t("budgets.chart.plan_actual"), summary: ctx.t("budgets.chart.plan_actual_summary", s.month),
                locale: ctx.locale, format: .yuan),
            categories: s.lines.map(\.name),
            series: [
                BarSeries(name: ctx.t("budgets.col.planned"), values: s.lines.map { Double($0.plannedFen) }),
                BarSeries(name: ctx.t("budgets.col.actual"), values: s.lines.map { Double($0.actualFen) }),
            ], categoryName: ctx.t("budgets.col.line"), verbatimCategories: true)
        let rows = s.lines.map { line -> HTML in
            let id = line.id.uuidString.lowercased()
            let edit: HTML = model.canEdit ? "<a href=\"\(model.base)/budget/lines/\(id)/edit\">\(ctx.t("budgets.edit"))</a>" : .empty
            return """
                <tr id="line-\(id)"><td>\(HTML.typed(line.name))</td><td>\(ctx.t("budgets.category.\(line.category)"))</td>\
                <td>\(line.channelKey.map { HTML.typed($0) } ?? "—")</td><td>\(line.campaign.map { HTML.typed($0) } ?? "—")</td>\
                <td class="num">\(yuan(line.plannedFen))</td><td class="num">\(yuan(line.actualFen))</td>\
                <td>\(deviationBadge(line, tolerance: s.deviationTolerance, ctx))</td><td>\(edit)</td></tr>
                """
        }
        return """
            <section class="card" id="budget-lines"><h2>\(ctx.t("budgets.lines"))</h2>
            \(chart)
            <div class="table-scroll"><table class="data"><thead><tr><th>\(ctx.t("budgets.col.line"))</th><th>\(ctx.t("budgets.col.category"))</th>\
            <th>\(ctx.t("budgets.col.channel"))</th><th>\(ctx.t("budgets.col.campaign"))</th><th>\(ctx.t("budgets.col.planned"))</th>\
            <th>\(ctx.t("budgets.col.actual"))</th><th>\(ctx.t("budgets.col.deviation"))</th><th></th></tr></thead>
            <tbody>\(HTML.join(rows))</tbody></table></div>
            <p class="hint">\(ctx.t("budgets.deviation_help", percent(s.deviationTolerance)))</p>
            <p><a href="\(model.base)/budget/lines.csv?month=\(s.month)" id="lines-csv" download>\(ctx.t("budgets.csv"))</a></p>
            </section>
            """
    }

    static func splitCard(_ s: BudgetSummary, _ ctx: PageContext) -> HTML {
        let rows = s.split.map { share -> HTML in
            let range = "\(DecimalText.fixed(share.min * 100, digits: 0))–\(DecimalText.fixed(share.max * 100, digits: 0))%"
            let mark: HTML =
                share.inRange
                ? "<span class=\"badge badge-good\">\(ctx.t("budgets.split_in"))</span>"
                : "<span class=\"badge badge-bad split-out\">\(ctx.t("budgets.split_out"))</span>"
            return """
                <tr id="split-\(share.category)"><td>\(ctx.t("budgets.category.\(share.category)"))</td><td class="num">\(yuan(share.plannedFen))</td>\
                <td class="num">\(percent(share.share))</td><td>\(range)</td><td>\(mark)</td></tr>
                """
        }
        return """
            <section class="card" id="budget-split"><h2>\(ctx.t("budgets.split"))</h2><p class="hint">\(ctx.t("budgets.split_rule"))</p>
            <div class="table-scroll"><table class="data"><thead><tr><th>\(ctx.t("budgets.col.category"))</th><th>\(ctx.t("budgets.col.planned"))</th>\
            <th>\(ctx.t("budgets.col.share"))</th><th>\(ctx.t("budgets.col.range"))</th><th></th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            </section>
            """
    }

    static func channelsCard(_ model: OverviewModel, _ ctx: PageContext) -> HTML {
        let s = model.summary
        guard !s.channels.isEmpty else {
            return
                "<section class=\"card\" id=\"budget-channels\"><h2>\(ctx.t("budgets.channels"))</h2><p class=\"empty\">\(ctx.t("budgets.channels_empty"))</p></section>"
        }
        let chart = Chart.bars(
            ChartSpec(
                id: "channel-roi", title: ctx.t("budgets.chart.roi"), summary: ctx.t("budgets.chart.roi_summary", s.month), locale: ctx.locale,
                format: .ratio),
            categories: s.channels.map(\.label),
            series: [
                BarSeries(name: ctx.t("budgets.col.roi"), values: s.channels.map { $0.roi ?? 0 }),
                BarSeries(name: ctx.t("budgets.col.stop_loss"), values: s.channels.map(\.stopLossRatio), tone: .bad),
            ], categoryName: ctx.t("budgets.col.channel"), verbatimCategories: true)
        let rows = s.channels.map { channel -> HTML in
            let edit: HTML =
                model.canEdit
                ? channel.id.map { id -> HTML in
                    "<a href=\"\(model.base)/budget/channels/\(id.uuidString.lowercased())/edit\">\(ctx.t("budgets.edit"))</a>"
                }
                    ?? .empty : .empty
            var notes: [String] = []
            if channel.state == "breached" {
                notes.append(ctx.t(channel.holdPostsOnBreach ? "budgets.breach_hold" : "budgets.breach_flag"))
            }
            if channel.pilot, let cap = channel.pilotCapFen {
                notes.append(ctx.t(channel.overPilotCap ? "budgets.pilot_over" : "budgets.pilot_note", yuan(cap), percent(s.pilotShare)))
                if channel.validated { notes.append(ctx.t("budgets.pilot_validated")) }
            }
            return """
                <tr id="channel-\(channel.key)" class="\(channel.state == "breached" ? "breached" : "")">\
                <td>\(channel.state == "breached" ? HTML("<span class=\"flag\" title=\"\(ctx.t("budgets.state.breached"))\">⚑</span> ") : .empty)\(HTML.typed(channel.label))</td>\
                <td class="num">\(yuan(channel.spendFen))</td><td class="num">\(yuan(channel.revenueFen))</td><td class="num">\(ratio(channel.roi))</td>\
                <td class="num">\(ratio(channel.stopLossRatio))</td><td>\(stateBadge(channel.state, ctx))</td>\
                <td>\(HTML.join(notes.map { HTML("<small>\($0)</small>") }, separator: "<br>"))</td><td>\(edit)</td></tr>
                """
        }
        return """
            <section class="card" id="budget-channels"><h2>\(ctx.t("budgets.channels"))</h2>
            \(chart)
            <div class="table-scroll"><table class="data"><thead><tr><th>\(ctx.t("budgets.col.channel"))</th><th>\(ctx.t("budgets.col.spend"))</th>\
            <th>\(ctx.t("budgets.col.revenue"))</th><th>\(ctx.t("budgets.col.roi"))</th><th>\(ctx.t("budgets.col.stop_loss"))</th>\
            <th>\(ctx.t("budgets.col.state"))</th><th>\(ctx.t("budgets.col.notes"))</th><th></th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            <p class="hint">\(ctx.t("budgets.roi_help"))</p>
            </section>
            """
    }

    static func campaignsCard(_ s: BudgetSummary, _ ctx: PageContext) -> HTML {
        guard !s.campaigns.isEmpty else { return .empty }
        let rows = s.campaigns.map { campaign -> HTML in
            """
            <tr><td>\(HTML.typed(campaign.campaign))</td><td class="num">\(yuan(campaign.spendFen))</td><td class="num">\(yuan(campaign.revenueFen))</td>\
            <td class="num">\(ratio(campaign.roi))</td><td>\(stateBadge(campaign.state, ctx))</td></tr>
            """
        }
        return """
            <section class="card" id="budget-campaigns"><h2>\(ctx.t("budgets.campaigns"))</h2>
            <div class="table-scroll"><table class="data"><thead><tr><th>\(ctx.t("budgets.col.campaign"))</th><th>\(ctx.t("budgets.col.spend"))</th>\
            <th>\(ctx.t("budgets.col.revenue"))</th><th>\(ctx.t("budgets.col.roi"))</th><th>\(ctx.t("budgets.col.state"))</th></tr></thead>\
            <tbody>\(HTML.join(rows))</tbody></table></div></section>
            """
    }

    static func movesCard(_ s: BudgetSummary, _ ctx: PageContext) -> HTML {
        let label = Dictionary(s.channels.map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first })
        let items = s.reallocations.map { move -> HTML in
            "<li>\(HTML.sentence(ctx.t("budgets.move", "{0}", "{1}", yuan(move.amountFen)), [HTML.typed(label[move.from] ?? move.from), HTML.typed(label[move.to] ?? move.to)]))</li>"
        }
        let list: HTML = items.isEmpty ? "<p class=\"empty\">\(ctx.t("budgets.moves_none"))</p>" : "<ul id=\"moves\">\(HTML.join(items))</ul>"
        return """
            <section class="card" id="budget-moves"><h2>\(ctx.t("budgets.moves"))</h2>
            <p class="hint">\(ctx.t("budgets.moves_rule", percent(s.maxMoveShare), percent(s.pilotShare)))</p>\(list)</section>
            """
    }

    static func settingsCard(_ model: OverviewModel, _ ctx: PageContext) -> HTML {
        let s = model.summary
        let sentence = ctx.t("budgets.settings_now", yuan(s.approvalThresholdFen), percent(s.deviationTolerance))
        guard model.canEdit else { return "<p class=\"hint\" id=\"budget-settings\">\(sentence)</p>" }
        let v = model.settingsValues
        let e = model.settingsErrors
        return """
            <section class="card" id="budget-settings">
            \(FormPage.post(ctx, id: "budget-settings-form", heading: ctx.t("budgets.settings"), action: "\(model.base)/budget/settings", errors: e, fields: [
                "<p class=\"hint\">\(sentence)</p>",
                Layout.field(ctx, name: "approval_threshold_yuan", label: ctx.t("budgets.field.threshold_yuan"), value: v["approval_threshold_yuan"] ?? BudgetMoney.yuanText(s.approvalThresholdFen), errors: e, hint: ctx.t("budgets.field.threshold_help")),
                Layout.field(ctx, name: "deviation_tolerance_percent", label: ctx.t("budgets.field.tolerance_percent"), value: v["deviation_tolerance_percent"] ?? DecimalText.fixed(s.deviationTolerance * 100, digits: 1), errors: e),
            ], submit: ctx.t("budgets.save")))
            </section>
            """
    }

    // MARK: Forms

    struct LineFormModel: Sendable {
        var base: String
        var lineID: UUID?
        var values: [String: String]
        var channels: [(key: String, label: String)]
        var errors = FormErrors()
    }

    static func lineForm(_ model: LineFormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let action = model.lineID.map { "\(model.base)/budget/lines/\($0.uuidString.lowercased())" } ?? "\(model.base)/budget/lines"
        let channels: [(value: String, label: String)] = [("", ctx.t("budgets.no_channel"))] + model.channels.map { ($0.key, $0.label) }
        let form = FormPage.post(
            ctx, id: "line-form", heading: ctx.t(model.lineID == nil ? "budgets.line.new" : "budgets.line.edit"), action: action, errors: e,
            fields: [
                Layout.field(ctx, name: "name", label: ctx.t("budgets.field.name"), value: v["name"] ?? "", errors: e),
                Layout.select(
                    ctx, name: "category", label: ctx.t("budgets.col.category"), options: categoryOptions(ctx), selected: v["category"] ?? "",
                    errors: e),
                Layout.field(ctx, name: "month", label: ctx.t("budgets.field.month"), type: "month", value: v["month"] ?? "", errors: e),
                Layout.field(
                    ctx, name: "planned_yuan", label: ctx.t("budgets.field.planned_yuan"), value: v["planned_yuan"] ?? "", errors: e,
                    hint: ctx.t("budgets.field.yuan_help")),
                Layout.select(
                    ctx, name: "channel_key", label: ctx.t("budgets.col.channel"), options: channels, selected: v["channel_key"] ?? "", errors: e,
                    hint: ctx.t("budgets.field.channel_help"), verbatimAfterFirst: true),
                Layout.field(
                    ctx, name: "campaign", label: ctx.t("budgets.col.campaign"), value: v["campaign"] ?? "", errors: e, required: false,
                    hint: ctx.t("budgets.field.campaign_help")),
                "<input type=\"hidden\" name=\"campaign_id\" value=\"\(v["campaign_id"] ?? "")\">",
            ], submit: ctx.t("budgets.save"))
        let delete: HTML =
            model.lineID.map { id -> HTML in
                """
                <form method="post" action="\(model.base)/budget/lines/\(id.uuidString.lowercased())/delete" class="inline">\(ctx.csrfField)<button type="submit" class="danger" id="delete-line">\(ctx.t("budgets.line.delete"))</button></form>
                """
            } ?? .empty
        return """
            <p><a href="\(model.base)/budget">\(ctx.t("budgets.back"))</a></p>
            <section class="card" id="line-form-card">\(form)\(delete)</section>
            """
    }

    struct ChannelFormModel: Sendable {
        var base: String
        var channelID: UUID?
        var values: [String: String]
        var flags: Set<String>
        var errors = FormErrors()
    }

    static func channelForm(_ model: ChannelFormModel, _ ctx: PageContext) -> HTML {
        let v = model.values
        let e = model.errors
        let action = model.channelID.map { "\(model.base)/budget/channels/\($0.uuidString.lowercased())" } ?? "\(model.base)/budget/channels"
        let key: HTML =
            model.channelID == nil
            ? Layout.field(
                ctx, name: "key", label: ctx.t("budgets.field.key"), value: v["key"] ?? "", errors: e, hint: ctx.t("budgets.field.key_help"))
            : "<p>\(ctx.t("budgets.field.key"))：<code translate=\"no\">\(HTML.typed(v["key"] ?? ""))</code></p>"
        let form = FormPage.post(
            ctx, id: "channel-form", heading: ctx.t(model.channelID == nil ? "budgets.channel.new" : "budgets.channel.edit"), action: action,
            errors: e,
            fields: [
                key,
                Layout.field(ctx, name: "label", label: ctx.t("budgets.field.label"), value: v["label"] ?? "", errors: e, required: false),
                Layout.field(
                    ctx, name: "stop_loss_ratio", label: ctx.t("budgets.field.ratio"), value: v["stop_loss_ratio"] ?? "", errors: e,
                    hint: ctx.t("budgets.field.ratio_help")),
                Layout.field(
                    ctx, name: "min_spend_yuan", label: ctx.t("budgets.field.min_spend_yuan"), value: v["min_spend_yuan"] ?? "", errors: e,
                    hint: ctx.t("budgets.field.min_spend_help")),
                Forms.checkbox(
                    ctx, name: "pilot", label: ctx.t("budgets.field.pilot"), checked: model.flags.contains("pilot"),
                    hint: ctx.t("budgets.field.pilot_help"), errors: e),
                Forms.checkbox(
                    ctx, name: "hold_posts_on_breach", label: ctx.t("budgets.field.hold"), checked: model.flags.contains("hold_posts_on_breach"),
                    hint: ctx.t("budgets.field.hold_help"), errors: e),
                Layout.field(
                    ctx, name: "fallback_destination", label: ctx.t("budgets.field.fallback"), type: "url", value: v["fallback_destination"] ?? "",
                    errors: e, required: false, hint: ctx.t("budgets.field.fallback_help")),
            ], submit: ctx.t("budgets.save"))
        return """
            <p><a href="\(model.base)/budget">\(ctx.t("budgets.back"))</a></p>
            <section class="card" id="channel-form-card">\(form)</section>
            """
    }

    // MARK: Ledger

    struct LedgerModel: Sendable {
        struct Entry: Sendable {
            var id: UUID
            var lineID: UUID
            var amountFen: Int64
            var spentOn: String
            var note: String
            var source: String
            var state: String
        }

        var base: String
        var lines: [(id: UUID, name: String, month: String)]
        var entries: [Entry]
        var thresholdFen: Int64
        var canEdit: Bool
        var values: [String: String] = [:]
        var errors = FormErrors()
        var importProblems: [(field: String, coded: CodedMessage)] = []
    }

    static func ledger(_ model: LedgerModel, _ ctx: PageContext) -> HTML {
        let names = Dictionary(model.lines.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        let rows = model.entries.map { entry -> HTML in
            let id = entry.id.uuidString.lowercased()
            let decide: HTML =
                model.canEdit && entry.state == "pending"
                ? """
                <form method="post" action="\(model.base)/budget/spend/\(id)/approve" class="inline">\(ctx.csrfField)<button type="submit" class="approve">\(ctx.t("budgets.spend.approve"))</button></form> \
                <form method="post" action="\(model.base)/budget/spend/\(id)/reject" class="inline">\(ctx.csrfField)<button type="submit" class="reject">\(ctx.t("budgets.spend.reject"))</button></form>
                """ : .empty
            return """
                <tr id="spend-\(id)" data-state="\(entry.state)"><td>\(Formats.day(entry.spentOn, ctx.locale))</td><td>\(HTML.typed(names[entry.lineID] ?? ""))</td>\
                <td class="num">\(yuan(entry.amountFen))</td><td>\(HTML.typed(entry.note))</td><td>\(ctx.t("budgets.source.\(entry.source)"))</td>\
                <td>\(ctx.t("budgets.spend_state.\(entry.state)"))</td><td>\(decide)</td></tr>
                """
        }
        let table: HTML =
            model.entries.isEmpty
            ? "<p class=\"empty\" id=\"ledger-empty\">\(ctx.t(model.canEdit ? "budgets.ledger_empty" : "budgets.ledger_empty_ask"))</p>"
            : """
            <div class="table-scroll"><table class="data" id="ledger"><thead><tr><th>\(ctx.t("budgets.col.day"))</th><th>\(ctx.t("budgets.col.line"))</th>\
            <th>\(ctx.t("budgets.col.amount"))</th><th>\(ctx.t("budgets.col.note"))</th><th>\(ctx.t("budgets.col.source"))</th>\
            <th>\(ctx.t("budgets.col.state"))</th><th></th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
            """
        var forms: HTML = .empty
        if model.canEdit {
            let v = model.values
            let e = model.errors
            let lines: [(value: String, label: String)] =
                [("", ctx.t("budgets.choose_line"))] + model.lines.map { ($0.id.uuidString.lowercased(), "\($0.name) · \($0.month)") }
            let entry = FormPage.post(
                ctx, id: "spend-form", heading: ctx.t("budgets.spend.new"), action: "\(model.base)/budget/spend", errors: e,
                fields: [
                    Layout.select(
                        ctx, name: "line_id", label: ctx.t("budgets.col.line"), options: lines, selected: v["line_id"] ?? "", errors: e,
                        verbatimAfterFirst: true),
                    Layout.field(
                        ctx, name: "amount_yuan", label: ctx.t("budgets.field.amount_yuan"), value: v["amount_yuan"] ?? "", errors: e,
                        hint: ctx.t("budgets.field.amount_help", yuan(model.thresholdFen))),
                    Layout.field(ctx, name: "spent_on", label: ctx.t("budgets.col.day"), type: "date", value: v["spent_on"] ?? "", errors: e),
                    Layout.field(ctx, name: "note", label: ctx.t("budgets.col.note"), value: v["note"] ?? "", errors: e, required: false),
                ], submit: ctx.t("budgets.save"))
            let problems: HTML =
                model.importProblems.isEmpty
                ? .empty
                : """
                <div class="flash flash-error" role="alert" id="import-problems"><p>\(ctx.t("budgets.import.refused"))</p><ul>\
                \(HTML.join(model.importProblems.map { problem -> HTML in "<li>\(importField(problem.field, ctx)) \(problem.coded.text(ctx.locale))</li>" }))</ul></div>
                """
            forms = """
                <section class="card" id="spend-entry">\(entry)</section>
                <section class="card" id="spend-import"><h2>\(ctx.t("budgets.import.heading"))</h2>
                <p class="hint">\(ctx.t("budgets.import.help"))</p>\(problems)
                <form method="post" action="\(model.base)/budget/spend/import" enctype="multipart/form-data" id="import-form" class="stack">\(ctx.csrfField)
                <div class="field"><label for="file">\(ctx.t("budgets.import.file"))</label><input type="file" id="file" name="file" accept=".csv,text/csv" required></div>
                <button type="submit">\(ctx.t("budgets.import.submit"))</button></form></section>
                """
        }
        return """
            <p><a href="\(model.base)/budget">\(ctx.t("budgets.back"))</a></p>
            <h1>\(ctx.t("budgets.ledger"))</h1>
            <p class="hint">\(ctx.t("budgets.ledger_intro", yuan(model.thresholdFen)))</p>
            \(table)
            <p><a href="\(model.base)/budget/spend.csv" id="spend-csv" download>\(ctx.t("budgets.csv"))</a></p>
            \(forms)
            """
    }

    /// "line 3: amount_yuan" in the reader's words.
    static func importField(_ field: String, _ ctx: PageContext) -> String {
        let parts = field.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, parts[0].hasPrefix("line "), let number = Int(parts[0].dropFirst(5)) else { return ctx.t("budgets.import.file") }
        return ctx.t("budgets.import.at", String(number), ctx.t("budgets.import.column.\(parts[1])"))
    }
}
