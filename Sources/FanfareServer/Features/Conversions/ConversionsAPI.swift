import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/links/…` and `/events`.
struct ConversionsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let links = ws.grouped("links")
        links.get(use: list)
        links.post(use: create)
        links.get(":link_id", use: show)
        links.delete(":link_id", use: disable)
        ws.on(.POST, "events", maxBody: "1mb", use: events)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let input = try req.decodeInput(LinkService.Input.self)
        let link = try await LinkService(db: req.db).create(input, in: access, by: req.auth.get(User.self)?.id)
        return try await ShortLinkDTO(link, base: req.application.settings.linkBase, clicks: ClickCounts())
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func list(req: Request) async throws -> Page<ShortLinkDTO> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        var errors = ValidationErrors()
        func id(_ name: String, _ coded: CodedMessage) -> UUID? {
            guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
            guard let id = UUID(uuidString: raw) else {
                errors.add(name, coded)
                return nil
            }
            return id
        }
        let postID = id("post_id", .postId)
        let accountID = id("account_id", .accountId)
        let page = try req.pageRequest()
        try errors.throwIfAny()
        let service = LinkService(db: req.db)
        let (links, next) = try await service.list(postID: postID, accountID: accountID, page: page, in: access)
        let clicks = try await service.clicks(of: links.map { $0.id! }, in: access.workspaceID)
        let base = req.application.settings.linkBase
        return Page(items: links.map { ShortLinkDTO($0, base: base, clicks: clicks[$0.id!] ?? ClickCounts()) }, nextCursor: next)
    }

    @Sendable func show(req: Request) async throws -> ShortLinkDTO {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let service = LinkService(db: req.db)
        let link = try await service.find(req.parameters.get("link_id"), in: access)
        let clicks = try await service.clicks(of: [link.id!], in: access.workspaceID)
        return ShortLinkDTO(link, base: req.application.settings.linkBase, clicks: clicks[link.id!] ?? ClickCounts())
    }

    @Sendable func disable(req: Request) async throws -> ShortLinkDTO {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let service = LinkService(db: req.db)
        let link = try await service.find(req.parameters.get("link_id"), in: access)
        try await service.disable(link)
        req.application.linkCache.forget(link.code)
        let clicks = try await service.clicks(of: [link.id!], in: access.workspaceID)
        return ShortLinkDTO(link, base: req.application.settings.linkBase, clicks: clicks[link.id!] ?? ClickCounts())
    }

    @Sendable func events(req: Request) async throws -> EventService.Outcome {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        guard let contentType = req.headers.contentType, contentType == .json || contentType.subType.hasSuffix("+json") else {
            throw Problem(.unsupportedMediaType, "Send the body as JSON with 'Content-Type: application/json'.")
        }
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        return try await EventService(db: req.db).record(json: body, workspaceID: access.workspaceID)
    }
}
