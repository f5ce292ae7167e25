import Fluent
import SQLKit

/// Outbound channels (企业微信, DingTalk, Feishu, webhooks, email) with their
/// routes, and each notice's delivery to each of them (issue 20, scope 3).
struct CreateNotifyChannels: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notify_channels")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("name", .string, .required)
            // The address with its key or token cut off, for the pages; the
            // whole address and the signing secret are sealed together.
            .field("address_hint", .string, .required)
            .field("sealed", .data, .required)
            .field("enabled", .bool, .required)
            // Routes: space-separated event kinds, the lowest grade, monitors.
            .field("event_kinds", .string, .required)
            .field("min_grade", .string)
            .field("monitor_ids", .string, .required)
            .field("locale", .string, .required)
            .field("last_tested_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("notify_deliveries")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("channel_id", .uuid, .required, .references("notify_channels", "id", onDelete: .cascade))
            // One story, one message per channel: the database decides
            // between two announcements of the same event at once.
            .field("dedupe_key", .string, .required)
            .field("event_kind", .string, .required)
            .field("event", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("http_status", .int)
            .field("error_code", .string)
            .field("error_text", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "channel_id", "dedupe_key")
            .create()
        // The workspace's mail server for email channels; the password sealed.
        try await database.schema("notify_smtp_settings")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("host", .string, .required)
            .field("port", .int, .required)
            .field("security", .string, .required)
            .field("username", .string, .required)
            .field("sealed_password", .data, .required)
            .field("from_address", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "notify_channels_workspace_idx").on("notify_channels").column("workspace_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notify_smtp_settings").delete()
        try await database.schema("notify_deliveries").delete()
        try await database.schema("notify_channels").delete()
    }
}
