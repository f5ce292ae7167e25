import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/reports`: the archive of weekly, monthly and custom reports and
/// the form that makes one for any period; `/w/{ws}/reports/{id}` one
/// report, printable; `…/csv` the same as CSV. Query → model → view; the
/// models and views are tested without a database.
struct ReportPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("reports", use: list)
        scoped.post("reports", use: create)
        scoped.get("reports", ":report_id", use: show)
        scoped.get("reports", ":report_id", "csv", use: csv)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await renderList(req, values: [:], errors: FormErrors(), status: .ok)
    }

    func renderList(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let page = (try? req.pageRequest()) ?? PageQuery()
        let (reports, next) = try await ReportService(db: req.db).list(page: page, kind: nil, in: access)
        let today = MetricDay.of(Date(), in: access.workspace.zone)
        let model = ReportListPage.model(
            reports.map(ReportListPage.Row.init), next: next, base: "/w/\(access.workspace.slug)", today: today, values: values, errors: errors,
            locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("reports.title"), status: status, ReportListPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let values = ["from": req.formValue("from"), "to": req.formValue("to"), "compare": req.formValue("compare")]
        do {
            let today = MetricDay.of(Date(), in: access.workspace.zone)
            let (period, comparison) = try ReportService.period(
                .init(from: values["from"], to: values["to"], compare: values["compare"]), today: today)
            let report = try await ReportService(db: req.db).make(
                .custom, period: period, comparison: comparison, workspace: access.workspace, by: req.auth.get(User.self)?.id)
            return req.redirect(to: "/w/\(access.workspace.slug)/reports/\(report.id!.uuidString.lowercased())")
        } catch let invalid as ValidationErrors {
            return try await renderList(req, values: values, errors: FormErrors(invalid), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let report = try await ReportService(db: req.db).find(req.parameters.get("report_id"), in: access)
        let model = ReportPage.model(
            ReportPage.Found(report), base: "/w/\(access.workspace.slug)", inbox: access.can(.inboxView), locale: ctx.locale)
        return Layout.page(ctx, title: model.title, ReportPage.view(model, ctx))
    }

    @Sendable func csv(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let report = try await ReportService(db: req.db).find(req.parameters.get("report_id"), in: access)
        return ReportPage.csvResponse(report, workspaceSlug: access.workspace.slug, inbox: access.can(.inboxView))
    }
}

enum ReportListPage {
    struct Row: Sendable, Equatable {
        var id: UUID
        var kind: ReportKind
        var period: DashboardPeriod
        var scheduled: Bool
        var createdAt: Date

        init(id: UUID, kind: ReportKind, period: DashboardPeriod, scheduled: Bool, createdAt: Date) {
            self.id = id
            self.kind = kind
            self.period = period
            self.scheduled = scheduled
            self.createdAt = createdAt
        }

        init(_ report: AnalyticsReport) {
            self.init(id: report.id!, kind: report.reportKind, period: report.period, scheduled: report.createdBy == nil, createdAt: report.createdAt)
        }
    }

    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            var href: String
            var kind: String
            var period: String
            var madeBy: String
            var createdAt: Date
        }
        var items: [Item]
        var nextHref: String?
        var formAction: String
        var values: [String: String]
        var errors: FormErrors
        var compareOptions: [(value: String, label: String)]
    }

    static func model(
        _ rows: [Row], next: String?, base: String, today: String, values: [String: String], errors: FormErrors, locale: UILocale
    ) -> Model {
        func t(_ key: String, _ args: String...) -> String { I18n.text(key, locale, args) }
        var values = values
        // The form offers the last 28 days until the person picks others.
        if values["from"] == nil { values["from"] = MetricDay.adding(-27, to: today) }
        if values["to"] == nil { values["to"] = today }
        return Model(
            items: rows.map { row in
                Model.Item(
                    href: "\(base)/reports/\(row.id.uuidString.lowercased())", kind: t("reports.kind.\(row.kind.rawValue)"),
                    period: ReportPage.periodText(row.period, locale),
                    madeBy: t(row.scheduled ? "reports.made_by_schedule" : "reports.made_by_person"),
                    createdAt: row.createdAt)
            },
            nextHref: next.map { "\(base)/reports?cursor=\($0)" }, formAction: "\(base)/reports", values: values, errors: errors,
            compareOptions: DashboardComparison.allCases.map { ($0.rawValue, t("analytics.compare.\($0.rawValue)")) })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.items.map { item -> HTML in
            """
            <tr><td><a href="\(item.href)">\(item.kind)</a></td><td>\(item.period)</td><td>\(item.madeBy)</td><td>\(Layout.time(item.createdAt, ctx))</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"reports-empty\">\(ctx.t("reports.none"))</p>"
            : """
            <div class="table-scroll"><table id="reports-list"><thead><tr><th>\(ctx.t("reports.col.kind"))</th><th>\(ctx.t("reports.col.period"))</th>\
            <th>\(ctx.t("reports.col.made_by"))</th><th>\(ctx.t("reports.col.created_at"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"reports-next\">\(ctx.t("list.next"))</a></p>" } ?? .empty
        let form = FormPage.post(
            ctx, id: "report-form", heading: ctx.t("reports.new"), action: model.formAction, errors: model.errors,
            fields: [
                Layout.field(ctx, name: "from", label: ctx.t("reports.from"), type: "date", value: model.values["from"] ?? "", errors: model.errors),
                Layout.field(ctx, name: "to", label: ctx.t("reports.to"), type: "date", value: model.values["to"] ?? "", errors: model.errors),
                Layout.select(
                    ctx, name: "compare", label: ctx.t("reports.compare"), options: model.compareOptions,
                    selected: model.values["compare"] ?? "previous", errors: model.errors),
            ], submit: ctx.t("reports.create"))
        return """
            <h1>\(ctx.t("reports.title"))</h1>
            <p>\(ctx.t("reports.intro"))</p>
            \(table)
            \(more)
            \(form)
            """
    }
}

enum ReportPage {
    struct Found: Sendable {
        var id: UUID
        var kind: ReportKind
        var period: DashboardPeriod
        var comparison: DashboardPeriod
        var timeZone: String
        var createdAt: Date
        var scheduled: Bool
        /// nil when the stored content cannot be read (a later version's).
        var content: ReportContent?

        init(
            id: UUID, kind: ReportKind, period: DashboardPeriod, comparison: DashboardPeriod, timeZone: String, createdAt: Date, scheduled: Bool,
            content: ReportContent?
        ) {
            self.id = id
            self.kind = kind
            self.period = period
            self.comparison = comparison
            self.timeZone = timeZone
            self.createdAt = createdAt
            self.scheduled = scheduled
            self.content = content
        }

        init(_ report: AnalyticsReport) {
            self.init(
                id: report.id!, kind: report.reportKind, period: report.period, comparison: report.comparison, timeZone: report.timeZone,
                createdAt: report.createdAt, scheduled: report.createdBy == nil, content: try? report.content())
        }
    }

    /// The KPIs the inbox owns: shown only to those who may see the inbox.
    static let inboxKPIs: Set<String> = ["service_level", "sentiment_negative"]
    /// KPIs where a rise is bad news.
    static let downIsGood: Set<String> = ["sentiment_negative"]

    struct Model: Sendable {
        struct KPIRow: Sendable, Equatable {
            var key: String
            var label: String
            var value: String
            var previous: String
            var change: String
            var tone: String
        }
        struct PostRow: Sendable, Equatable {
            var title: String
            var href: String
            var platform: String
            var engagements: String
            var rate: String
        }
        var title: String
        var subtitle: String
        var madeLine: String
        var createdAt: Date
        var zoneName: String
        var csvHref: String
        var listHref: String
        var kpis: [KPIRow] = []
        var followers: [LineSeries] = []
        var engagements: [LineSeries] = []
        var zone: TimeZone
        var basisNote: String = ""
        var top: [PostRow] = []
        var bottom: [PostRow] = []
        var anomalies: [String] = []
        var quality: [String] = []
        var unreadable: Bool = false
    }

    static func periodText(_ period: DashboardPeriod, _ locale: UILocale) -> String {
        Formats.day(period.from, locale) + " – " + Formats.day(period.to, locale)
    }

    static func model(_ found: Found, base: String, inbox: Bool, locale: UILocale) -> Model {
        func t(_ key: String, _ args: String...) -> String { I18n.text(key, locale, args) }
        let zone = TimeZone(identifier: found.timeZone) ?? TimeZone(identifier: "UTC")!
        let id = found.id.uuidString.lowercased()
        var model = Model(
            title: t("reports.kind.\(found.kind.rawValue)") + " · " + periodText(found.period, locale),
            subtitle: t("reports.compared_with", periodText(found.comparison, locale)),
            madeLine: t(found.scheduled ? "reports.made_line_schedule" : "reports.made_line_person"), createdAt: found.createdAt,
            zoneName: found.timeZone,
            csvHref: "\(base)/reports/\(id)/csv", listHref: "\(base)/reports", zone: zone)
        guard let content = found.content else {
            model.unreadable = true
            return model
        }
        for kpi in content.kpis where inbox || !inboxKPIs.contains(kpi.key) {
            let change = kpi.change
            let good = downIsGood.contains(kpi.key) ? change.direction == .down : change.direction == .up
            model.kpis.append(
                Model.KPIRow(
                    key: kpi.key, label: t("analytics.kpi.\(kpi.key)"), value: DashboardPage.format(kpi.value, unit: kpi.unit, locale),
                    previous: DashboardPage.format(kpi.previous, unit: kpi.unit, locale),
                    change: DashboardPage.change(change, previous: kpi.previous, locale),
                    tone: change.direction == .flat || kpi.previous == nil ? "neutral" : good ? "good" : "bad"))
        }
        let days = found.period.allDays
        let flagged = Set(content.anomalies.filter { $0.series == "followers_net" }.map(\.day))
        func line(_ key: String, _ name: String, flags: Set<String> = []) -> [LineSeries] {
            guard let kpi = content.kpis.first(where: { $0.key == key }), kpi.daily.contains(where: { $0 != nil }) else { return [] }
            return [
                LineSeries(
                    name: name,
                    points: zip(days, kpi.daily).compactMap { day, value in
                        value.map { ChartPoint(at: DashboardPage.instant(day, zone), value: $0, flagged: flags.contains(day)) }
                    })
            ]
        }
        model.followers = line("followers", t("analytics.kpi.followers"), flags: flagged)
        model.engagements = line("engagements", t("analytics.kpi.engagements"))
        model.basisNote = t("reports.basis_note", t("analytics.basis.\(content.basis)"))
        func post(_ item: ReportContent.Post) -> Model.PostRow {
            Model.PostRow(
                title: item.title.isEmpty ? t("reports.untitled") : item.title, href: "\(base)/posts/\(item.postID.uuidString.lowercased())",
                platform: t("platform.\(item.platform)"), engagements: Formats.count(Int(item.engagements.rounded()), locale),
                rate: item.rate.map(DashboardPage.percent) ?? "—")
        }
        model.top = content.top.map(post)
        model.bottom = content.bottom.map(post)
        model.anomalies = content.anomalies.map { anomaly in
            let value =
                anomaly.series == "engagement_rate" ? DashboardPage.percent(anomaly.value) : Formats.count(Int(anomaly.value.rounded()), locale)
            return t("reports.anomaly_line", Formats.day(anomaly.day, locale), t("analytics.kpi.\(anomaly.series)"), value)
        }
        model.quality = content.quality.flatMap { note -> [String] in
            let who = "@\(note.handle) · " + t("platform.\(note.platform)")
            var lines: [String] = []
            if note.missingDays > 0 { lines.append(t("reports.quality_line", who, t("analytics.quality.missing", String(note.missingDays)))) }
            if note.jumps > 0 { lines.append(t("reports.quality_line", who, t("reports.quality_jumps", String(note.jumps)))) }
            if note.duplicatesReplaced > 0 {
                lines.append(t("reports.quality_line", who, t("analytics.quality.duplicates", String(note.duplicatesReplaced))))
            }
            return lines
        }
        return model
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let actions: HTML = """
            <p class="no-print report-actions"><button type="button" onclick="window.print()" id="report-print">\(ctx.t("reports.print"))</button> \
            <a class="button secondary" href="\(model.csvHref)" id="report-csv">\(ctx.t("reports.csv"))</a> \
            <a href="\(model.listHref)">\(ctx.t("reports.all"))</a></p>
            """
        guard !model.unreadable else {
            return """
                <article class="report" id="report"><h1>\(model.title)</h1><p class="empty">\(ctx.t("reports.unreadable"))</p>\(actions)</article>
                """
        }
        let kpiRows = model.kpis.map { row -> HTML in
            """
            <tr data-kpi="\(row.key)"><th scope="row">\(row.label)</th><td class="num">\(row.value)</td><td class="num">\(row.previous)</td>\
            <td class="num change \(row.tone)">\(row.change)</td></tr>
            """
        }
        func posts(_ id: String, _ heading: String, _ rows: [Model.PostRow]) -> HTML {
            guard !rows.isEmpty else { return .empty }
            let body = rows.map { row -> HTML in
                """
                <tr><td class="summary"><a href="\(row.href)" translate="no">\(row.title)</a></td><td>\(row.platform)</td><td class="num">\(row.engagements)</td>\
                <td class="num">\(row.rate)</td></tr>
                """
            }
            return """
                <section id="\(id)"><h2>\(heading)</h2><div class="table-scroll"><table><thead><tr><th>\(ctx.t("reports.col.post"))</th>\
                <th>\(ctx.t("reports.col.platform"))</th><th>\(ctx.t("analytics.kpi.engagements"))</th><th>\(ctx.t("analytics.kpi.engagement_rate"))</th>\
                </tr></thead><tbody>\(body)</tbody></table></div></section>
                """
        }
        let summary = ctx.t("reports.chart_summary", model.title)
        let charts: HTML = """
            \(model.followers.isEmpty ? HTML.empty : Chart.line(ChartSpec(id: "report-followers", title: ctx.t("analytics.kpi.followers"), summary: summary, locale: ctx.locale, format: .count), series: model.followers, zone: model.zone, flagName: ctx.t("analytics.anomaly")))
            \(model.engagements.isEmpty ? HTML.empty : Chart.line(ChartSpec(id: "report-engagements", title: ctx.t("analytics.kpi.engagements"), summary: summary, locale: ctx.locale, format: .count), series: model.engagements, zone: model.zone))
            """
        let anomalies: HTML =
            model.anomalies.isEmpty
            ? "<p>\(ctx.t("reports.no_anomalies"))</p>"
            : "<ul>\(model.anomalies.map { line -> HTML in "<li>\(line)</li>" })</ul>"
        let quality: HTML =
            model.quality.isEmpty
            ? "<p>\(ctx.t("reports.quality_clean"))</p>"
            : "<ul>\(model.quality.map { line -> HTML in "<li>\(line)</li>" })</ul><p class=\"hint\">\(ctx.t("analytics.quality_explained"))</p>"
        return """
            <article class="report" id="report">
            <h1>\(model.title)</h1>
            <p>\(model.subtitle)</p>
            \(actions)
            <section id="report-kpis"><h2>\(ctx.t("reports.kpis"))</h2><div class="table-scroll"><table><thead><tr><th>\(ctx.t("reports.col.kpi"))</th>\
            <th>\(ctx.t("reports.col.this_period"))</th><th>\(ctx.t("reports.col.previous_period"))</th><th>\(ctx.t("reports.col.change"))</th></tr></thead>\
            <tbody>\(kpiRows)</tbody></table></div><p class="hint">\(model.basisNote)</p></section>
            \(charts)
            \(posts("report-top", ctx.t("reports.top"), model.top))
            \(posts("report-bottom", ctx.t("reports.bottom"), model.bottom))
            <section id="report-anomalies"><h2>\(ctx.t("reports.anomalies"))</h2>\(anomalies)</section>
            <section id="report-quality"><h2>\(ctx.t("analytics.quality"))</h2>\(quality)</section>
            <p class="hint">\(model.madeLine) \(Layout.time(model.createdAt, ctx)) · \(ctx.t("reports.zone")) <span translate="no">\(model.zoneName)</span></p>
            </article>
            """
    }

    /// The report as CSV, with the KPIs the reader may see.
    static func csvResponse(_ report: AnalyticsReport, workspaceSlug: String, inbox: Bool) -> Response {
        var content = (try? report.content()) ?? ReportContent(kpis: [], basis: "", top: [], bottom: [], anomalies: [], quality: [], postsCounted: 0)
        if !inbox { content.kpis.removeAll { inboxKPIs.contains($0.key) } }
        let text = content.csv(kind: report.reportKind, period: report.period, comparison: report.comparison)
        let name = ExportName.csv(workspace: workspaceSlug, what: "report-\(report.kind)", period: report.period)
        return DashboardPages.csvResponse(text, name: name)
    }
}
