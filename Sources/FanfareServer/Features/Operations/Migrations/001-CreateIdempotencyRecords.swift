import Fluent
import SQLKit

struct CreateIdempotencyRecords: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("idempotency_records")
            .id()
            .field("principal", .string, .required)
            .field("key", .string, .required)
            .field("fingerprint", .string, .required)
            .field("completed", .bool, .required)
            .field("status", .int)
            .field("content_type", .string)
            .field("body", .data)
            .field("created_at", .datetime, .required)
            .unique(on: "principal", "key")
            .create()
        try await (database as! any SQLDatabase).create(index: "idempotency_records_created_idx").on("idempotency_records").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("idempotency_records").delete()
    }
}
