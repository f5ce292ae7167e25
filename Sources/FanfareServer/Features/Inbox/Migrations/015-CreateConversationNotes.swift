import Fluent
import SQLKit

/// Internal notes on conversations: what agents tell each other about a
/// fan or a case, shown in the thread and never sent to the platform.
struct CreateConversationNotes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("conversation_notes")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("author_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("text", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "conversation_notes_conversation_idx").on("conversation_notes").column("conversation_id").column("created_at")
            .run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("conversation_notes").delete()
    }
}
