import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/feedback/…`: feedback tickets.
struct FeedbackAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let feedback = ws.grouped("feedback")
        feedback.get(use: list)
        feedback.post(use: create)
        feedback.get(":ticket_id", use: show)
        feedback.patch(":ticket_id", use: update)
        feedback.get(":ticket_id", "duplicates", use: duplicates)
        feedback.post(":ticket_id", "merge", use: merge)
        feedback.post(":ticket_id", "close", use: close)
    }

    @Sendable func list(req: Request) async throws -> Page<FeedbackTicketDTO> {
        var owner: UUID?
        if let raw = req.query[String.self, at: "owner"], !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw ValidationErrors("owner", .userId) }
            owner = id
        }
        let tickets = try await FeedbackService(db: req.db).list(
            status: req.query["status"], kind: req.query["kind"], owner: owner, in: try req.workspaceAccess)
        return Page(items: tickets.map(FeedbackTicketDTO.init), nextCursor: nil)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let input = try req.decodeInput(FeedbackService.Input.self)
        let ticket = try await FeedbackService(db: req.db).create(input, in: try req.workspaceAccess, actor: req.actor)
        return try await FeedbackTicketDTO(ticket).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> FeedbackTicketDTO {
        FeedbackTicketDTO(try await FeedbackService(db: req.db).find(req.parameters.get("ticket_id"), in: try req.workspaceAccess))
    }

    @Sendable func update(req: Request) async throws -> FeedbackTicketDTO {
        let input = try req.decodeInput(FeedbackService.Input.self)
        return FeedbackTicketDTO(
            try await FeedbackService(db: req.db).update(req.parameters.get("ticket_id"), input, in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func duplicates(req: Request) async throws -> [FeedbackService.Duplicate] {
        let service = FeedbackService(db: req.db)
        let access = try req.workspaceAccess
        return try await service.duplicates(of: try await service.find(req.parameters.get("ticket_id"), in: access), in: access)
    }

    struct MergeInput: Content {
        var into: String?
    }

    @Sendable func merge(req: Request) async throws -> FeedbackTicketDTO {
        let input = try req.decodeInput(MergeInput.self)
        return FeedbackTicketDTO(
            try await FeedbackService(db: req.db).merge(
                req.parameters.get("ticket_id"), into: input.into, in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func close(req: Request) async throws -> FeedbackTicketDTO {
        let input = try req.decodeInput(FeedbackService.CloseInput.self)
        return FeedbackTicketDTO(
            try await FeedbackService(db: req.db).close(req.parameters.get("ticket_id"), input, in: try req.workspaceAccess, actor: req.actor))
    }
}
