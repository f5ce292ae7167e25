import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/notify-channels`: outbound channels, their
/// delivery logs and the test. Every route needs `workspace.update`
/// (owners and admins); secrets are write-only.
struct ChannelsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("notify-channels", use: list)
        ws.post("notify-channels", use: create)
        ws.get("notify-channels", ":notify_channel_id", use: show)
        ws.patch("notify-channels", ":notify_channel_id", use: update)
        ws.delete("notify-channels", ":notify_channel_id", use: delete)
        ws.post("notify-channels", ":notify_channel_id", "test", use: test)
        ws.get("notify-channels", ":notify_channel_id", "deliveries", use: deliveries)
        ws.get("notify-smtp", use: showSMTP)
        ws.put("notify-smtp", use: saveSMTP)
    }

    /// The workspace's mail server for email channels; 404 when none is set.
    @Sendable func showSMTP(req: Request) async throws -> NotifySMTPDTO {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        guard let row = try await ChannelService(db: req.db, app: req.application).smtp(in: access.workspaceID) else {
            throw Problem.notFound("Mail server")
        }
        return NotifySMTPDTO(row)
    }

    @Sendable func saveSMTP(req: Request) async throws -> NotifySMTPDTO {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let input = try req.decodeInput(ChannelService.SMTPInput.self)
        return NotifySMTPDTO(try await ChannelService(db: req.db, app: req.application).saveSMTP(input, in: access, actor: req.actor))
    }

    @Sendable func list(req: Request) async throws -> Page<NotifyChannelDTO> {
        let access = try req.workspaceAccess
        let rows = try await ChannelService(db: req.db, app: req.application).list(in: access)
        return Page(items: rows.map { NotifyChannelDTO($0, secretSet: $0.channelKind?.signs ?? false) }, nextCursor: nil)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let input = try req.decodeInput(ChannelService.Input.self)
        let saved = try await ChannelService(db: req.db, app: req.application).save(input, existing: nil, in: access, actor: req.actor)
        let dto = NotifyChannelDTO(saved.row, secretSet: saved.row.channelKind?.signs ?? false, generatedSecret: saved.generatedSecret)
        return try await dto.encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> NotifyChannelDTO {
        let row = try await found(req)
        return NotifyChannelDTO(row, secretSet: row.channelKind?.signs ?? false)
    }

    @Sendable func update(req: Request) async throws -> NotifyChannelDTO {
        let row = try await found(req)
        let input = try req.decodeInput(ChannelService.Input.self)
        if let kind = input.kind, kind != row.kind { throw ValidationErrors("kind", .isValueOneOf(value: kind, choices: [row.kind])) }
        let saved = try await ChannelService(db: req.db, app: req.application).save(
            input, existing: row, in: try req.workspaceAccess, actor: req.actor)
        return NotifyChannelDTO(saved.row, secretSet: saved.row.channelKind?.signs ?? false)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        let row = try await found(req)
        try await ChannelService(db: req.db, app: req.application).delete(row, in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    /// Sends a test now: 200 with the delivery (its state, HTTP status and
    /// error say how it went), 429 within 10 s of the last test.
    @Sendable func test(req: Request) async throws -> NotifyDeliveryDTO {
        let row = try await found(req)
        guard let delivery = try await ChannelDelivery.test(row, app: req.application, actor: req.actor) else {
            throw Problem(.tooManyRequests, "This channel was tested less than 10 seconds ago; wait a moment.", type: "too-many-requests")
        }
        return NotifyDeliveryDTO(delivery)
    }

    @Sendable func deliveries(req: Request) async throws -> Page<NotifyDeliveryDTO> {
        let row = try await found(req)
        let (items, next) = try await ChannelService(db: req.db, app: req.application).deliveries(of: row, page: try req.pageRequest())
        return Page(items: items.map(NotifyDeliveryDTO.init), nextCursor: next)
    }

    /// The channel of this workspace, else 404 (before any input is read).
    private func found(_ req: Request) async throws -> NotifyChannelRecord {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        return try await ChannelService(db: req.db, app: req.application).find(req.parameters.get("notify_channel_id"), in: access)
    }
}
