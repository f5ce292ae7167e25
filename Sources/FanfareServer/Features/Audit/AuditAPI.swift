import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/audit-events`, newest first, and its CSV export.
struct AuditAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("audit-events", use: list)
        ws.get("audit-events", "export", use: export)
    }

    private func filter(_ req: Request) throws -> AuditFilter {
        try AuditFilter(
            actor: req.query[String.self, at: "actor"], action: req.query[String.self, at: "action"],
            from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"])
    }

    @Sendable func list(req: Request) async throws -> Page<AuditEventDTO> {
        let access = try req.workspaceAccess
        try access.require(.auditView)
        let (rows, next) = try await AuditQuery.page(access: access, filter: try filter(req), page: try req.pageRequest(), on: req.db)
        return Page(items: rows.map(AuditEventDTO.init), nextCursor: next)
    }

    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.auditView)
        return try await AuditQuery.csvResponse(access: access, filter: try filter(req), on: req.db)
    }
}
