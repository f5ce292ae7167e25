import Fluent
import SQLKit

struct CreateAuditEvents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // No foreign keys: the log outlives the users and workspaces it names.
        try await database.schema("audit_events")
            .id()
            .field("workspace_id", .uuid)
            .field("actor_id", .uuid)
            .field("actor_label", .string, .required)
            .field("action", .string, .required)
            .field("target_type", .string, .required)
            .field("target_id", .string)
            .field("before", .string, .required)
            .field("after", .string, .required)
            .field("address", .string)
            .field("at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "audit_events_workspace_idx").on("audit_events").column("workspace_id").column("id")
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_events").delete()
    }
}
