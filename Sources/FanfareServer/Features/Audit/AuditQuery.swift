import FanfareCore
import Fluent
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
