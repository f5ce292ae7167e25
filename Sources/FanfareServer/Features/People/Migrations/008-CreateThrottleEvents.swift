import Fluent
import SQLKit

/// One table for every limit on what people try: wrong passwords, unknown
/// setup and invitation links, public feedback sends. It replaces
/// `login_failures`, which knew only sign-in; what it held was at most
/// half an hour of failures, so nothing of value is dropped with it.
struct CreateThrottleEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("throttle_events")
            .id()
            .field("kind", .string, .required)
            .field("subject", .string, .required)
            .field("address", .string, .required)
            .field("at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "throttle_events_subject_idx").on("throttle_events").column("kind").column("subject").column("at").run()
        try await sql.create(index: "throttle_events_address_idx").on("throttle_events").column("address").column("at").run()
        try await database.schema("login_failures").delete()
    }

    func revert(on database: any Database) async throws {
        try await CreateLoginFailures().prepare(on: database)
        try await database.schema("throttle_events").delete()
    }
}
