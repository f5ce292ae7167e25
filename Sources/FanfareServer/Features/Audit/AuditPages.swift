import FanfareCore
import Fluent
import Vapor

/// The workspace's audit log, filterable, exportable as CSV. The page is
/// query → model → view: `AuditPage.query` reads, `AuditPage.model` decides
/// what a reader sees (event names in their language, the actor, the next
/// page's link), `AuditPage.view` only draws; the last two are tested
/// without a database.
struct AuditPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("audit", use: page)
        scoped.get("audit.csv", use: csv)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.auditView)
        let ctx = try await PageContext.make(req)
        let input = AuditPage.Input(
            actor: req.query[String.self, at: "actor"], action: req.query[String.self, at: "action"],
            from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"],
            limit: req.query[String.self, at: "limit"], cursor: req.query[String.self, at: "cursor"])
        let found = try await AuditPage.query(input, access: access, on: req.db)
        let model = AuditPage.model(input, found, base: "/w/\(access.workspace.slug)/audit", locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("audit.title"), status: model.errors.isEmpty ? .ok : .unprocessableEntity, AuditPage.view(model, ctx))
    }

    @Sendable func csv(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.auditView)
        let filter = try AuditFilter(
            actor: req.query[String.self, at: "actor"], action: req.query[String.self, at: "action"],
            from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"])
        return try await AuditQuery.csvResponse(access: access, filter: filter, on: req.db)
    }
}

enum AuditPage {
    /// What the reader asked for, as typed.
    struct Input: Sendable {
        var actor: String?
        var action: String?
        var from: String?
        var to: String?
        var limit: String?
        var cursor: String?

        /// The filter as a query string, for the CSV link and the next page.
        var filterQuery: String {
            var query = URLComponents()
            query.queryItems = [("actor", actor), ("action", action), ("from", from), ("to", to)]
                .compactMap { name, value in value.nonEmpty.map { URLQueryItem(name: name, value: $0) } }
            return query.percentEncodedQuery ?? ""
        }
    }

    /// What the database answered: one page of events, or why the filter
    /// could not be read.
    struct Found: Sendable {
        var events: [AuditPageEvent] = []
        var nextCursor: String?
        var errors = FormErrors()
    }

    /// One row as it was stored (no model leaves the query).
    struct AuditPageEvent: Sendable, Equatable {
        var at: Date
        var actor: String
        var action: String
        var targetType: String
        var before: String
        var after: String

        init(at: Date, actor: String, action: String, targetType: String, before: String, after: String) {
            self.at = at
            self.actor = actor
            self.action = action
            self.targetType = targetType
            self.before = before
            self.after = after
        }

        init(_ event: AuditEvent) {
            self.init(
                at: event.at, actor: event.actorLabel, action: event.action, targetType: event.targetType, before: event.before, after: event.after)
        }
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var at: Date
            var actor: String
            /// The event in the reader's language, and its code for the filter.
            var event: String
            var code: String
            var target: String
            var before: String
            var after: String
        }
        var input: Input
        var rows: [Row]
        var errors: FormErrors
        var nextHref: String?
        var csvHref: String
        /// Every event the filter offers, named in the reader's language.
        var actions: [(value: String, label: String)]
    }

    static func query(_ input: Input, access: WorkspaceAccess, on db: any Database) async throws -> Found {
        do {
            let filter = try AuditFilter(actor: input.actor, action: input.action, from: input.from, to: input.to)
            let page = try PageQuery(limit: input.limit, cursor: input.cursor)
            let (events, next) = try await AuditQuery.pageRows(access: access, filter: filter, page: page, on: db)
            return Found(events: events, nextCursor: next)
        } catch let invalid as ValidationErrors {
            return Found(errors: FormErrors(invalid))
        }
    }

    static func model(_ input: Input, _ found: Found, base: String, locale: UILocale) -> Model {
        let filterQuery = input.filterQuery
        let rows = found.events.map { event in
            Model.Row(
                at: event.at, actor: actorName(event.actor, locale), event: AuditVocabulary.event(event.action, locale), code: event.action,
                target: AuditVocabulary.target(event.targetType, locale), before: event.before, after: event.after)
        }
        let next = found.nextCursor.map { "\(base)?\(filterQuery)\(filterQuery.isEmpty ? "" : "&")cursor=\($0)" }
        return Model(
            input: input, rows: rows, errors: found.errors, nextHref: next, csvHref: "\(base).csv?\(filterQuery)",
            actions: locale == .en ? actionsEn : actionsZhHans)
    }

    /// Every event the filter offers, in the reader's language and order,
    /// sorted once per language: sorting them with a locale-aware compare
    /// on every view was a third of the page's time.
    static let actionsEn = actions(.en)
    static let actionsZhHans = actions(.zhHans)

    static func actions(_ locale: UILocale) -> [(value: String, label: String)] {
        AuditVocabulary.events.map { (value: $0, label: AuditVocabulary.event($0, locale)) }
            .sorted { $0.label.localizedStandardCompare($1.label) == .orderedAscending }
    }

    /// Fanfare's own work and the command line are named, not shown as codes.
    static func actorName(_ label: String, _ locale: UILocale) -> String {
        if label == Actor.system.label { return I18n.text("audit.actor.system", locale, []) }
        if label == Actor.rule.label { return I18n.text("audit.actor.rule", locale, []) }
        if label.hasPrefix("cli:") { return I18n.text("audit.actor.cli", locale, [String(label.dropFirst(4))]) }
        if label == "anonymous" { return I18n.text("audit.actor.anonymous", locale, []) }
        return label
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr><td>\(Layout.time(row.at, ctx))</td><td translate="no">\(row.actor)</td>\
            <td><span class="event" data-code="\(row.code)">\(row.event)</span></td><td>\(row.target)</td>\
            <td class="summary" translate="no">\(row.before)</td><td class="summary" translate="no">\(row.after)</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t(model.input.filterQuery.isEmpty ? "audit.none_yet" : "audit.none"))</p>"
            : """
            <div class="table-scroll"><table id="audit-list"><thead><tr><th>\(ctx.t("audit.when"))</th><th>\(ctx.t("audit.actor"))</th>\
            <th>\(ctx.t("audit.action"))</th><th>\(ctx.t("audit.target"))</th><th>\(ctx.t("audit.before"))</th><th>\(ctx.t("audit.after"))</th></tr></thead>\
            <tbody>\(rows)</tbody></table></div>
            """
        let more: HTML = model.nextHref.map { "<p><a href=\"\($0)\" id=\"audit-next\">\(ctx.t("list.next"))</a></p>" } ?? .empty
        let actionOptions = [(value: "", label: ctx.t("audit.any_action"))] + model.actions
        return """
            <h1>\(ctx.t("audit.title"))</h1>
            \(Layout.errorSummary(ctx, model.errors))
            <form method="get" class="filters" id="audit-filter">
            \(Layout.field(ctx, name: "actor", label: ctx.t("audit.actor"), value: model.input.actor ?? "", errors: model.errors, required: false))
            \(Layout.select(ctx, name: "action", label: ctx.t("audit.action"), options: actionOptions, selected: model.input.action ?? "", errors: model.errors))
            \(Layout.field(ctx, name: "from", label: ctx.t("audit.from"), type: "date", value: model.input.from ?? "", errors: model.errors, required: false))
            \(Layout.field(ctx, name: "to", label: ctx.t("audit.to"), type: "date", value: model.input.to ?? "", errors: model.errors, required: false))
            <button type="submit">\(ctx.t("audit.filter"))</button>
            <a class="button" href="\(model.csvHref)" id="audit-csv">\(ctx.t("audit.export"))</a>
            </form>
            \(table)
            \(more)
            """
    }
}
