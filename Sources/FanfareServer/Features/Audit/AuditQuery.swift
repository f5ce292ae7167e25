import FanfareCore
import Fluent
import SQLKit
import Vapor

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

    /// One page as plain rows for the audit page: the same filter, order
    /// and cursor as `page`, read in one hand-written statement into plain
    /// values (no model; filling `AuditEvent`s was a seventh of the page's
    /// time). `AuditPageTests` holds both to the same answer.
    static func pageRows(
        access: WorkspaceAccess, filter: AuditFilter, page: PageQuery, on db: any Database
    ) async throws -> ([AuditPage.AuditPageEvent], String?) {
        guard let sql = db as? any SQLDatabase else {
            let (events, next) = try await self.page(access: access, filter: filter, page: page, on: db)
            return (events.map(AuditPage.AuditPageEvent.init), next)
        }
        var statement: SQLQueryString = """
            SELECT "id", "actor_label", "action", "target_type", "before", "after", "at" FROM "audit_events" \
            WHERE "workspace_id" = \(bind: access.workspaceID)
            """
        if let actor = filter.actor { statement.appendInterpolation(" AND \"actor_label\" = \(bind: actor.lowercased())" as SQLQueryString) }
        if let action = filter.action { statement.appendInterpolation(" AND \"action\" = \(bind: action)" as SQLQueryString) }
        if let from = filter.from { statement.appendInterpolation(" AND \"at\" >= \(bind: from)" as SQLQueryString) }
        if let to = filter.to { statement.appendInterpolation(" AND \"at\" < \(bind: to)" as SQLQueryString) }
        if let after = page.after { statement.appendInterpolation(" AND \"id\" < \(bind: after)" as SQLQueryString) }
        statement.appendInterpolation(unsafeRaw: " ORDER BY \"id\" DESC LIMIT \(page.limit + 1)")
        let text = SQLRows.uuidsAsText(sql)
        let rows = try await sql.raw(statement).all().map { row in
            (
                id: try SQLRows.uuid(row, "id", asText: text),
                event: AuditPage.AuditPageEvent(
                    at: try row.decode(column: "at", as: Date.self), actor: try row.decode(column: "actor_label", as: String.self),
                    action: try row.decode(column: "action", as: String.self), targetType: try row.decode(column: "target_type", as: String.self),
                    before: try row.decode(column: "before", as: String.self), after: try row.decode(column: "after", as: String.self))
            )
        }
        let (items, next) = page.page(rows) { $0.id }
        return (items.map(\.event), next)
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
