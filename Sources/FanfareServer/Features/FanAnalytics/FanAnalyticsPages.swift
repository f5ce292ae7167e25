import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/fan-analytics` (数据 → 粉丝分析): the fan funnel with
/// repurchase and value, retention cohorts and community DAU / WAU / MAU
/// for a period; each funnel step opens the fans behind it
/// (`…/fan-analytics/funnel/{step}`) and exports them as CSV.
struct FanAnalyticsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("fan-analytics", use: page)
        scoped.get("fan-analytics", "funnel", ":step", use: stepFans)
        scoped.get("fan-analytics", "funnel", ":step", "export", use: export)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let (query, errors, scope, accounts) = try await FanAnalyticsService.readWithAccounts(
            req, access: access, granularities: [.day, .week, .month])
        let found = try await FanAnalyticsPage.query(errors.issues.isEmpty ? scope : nil, access: access, accounts: accounts, on: req.db)
        let model = FanAnalyticsPage.model(
            query, found, errors: FormErrors(errors), slug: access.workspace.slug, zone: scope.zone, canExport: access.can(.reportsExport),
            locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("fananalytics.title"), status: errors.issues.isEmpty ? .ok : .unprocessableEntity, FanAnalyticsPage.view(model, ctx))
    }

    static func step(_ req: Request) throws -> FunnelStepKind {
        guard let step = req.parameters.get("step").flatMap(FunnelStepKind.init(rawValue:)) else { throw Abort(.notFound) }
        return step
    }

    @Sendable func stepFans(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let step = try Self.step(req)
        let ctx = try await PageContext.make(req)
        let (query, errors, scope) = try await FanAnalyticsService.read(req, access: access, granularities: [.day])
        if !errors.issues.isEmpty { throw errors }
        let after = req.query[String.self, at: "after"].flatMap(UUID.init(uuidString:))
        let fans = try await FanActivityQueries(req.db, scope: scope).fans(at: step, after: after, limit: FanStepPage.pageSize + 1)
        let model = FanStepPage.model(
            step: step, query: query, fans: fans, viewer: FanViewer(access), slug: access.workspace.slug, canExport: access.can(.reportsExport),
            locale: ctx.locale)
        return Layout.page(ctx, title: model.title, FanStepPage.view(model, ctx))
    }

    /// Every fan of the step as CSV (UTF-8 with a byte-order mark), at most
    /// `FanStepPage.exportLimit` rows, names masked as the reader's role reads them.
    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        try access.require(.reportsExport)
        let step = try Self.step(req)
        let (query, errors, scope) = try await FanAnalyticsService.read(req, access: access, granularities: [.day])
        if !errors.issues.isEmpty { throw errors }
        let queries = try FanActivityQueries(req.db, scope: scope)
        var fans: [FanActivityQueries.StepFan] = []
        var after: UUID?
        while fans.count < FanStepPage.exportLimit {
            let want = min(5_000, FanStepPage.exportLimit - fans.count)
            let page = try await queries.fans(at: step, after: after, limit: want)
            fans += page
            guard page.count == want, let last = page.last else { break }
            after = last.id
        }
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"fans-\(step.rawValue)-\(query.from)-\(query.to).csv\"")
        let csv = FanStepPage.csv(step: step, query: query, fans: fans, viewer: FanViewer(access))
        return Response(status: .ok, headers: headers, body: .init(string: csv))
    }
}

/// The fan analytics page: query → model → view; the model and view are
/// tested without a database.
enum FanAnalyticsPage {
    struct Found: Sendable {
        var anyFacts = false
        var funnel = FanFunnel(counts: [0, 0, 0, 0, 0])
        var repurchase = RepurchaseSummary(buyers: 0, repeatBuyers: 0, netSpendFen: 0, buyersNetSpendFen: 0)
        var cohorts: [Cohorts.Row] = []
        var active: [ActiveFans.Day] = []
        var accounts: [(id: UUID, platform: String, handle: String)] = []
        /// The saved segments the reader may filter by (none without `fans.view`).
        var segments: [(id: UUID, name: String)] = []
    }

    /// Nil scope (the question had errors): only the accounts, for the form.
    /// `accounts`: the workspace's accounts when the request has read them already.
    static func query(
        _ scope: FanScope?, access: WorkspaceAccess, accounts: [(id: UUID, platform: String, handle: String)]? = nil, on db: any Database
    ) async throws -> Found {
        var found = Found()
        if let accounts { found.accounts = accounts } else { found.accounts = try await FanAnalyticsService.accounts(access, on: db) }
        found.segments = try await FanAnalyticsService.segments(access, on: db)
        guard let scope else { return found }
        let queries = try FanActivityQueries(db, scope: scope)
        found.anyFacts = try await queries.anyFacts()
        guard found.anyFacts else { return found }
        found.funnel = try await queries.funnel()
        found.repurchase = try await queries.repurchase()
        found.cohorts = try await FanAnalyticsAPI.cohortRows(scope, on: db)
        found.active = try await queries.activeFans()
        return found
    }

    struct Tile: Sendable, Equatable {
        var id: String
        var label: String
        var value: String
        var note: String
    }

    struct Step: Sendable, Equatable {
        var code: String
        var label: String
        var fans: Int
        var stepRate: String
        var overallRate: String
        var href: String
        var csvHref: String?
    }

    struct Model: Sendable {
        var base: String
        var query: FanPeriodQuery
        var errors: FormErrors
        var platformOptions: [(value: String, label: String)]
        var accountOptions: [(value: String, label: String)]
        /// Empty when the workspace has no segment or the reader may not read them.
        var segmentOptions: [(value: String, label: String)]
        /// The chosen segment's name (the DAU / WAU / MAU note says it does not apply there).
        var segmentName: String?
        var granularityOptions: [(value: String, label: String)]
        /// The workspace has no fact of any fan yet: say where they come from.
        var empty: Bool
        var accountsHref: String
        var periodText: String
        var tiles: [Tile]
        var steps: [Step]
        var cohortRows: [Cohorts.Row]
        var cohortLabels: [String]
        var active: [ActiveFans.Day]
        var zone: TimeZone
    }

    static func percent(_ value: Double?) -> String {
        guard let value else { return "—" }
        return String(format: "%.1f%%", value * 100)
    }

    static func model(
        _ query: FanPeriodQuery, _ found: Found, errors: FormErrors, slug: String, zone: TimeZone, canExport: Bool, locale: UILocale
    ) -> Model {
        let base = "/w/\(slug)/fan-analytics"
        func t(_ key: String, _ arguments: String...) -> String { I18n.text(key, locale, arguments) }
        var components = URLComponents()
        components.queryItems = query.queryItems().map { URLQueryItem(name: $0.0, value: $0.1) }
        let filter = components.percentEncodedQuery ?? ""
        let periodText = t("fananalytics.period", Formats.day(query.from, locale), Formats.day(query.to, locale))
        let steps = found.funnel.steps.map { step in
            Step(
                code: step.kind.rawValue, label: t("fananalytics.step.\(step.kind.rawValue)"), fans: step.fans,
                stepRate: percent(step.stepConversion), overallRate: percent(step.overallConversion),
                href: "\(base)/funnel/\(step.kind.rawValue)?\(filter)",
                csvHref: canExport ? "\(base)/funnel/\(step.kind.rawValue)/export?\(filter)" : nil)
        }
        let repurchase = found.repurchase
        let tiles = [
            Tile(
                id: "kpi-followers", label: t("fananalytics.kpi.followers"), value: Formats.count(found.funnel.steps[0].fans, locale),
                note: t("fananalytics.kpi.followers_note")),
            Tile(
                id: "kpi-repurchase", label: t("fananalytics.kpi.repurchase"), value: percent(repurchase.repurchaseRate),
                note: t("fananalytics.kpi.repurchase_note", Formats.count(repurchase.repeatBuyers, locale), Formats.count(repurchase.buyers, locale))),
            Tile(
                id: "kpi-ltv", label: t("fananalytics.kpi.ltv"), value: repurchase.netSpendPerBuyerFen.map { Formats.yuan($0 / 100) } ?? "—",
                note: t("fananalytics.kpi.ltv_note")),
            Tile(
                id: "kpi-net-spend", label: t("fananalytics.kpi.net_spend"), value: Formats.yuan(Double(repurchase.netSpendFen) / 100),
                note: t("fananalytics.kpi.net_spend_note")),
            Tile(
                id: "kpi-stickiness", label: t("fananalytics.kpi.stickiness"), value: percent(ActiveFans.stickiness(found.active)),
                note: t("fananalytics.kpi.stickiness_note")),
        ]
        let platforms = Set(found.accounts.map(\.platform)).union(query.platform.map { [$0] } ?? []).sorted()
        return Model(
            base: base, query: query, errors: errors,
            platformOptions: [("", t("fananalytics.all_platforms"))] + platforms.map { ($0, t("platform.\($0)")) },
            accountOptions: [("", t("fananalytics.all_accounts"))]
                + found.accounts.map { ($0.id.uuidString.lowercased(), "\(t("platform.\($0.platform)")) · \($0.handle)") },
            segmentOptions: found.segments.isEmpty
                ? [] : [("", t("fananalytics.all_fans"))] + found.segments.map { ($0.id.uuidString.lowercased(), $0.name) },
            segmentName: query.segmentID.flatMap { id in found.segments.first { $0.id == id }?.name },
            granularityOptions: [Granularity.day, .week, .month].map { ($0.rawValue, t("fananalytics.granularity.\($0.rawValue)")) },
            empty: !found.anyFacts && errors.isEmpty, accountsHref: "/w/\(slug)/accounts", periodText: periodText, tiles: tiles, steps: steps,
            cohortRows: found.cohorts, cohortLabels: Cohorts.offsets.map { t("fananalytics.cohort.day_n", String($0)) }, active: found.active,
            zone: zone)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let query = model.query
        let form = FormPage.filters(
            id: "fan-analytics-filter", action: model.base,
            fields: [
                Layout.field(
                    ctx, name: "from", label: ctx.t("fananalytics.from"), type: "date", value: query.from, errors: model.errors, required: false),
                Layout.field(ctx, name: "to", label: ctx.t("fananalytics.to"), type: "date", value: query.to, errors: model.errors, required: false),
                Layout.select(
                    ctx, name: "platform", label: ctx.t("fananalytics.platform"), options: model.platformOptions, selected: query.platform ?? "",
                    errors: model.errors),
                Layout.select(
                    ctx, name: "account", label: ctx.t("fananalytics.account"), options: model.accountOptions,
                    selected: query.accountID?.uuidString.lowercased() ?? "", errors: model.errors, verbatimAfterFirst: true),
                model.segmentOptions.isEmpty
                    ? HTML.empty
                    : Layout.select(
                        ctx, name: "segment", label: ctx.t("fananalytics.segment"), options: model.segmentOptions,
                        selected: query.segmentID?.uuidString.lowercased() ?? "", errors: model.errors, verbatimAfterFirst: true),
                Layout.select(
                    ctx, name: "granularity", label: ctx.t("fananalytics.granularity"), options: model.granularityOptions,
                    selected: query.granularity.rawValue, errors: model.errors),
            ], submit: ctx.t("fananalytics.apply"))
        let header: HTML = """
            <h1>\(ctx.t("fananalytics.title"))</h1>
            <p>\(ctx.t("fananalytics.intro"))</p>
            \(Layout.errorSummary(ctx, model.errors))
            \(form)
            """
        if model.empty {
            return """
                \(header)
                <div class="empty-state" id="fan-analytics-empty"><p>\(ctx.t("fananalytics.empty"))</p>\
                <p><a href="\(model.accountsHref)">\(ctx.t("fananalytics.empty_accounts"))</a></p>\
                <p>\(ctx.t("fananalytics.empty_events"))</p></div>
                """
        }
        guard model.errors.isEmpty else { return header }
        let tiles = model.tiles.map { tile -> HTML in
            """
            <div class="tile" id="\(tile.id)"><span>\(tile.label)</span><strong class="count">\(tile.value)</strong><small class="hint">\(tile.note)</small></div>
            """
        }
        return """
            \(header)
            <p class="facts-line" id="fan-analytics-period">\(model.periodText)</p>
            <div class="tiles" id="fan-analytics-kpis">\(tiles)</div>
            <h2>\(ctx.t("fananalytics.funnel"))</h2>
            <p class="hint">\(ctx.t("fananalytics.funnel_explained"))</p>
            \(funnel(model, ctx))
            \(stepTable(model, ctx))
            <h2>\(ctx.t("fananalytics.cohorts"))</h2>
            <p class="hint">\(ctx.t("fananalytics.cohorts_explained"))</p>
            \(cohorts(model, ctx))
            <h2>\(ctx.t("fananalytics.active"))</h2>
            <p class="hint">\(ctx.t("fananalytics.active_explained"))</p>
            \(model.segmentName.map { name -> HTML in "<p class=\"hint\" id=\"fan-active-all-fans\">\(ctx.t("fananalytics.active_all_fans", name))</p>" })
            \(active(model, ctx))
            """
    }

    static func funnel(_ model: Model, _ ctx: PageContext) -> HTML {
        let spec = ChartSpec(
            id: "fan-funnel", title: ctx.t("fananalytics.funnel"), summary: ctx.t("fananalytics.funnel_summary", model.periodText),
            locale: ctx.locale,
            format: .count, emptyText: ctx.t("fananalytics.funnel_empty"))
        let empty = model.steps.first?.fans ?? 0 == 0
        return Chart.funnel(spec, steps: empty ? [] : model.steps.map { FunnelStep(label: $0.label, count: $0.fans, href: $0.href) })
    }

    static func stepTable(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.steps.map { step -> HTML in
            let csv: HTML = step.csvHref.map { "<a href=\"\($0)\" download>\(ctx.t("fananalytics.csv"))</a>" } ?? .empty
            return """
                <tr data-step="\(step.code)"><th scope="row">\(step.label)</th><td class="num"><a href="\(step.href)">\(Formats.countHTML(step.fans, ctx.locale))</a></td>\
                <td class="num">\(step.stepRate)</td><td class="num">\(step.overallRate)</td><td>\(csv)</td></tr>
                """
        }
        return """
            <div class="table-scroll"><table id="fan-funnel-steps"><thead><tr><th>\(ctx.t("fananalytics.step"))</th><th>\(ctx.t("fananalytics.unique_fans"))</th>\
            <th>\(ctx.t("fananalytics.step_conversion"))</th><th>\(ctx.t("fananalytics.overall_conversion"))</th><th></th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
    }

    static func cohorts(_ model: Model, _ ctx: PageContext) -> HTML {
        let spec = ChartSpec(
            id: "fan-cohorts", title: ctx.t("fananalytics.cohorts"), summary: ctx.t("fananalytics.cohorts_summary", model.periodText),
            locale: ctx.locale, format: .percent, emptyText: ctx.t("fananalytics.cohorts_empty"))
        let rows = model.cohortRows.filter { $0.size > 0 }
        let labels = rows.map { ctx.t("fananalytics.cohort.week", weekLabel($0.week, ctx.locale), Formats.count($0.size, ctx.locale)) }
        let cells = rows.map { row in
            row.cells.map { cell -> HeatCell in
                guard let cell else {
                    return HeatCell(value: nil, text: ctx.t("fananalytics.cohort.not_yet"), note: ctx.t("fananalytics.cohort.not_yet"))
                }
                let text = "\(percent(cell.share)) (\(Formats.grouped(cell.active))/\(Formats.grouped(row.size)))"
                return HeatCell(value: cell.share, text: text, note: text)
            }
        }
        return Chart.heatMap(spec, rows: labels, columns: model.cohortLabels, cells: cells, corner: ctx.t("fananalytics.cohort.corner"))
    }

    /// A week by its Monday, without the weekday (every row is a Monday):
    /// 9月7日 / 7 Sep, with the year when it is not this year.
    static func weekLabel(_ monday: String, _ locale: UILocale) -> String {
        let parts = Formats.day(monday, locale).split(separator: " ")
        return locale == .zhHans ? String(parts.first ?? "") : parts.dropFirst().joined(separator: " ")
    }

    static func active(_ model: Model, _ ctx: PageContext) -> HTML {
        let spec = ChartSpec(
            id: "fan-active", title: ctx.t("fananalytics.active"), summary: ctx.t("fananalytics.active_summary", model.periodText),
            locale: ctx.locale, format: .count, emptyText: ctx.t("fananalytics.active_empty"))
        let points = ActiveFans.points(model.active, granularity: model.query.granularity)
        guard points.contains(where: { $0.mau > 0 }) else { return Chart.line(spec, series: [], zone: model.zone) }
        func at(_ period: String) -> Date {
            let day = period.count == 7 ? period + "-01" : period
            return LocalDays.start(of: day, in: model.zone) ?? Date(timeIntervalSince1970: 0)
        }
        // Each period's moment once, for the three series (a calendar is asked per moment).
        let moments = points.map { at($0.period) }
        let series = [
            LineSeries(name: ctx.t("fananalytics.dau"), points: zip(moments, points).map { ChartPoint(at: $0, value: $1.dau) }),
            LineSeries(name: ctx.t("fananalytics.wau"), points: zip(moments, points).map { ChartPoint(at: $0, value: Double($1.wau)) }),
            LineSeries(name: ctx.t("fananalytics.mau"), points: zip(moments, points).map { ChartPoint(at: $0, value: Double($1.mau)) }),
        ]
        return Chart.line(spec, series: series, zone: model.zone)
    }
}

/// The fans behind one funnel step: a page of them (names as the
/// reader's role may read them) linking to each fan's page, and the CSV.
enum FanStepPage {
    static let pageSize = 50
    static let exportLimit = 100_000

    struct Row: Sendable, Equatable {
        var name: Wording
        var href: String
        var spend: String
        var valueTier: String
    }

    struct Model: Sendable {
        var title: String
        var intro: String
        var backHref: String
        var rows: [Row]
        var nextHref: String?
        var csvHref: String?
    }

    static func model(
        step: FunnelStepKind, query: FanPeriodQuery, fans: [FanActivityQueries.StepFan], viewer: FanViewer, slug: String, canExport: Bool,
        locale: UILocale
    ) -> Model {
        let base = "/w/\(slug)/fan-analytics"
        var components = URLComponents()
        components.queryItems = query.queryItems().map { URLQueryItem(name: $0.0, value: $0.1) }
        let filter = components.percentEncodedQuery ?? ""
        let shown = fans.prefix(pageSize)
        let label = I18n.text("fananalytics.step.\(step.rawValue)", locale)
        return Model(
            title: I18n.text("fananalytics.step_title", locale, [label]),
            intro: I18n.text(
                "fananalytics.step_intro", locale, [label, Formats.day(query.from, locale), Formats.day(query.to, locale)]),
            backHref: "\(base)?\(filter)",
            rows: shown.map { fan in
                Row(
                    name: fan.erased ? .ours(I18n.text("fananalytics.erased_fan", locale)) : .typed(viewer.name(fan.name)),
                    href: "/w/\(slug)/fans/\(fan.id.uuidString.lowercased())", spend: Formats.yuan(Double(fan.spendFen) / 100),
                    valueTier: FanService.valueTierName(fan.valueTier, locale))
            },
            nextHref: fans.count > pageSize
                ? shown.last.map { "\(base)/funnel/\(step.rawValue)?\(filter)&after=\($0.id.uuidString.lowercased())" } : nil,
            csvHref: canExport ? "\(base)/funnel/\(step.rawValue)/export?\(filter)" : nil)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            "<tr><td><a href=\"\(row.href)\">\(row.name.html)</a></td><td class=\"num\">\(row.spend)</td><td>\(row.valueTier)</td></tr>"
        }
        let table: HTML =
            rows.isEmpty
            ? "<div class=\"empty-state\" id=\"step-fans-empty\"><p>\(ctx.t("fananalytics.step_none"))</p></div>"
            : """
            <div class="table-scroll"><table id="step-fans"><thead><tr><th>\(ctx.t("fananalytics.fan"))</th><th>\(ctx.t("fananalytics.ltv_column"))</th>\
            <th>\(ctx.t("fananalytics.value_tier"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        return """
            <h1>\(model.title)</h1>
            <p>\(model.intro)</p>
            <p><a href="\(model.backHref)">\(ctx.t("fananalytics.back"))</a>\(model.csvHref.map { h -> HTML in " · <a href=\"\(h)\" id=\"step-fans-csv\" download>\(ctx.t("fananalytics.csv"))</a>" })</p>
            \(table)
            \(model.nextHref.map { h -> HTML in "<p><a href=\"\(h)\" id=\"step-fans-next\">\(ctx.t("list.next"))</a></p>" })
            """
    }

    /// UTF-8 with a byte-order mark, one row per fan.
    static func csv(step: FunnelStepKind, query: FanPeriodQuery, fans: [FanActivityQueries.StepFan], viewer: FanViewer) -> String {
        var writer = CSVWriter(header: ["fan_id", "display_name", "step", "from", "to", "net_spend_yuan", "value_tier"])
        for fan in fans {
            writer.append([
                fan.id.uuidString.lowercased(), fan.erased ? "" : viewer.name(fan.name), step.rawValue, query.from, query.to,
                String(format: "%.2f", Double(fan.spendFen) / 100), fan.valueTier,
            ])
        }
        return "\u{FEFF}" + writer.text
    }
}
