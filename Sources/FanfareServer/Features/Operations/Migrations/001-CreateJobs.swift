import Fluent
import SQLKit

struct CreateJobs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("unique_key", .string)
            .field("state", .string, .required)
            .field("run_at", .datetime, .required)
            .field("attempts", .int, .required)
            .field("max_attempts", .int, .required)
            .field("lease_owner", .string)
            .field("lease_expires_at", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("finished_at", .datetime)
            .unique(on: "unique_key")
            .create()
        try await (database as! any SQLDatabase).create(index: "jobs_claim_idx").on("jobs").column("state").column("run_at").run()
        try await database.schema("worker_heartbeats")
            .field("worker_id", .string, .identifier(auto: false))
            .field("seen_at", .datetime, .required)
            .field("started_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("worker_heartbeats").delete()
        try await database.schema("jobs").delete()
    }
}
