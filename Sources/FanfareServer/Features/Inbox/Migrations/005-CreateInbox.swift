import Fluent
import SQLKit

/// The inbox: conversations built from incoming messages, the replies
/// sent in them, the team's reply templates and routing rules, the
/// workspace's service levels and their breaches, and feedback tickets.
struct CreateInbox: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("inbox_settings")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("first_response_minutes", .int, .required)
            .field("resolution_minutes", .int, .required)
            .field("warning_percent", .int, .required)
            // JSON `BusinessHours`, or null: service time is wall time.
            .field("business_hours", .string)
            .field("auto_reply_cap", .int, .required)
            .field("public_feedback", .bool, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("conversations")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("author_id", .string, .required)
            .field("author_name", .string, .required)
            .field("thread_key", .string, .required)
            // account|author|thread while the conversation is not resolved,
            // null after: at most one open conversation per fan and thread,
            // which concurrent writers on several nodes cannot break.
            .field("open_key", .string)
            .field("status", .string, .required)
            .field("queue", .string, .required)
            .field("assignee_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("tags", .string, .required)
            .field("tier", .string, .required)
            .field("priority", .string, .required)
            .field("priority_rank", .int, .required)
            .field("last_sentiment", .string, .required)
            .field("last_intent", .string, .required)
            .field("last_text", .string, .required)
            .field("message_count", .int, .required)
            .field("opened_at", .datetime, .required)
            .field("last_message_at", .datetime, .required)
            .field("first_response_at", .datetime)
            .field("resolved_at", .datetime)
            // Which warnings were sent, so each is sent once.
            .field("warned", .string, .required)
            // Any change: what live inbox pages watch for.
            .field("updated_at", .datetime, .required)
            .unique(on: "open_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "conversations_list_idx").on("conversations").column("workspace_id").column("last_message_at").run()
        try await sql.create(index: "conversations_changed_idx").on("conversations").column("workspace_id").column("updated_at").run()
        try await sql.create(index: "conversations_fan_idx").on("conversations").column("account_id").column("author_id").run()

        try await database.schema("incoming_messages").field("conversation_id", .uuid).update()
        try await sql.create(index: "incoming_messages_conversation_idx").on("incoming_messages").column("conversation_id").run()
        // (account, author, received_at) is already indexed by 003.

        try await database.schema("reply_templates")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("category", .string, .required)
            .field("body", .string, .required)
            // JSON {platform: body}: the wording for one platform.
            .field("variants", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "name")
            .create()

        try await database.schema("inbox_rules")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("position", .int, .required)
            .field("enabled", .bool, .required)
            .field("conditions", .string, .required)
            .field("actions", .string, .required)
            .field("answers_negative", .bool, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("inbox_replies")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("message_id", .uuid, .required, .references("incoming_messages", "id", onDelete: .cascade))
            .field("text", .string, .required)
            .field("template_id", .uuid, .references("reply_templates", "id", onDelete: .setNull))
            .field("rule_id", .uuid, .references("inbox_rules", "id", onDelete: .setNull))
            .field("author_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("automatic", .bool, .required)
            .field("status", .string, .required)
            .field("remote_id", .string)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await sql.create(index: "inbox_replies_conversation_idx").on("inbox_replies").column("conversation_id").run()
        try await sql.create(index: "inbox_replies_automatic_idx").on("inbox_replies").column("workspace_id").column("automatic")
            .column("created_at").run()

        try await database.schema("service_level_breaches")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("conversation_id", .uuid, .required, .references("conversations", "id", onDelete: .cascade))
            .field("clock", .string, .required)
            .field("due_at", .datetime, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "conversation_id", "clock")
            .create()

        try await database.schema("feedback_tickets")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("number", .int, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("kind", .string, .required)
            .field("source", .string, .required)
            .field("message_id", .uuid, .references("incoming_messages", "id", onDelete: .setNull))
            .field("conversation_id", .uuid, .references("conversations", "id", onDelete: .setNull))
            .field("fan_name", .string)
            .field("contact", .string)
            // The secret part of the receipt link a form's sender keeps, to
            // read the ticket's state and its closing notice.
            .field("receipt", .string, .required)
            .field("impact", .int, .required)
            .field("urgency", .int, .required)
            .field("cost", .int, .required)
            .field("score", .int, .required)
            .field("owner_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("status", .string, .required)
            .field("resolution", .string)
            .field("closing_note", .string)
            .field("public", .bool, .required)
            .field("merged_into_id", .uuid, .references("feedback_tickets", "id", onDelete: .setNull))
            .field("supporters", .int, .required)
            .field("notice_reply_id", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("closed_at", .datetime)
            .unique(on: "workspace_id", "number")
            .create()

        // What Sandbox fans wrote on purpose (the demo, a person trying the
        // inbox), and what the Sandbox received as replies: the platform's
        // memory, shared by every process.
        try await database.schema("sandbox_fan_messages")
            .field("remote_id", .string, .identifier(auto: false))
            .field("account", .string, .required)
            .field("kind", .string, .required)
            .field("post_remote_id", .string)
            .field("author_id", .string, .required)
            .field("author_name", .string, .required)
            .field("text", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.schema("sandbox_replies")
            .field("idempotency_key", .string, .identifier(auto: false))
            .field("remote_id", .string, .required)
            .field("account", .string, .required)
            .field("in_reply_to", .string, .required)
            .field("text", .string, .required)
            .field("at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        for table in [
            "sandbox_replies", "sandbox_fan_messages", "feedback_tickets", "service_level_breaches", "inbox_replies", "inbox_rules",
            "reply_templates",
        ] {
            try await database.schema(table).delete()
        }
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "incoming_messages_conversation_idx").run()
        try await database.schema("incoming_messages").deleteField("conversation_id").update()
        try await database.schema("conversations").delete()
        try await database.schema("inbox_settings").delete()
    }
}
