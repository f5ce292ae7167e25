import Fluent
import SQLKit

/// A workspace's lexicon entries (terms and allow-list phrases), the
/// version every change bumps so that each node knows its compiled engine
/// is stale, the hits the report counts, and reviewers' false-positive
/// feedback.
struct CreateModeration: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("workspaces").field("lexicon_version", .int, .required, .sql(.default(0))).update()
        try await database.schema("lexicon_entries")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("term", .string, .required)
            .field("folded", .string, .required)
            .field("category", .string)
            .field("severity", .string)
            .field("scope", .string)
            .field("created_by", .uuid, .references("users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "kind", "folded")
            .create()
        try await database.schema("moderation_hits")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("source", .string, .required)
            .field("source_id", .uuid, .required)
            .field("term", .string, .required)
            .field("category", .string, .required)
            .field("severity", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.schema("moderation_feedback")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("term", .string, .required)
            .field("phrase", .string, .required)
            .field("note", .string, .required)
            .field("status", .string, .required)
            .field("created_by", .uuid, .references("users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .field("decided_by", .uuid, .references("users", "id", onDelete: .setNull))
            .field("decided_at", .datetime)
            .create()
        try await database.schema("incoming_messages")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("remote_id", .string, .required)
            .field("kind", .string, .required)
            .field("post_remote_id", .string)
            .field("author_id", .string, .required)
            .field("author_name", .string, .required)
            .field("text", .string, .required)
            .field("sent_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            .field("moderation", .string, .required)
            .field("recommendation", .string, .required)
            .unique(on: "account_id", "remote_id")
            .create()
        try await database.schema("interaction_cursors")
            .field("account_id", .uuid, .identifier(auto: false), .references("social_accounts", "id", onDelete: .cascade))
            .field("cursor", .string, .required)
            .field("polled_at", .datetime, .required)
            .create()
        if let sql = database as? any SQLDatabase {
            try await sql.create(index: "moderation_hits_by_time").on("moderation_hits").column("workspace_id").column("at").run()
            try await sql.create(index: "incoming_messages_by_time").on("incoming_messages").column("workspace_id").column("received_at").run()
            try await sql.create(index: "incoming_messages_by_author").on("incoming_messages").column("account_id").column("author_id")
                .column("received_at").run()
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["interaction_cursors", "incoming_messages", "moderation_feedback", "moderation_hits", "lexicon_entries"] {
            try await database.schema(table).delete()
        }
        try await database.schema("workspaces").deleteField("lexicon_version").update()
    }
}
