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
        ws.on(.POST, "assets", "upload", maxBody: Self.uploadBody, use: upload)
        ws.get("assets", ":asset_id", "file", use: file)
    }

    /// The largest upload and its form fields around it.
    static let uploadBody: ByteCount = .init(value: LibraryService.maxUpload + LibraryService.maxThumbnail + 64 * 1_024)

    /// `multipart/form-data`: `file`, and optionally `thumbnail`,
    /// `alt_text`, `source`, `licence`, `licence_expires_at`, `proof`.
    struct UploadForm: Content {
        var file: File?
        var thumbnail: File?
        var altText: String?
        var source: String?
        var licence: String?
        var licenceExpiresAt: String?
        var proof: String?

        private enum CodingKeys: String, CodingKey {
            case file, thumbnail, source, licence, proof
            case altText = "alt_text"
            case licenceExpiresAt = "licence_expires_at"
        }

        var input: LibraryService.UploadInput {
            LibraryService.UploadInput(
                name: file?.filename ?? "", data: file.map { Data(buffer: $0.data) } ?? Data(), altText: altText,
                thumbnail: thumbnail.map { Data(buffer: $0.data) }, source: source ?? "", licence: licence ?? "",
                licenceExpiresAt: licenceExpiresAt, proof: proof)
        }
    }

    @Sendable func upload(req: Request) async throws -> Response {
        guard req.headers.contentType?.type == "multipart", req.headers.contentType?.subType == "form-data" else {
            throw Problem(.unsupportedMediaType, "Send the file as multipart/form-data with the file in the part named 'file'.")
        }
        let form: UploadForm
        do {
            form = try req.content.decode(UploadForm.self)
        } catch {
            throw ValidationErrors("file", .unreadable)
        }
        let asset = try await LibraryService(db: req.db, logger: req.logger).upload(
            form.input, in: try req.workspaceAccess, actor: req.actor, store: req.application.mediaStore)
        return try await AssetDTO(asset).encodeResponse(status: .created, for: req)
    }

    @Sendable func file(req: Request) async throws -> Response {
        try await Self.serve(req, assetID: req.parameters.get("asset_id"), thumbnail: false)
    }

    /// An uploaded file, to members who may see the library: its own type
    /// (found from its bytes at upload), never sniffed, never run as a
    /// page; cached for good, since a key names one content forever.
    static func serve(_ req: Request, assetID: String?, thumbnail: Bool) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let asset = try await access.find(Asset.self, assetID, on: req.db, what: "Asset")
        let key = thumbnail ? (asset.thumbnailKey ?? (asset.kind == MediaKind.video.rawValue ? nil : asset.storageKey)) : asset.storageKey
        guard let key, MediaKeys.isValid(key),
            let format = MediaFormat(rawValue: thumbnail && asset.thumbnailKey != nil ? Self.format(ofKey: key) : asset.format ?? "")
        else { throw Abort(.notFound) }
        let parts = format.mimeType.split(separator: "/").map(String.init)
        let response = try await req.application.mediaStore.response(
            for: key, as: HTTPMediaType(type: parts[0], subType: parts[1]), to: req)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        response.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=31536000, immutable")
        return response
    }

    /// The format a stored key's extension names.
    static func format(ofKey key: String) -> String {
        MediaKeys.format(ofKey: key)?.rawValue ?? ""
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
