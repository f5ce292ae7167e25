import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/topics` and `/assets`: the topic library and
/// the asset library with its copyright register.
struct LibraryAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("topics", use: topics)
        ws.post("topics", use: addTopic)
        ws.post("topics", ":topic_id", "status", use: setTopicStatus)
        ws.get("assets", use: assets)
        ws.post("assets", use: addAsset)
        ws.get("assets", ":asset_id", use: asset)
    }

    @Sendable func topics(req: Request) async throws -> Page<TopicDTO> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let page = try req.pageRequest()
        let query = access.query(Topic.self, on: req.db)
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(items: items.map(TopicDTO.init), nextCursor: next)
    }

    struct TopicInput: Content {
        var title: String?
        var notes: String?
        var hot: Bool?
    }

    @Sendable func addTopic(req: Request) async throws -> Response {
        let input = try req.decodeInput(TopicInput.self)
        let topic = try await LibraryService(db: req.db).addTopic(
            .init(title: input.title ?? "", notes: input.notes, hot: input.hot ?? false), in: try req.workspaceAccess, actor: req.actor)
        return try await TopicDTO(topic).encodeResponse(status: .created, for: req)
    }

    struct StatusInput: Content {
        var status: String?
    }

    @Sendable func setTopicStatus(req: Request) async throws -> TopicDTO {
        let input = try req.decodeInput(StatusInput.self)
        return TopicDTO(
            try await LibraryService(db: req.db).setTopicStatus(
                req.parameters.get("topic_id"), status: input.status ?? "", in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func assets(req: Request) async throws -> Page<AssetDTO> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let page = try req.pageRequest()
        let query = access.query(Asset.self, on: req.db)
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(items: items.map { AssetDTO($0) }, nextCursor: next)
    }

    struct AssetInput: Content {
        var name: String?
        var kind: String?
        var bytes: Int64?
        var location: String?
        var source: String?
        var licence: String?
        var licenceExpiresAt: String?
        var proof: String?
    }

    @Sendable func addAsset(req: Request) async throws -> Response {
        let input = try req.decodeInput(AssetInput.self)
        let asset = try await LibraryService(db: req.db).addAsset(
            .init(
                name: input.name ?? "", kind: input.kind ?? "", bytes: input.bytes, location: input.location ?? "", source: input.source ?? "",
                licence: input.licence ?? "", licenceExpiresAt: input.licenceExpiresAt, proof: input.proof), in: try req.workspaceAccess,
            actor: req.actor)
        return try await AssetDTO(asset).encodeResponse(status: .created, for: req)
    }

    @Sendable func asset(req: Request) async throws -> AssetDTO {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        return AssetDTO(try await access.find(Asset.self, req.parameters.get("asset_id"), on: req.db, what: "Asset"))
    }
}
