import Fluent

/// What the team did to fans' messages and fans through the platform.
struct CreateMessageActions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("message_actions")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("message_id", .uuid, .required, .references("incoming_messages", "id", onDelete: .cascade))
            .field("move", .string, .required)
            .field("by_rule", .bool, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("undone_at", .datetime)
            .field("undone_by", .string)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("message_actions").delete()
    }
}
