import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A browser session in the database: only people who signed in have one
/// (a visitor's CSRF token and language live in their own cookies, so an
/// anonymous visit writes nothing). It expires after 14 days without use,
/// and the hourly maintenance job deletes what has expired.
final class BrowserSession: Model, @unchecked Sendable {
    static let schema = "browser_sessions"

    @ID(custom: "key", generatedBy: .user) var id: String?
    @Field(key: "data") var data: String
    @Field(key: "expires_at") var expiresAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Listed by hand because FluentKit otherwise finds them by reflection
    /// for every row it reads, the largest single cost of a request (see
    /// docs/benchmarks.md); `HandListedFieldsTests` holds the list to what
    /// reflection finds, so a field added above and forgotten here fails.
    var properties: [any AnyProperty] { [$id, $data, $expiresAt, $updatedAt] }
}

/// Vapor's `SessionDriver` over `BrowserSession`. Vapor asks to update the
/// session after every request that read it; the write is skipped when
/// nothing changed and the expiry was extended recently, so browsing pages
/// does not write to the database on every click.
struct BrowserSessionDriver: SessionDriver {
    static let signedInLifetime: TimeInterval = 14 * 86_400
    /// How stale `updated_at` may get before an unchanged session is
    /// touched again to slide its expiry.
    static let touchInterval: TimeInterval = 3_600

    private struct Loaded: StorageKey { typealias Value = (json: String, updatedAt: Date) }

    static func lifetime(for data: SessionData) -> TimeInterval { signedInLifetime }

    /// Thrown when something tries to store a session that holds nobody:
    /// a bug (SessionUserMiddleware drops such sessions), refused loudly
    /// rather than written.
    struct AnonymousSessionRefused: Error {}

    func createSession(_ data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            guard data[SessionKey.userID] != nil else { throw AnonymousSessionRefused() }
            let now = Date()
            let session = BrowserSession()
            session.id = Secrets.randomToken()
            session.data = try Self.encode(data)
            session.expiresAt = now.addingTimeInterval(Self.lifetime(for: data))
            session.updatedAt = now
            try await session.create(on: request.db)
            return SessionID(string: session.id!)
        }
    }

    func readSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<SessionData?> {
        request.eventLoop.makeFutureWithTask {
            // A hand-written statement: this runs on every signed-in page,
            // and the query builder's identifier escaping cost more than
            // the read (see `HandRead`).
            guard let sql = request.db as? any SQLDatabase,
                let row = try await sql.raw(
                    "SELECT data, updated_at FROM browser_sessions WHERE \"key\" = \(bind: sessionID.string) AND expires_at > \(bind: Date())"
                ).first()
            else { return nil }
            let json = try row.decode(column: "data", as: String.self)
            request.storage[Loaded.self] = (json, try row.decode(column: "updated_at", as: Date.self))
            return try JSONDecoder().decode(SessionData.self, from: Data(json.utf8))
        }
    }

    func updateSession(_ sessionID: SessionID, to data: SessionData, for request: Request) -> EventLoopFuture<SessionID> {
        request.eventLoop.makeFutureWithTask {
            let now = Date()
            let json = try Self.encode(data)
            if let loaded = request.storage[Loaded.self], loaded.json == json, now.timeIntervalSince(loaded.updatedAt) < Self.touchInterval {
                return sessionID
            }
            try await BrowserSession.query(on: request.db).filter(\.$id == sessionID.string)
                .set(\.$data, to: json)
                .set(\.$expiresAt, to: now.addingTimeInterval(Self.lifetime(for: data)))
                .set(\.$updatedAt, to: now)
                .update()
            return sessionID
        }
    }

    func deleteSession(_ sessionID: SessionID, for request: Request) -> EventLoopFuture<Void> {
        request.eventLoop.makeFutureWithTask {
            // A cookie that found no record has nothing to delete: say so
            // without a statement (an unknown cookie must not cause a write).
            guard request.storage[Loaded.self] != nil else { return }
            try await BrowserSession.query(on: request.db).filter(\.$id == sessionID.string).delete()
        }
    }

    private static func encode(_ data: SessionData) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(data), as: UTF8.self)
    }
}
