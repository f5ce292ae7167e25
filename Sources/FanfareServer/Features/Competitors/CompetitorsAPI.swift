import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/competitors`: the tracked public accounts of
/// other brands. Listing needs `analytics.view`; adding and removing
/// `accounts.connect` (the people who manage the workspace's accounts).
struct CompetitorsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("competitors", use: list)
        ws.post("competitors", use: create)
        ws.delete("competitors", ":tracked_account_id", use: delete)
        ws.on(.POST, "competitors", ":tracked_account_id", "import", maxBody: CompetitorImport.maxBody, use: importDays)
    }

    @Sendable func list(req: Request) async throws -> Page<TrackedAccountDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let (items, next) = try await CompetitorService(db: req.db).list(page: try req.pageRequest(), in: access)
        return Page(items: items.map(TrackedAccountDTO.init), nextCursor: next)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let input = try req.decodeInput(CompetitorService.Input.self)
        let account = try await CompetitorService(db: req.db).create(input, in: access, by: req.auth.get(User.self)?.id)
        try await CompetitorsFeature.readSoon(account, on: req.db)
        return try await TrackedAccountDTO(account).encodeResponse(status: .created, for: req)
    }

    /// A tracked account's days from CSV: 201 with how many, or 422 with
    /// each problem's line and column, nothing written.
    @Sendable func importDays(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let tracked = try await CompetitorService(db: req.db).find(req.parameters.get("tracked_account_id"), in: access)
        let input = try req.decodeInput(CompetitorImport.Input.self)
        let (result, errors) = try await CompetitorImport.run(try CompetitorImport.bytes(input), into: tracked, on: req.db)
        guard errors.isEmpty else { throw CompetitorImport.problem(errors, field: input.csv?.isEmpty == false ? "csv" : "file_base64") }
        return try await result.encodeResponse(status: .created, for: req)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let service = CompetitorService(db: req.db)
        try await service.delete(try await service.find(req.parameters.get("tracked_account_id"), in: access))
        return .noContent
    }
}
