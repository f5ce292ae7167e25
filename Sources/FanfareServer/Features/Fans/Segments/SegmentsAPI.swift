import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/segments/…`: saved fan segments, their live
/// counts, members and CSV export; `/segments/count` counts a rule before
/// it is saved.
struct SegmentsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        let segments = ws.grouped("segments")
        segments.get(use: list)
        segments.post(use: create)
        segments.get("fields", use: fields)
        segments.post("count", use: count)
        segments.get(":segment_id", use: show)
        segments.put(":segment_id", use: update)
        segments.delete(":segment_id", use: delete)
        segments.get(":segment_id", "fans", use: members)
        segments.get(":segment_id", "export", use: export)
    }

    @Sendable func list(req: Request) async throws -> Page<SegmentDTO> {
        Page(items: try await SegmentService(db: req.db).list(in: try req.workspaceAccess).map { SegmentDTO($0) }, nextCursor: nil)
    }

    struct Fields: Content {
        var fields: [SegmentField]
    }

    @Sendable func fields(req: Request) async throws -> Fields {
        try (try req.workspaceAccess).require(.fansView)
        return Fields(fields: SegmentRule.fields)
    }

    struct Counted: Content {
        var fans: Int
    }

    @Sendable func count(req: Request) async throws -> Counted {
        let input = try req.decodeDocument(SegmentService.Input.self)
        return Counted(fans: try await SegmentService(db: req.db).count(input.rule, in: try req.workspaceAccess))
    }

    @Sendable func show(req: Request) async throws -> SegmentDTO {
        let access = try req.workspaceAccess
        let service = SegmentService(db: req.db)
        let segment = try await service.find(req.parameters.get("segment_id"), in: access)
        return SegmentDTO(segment, fans: try await service.scan(in: access).count(segment.rule))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let service = SegmentService(db: req.db)
        let segment = try await service.create(try req.decodeDocument(SegmentService.Input.self), in: access, actor: req.actor)
        return try await SegmentDTO(segment, fans: try await service.scan(in: access).count(segment.rule))
            .encodeResponse(status: .created, for: req)
    }

    @Sendable func update(req: Request) async throws -> SegmentDTO {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let service = SegmentService(db: req.db)
        let segment = try await service.update(
            req.parameters.get("segment_id"), try req.decodeDocument(SegmentService.Input.self), in: access, actor: req.actor)
        return SegmentDTO(segment, fans: try await service.scan(in: access).count(segment.rule))
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await SegmentService(db: req.db).delete(req.parameters.get("segment_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    @Sendable func members(req: Request) async throws -> Page<FanDTO> {
        let access = try req.workspaceAccess
        let service = SegmentService(db: req.db)
        let segment = try await service.find(req.parameters.get("segment_id"), in: access)
        let (fans, next) = try await service.members(segment, page: try req.pageRequest(), in: access)
        let listed = try await FanService(db: req.db).listed(fans, in: access, actor: req.actor)
        let unmasked = access.can(.fansPersonalData)
        return Page(items: listed.map { FanDTO($0.fan, identities: $0.identities, unmasked: unmasked) }, nextCursor: next)
    }

    @Sendable func export(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let service = SegmentService(db: req.db)
        let segment = try await service.find(req.parameters.get("segment_id"), in: access)
        let csv = try await service.export(segment, in: access, actor: req.actor)
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"segment-\(segment.id!.uuidString.lowercased()).csv\"")
        // A byte-order mark makes Excel read the file as UTF-8 (Chinese names).
        return Response(status: .ok, headers: headers, body: .init(string: "\u{FEFF}" + csv))
    }
}
