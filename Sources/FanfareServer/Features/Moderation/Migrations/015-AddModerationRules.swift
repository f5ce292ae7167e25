import Fluent
import SQLKit

/// Acting by rule: each workspace's rules (which platform move each graded
/// recommendation carries out by itself), and on every action its outcome
/// (a rule's move can fail or be impossible on the platform) and, for a
/// rule's, one key per message and move, so no move is ever made twice.
struct AddModerationRules: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        // Actions before this were all a person's, and all carried out.
        try await database.schema("message_actions").field("outcome", .string, .required, .sql(.default("done"))).update()
        try await database.schema("message_actions").field("reason", .string).update()
        try await database.schema("message_actions").field("rule_key", .string).update()
        let sql = database as! any SQLDatabase
        // Unique where set (a person's actions leave it empty): the claim a
        // rule makes before it asks the platform.
        try await sql.create(index: "message_actions_rule_key").unique().on("message_actions").column("rule_key").run()
        try await database.schema("moderation_rules")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("rules", .string, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("moderation_rules").delete()
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "message_actions_rule_key").run()
        for field in ["rule_key", "reason", "outcome"] {
            try await database.schema("message_actions").deleteField(.string(field)).update()
        }
    }
}
