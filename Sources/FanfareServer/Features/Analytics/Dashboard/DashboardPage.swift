import FanfareCore
import Fluent
import Vapor

/// 数据概览 / Overview (`/w/{ws}/analytics`): KPI tiles against the
/// comparison period, trend charts with anomalies marked, top and bottom
/// posts, which content works, data-quality notes; each number links to
/// the rows behind it (`/analytics/rows`), and exports as CSV at the
/// chart's granularity (`/analytics/export.csv`, `/analytics/rows.csv`).
/// Query (`AnalyticsOverview.query`) → model → view; the model and view
/// are tested without a database.
struct DashboardPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("analytics", use: page)
        scoped.get("analytics", "rows", use: rows)
        scoped.get("analytics", "rows.csv", use: rowsCSV)
        scoped.get("analytics", "export.csv", use: exportCSV)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        var errors = ValidationErrors()
        // The accounts and campaigns the request was checked against are the ones shown and read from.
        let (request, accounts, campaigns) = try await DashboardRequest.readWithLists(req, access: access, errors: &errors)
        let base = "/w/\(access.workspace.slug)"
        if !errors.issues.isEmpty {
            let model = DashboardPage.invalid(
                request, errors: FormErrors(errors), accounts: accounts, campaigns: campaigns, base: base, locale: ctx.locale,
                zone: access.workspace.zone)
            return Layout.page(ctx, title: ctx.t("analytics.title"), status: .unprocessableEntity, DashboardPage.view(model, ctx))
        }
        let result = try await AnalyticsOverview.query(
            access: access, request: request, inbox: access.can(.inboxView), accounts: accounts, on: req.db)
        let model = DashboardPage.model(
            result, campaigns: campaigns, base: base, canExport: access.can(.reportsExport), locale: ctx.locale, zone: access.workspace.zone)
        return Layout.page(ctx, title: ctx.t("analytics.title"), DashboardPage.view(model, ctx))
    }

    static func metric(_ req: Request, errors: inout ValidationErrors, inbox: Bool) -> DashboardRows.Metric? {
        let choices = DashboardRows.Metric.allCases.filter { inbox || !$0.needsInbox }.map(\.rawValue)
        guard let raw = req.query[String.self, at: "metric"] else {
            errors.add("metric", .isRequiredOneOf(choices: choices))
            return nil
        }
        guard let metric = DashboardRows.Metric(rawValue: raw), choices.contains(raw) else {
            errors.add("metric", .unknownValue(value: raw, choices: choices))
            return nil
        }
        return metric
    }

    @Sendable func rows(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        var errors = ValidationErrors()
        let metric = Self.metric(req, errors: &errors, inbox: access.can(.inboxView))
        let request = try await DashboardRequest.read(req, access: access, errors: &errors)
        let page = max(1, min(req.query[Int.self, at: "page"] ?? 1, 100_000))
        let base = "/w/\(access.workspace.slug)"
        guard let metric, errors.issues.isEmpty else {
            let model = DashboardRowsPage.Model.refused(FormErrors(errors), back: "\(base)/analytics")
            return Layout.page(ctx, title: ctx.t("analytics.rows_title"), status: .unprocessableEntity, DashboardRowsPage.view(model, ctx))
        }
        let found = try await DashboardRows.query(metric, access: access, request: request, page: page, base: base, on: req.db)
        let model = DashboardRowsPage.model(
            found, request: request, page: page, base: base, canExport: access.can(.reportsExport), locale: ctx.locale, zone: access.workspace.zone)
        return Layout.page(ctx, title: ctx.t("analytics.rows_title"), DashboardRowsPage.view(model, ctx))
    }

    @Sendable func rowsCSV(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.reportsExport)
        var errors = ValidationErrors()
        let metric = Self.metric(req, errors: &errors, inbox: access.can(.inboxView))
        let request = try await DashboardRequest.read(req, access: access, errors: &errors)
        guard let metric, errors.issues.isEmpty else { throw errors }
        let found = try await DashboardRows.query(
            metric, access: access, request: request, page: 1, limit: DashboardRows.exportCap, base: "/w/\(access.workspace.slug)", on: req.db)
        let csv = DashboardRowsPage.csv(found, locale: req.uiLocale, zone: access.workspace.zone)
        return Self.csvResponse(csv, name: ExportName.csv(workspace: access.workspace.slug, what: "\(metric.rawValue)-rows", period: request.period))
    }

    @Sendable func exportCSV(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.reportsExport)
        var errors = ValidationErrors()
        let names = NormalisedMetric.allCases.map(\.rawValue) + ["followers_flow"]
        let raw = req.query[String.self, at: "metric"]
        if raw == nil { errors.add("metric", .isRequiredOneOf(choices: names)) }
        if let raw, !names.contains(raw) { errors.add("metric", .unknownValue(value: raw, choices: names)) }
        var granularity = Granularity.day
        if let text = req.query[String.self, at: "granularity"] {
            if let value = Granularity(rawValue: text) {
                granularity = value
            } else {
                errors.add("granularity", .unknownValue(value: text, choices: Granularity.allCases.map(\.rawValue)))
            }
        }
        let request = try await DashboardRequest.read(req, access: access, errors: &errors)
        guard let raw, errors.issues.isEmpty else { throw errors }
        var writer: CSVWriter
        if let metric = NormalisedMetric(rawValue: raw) {
            let reader = MetricSeriesReader(db: req.db, workspaceID: access.workspaceID, scope: request.scope)
            let (points, basis) = try await reader.series(metric, granularity: granularity)
            writer = CSVWriter(header: ["period", metric.rawValue] + (basis == nil ? [] : ["basis"]))
            for point in points {
                writer.append([point.period, CSVWriter.number(point.value)] + (basis.map { [$0] } ?? []))
            }
        } else {
            let scope = request.scope
            let totals = try await MetricSeriesReader(db: req.db, workspaceID: access.workspaceID, scope: scope).dailyTotals(.followers)
            writer = CSVWriter(header: ["period", "followers", "new", "lost", "net"])
            for row in DashboardPage.flowPeriods(FollowerFlow.days(totals, period: request.period), granularity: granularity) {
                writer.append([
                    row.period, CSVWriter.number(row.followers), CSVWriter.number(row.new), CSVWriter.number(row.lost),
                    CSVWriter.number(row.new - row.lost),
                ])
            }
        }
        return Self.csvResponse(
            ExportName.withBOM(writer),
            name: ExportName.csv(workspace: access.workspace.slug, what: "\(raw)-\(granularity.rawValue)", period: request.period))
    }

    static func csvResponse(_ text: String, name: String) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}

enum DashboardPage {
    struct Tile: Sendable, Equatable {
        var key: String
        var label: String
        var value: String
        /// The exact value (hover), when the shown one is shortened.
        var exact: String?
        /// ▲ 12.3% / ▼ 4.0% / —, and whether the move is good, bad or neither.
        var change: String
        var tone: String
        var previous: String
        var note: String?
        var sparkline: [Double]
        var format: ChartValueFormat
        var href: String
    }

    struct PostItem: Sendable, Equatable {
        var title: String
        var href: String
        var platform: String
        var engagements: String
        var rate: String
    }

    struct Table: Sendable, Equatable {
        var id: String
        var title: String
        var columns: [String]
        var rows: [[String]]
    }

    struct Model: Sendable {
        var base: String
        var zone: TimeZone
        var locale: UILocale
        var errors: FormErrors
        var preset: String
        var from: String
        var to: String
        var compare: String
        var filter: DashboardFilter
        var presetOptions: [(value: String, label: String)]
        var compareOptions: [(value: String, label: String)]
        var accountOptions: [(value: String, label: String)]
        var platformOptions: [(value: String, label: String)]
        var pillarOptions: [(value: String, label: String)]
        var formatOptions: [(value: String, label: String)]
        var campaignOptions: [(value: String, label: String)]
        var periodText: String
        /// What to do when nothing is stored yet: the sentence and the link.
        var empty: (text: String, action: String, href: String)?
        var tiles: [Tile] = []
        var followerSeries: [LineSeries] = []
        var growthCategories: [String] = []
        var growth: [BarSeries] = []
        var rateSeries: [LineSeries] = []
        var top: [PostItem] = []
        var bottom: [PostItem] = []
        var tables: [Table] = []
        /// Per account: its handle (typed) and what the check found.
        var quality: [(handle: String, text: String)] = []
        var exports: [(label: String, href: String)] = []
        var basisNote: String = ""
        var sentimentNote: String?
    }

    static func t(_ key: String, _ locale: UILocale, _ args: String...) -> String { I18n.text(key, locale, args) }

    /// A value in its unit: 1.2万 / 12.3% / ¥1,234.56.
    static func format(_ value: Double?, unit: String, _ locale: UILocale) -> String {
        guard let value, value.isFinite else { return "—" }
        switch unit {
        case "ratio": return percent(value)
        case "fen": return Formats.yuan(value / 100)
        default: return Formats.count(Int(value.rounded()), locale)
        }
    }

    static func percent(_ ratio: Double) -> String {
        let shown = ratio * 100
        return DecimalText.fixed(shown, digits: abs(shown) < 10 ? 2 : 1) + "%"
    }

    /// ▲ 12.3% / ▼ 4.0%; "—" with nothing to compare with; ▲ alone for a rise from 0.
    static func change(_ change: KPIChange, previous: Double?, _ locale: UILocale) -> String {
        guard previous != nil else { return "—" }
        let arrow = change.direction == .up ? "▲" : change.direction == .down ? "▼" : "="
        guard let ratio = change.ratio else { return change.direction == .flat ? "=" : arrow + " " + t("analytics.from_zero", locale) }
        return change.direction == .flat ? "= 0%" : arrow + " " + percent(abs(ratio)).replacingOccurrences(of: ".00%", with: "%")
    }

    static func link(_ base: String, _ path: String, _ items: [(String, String)]) -> String {
        let query = DashboardRequest.query(items)
        return "\(base)/analytics\(path)\(query.isEmpty ? "" : "?" + query)"
    }

    static func options(
        _ request: DashboardRequest, accounts: [DashboardQueries.Account], campaigns: [String], locale: UILocale
    ) -> (
        presets: [(value: String, label: String)], compare: [(value: String, label: String)], accounts: [(value: String, label: String)],
        platforms: [(value: String, label: String)], pillars: [(value: String, label: String)], formats: [(value: String, label: String)],
        campaigns: [(value: String, label: String)]
    ) {
        let any = (value: "", label: t("analytics.filter_all", locale))
        return (
            DashboardRequest.presets.map { ($0, t("analytics.period.last", locale, $0)) } + [("custom", t("analytics.period.custom", locale))],
            DashboardComparison.allCases.map { ($0.rawValue, t("analytics.compare.\($0.rawValue)", locale)) },
            [any] + accounts.map { ($0.id.uuidString.lowercased(), "@" + $0.handle) },
            [any] + Set(accounts.map(\.platform)).sorted().map { ($0, t("platform.\($0)", locale)) },
            [any] + Pillar.allCases.map { ($0.rawValue, t("pillar.\($0.rawValue)", locale)) },
            [any] + ContentFormat.allCases.map { ($0.rawValue, t("format.\($0.rawValue)", locale)) },
            [any] + campaigns.map { ($0, $0) }
        )
    }

    /// The page when the query could not be read: the form with each wrong field named.
    static func invalid(
        _ request: DashboardRequest, errors: FormErrors, accounts: [DashboardQueries.Account], campaigns: [String], base: String, locale: UILocale,
        zone: TimeZone
    ) -> Model {
        let o = options(request, accounts: accounts, campaigns: campaigns, locale: locale)
        return Model(
            base: base, zone: zone, locale: locale, errors: errors, preset: request.preset, from: request.period.from, to: request.period.to,
            compare: request.comparisonKind.rawValue, filter: request.filter, presetOptions: o.presets, compareOptions: o.compare,
            accountOptions: o.accounts, platformOptions: o.platforms, pillarOptions: o.pillars, formatOptions: o.formats,
            campaignOptions: o.campaigns,
            periodText: "", empty: nil)
    }

    static func periodText(_ period: DashboardPeriod, _ locale: UILocale) -> String {
        Formats.day(period.from, locale) + " – " + Formats.day(period.to, locale)
    }

    /// A day's first instant in the zone, for the time axis.
    static func instant(_ day: String, _ zone: TimeZone) -> Date { DashboardQueries.start(of: day, in: zone) }

    static func model(
        _ result: AnalyticsOverview.Result, campaigns: [String], base: String, canExport: Bool, locale: UILocale, zone: TimeZone
    ) -> Model {
        let request = result.request
        var model = invalid(request, errors: FormErrors(), accounts: result.accounts, campaigns: campaigns, base: base, locale: locale, zone: zone)
        model.periodText = t(
            "analytics.period_vs", locale, periodText(result.period, locale), periodText(result.comparison, locale))
        if result.storesNothing {
            let connected = result.accounts.contains { $0.connected }
            model.empty =
                connected
                ? (t("analytics.empty_waiting", locale), t("analytics.empty_waiting_action", locale), "\(base)/accounts")
                : (t("analytics.empty_connect", locale), t("analytics.empty_connect_action", locale), "\(base)/accounts")
            return model
        }
        let filterItems = request.queryItems
        let dayItems = { (day: String) -> [(String, String)] in
            [("from", day), ("to", day)] + request.filter.queryItems
                + (request.comparisonKind == .previous ? [] : [("compare", request.comparisonKind.rawValue)])
        }
        // Tiles.
        let order: [(key: String, good: Bool)] = [
            ("followers", true), ("followers_net", true), ("impressions", true), ("engagements", true), ("engagement_rate", true),
            ("sign_ups", true), ("purchases", true), ("purchase_amount", true), ("service_level", true), ("sentiment_negative", false),
        ]
        for (key, upIsGood) in order {
            guard let kpi = result.kpi(key) else { continue }
            let value = format(kpi.value, unit: kpi.unit, locale)
            let exact: String? =
                kpi.unit == "count"
                ? kpi.value.flatMap { v in Formats.grouped(Int(v.rounded())) == value ? nil : Formats.grouped(Int(v.rounded())) } : nil
            let change = kpi.change
            let tone =
                kpi.previous == nil || change.direction == .flat ? "flat" : ((change.direction == .up) == upIsGood ? "good" : "bad")
            var note: String?
            if key == "engagement_rate" { note = t("analytics.basis.\(result.basis.rawValue)", locale) }
            if key == "purchases" || key == "sign_ups" || key == "purchase_amount" { note = t("analytics.conversions_note", locale) }
            if key == "service_level" { note = t("analytics.service_level_note", locale) }
            model.tiles.append(
                Tile(
                    key: key, label: t("analytics.kpi.\(key)", locale), value: value, exact: exact,
                    change: Self.change(change, previous: kpi.previous, locale),
                    tone: tone, previous: t("analytics.previous_value", locale, format(kpi.previous, unit: kpi.unit, locale)), note: note,
                    sparkline: kpi.daily.compactMap { $0 }, format: kpi.unit == "ratio" ? .percent : kpi.unit == "fen" ? .yuan : .count,
                    href: link(base, "/rows", [("metric", key)] + filterItems)))
        }
        model.basisNote = t("analytics.basis_explained.\(result.basis.rawValue)", locale)
        if result.sentiment != nil, let s = result.sentiment {
            model.sentimentNote = t(
                "analytics.sentiment_line", locale, s.share(s.positive).map(percent) ?? "—", s.share(s.neutral).map(percent) ?? "—",
                s.share(s.negative).map(percent) ?? "—", Formats.count(s.total, locale))
        }
        // Charts: followers with the comparison period, growth, engagement rate; anomalies marked.
        let shift = instant(result.period.from, zone).timeIntervalSince(instant(result.comparison.from, zone))
        let history: [FollowerFlowDay] = request.comparisonKind == .previous ? result.comparisonFollowerDays : []
        let netFlags = DashboardAnomalies.flags(
            (history + result.followerDays).map { ($0.day, $0.followers == nil ? nil : $0.net) }, judgeFrom: result.period.from, minChange: 50)
        model.followerSeries = [
            LineSeries(
                name: t("analytics.this_period", locale),
                points: result.followerDays.compactMap { day in
                    day.followers.map {
                        ChartPoint(
                            at: instant(day.day, zone), value: $0, href: link(base, "/rows", [("metric", "followers")] + dayItems(day.day)),
                            flagged: netFlags.contains(day.day))
                    }
                }),
            LineSeries(
                name: t("analytics.comparison_period", locale),
                points: result.comparisonFollowerDays.compactMap { day in day.followers.map { ChartPoint(at: instant(day.day, zone), value: $0) } },
                comparison: true, shift: shift),
        ]
        let hasFollowers = result.followerDays.contains { $0.followers != nil }
        model.growthCategories =
            hasFollowers
            ? result.followerDays.map { day in
                let parts = day.day.split(separator: "-").compactMap { Int($0) }
                return parts.count == 3 ? ChartTime.short(year: nil, month: parts[1], day: parts[2], locale) : day.day
            } : []
        model.growth =
            hasFollowers
            ? [
                BarSeries(
                    name: t("analytics.new", locale), values: result.followerDays.map(\.new),
                    hrefs: result.followerDays.map { link(base, "/rows", [("metric", "followers_new")] + dayItems($0.day)) }, tone: .good),
                BarSeries(
                    name: t("analytics.lost", locale), values: result.followerDays.map { -$0.lost },
                    hrefs: result.followerDays.map { link(base, "/rows", [("metric", "followers_lost")] + dayItems($0.day)) }, tone: .bad),
            ] : []
        let rate = result.kpi("engagement_rate")?.daily ?? []
        let comparisonRate = AnalyticsOverview.dailyRate(
            period: result.comparison, days: result.comparisonPostDays, basis: result.basis, followers: result.comparisonFollowerDays)
        let rateHistory: [(day: String, value: Double?)] =
            request.comparisonKind == .previous ? Array(zip(result.comparison.allDays, comparisonRate)).map { ($0, $1) } : []
        let rateFlags = DashboardAnomalies.flags(
            rateHistory + Array(zip(result.period.allDays, rate)).map { ($0, $1) }, judgeFrom: result.period.from, minChange: 0.005)
        model.rateSeries = [
            LineSeries(
                name: t("analytics.this_period", locale),
                points: zip(result.period.allDays, rate).compactMap { day, value in
                    value.map {
                        ChartPoint(
                            at: instant(day, zone), value: $0, href: link(base, "/rows", [("metric", "engagement_rate")] + dayItems(day)),
                            flagged: rateFlags.contains(day))
                    }
                }),
            LineSeries(
                name: t("analytics.comparison_period", locale),
                points: zip(result.comparison.allDays, comparisonRate).compactMap { day, value in
                    value.map { ChartPoint(at: instant(day, zone), value: $0) }
                },
                comparison: true, shift: shift),
        ]
        // Top and bottom posts.
        let ranked = result.ranked()
        let item = { (post: AnalyticsOverview.PostPeriod) -> PostItem in
            PostItem(
                title: post.title, href: "\(base)/posts/\(post.postID.uuidString)", platform: post.platform,
                engagements: Formats.count(Int(post.engagements.rounded()), locale),
                rate: post.rate.map { percent($0) + " · " + t("analytics.basis.\(post.basis.rawValue)", locale) } ?? "—")
        }
        model.top = ranked.top.map(item)
        model.bottom = ranked.bottom.map(item)
        // Which content works.
        let followers = Dictionary(uniqueKeysWithValues: result.accountFollowers.map { ($0.key.uuidString, $0.value.end ?? 0) })
        func breakdown(_ group: (AnalyticsOverview.PostPeriod) -> String?) -> [BreakdownRow] {
            ContentBreakdown.group(
                result.posts.compactMap { post in
                    group(post).map {
                        BreakdownPost(group: $0, account: post.accountID.uuidString, engagements: post.engagements, impressions: post.impressions)
                    }
                }, followers: followers)
        }
        func rateText(_ row: BreakdownRow) -> String {
            row.rate.map { percent($0) + " · " + t("analytics.basis.\(row.basis.rawValue)", locale) } ?? "—"
        }
        func table(_ id: String, _ group: (AnalyticsOverview.PostPeriod) -> String?, _ label: (String) -> String) -> Table {
            Table(
                id: id, title: t("analytics.by.\(id)", locale),
                columns: [
                    t("analytics.by.\(id)", locale), t("analytics.col.posts", locale), t("analytics.col.engagements", locale),
                    t("analytics.kpi.engagement_rate", locale),
                ],
                rows: breakdown(group).map { row in
                    [label(row.group), Formats.count(row.posts, locale), Formats.count(Int(row.engagements.rounded()), locale), rateText(row)]
                })
        }
        model.tables = [
            table("pillar", { $0.pillar }) { PostVocabulary.known("pillar." + $0, locale) ?? $0 },
            table("format", { $0.format }) { PostVocabulary.known("format." + $0, locale) ?? $0 },
            table("campaign", { $0.campaign }) { $0 },
            table("platform", { $0.platform }) { t("platform." + $0, locale) },
        ].filter { !$0.rows.isEmpty }
        // Accounts, once: followers and growth beside what their posts did.
        let content = Dictionary(breakdown { $0.accountID.uuidString }.map { ($0.group, $0) }) { first, _ in first }
        let accountRows = result.accounts.filter { result.accountFollowers[$0.id] != nil || content[$0.id.uuidString] != nil }.map {
            account -> [String] in
            let numbers = result.accountFollowers[account.id]
            let posts = content[account.id.uuidString]
            return [
                "@" + account.handle, t("platform." + account.platform, locale), format(numbers?.end, unit: "count", locale),
                numbers.map { ($0.net > 0 ? "+" : "") + Formats.count(Int($0.net.rounded()), locale) } ?? "—",
                Formats.count(posts?.posts ?? 0, locale), Formats.count(Int((posts?.engagements ?? 0).rounded()), locale), posts.map(rateText) ?? "—",
            ]
        }
        if !accountRows.isEmpty {
            model.tables.insert(
                Table(
                    id: "accounts", title: t("analytics.accounts", locale),
                    columns: [
                        t("analytics.col.account", locale), t("analytics.col.platform", locale), t("analytics.kpi.followers", locale),
                        t("analytics.kpi.followers_net", locale), t("analytics.col.posts", locale), t("analytics.col.engagements", locale),
                        t("analytics.kpi.engagement_rate", locale),
                    ], rows: accountRows), at: 0)
        }
        model.quality = result.quality.map { note in
            var parts: [String] = []
            if note.missingDays > 0 { parts.append(t("analytics.quality.missing", locale, String(note.missingDays))) }
            if !note.jumps.isEmpty {
                parts.append(t("analytics.quality.jumps", locale, note.jumps.map { Formats.day($0.day, locale) }.joined(separator: "、")))
            }
            if note.duplicatesReplaced > 0 { parts.append(t("analytics.quality.duplicates", locale, String(note.duplicatesReplaced))) }
            let platform = t("platform." + note.platform, locale)
            return locale == .zhHans
                ? ("@" + note.handle, "（\(platform)）：" + parts.joined(separator: "；"))
                : ("@" + note.handle, " (\(platform)): " + parts.joined(separator: "; "))
        }
        if canExport {
            model.exports = [
                (
                    t("analytics.export.followers", locale),
                    link(base, "/export.csv", [("metric", "followers_flow"), ("granularity", "day")] + filterItems)
                ),
                (
                    t("analytics.export.engagement_rate", locale),
                    link(base, "/export.csv", [("metric", "engagement_rate"), ("granularity", "day")] + filterItems)
                ),
                (
                    t("analytics.export.engagements", locale),
                    link(base, "/export.csv", [("metric", "engagements"), ("granularity", "day")] + filterItems)
                ),
            ]
        }
        return model
    }

    /// Follower growth at a granularity: new and lost summed, followers at the period's last day.
    static func flowPeriods(_ days: [FollowerFlowDay], granularity: Granularity) -> [(period: String, followers: Double?, new: Double, lost: Double)]
    {
        var result: [(period: String, followers: Double?, new: Double, lost: Double)] = []
        for day in days {
            let period = granularity.period(of: day.day)
            if let last = result.last, last.period == period {
                result[result.count - 1].new += day.new
                result[result.count - 1].lost += day.lost
                result[result.count - 1].followers = day.followers ?? last.followers
            } else {
                result.append((period, day.followers, day.new, day.lost))
            }
        }
        return result
    }

    /// A select whose options (but the first, "all") are names people typed: kept out of translation.
    static func typedSelect(
        _ ctx: PageContext, name: String, label: String, options: [(value: String, label: String)], selected: String, errors: FormErrors
    ) -> HTML {
        let opts = options.enumerated().map { index, option -> HTML in
            "<option value=\"\(option.value)\"\(option.value == selected ? HTML(raw: " selected") : .empty)\(index > 0 ? HTML(raw: " translate=\"no\"") : .empty)>\(option.label)</option>"
        }
        return """
            <div class="field\(errors[name] != nil ? " has-error" : "")"><label for="\(name)">\(label)</label><select id="\(name)" name="\(name)">\(opts)</select>\
            \(errors[name].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            """
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let locale = model.locale
        let showCustom = model.preset == "custom"
        let form: HTML = """
            <form method="get" class="filters" id="analytics-filter" action="\(model.base)/analytics">
            \(Layout.select(ctx, name: "period", label: ctx.t("analytics.period"), options: model.presetOptions, selected: model.preset, errors: model.errors))
            <div class="field\(model.errors["from"] != nil ? " has-error" : "")"><label for="from">\(ctx.t("analytics.from"))</label>\
            <input id="from" name="from" type="date" value="\(showCustom ? model.from : "")">\
            \(model.errors["from"].map { e -> HTML in "<small class=\"error\">\(e.text(locale))</small>" })</div>
            <div class="field\(model.errors["to"] != nil ? " has-error" : "")"><label for="to">\(ctx.t("analytics.to"))</label>\
            <input id="to" name="to" type="date" value="\(showCustom ? model.to : "")">\
            \(model.errors["to"].map { e -> HTML in "<small class=\"error\">\(e.text(locale))</small>" })</div>
            \(Layout.select(ctx, name: "compare", label: ctx.t("analytics.compare"), options: model.compareOptions, selected: model.compare, errors: model.errors))
            \(typedSelect(ctx, name: "account", label: ctx.t("analytics.col.account"), options: model.accountOptions, selected: model.filter.accountID?.uuidString.lowercased() ?? "", errors: model.errors))
            \(Layout.select(ctx, name: "platform", label: ctx.t("analytics.col.platform"), options: model.platformOptions, selected: model.filter.platform ?? "", errors: model.errors))
            \(Layout.select(ctx, name: "pillar", label: ctx.t("analytics.by.pillar"), options: model.pillarOptions, selected: model.filter.pillar ?? "", errors: model.errors))
            \(Layout.select(ctx, name: "format", label: ctx.t("analytics.by.format"), options: model.formatOptions, selected: model.filter.format ?? "", errors: model.errors))
            \(typedSelect(ctx, name: "campaign", label: ctx.t("analytics.by.campaign"), options: model.campaignOptions, selected: model.filter.campaign ?? "", errors: model.errors))
            <button type="submit">\(ctx.t("analytics.apply"))</button>
            </form>
            <p class="hint">\(ctx.t("analytics.custom_hint"))</p>
            """
        let header: HTML = """
            <h1>\(ctx.t("analytics.title"))</h1>
            \(AnalyticsTabs.html(ctx, current: "/w/\(ctx.access?.workspace.slug ?? "")/analytics"))
            \(Layout.errorSummary(ctx, model.errors))
            \(form)
            """
        if !model.errors.isEmpty { return header }
        if let empty = model.empty {
            return """
                \(header)
                <section class="empty" id="analytics-empty"><p>\(empty.text)</p><p><a class="button" href="\(empty.href)">\(empty.action)</a></p></section>
                """
        }
        let tiles = model.tiles.map { tile -> HTML in
            let value: HTML = tile.exact.map { "<span title=\"\($0)\">\(tile.value)</span>" } ?? "\(tile.value)"
            return """
                <a class="tile kpi tone-\(tile.tone)" id="kpi-\(tile.key)" href="\(tile.href)"><span class="label">\(tile.label)</span>\
                <strong class="count">\(value)</strong><span class="change change-\(tile.tone)">\(tile.change)</span>\
                <span class="previous">\(tile.previous)</span>\
                \(Chart.sparkline(tile.sparkline, label: tile.label, locale: locale, format: tile.format))\
                \(tile.note.map { n -> HTML in "<small class=\"hint\">\(n)</small>" })</a>
                """
        }
        let zone = model.zone
        let followers = Chart.line(
            ChartSpec(
                id: "chart-followers", title: ctx.t("analytics.chart.followers"), summary: model.periodText, locale: locale, format: .count,
                emptyText: ctx.t("analytics.chart_empty")),
            series: model.followerSeries, zone: zone, flagName: ctx.t("analytics.anomaly"))
        let growth = Chart.bars(
            ChartSpec(
                id: "chart-growth", title: ctx.t("analytics.chart.growth"), summary: ctx.t("analytics.growth_explained"), locale: locale,
                format: .count,
                emptyText: ctx.t("analytics.chart_empty")),
            categories: model.growthCategories, series: model.growth, stacked: true, categoryName: ctx.t("analytics.col.day"))
        let rate = Chart.line(
            ChartSpec(
                id: "chart-engagement-rate", title: ctx.t("analytics.chart.engagement_rate"), summary: model.periodText + " · " + model.basisNote,
                locale: locale, format: .percent, emptyText: ctx.t("analytics.chart_empty")),
            series: model.rateSeries, zone: zone, flagName: ctx.t("analytics.anomaly"))
        func posts(_ id: String, _ title: String, _ items: [PostItem]) -> HTML {
            let rows = items.map { item -> HTML in
                """
                <tr><td><a href="\(item.href)" translate="no">\(item.title)</a></td><td>\(Badge.platform(item.platform, locale))</td>\
                <td class="num">\(item.engagements)</td><td class="num">\(item.rate)</td></tr>
                """
            }
            return """
                <section id="\(id)"><h2>\(title)</h2>\
                \(rows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t(id == "analytics-bottom" && !model.top.isEmpty ? "analytics.all_in_top" : "analytics.no_posts"))</p>") : HTML("<div class=\"table-scroll\"><table><thead><tr><th>\(ctx.t("analytics.col.post"))</th><th>\(ctx.t("analytics.col.platform"))</th><th>\(ctx.t("analytics.col.engagements"))</th><th>\(ctx.t("analytics.kpi.engagement_rate"))</th></tr></thead><tbody>\(rows)</tbody></table></div>"))</section>
                """
        }
        let tables = model.tables.map { table -> HTML in
            let head = table.columns.map { c -> HTML in "<th>\(c)</th>" }
            let rows = table.rows.map { row -> HTML in
                "<tr>\(row.enumerated().map { index, cell -> HTML in index == 0 ? "<th scope=\"row\" translate=\"\(table.id == "campaign" || table.id == "accounts" ? "no" : "yes")\">\(cell)</th>" : "<td class=\"num\">\(cell)</td>" })</tr>"
            }
            return """
                <section id="breakdown-\(table.id)"><h3>\(table.title)</h3><div class="table-scroll"><table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div></section>
                """
        }
        let quality: HTML =
            model.quality.isEmpty
            ? .empty
            : """
            <section id="analytics-quality"><h2>\(ctx.t("analytics.quality"))</h2><ul>\(model.quality.map { q -> HTML in "<li>\(HTML.typed(q.handle))\(q.text)</li>" })</ul>\
            <p class="hint">\(ctx.t("analytics.quality_explained"))</p></section>
            """
        let exports: HTML =
            model.exports.isEmpty
            ? .empty
            : "<p class=\"exports\" id=\"analytics-exports\">\(ctx.t("analytics.export")): \(HTML.join(model.exports.map { e -> HTML in "<a class=\"button secondary\" href=\"\(e.href)\">\(e.label)</a>" }, separator: " "))</p>"
        return """
            \(header)
            <p class="period" id="analytics-period">\(model.periodText)</p>
            <div class="tiles kpis" id="analytics-kpis">\(tiles)</div>
            \(model.sentimentNote.map { s -> HTML in "<p class=\"hint\" id=\"analytics-sentiment\">\(s)</p>" })
            <section id="analytics-trends"><h2>\(ctx.t("analytics.trends"))</h2>\
            <h3>\(ctx.t("analytics.chart.followers"))</h3>\(followers)\
            <h3>\(ctx.t("analytics.chart.growth"))</h3>\(growth)<p class="hint">\(ctx.t("analytics.growth_explained"))</p>\
            <h3>\(ctx.t("analytics.chart.engagement_rate"))</h3>\(rate)<p class="hint">\(model.basisNote)</p></section>
            \(exports)
            \(posts("analytics-top", ctx.t("analytics.top"), model.top))
            \(posts("analytics-bottom", ctx.t("analytics.bottom"), model.bottom))
            <section id="analytics-breakdown"><h2>\(ctx.t("analytics.what_works"))</h2>\(tables)</section>
            \(quality)
            """
    }
}
