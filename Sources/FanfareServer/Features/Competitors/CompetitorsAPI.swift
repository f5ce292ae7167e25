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

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let service = CompetitorService(db: req.db)
        try await service.delete(try await service.find(req.parameters.get("tracked_account_id"), in: access))
        return .noContent
    }
}
