import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Hourly clean-up of records whose purpose has passed: tries that no
/// limit looks at any more, remembered idempotent responses, used setup links, expired
/// browser sessions, finished jobs and heartbeats of workers that are gone.
enum Maintenance {
    static let kind = JobKind<NoPayload>("maintenance.purge")
    static let period: TimeInterval = 3_600

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await purge(on: app.db, now: Date())
    }

    static func purge(on db: any Database, now: Date) async throws {
        try await ThrottleEvent.query(on: db).filter(\.$at < now.addingTimeInterval(-ThrottleStore.retention)).delete()
        try await IdempotencyRecord.query(on: db).filter(\.$createdAt < now.addingTimeInterval(-IdempotencyMiddleware.lifetime)).delete()
        try await SetupToken.query(on: db).filter(\.$expiresAt < now).delete()
        try await BrowserSession.query(on: db).filter(\.$expiresAt < now).delete()
        try await Job.query(on: db).filter(\.$state == Job.State.succeeded.rawValue).filter(\.$finishedAt < now.addingTimeInterval(-7 * 86_400))
            .delete()
        try await WorkerHeartbeat.query(on: db).filter(\.$seenAt < now.addingTimeInterval(-86_400)).delete()
        // A push id only needs remembering while its signature is valid (5 minutes).
        if let sql = db as? any SQLDatabase {
            try await sql.delete(from: "push_nonces").where("received_at", .lessThan, SQLBind(now.addingTimeInterval(-86_400))).run()
        }
    }
}
