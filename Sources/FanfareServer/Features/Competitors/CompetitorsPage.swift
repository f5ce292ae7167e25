import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `/w/{ws}/competitors` (数据 → 竞品对标): our accounts and the tracked
/// ones over the last 30 or 90 days, side by side, and on the 声量 × 互动
/// quadrant; the form to track another account. Query → model → view.
struct CompetitorsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("competitors", use: page)
        scoped.post("competitors", use: create)
        scoped.post("competitors", ":tracked_account_id", "delete", use: delete)
        scoped.on(.POST, "competitors", "import", maxBody: CompetitorImport.maxBody, use: importDays)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors(), status: .ok)
    }

    func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let ctx = try await PageContext.make(req)
        let days = req.query[Int.self, at: "days"] == 90 ? 90 : 30
        let zone = TimeZone(identifier: access.workspace.timeZone) ?? .gmt
        let found = try await CompetitorsPage.query(access: access, days: days, zone: zone, now: Date(), on: req.db)
        let model = CompetitorsPage.model(
            found, base: "/w/\(access.workspace.slug)", canManage: access.can(.accountsConnect), values: values, errors: errors, locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("competitors.title"), status: status, CompetitorsPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        var values: [String: String] = [:]
        for name in ["platform", "handle", "display_name"] { values[name] = req.formValue(name) }
        do {
            let account = try await CompetitorService(db: req.db).create(
                .init(platform: values["platform"], handle: values["handle"], displayName: values["display_name"]), in: access,
                by: req.auth.get(User.self)?.id)
            try await CompetitorsFeature.readSoon(account, on: req.db)
            Flash.add(.notice, I18n.text("competitors.added", req.uiLocale, [account.displayName]), to: req)
        } catch let invalid as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(invalid), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let problem as Problem where problem.status == Int(HTTPStatus.conflict.code) {
            Flash.add(.error, I18n.text("competitors.duplicate", req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/competitors")
    }

    /// A tracked account's days from a CSV file: a notice with how many, or
    /// the file's first problems (line, column, what would be accepted).
    @Sendable func importDays(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let tracked = try await CompetitorService(db: req.db).find(req.formValueIfPresent("tracked_account_id"), in: access)
        var input = CompetitorImport.Input(csv: req.formValueIfPresent("csv"))
        if let file = try? req.content.get(File.self, at: "file"), file.data.readableBytes > 0 {
            input = CompetitorImport.Input(fileBase64: Data(buffer: file.data).base64EncodedString())
        }
        let locale = req.uiLocale
        do {
            let (result, errors) = try await CompetitorImport.run(try CompetitorImport.bytes(input), into: tracked, on: req.db)
            if errors.isEmpty {
                Flash.add(.notice, I18n.text("competitors.imported", locale, [String(result.days), tracked.displayName]), to: req)
            } else {
                let lines = errors.prefix(5).map {
                    I18n.text("competitors.import_problem", locale, [String($0.line), $0.field, $0.coded.text(locale)])
                }
                Flash.add(.error, I18n.text("competitors.import_failed", locale, [lines.joined(separator: " ")]), to: req)
            }
        } catch let invalid as ValidationErrors {
            Flash.add(.error, I18n.text("competitors.import_failed", locale, [invalid.issues.first?.coded.text(locale) ?? ""]), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/competitors")
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let service = CompetitorService(db: req.db)
        let account = try await service.find(req.parameters.get("tracked_account_id"), in: access)
        try await service.delete(account)
        Flash.add(.notice, I18n.text("competitors.removed", req.uiLocale, [account.displayName]), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/competitors")
    }
}

enum CompetitorsPage {
    /// One account's numbers in the period (ours or tracked).
    struct Row: Sendable {
        var id: UUID
        var ours: Bool
        var platform: String
        var handle: String
        var name: String
        var readable: Bool
        var followers: [(day: String, value: Int)]
        var posts: Int
        var engagements: Int
        var contentTypes: [String: Int]
    }

    struct Found: Sendable {
        var days: Int = 30
        var rows: [Row] = []
    }

    static func query(access: WorkspaceAccess, days: Int, zone: TimeZone, now: Date, on db: any Database) async throws -> Found {
        guard let sql = db as? any SQLDatabase else { return Found(days: days) }
        let to = MetricDay.of(now, in: zone)
        let from = MetricDay.adding(-(days - 1), to: to)
        var rows: [Row] = []
        // Ours: followers from the metric store, posts published in the period with their latest engagements.
        let accounts = try await access.query(SocialAccount.self, on: db).filter(\.$status == SocialAccount.Status.connected.rawValue).sort(\.$id)
            .all()
        var followers: [UUID: [(day: String, value: Int)]] = [:]
        for row in try await sql.raw(
            """
            SELECT account_id, day, followers FROM account_metric_days WHERE workspace_id = \(bind: access.workspaceID)
            AND day >= \(bind: from) AND day <= \(bind: to) AND followers IS NOT NULL ORDER BY account_id, day
            """
        ).all() {
            followers[try row.decode(column: "account_id", as: UUID.self), default: []].append(
                (try row.decode(column: "day", as: String.self), try row.decode(column: "followers", as: Int.self)))
        }
        var posting: [UUID: (posts: Int, engagements: Int)] = [:]
        for row in try await sql.raw(
            """
            SELECT v.account_id AS account_id, COUNT(*) AS posts, CAST(COALESCE(SUM(m.e), 0) AS BIGINT) AS engagements FROM post_variants v
            LEFT JOIN (SELECT variant_id, MAX(engagements) AS e FROM post_metric_days WHERE workspace_id = \(bind: access.workspaceID) GROUP BY variant_id) m
            ON m.variant_id = v.id
            WHERE v.workspace_id = \(bind: access.workspaceID) AND v.state = 'published'
            AND v.published_at >= \(bind: CoreSeries.dayStart(from, zone)) AND v.published_at < \(bind: CoreSeries.dayStart(MetricDay.adding(1, to: to), zone))
            GROUP BY v.account_id
            """
        ).all() {
            posting[try row.decode(column: "account_id", as: UUID.self)] = (
                try row.decode(column: "posts", as: Int.self), try row.decode(column: "engagements", as: Int.self)
            )
        }
        // Ours: the content types of the posts published in the period, from their format.
        var types: [UUID: [String: Int]] = [:]
        for row in try await sql.raw(
            """
            SELECT v.account_id AS account_id, p.format AS format, COUNT(*) AS posts FROM post_variants v JOIN posts p ON p.id = v.post_id
            WHERE v.workspace_id = \(bind: access.workspaceID) AND v.state = 'published'
            AND v.published_at >= \(bind: CoreSeries.dayStart(from, zone)) AND v.published_at < \(bind: CoreSeries.dayStart(MetricDay.adding(1, to: to), zone))
            GROUP BY v.account_id, p.format
            """
        ).all() {
            let type = CompetitorContentType.of(format: try row.decode(column: "format", as: String.self))
            types[try row.decode(column: "account_id", as: UUID.self), default: [:]][type, default: 0] += try row.decode(
                column: "posts", as: Int.self)
        }
        for account in accounts {
            rows.append(
                Row(
                    id: account.id!, ours: true, platform: account.platform, handle: account.handle, name: account.displayName, readable: true,
                    followers: followers[account.id!] ?? [], posts: posting[account.id!]?.posts ?? 0,
                    engagements: posting[account.id!]?.engagements ?? 0, contentTypes: types[account.id!] ?? [:]))
        }
        // Tracked: their stored days.
        var stored: [UUID: [(day: String, followers: Int?, posts: Int, engagements: Int, types: [String: Int])]] = [:]
        for row in try await sql.raw(
            """
            SELECT tracked_account_id, day, followers, posts_that_day, engagements, content_types FROM tracked_account_days
            WHERE workspace_id = \(bind: access.workspaceID) AND day >= \(bind: from) AND day <= \(bind: to) ORDER BY tracked_account_id, day
            """
        ).all() {
            let types = try row.decode(column: "content_types", as: String?.self).flatMap {
                try? JSONDecoder().decode([String: Int].self, from: Data($0.utf8))
            }
            stored[try row.decode(column: "tracked_account_id", as: UUID.self), default: []].append(
                (
                    try row.decode(column: "day", as: String.self), try row.decode(column: "followers", as: Int?.self),
                    try row.decode(column: "posts_that_day", as: Int.self), try row.decode(column: "engagements", as: Int.self), types ?? [:]
                ))
        }
        for tracked in try await access.query(TrackedAccount.self, on: db).sort(\.$id).all() {
            let own = stored[tracked.id!] ?? []
            rows.append(
                Row(
                    id: tracked.id!, ours: false, platform: tracked.platform, handle: tracked.handle, name: tracked.displayName,
                    readable: TrackedAccountRules.readable.contains(tracked.platform),
                    followers: own.compactMap { day in day.followers.map { (day.day, $0) } }, posts: own.reduce(0) { $0 + $1.posts },
                    engagements: own.reduce(0) { $0 + $1.engagements },
                    contentTypes: own.reduce(into: [:]) { sum, day in day.types.forEach { sum[$0.key, default: 0] += $0.value } }))
        }
        return Found(days: days, rows: rows)
    }

    /// The quadrants' keys: high volume & high engagement first, as `QuadrantAxes` names them.
    static let quadrantKeys = ["competitors.q.leaders", "competitors.q.gems", "competitors.q.quiet", "competitors.q.noisy"]

    struct Model: Sendable {
        struct Item: Sendable, Equatable {
            var id: UUID
            var name: String
            var account: String
            var ours: Bool
            var followers: String
            var growth: String
            var cadence: String
            var engagementPerPost: String
            var topTypes: String
            var source: String
            var removeAction: String?
        }
        var days: Int
        var items: [Item]
        var points: [QuadrantPoint]
        var canManage: Bool
        var formAction: String
        var platforms: [(value: String, label: String)]
        var values: [String: String]
        var errors: FormErrors
        var hasTracked: Bool
        var importAction: String
        var tracked: [(value: String, label: String)]
    }

    static func model(
        _ found: Found, base: String, canManage: Bool, values: [String: String], errors: FormErrors, locale: UILocale = .en
    ) -> Model {
        var points: [QuadrantPoint] = []
        let items = found.rows.map { row -> Model.Item in
            let figures = CompetitorFigures(
                followers: row.followers, posts: row.posts, engagements: row.engagements, contentTypes: row.contentTypes, days: found.days)
            let unknown = I18n.text("competitors.unknown", locale)
            if let perPost = figures.engagementPerPost { points.append(QuadrantPoint(label: row.name, x: Double(figures.posts), y: perPost)) }
            return Model.Item(
                id: row.id, name: row.name, account: "\(I18n.text("platform.\(row.platform)", locale)) @\(row.handle)", ours: row.ours,
                followers: figures.followersEnd.map { Formats.count($0, locale) } ?? unknown,
                growth: figures.growthRate.map { ChartValueFormat.percent.exact($0, locale) } ?? unknown,
                cadence: String(format: "%.1f", figures.postsPerWeek),
                engagementPerPost: figures.engagementPerPost.map { Formats.count(Int($0.rounded()), locale) } ?? unknown,
                topTypes: figures.topContentTypes.prefix(3).map { I18n.text("competitors.type.\($0.type)", locale) }.joined(separator: "、")
                    .nonEmptyOr(unknown),
                source: I18n.text(row.ours ? "competitors.ours" : (row.readable ? "competitors.read_by" : "competitors.import_only"), locale),
                removeAction: canManage && !row.ours ? "\(base)/competitors/\(row.id.uuidString.lowercased())/delete" : nil)
        }
        return Model(
            days: found.days, items: items, points: points, canManage: canManage, formAction: "\(base)/competitors",
            platforms: CompetitorService.platforms.map { ($0, I18n.text("platform.\($0)", locale)) }, values: values, errors: errors,
            hasTracked: found.rows.contains { !$0.ours }, importAction: "\(base)/competitors/import",
            tracked: found.rows.filter { !$0.ours }.map {
                ($0.id.uuidString.lowercased(), "\($0.name) · \(I18n.text("platform.\($0.platform)", locale))")
            })
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.items.map { item -> HTML in
            let remove: HTML =
                item.removeAction.map { action -> HTML in
                    "<form method=\"post\" action=\"\(action)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"secondary\">\(ctx.t("competitors.remove"))</button></form>"
                } ?? .empty
            return """
                <tr data-ours="\(item.ours ? "true" : "false")"><td translate="no">\(item.name)<br><small>\(item.account)</small></td><td>\(item.source)</td>\
                <td class="num">\(item.followers)</td><td class="num">\(item.growth)</td><td class="num">\(item.cadence)</td>\
                <td class="num">\(item.engagementPerPost)</td><td>\(item.topTypes)</td><td>\(remove)</td></tr>
                """
        }
        let spec = ChartSpec(
            id: "competitors-quadrant", title: ctx.t("competitors.quadrant_title"), summary: ctx.t("competitors.quadrant_summary"),
            locale: ctx.locale, emptyText: ctx.t("competitors.quadrant_empty"))
        let chart = Chart.quadrant(
            spec, points: model.points,
            axes: QuadrantAxes(
                xName: ctx.t("competitors.volume"), yName: ctx.t("competitors.engagement_per_post"), xFormat: .count, yFormat: .count,
                quadrants: quadrantKeys.map { ctx.t($0) }))
        let importForm: HTML =
            model.tracked.isEmpty
            ? .empty
            : """
            <h2>\(ctx.t("competitors.import_title"))</h2><p>\(ctx.t("competitors.import_intro"))</p>
            <pre class="paste" translate="no">日期,粉丝数,发帖数,互动数</pre>
            <form method="post" action="\(model.importAction)" enctype="multipart/form-data" id="competitor-import" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "tracked_account_id", label: ctx.t("competitors.account"), options: model.tracked, selected: "", errors: FormErrors(), verbatimAfterFirst: false))
            <div class="field"><label for="competitor-file">\(ctx.t("competitors.import_file"))</label>\
            <input type="file" id="competitor-file" name="file" accept=".csv,text/csv" required></div>
            <button type="submit">\(ctx.t("competitors.import_run"))</button></form>
            """
        let period = FormPage.filters(
            id: "competitors-period",
            fields: [
                Layout.select(
                    ctx, name: "days", label: ctx.t("competitors.period"),
                    options: [30, 90].map { (String($0), ctx.t("competitors.days", String($0))) }, selected: String(model.days), errors: FormErrors())
            ], submit: ctx.t("competitors.show"))
        let addForm = FormPage.post(
            ctx, id: "competitor-form", heading: ctx.t("competitors.new"), action: model.formAction, errors: model.errors,
            fields: [
                Layout.select(
                    ctx, name: "platform", label: ctx.t("competitors.platform"), options: model.platforms,
                    selected: model.values["platform"] ?? "sandbox", errors: model.errors),
                Layout.field(
                    ctx, name: "handle", label: ctx.t("competitors.handle"), value: model.values["handle"] ?? "", errors: model.errors,
                    hint: ctx.t("competitors.handle_hint")),
                Layout.field(
                    ctx, name: "display_name", label: ctx.t("competitors.display_name"), value: model.values["display_name"] ?? "",
                    errors: model.errors, required: false),
            ], submit: ctx.t("competitors.add"))
        let form: HTML = model.canManage ? "\(addForm)\n\(importForm)" : .empty
        return """
            <h1>\(ctx.t("competitors.title"))</h1>
            <p>\(ctx.t("competitors.intro"))</p>
            \(period)
            \(model.hasTracked ? .empty : HTML("<p class=\"empty\">\(ctx.t("competitors.none"))</p>"))
            \(chart)
            <div class="table-scroll"><table id="competitors-list"><thead><tr><th>\(ctx.t("competitors.account"))</th><th></th>\
            <th>\(ctx.t("competitors.followers"))</th><th>\(ctx.t("competitors.growth"))</th><th>\(ctx.t("competitors.cadence"))</th>\
            <th>\(ctx.t("competitors.engagement_per_post"))</th><th>\(ctx.t("competitors.top_types"))</th><th></th></tr></thead>\
            <tbody>\(rows)</tbody></table></div>
            \(form)
            """
    }
}

extension String {
    fileprivate func nonEmptyOr(_ fallback: String) -> String { isEmpty ? fallback : self }
}
