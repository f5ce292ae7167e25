import Fluent
import SQLKit

/// `conversion_event_slots` (see `ConversionSlots`), filled from the
/// events already stored. The unique key is also the index the overview
/// reads ranges of slots with.
struct CreateConversionSlots: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("conversion_event_slots")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("slot", .int64, .required)
            .field("type", .string, .required)
            .field("events", .int64, .required)
            .field("amount_fen", .int64, .required)
            .unique(on: "workspace_id", "slot", "type")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        try await ConversionSlots.rebuild(on: sql)
    }

    func revert(on database: any Database) async throws {
        try await database.schema("conversion_event_slots").delete()
    }
}
