import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/analytics/anomalies` (数据 → 异常): what the nightly pass
/// flagged, newest found first, each with its series, day, value against
/// the expected band, and a link to the series; with a series chosen, its
/// chart over the period with the flagged days ringed. Query → model →
/// view; the model and view are tested without a database.
struct AnomalyPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("analytics", "anomalies", use: page)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        var errors = ValidationErrors()
        let filter = try await AnomalyList.filter(req, access: access, errors: &errors)
        let zone = TimeZone(identifier: access.workspace.timeZone) ?? .gmt
        let found =
            errors.issues.isEmpty
            ? try await AnomalyPage.query(filter, cursor: req.query[String.self, at: "cursor"], access: access, zone: zone, now: Date(), on: req.db)
            : AnomalyPage.Found()
        let model = AnomalyPage.model(
            filter, found, base: "/w/\(access.workspace.slug)", errors: FormErrors(errors), locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("anomalies.title"), status: errors.issues.isEmpty ? .ok : .unprocessableEntity, AnomalyPage.view(model, ctx, zone: zone)
        )
    }
}

enum AnomalyPage {
    /// One anomaly as stored (no model leaves the query).
    struct Row: Sendable, Equatable {
        var series: AnomalySeriesKey
        var account: Account?
        var day: String
        var value: Double
        var expected: Double
        var low: Double
        var high: Double
        var score: Double
    }

    struct Account: Sendable, Equatable {
        var id: UUID
        var platform: String
        var handle: String
    }

    /// The chosen series over the period, as the detector read it.
    struct Series: Sendable, Equatable {
        var key: AnomalySeriesKey
        var account: Account?
        var from: String
        var to: String
        var points: [Point]
        struct Point: Sendable, Equatable {
            var day: String
            var value: Double
            var flagged: Bool
        }
    }

    struct Found: Sendable {
        var rows: [Row] = []
        var nextCursor: String?
        var series: Series?
    }

    /// Days the chart shows when the filter names no period.
    static let chartDays = 90

    static func query(
        _ filter: AnomalyList.Filter, cursor: String?, access: WorkspaceAccess, zone: TimeZone, now: Date, on db: any Database
    ) async throws -> Found {
        let page = (try? PageQuery(limit: nil, cursor: cursor)) ?? PageQuery()
        let (items, next) = try await AnomalyList.list(filter, page: page, access: access, on: db)
        var accounts: [UUID: Account] = [:]
        for account in try await access.query(SocialAccount.self, on: db).all() {
            accounts[account.id!] = Account(id: account.id!, platform: account.platform, handle: account.handle)
        }
        let rows = items.compactMap { item -> Row? in
            guard let key = AnomalySeriesKey(text: item.series) else { return nil }
            return Row(
                series: key, account: item.accountID.flatMap { accounts[$0] }, day: item.day, value: item.value, expected: item.expected,
                low: item.low, high: item.high, score: item.score)
        }
        var series: Series?
        if let key = filter.series, key.kind.ofAccount == (filter.accountID != nil) {
            let to = filter.to ?? MetricDay.adding(-1, to: MetricDay.of(now, in: zone))
            let from = filter.from ?? MetricDay.adding(-(chartDays - 1), to: to)
            if from <= to, MetricDay.distance(from: from, to: to) < AnalyticsAPI.maxDays {
                let all = try await CoreSeries.read(
                    workspaceID: access.workspaceID, from: MetricDay.adding(-1, to: from), to: to, zone: zone, on: db)
                let flagged = Set(
                    try await access.query(AnalyticsAnomaly.self, on: db).filter(\.$series == key.text)
                        .filter(\.$scopeID == (filter.accountID ?? AnalyticsAnomaly.workspaceScope)).filter(\.$day >= from).filter(\.$day <= to)
                        .all().map(\.day))
                let points = all.first { $0.key == key && $0.accountID == filter.accountID }?.drawn.filter { $0.day >= from } ?? []
                series = Series(
                    key: key, account: filter.accountID.flatMap { accounts[$0] }, from: from, to: to,
                    points: points.map { Series.Point(day: $0.day, value: $0.value, flagged: flagged.contains($0.day)) })
            }
        }
        return Found(rows: rows, nextCursor: next, series: series)
    }

    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            var series: String
            var seriesCode: String
            var account: String?
            var day: String
            var dayCode: String
            var value: String
            var expected: String
            var band: String
            /// `above` or `below` the band.
            var direction: String
            var score: String
            var seriesHref: String
        }
        struct Chart: Sendable {
            var title: String
            var summary: String
            var format: ChartValueFormat
            var points: [(day: String, value: Double, flagged: Bool)]
        }
        var items: [Item]
        var nextHref: String?
        var filter: AnomalyList.Filter
        var seriesOptions: [(value: String, label: String)]
        var errors: FormErrors
        var chart: Chart?
        var filtered: Bool
    }

    static func seriesLabel(_ key: AnomalySeriesKey, _ locale: UILocale) -> String {
        if let type = key.eventType {
            return I18n.text("anomalies.series.events", locale, [I18n.text("anomalies.event.\(type)", locale)])
        }
        return I18n.text("anomalies.series.\(key.kind.rawValue)", locale)
    }

    static func accountLabel(_ account: Account, _ locale: UILocale) -> String {
        "\(I18n.text("platform.\(account.platform)", locale)) @\(account.handle)"
    }

    static func format(_ key: AnomalySeriesKey) -> ChartValueFormat { key.kind == .engagementRate ? .percent : .count }

    static func model(_ filter: AnomalyList.Filter, _ found: Found, base: String, errors: FormErrors, locale: UILocale = .en) -> Model {
        let items = found.rows.map { row in
            let format = format(row.series)
            var series = AnomalyList.Filter(series: row.series, accountID: row.account?.id)
            series.from = MetricDay.adding(-(chartDays - 15), to: row.day)
            series.to = MetricDay.adding(14, to: row.day)
            return Model.Item(
                series: seriesLabel(row.series, locale), seriesCode: row.series.text, account: row.account.map { accountLabel($0, locale) },
                day: Formats.day(row.day, locale), dayCode: row.day, value: format.exact(row.value, locale),
                expected: format.exact(row.expected, locale),
                band: I18n.text("anomalies.band_range", locale, [format.exact(row.low, locale), format.exact(row.high, locale)]),
                direction: row.value > row.expected ? "above" : "below", score: String(format: "%.1f", row.score),
                seriesHref: "\(base)/analytics/anomalies?\(series.query)")
        }
        let chart = found.series.map { series -> Model.Chart in
            var title = seriesLabel(series.key, locale)
            if let account = series.account { title += " · " + accountLabel(account, locale) }
            return Model.Chart(
                title: title,
                summary: I18n.text(
                    "anomalies.chart_summary", locale,
                    [Formats.day(series.from, locale), Formats.day(series.to, locale), String(series.points.filter(\.flagged).count)]),
                format: format(series.key), points: series.points.map { ($0.day, $0.value, $0.flagged) })
        }
        let query = filter.query
        return Model(
            items: items,
            nextHref: found.nextCursor.map { "\(base)/analytics/anomalies?\(query.isEmpty ? "" : query + "&")cursor=\($0)" }, filter: filter,
            seriesOptions: [("", I18n.text("anomalies.all_series", locale))] + AnomalySeriesKey.all.map { ($0.text, seriesLabel($0, locale)) },
            errors: errors, chart: chart, filtered: !query.isEmpty)
    }

    static func view(_ model: Model, _ ctx: PageContext, zone: TimeZone) -> HTML {
        let rows = model.items.map { item -> HTML in
            """
            <tr data-series="\(item.seriesCode)" data-day="\(item.dayCode)"><td><a href="\(item.seriesHref)">\(item.series)</a></td>\
            <td>\(item.account.map { a -> HTML in "<span translate=\"no\">\(a)</span>" } ?? "\(ctx.t("anomalies.whole_workspace"))")</td>\
            <td>\(item.day)</td><td class="num">\(item.value)</td><td class="num">\(item.expected)</td><td class="num">\(item.band)</td>\
            <td>\(Badge.html(ctx.t("anomalies.\(item.direction)"), tone: item.direction == "above" ? .info : .warning, data: [("code", item.direction)]))</td>\
            <td class="num">\(item.score)</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t(model.filtered ? "anomalies.none_filtered" : "anomalies.none"))</p>"
            : """
            <div class="table-scroll"><table id="anomalies-list"><thead><tr><th>\(ctx.t("anomalies.series"))</th><th>\(ctx.t("anomalies.account"))</th>\
            <th>\(ctx.t("anomalies.day"))</th><th>\(ctx.t("anomalies.value"))</th><th>\(ctx.t("anomalies.expected"))</th>\
            <th>\(ctx.t("anomalies.band"))</th><th>\(ctx.t("anomalies.direction"))</th><th>\(ctx.t("anomalies.score"))</th></tr></thead>\
            <tbody>\(rows)</tbody></table></div>
            """
        let chart: HTML =
            model.chart.map { chart -> HTML in
                let spec = ChartSpec(
                    id: "anomaly-series", title: chart.title, summary: chart.summary, locale: ctx.locale, format: chart.format,
                    emptyText: ctx.t("anomalies.chart_empty"))
                let points = chart.points.map { ChartPoint(at: CoreSeries.dayStart($0.day, zone), value: $0.value, flagged: $0.flagged) }
                return Chart.line(spec, series: [LineSeries(name: chart.title, points: points)], zone: zone, flagName: ctx.t("anomalies.flag"))
            } ?? .empty
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"anomalies-next\">\(ctx.t("list.next"))</a></p>" } ?? .empty
        return """
            <h1>\(ctx.t("anomalies.title"))</h1>
            \(AnalyticsTabs.html(ctx, current: "/w/\(ctx.access?.workspace.slug ?? "")/analytics/anomalies"))
            <p>\(ctx.t("anomalies.intro"))</p>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="get" class="filters" id="anomalies-filter">
            \(Layout.select(ctx, name: "series", label: ctx.t("anomalies.series"), options: model.seriesOptions, selected: model.filter.series?.text ?? "", errors: model.errors))
            \(Layout.field(ctx, name: "from", label: ctx.t("anomalies.from"), type: "date", value: model.filter.from ?? "", errors: model.errors, required: false))
            \(Layout.field(ctx, name: "to", label: ctx.t("anomalies.to"), type: "date", value: model.filter.to ?? "", errors: model.errors, required: false))
            \(model.filter.accountID.map { id -> HTML in "<input type=\"hidden\" name=\"account\" value=\"\(id.uuidString.lowercased())\">" } ?? .empty)
            <button type="submit">\(ctx.t("anomalies.filter"))</button>
            </form>
            \(chart)
            \(table)
            \(more)
            <p class="hint">\(ctx.t("anomalies.method"))</p>
            """
    }
}
