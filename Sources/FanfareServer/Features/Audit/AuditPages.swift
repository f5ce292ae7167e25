import FanfareCore
import Fluent
import Vapor

/// The workspace's audit log, filterable, exportable as CSV.
struct AuditPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("audit", use: page)
        scoped.get("audit.csv", use: csv)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.auditView)
        let ctx = try await PageContext.make(req)
        let raw = (
            actor: req.query[String.self, at: "actor"], action: req.query[String.self, at: "action"],
            from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"]
        )
        var errors = FormErrors()
        var events: [AuditEvent] = []
        var nextCursor: String?
        do {
            let filter = try AuditFilter(actor: raw.actor, action: raw.action, from: raw.from, to: raw.to)
            let page = try PageQuery(limit: req.query[String.self, at: "limit"], cursor: req.query[String.self, at: "cursor"])
            (events, nextCursor) = try await AuditQuery.page(access: access, filter: filter, page: page, on: req.db)
        } catch let invalid as ValidationErrors {
            errors = FormErrors(invalid)
        }
        var query = URLComponents()
        query.queryItems = [("actor", raw.actor), ("action", raw.action), ("from", raw.from), ("to", raw.to)]
            .compactMap { name, value in value.nonEmpty.map { URLQueryItem(name: name, value: $0) } }
        let filterQuery = query.percentEncodedQuery ?? ""
        let base = "/w/\(access.workspace.slug)/audit"
        let rows = events.map { e -> HTML in
            "<tr><td>\(Layout.time(e.at, ctx))</td><td>\(e.actorLabel)</td><td><code>\(e.action)</code></td><td>\(e.targetType)</td><td class=\"summary\">\(e.before)</td><td class=\"summary\">\(e.after)</td></tr>"
        }
        let more: HTML =
            nextCursor.map { c in
                "<p><a href=\"\(base)?\(filterQuery)\(filterQuery.isEmpty ? "" : "&")cursor=\(c)\" id=\"audit-next\">\(ctx.t("list.next"))</a></p>"
            } ?? .empty
        let auditTable: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">\(ctx.t("audit.none"))</p>"
            : "<table id=\"audit-list\"><thead><tr><th>\(ctx.t("audit.when"))</th><th>\(ctx.t("audit.actor"))</th><th>\(ctx.t("audit.action"))</th><th>\(ctx.t("audit.target"))</th><th>\(ctx.t("audit.before"))</th><th>\(ctx.t("audit.after"))</th></tr></thead><tbody>\(rows)</tbody></table>"
        return Layout.page(
            ctx, title: ctx.t("audit.title"), status: errors.isEmpty ? .ok : .unprocessableEntity,
            """
            <h1>\(ctx.t("audit.title"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="get" class="filters" id="audit-filter">
            \(Layout.field(ctx, name: "actor", label: ctx.t("audit.actor"), value: raw.actor ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "action", label: ctx.t("audit.action"), value: raw.action ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "from", label: ctx.t("audit.from"), type: "date", value: raw.from ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "to", label: ctx.t("audit.to"), type: "date", value: raw.to ?? "", errors: errors, required: false))
            <button type="submit">\(ctx.t("audit.filter"))</button>
            <a class="button" href="/w/\(access.workspace.slug)/audit.csv?\(filterQuery)" id="audit-csv">\(ctx.t("audit.export"))</a>
            </form>
            \(auditTable)
            \(more)
            """)
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

/// The audit queries shared by the page and the API.
enum AuditQuery {
    static func base(access: WorkspaceAccess, filter: AuditFilter, on db: any Database) -> QueryBuilder<AuditEvent> {
        filter.apply(to: AuditEvent.query(on: db).filter(\.$workspaceID == access.workspaceID))
    }

    static func page(access: WorkspaceAccess, filter: AuditFilter, page: PageQuery, on db: any Database) async throws -> ([AuditEvent], String?) {
        let query = base(access: access, filter: filter, on: db)
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        return page.page(rows) { $0.id! }
    }

    /// Exports are capped so that one click cannot hold the database; the
    /// file says so in its name when the cap was reached.
    static let exportCap = 100_000

    static func csvResponse(access: WorkspaceAccess, filter: AuditFilter, on db: any Database) async throws -> Response {
        let rows = try await base(access: access, filter: filter, on: db).sort(\.$id, .descending).range(..<exportCap).all()
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let name = "audit-\(access.workspace.slug)\(rows.count == exportCap ? "-first-\(exportCap)" : "").csv"
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"\(name)\"")
        // A byte-order mark makes Excel read the file as UTF-8 (Chinese names).
        return Response(status: .ok, headers: headers, body: .init(string: "\u{FEFF}" + AuditFilter.csv(rows)))
    }
}
