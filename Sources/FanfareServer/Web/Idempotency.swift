import FanfareCore
import Fluent
import Vapor

/// A remembered response to a create request sent with `Idempotency-Key`.
final class IdempotencyRecord: Model, @unchecked Sendable {
    static let schema = "idempotency_records"

    @ID(key: .id) var id: UUID?
    @Field(key: "principal") var principal: String
    @Field(key: "key") var key: String
    @Field(key: "fingerprint") var fingerprint: String
    @Field(key: "completed") var completed: Bool
    @OptionalField(key: "status") var status: Int?
    @OptionalField(key: "content_type") var contentType: String?
    @OptionalField(key: "body") var body: Data?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $principal, $key, $fingerprint, $completed, $status, $contentType, $body, $createdAt] }
}

/// `Idempotency-Key` on POST: the same key with the same request replays
/// the first response; the same key with another request is refused (422);
/// a key whose first request is still running gets 409. Keys are scoped to
/// the caller and kept for 24 hours. A 5xx is not remembered, so a retry
/// after a server fault really retries.
struct IdempotencyMiddleware: AsyncMiddleware {
    static let header = "Idempotency-Key"
    static let lifetime: TimeInterval = 86_400
    static let maxBody = 1 << 20

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST, let key = request.headers.first(name: Self.header) else {
            return try await next.respond(to: request)
        }
        guard (1...255).contains(key.count), key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw Problem(
                .badRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters.",
                errors: [FieldIssue(field: "Idempotency-Key", .visibleAsciiBetween(min: 1, max: 255))])
        }
        guard let user = request.auth.get(User.self) else { return try await next.respond(to: request) }
        let body = try await request.body.collect(max: Self.maxBody).get()
        var hashed = Data("\(request.method.rawValue) \(request.url.path)?\(request.url.query ?? "")\n".utf8)
        if let body { hashed.append(contentsOf: body.readableBytesView) }
        let fingerprint = Secrets.sha256(hashed)
        let principal = user.id!.uuidString
        let now = Date()

        if let existing = try await find(principal: principal, key: key, on: request.db) {
            return try replay(existing, fingerprint: fingerprint)
        }
        let record = IdempotencyRecord()
        record.id = TimeOrderedID.make(at: now)
        record.principal = principal
        record.key = key
        record.fingerprint = fingerprint
        record.completed = false
        record.createdAt = now
        do {
            try await record.create(on: request.db)
        } catch {
            // Another request with this key got there first.
            guard (error as? any DatabaseError)?.isConstraintFailure == true,
                let existing = try await find(principal: principal, key: key, on: request.db)
            else { throw error }
            return try replay(existing, fingerprint: fingerprint)
        }
        try? await IdempotencyRecord.query(on: request.db).filter(\.$createdAt < now.addingTimeInterval(-Self.lifetime)).delete()

        let response: Response
        do {
            response = try await next.respond(to: request)
        } catch {
            let status = Problem.from(error, request: request).status
            if status >= 500 {
                try? await record.delete(on: request.db)
                throw error
            }
            let failure = FanfareErrorMiddleware.problemResponse(Problem.from(error, request: request), request: request)
            try await remember(failure, in: record, on: request.db)
            return failure
        }
        if response.status.code >= 500 {
            try? await record.delete(on: request.db)
        } else {
            try await remember(response, in: record, on: request.db)
        }
        return response
    }

    private func find(principal: String, key: String, on db: any Database) async throws -> IdempotencyRecord? {
        try await IdempotencyRecord.query(on: db).filter(\.$principal == principal).filter(\.$key == key)
            .filter(\.$createdAt > Date().addingTimeInterval(-Self.lifetime)).first()
    }

    private func remember(_ response: Response, in record: IdempotencyRecord, on db: any Database) async throws {
        record.completed = true
        record.status = Int(response.status.code)
        record.contentType = response.headers.first(name: .contentType)
        record.body = response.body.data ?? response.body.buffer.map { Data($0.readableBytesView) } ?? Data()
        try await record.save(on: db)
    }

    private func replay(_ record: IdempotencyRecord, fingerprint: String) throws -> Response {
        guard record.fingerprint == fingerprint else {
            throw Problem(
                .unprocessableEntity, "This Idempotency-Key was already used with a different request; use a new key for a new request.",
                errors: [FieldIssue(field: "Idempotency-Key", .idempotencyKeyReused)],
                type: "idempotency-key-reused")
        }
        guard record.completed, let status = record.status else {
            throw Problem(.conflict, "A request with this Idempotency-Key is still being processed; retry shortly.", type: "idempotency-in-progress")
        }
        var headers = HTTPHeaders()
        if let contentType = record.contentType { headers.replaceOrAdd(name: .contentType, value: contentType) }
        headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
        return Response(status: HTTPStatus(statusCode: status), headers: headers, body: .init(data: record.body ?? Data()))
    }
}
