import Fluent
import SQLKit

/// Listening: monitors, the mentions they hear (and which monitor heard
/// which), alerts, and each workspace's grading rule and monitors' version.
struct CreateListening: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("listening_monitors")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("query", .string, .required)
            // JSON arrays of strings; empty: every platform, account, source.
            .field("exclusions", .string, .required)
            .field("platforms", .string, .required)
            .field("account_ids", .string, .required)
            .field("source_kinds", .string, .required)
            .field("enabled", .bool, .required)
            .field("snoozed_until", .datetime)
            .field("created_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "name")
            .create()
        try await database.schema("listening_mentions")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("source_kind", .string, .required)
            // The account, feed or import a mention came through, so one
            // external id is one mention per source.
            .field("source_key", .string, .required)
            .field("external_id", .string, .required)
            .field("platform", .string, .required)
            .field("account_id", .uuid)
            .field("message_id", .uuid)
            .field("author", .string, .required)
            .field("text", .string, .required)
            .field("url", .string)
            .field("published_at", .datetime, .required)
            .field("received_at", .datetime, .required)
            .field("lang", .string, .required)
            .field("sentiment", .string, .required)
            .field("intent", .string, .required)
            .unique(on: "workspace_id", "source_kind", "source_key", "external_id")
            .create()
        // One row per monitor that heard a mention: the alert's counts and
        // the series read this table alone, by monitor and time.
        try await database.schema("listening_mention_monitors")
            .field("mention_id", .uuid, .required, .references("listening_mentions", "id", onDelete: .cascade))
            .field("monitor_id", .uuid, .required, .references("listening_monitors", "id", onDelete: .cascade))
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            // 1 when the mention reads negative, so a sum counts them.
            .field("negative", .int, .required)
            .unique(on: "mention_id", "monitor_id")
            .create()
        try await database.schema("listening_alerts")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("monitor_id", .uuid, .required, .references("listening_monitors", "id", onDelete: .cascade))
            // The monitor's id while the alert is not closed, else null: the
            // unique key lets one story of a monitor raise one alert, whichever
            // node evaluates first.
            .field("open_key", .uuid)
            .field("grade", .string, .required)
            .field("state", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("last_spike_at", .datetime, .required)
            .field("mentions", .int, .required)
            .field("negative", .int, .required)
            .field("expected", .double, .required)
            .field("usual_negative_share", .double, .required)
            .field("previous", .int, .required)
            .field("by_volume", .bool, .required)
            .field("by_share", .bool, .required)
            .field("by_speed", .bool, .required)
            .field("escalations", .int, .required)
            .field("snoozed_until", .datetime)
            .field("acknowledged_by", .uuid)
            .field("acknowledged_at", .datetime)
            .field("closed_by", .uuid)
            .field("closed_at", .datetime)
            .unique(on: "open_key")
            .create()
        try await database.schema("listening_settings")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            .field("grading", .string)
            // Bumped by every change of a monitor: each node's matcher cache
            // compares it to the version it compiled.
            .field("monitors_version", .int, .required)
            .field("updated_at", .datetime, .required)
            .create()
        // RSS and Atom feeds a workspace listens to, with the validators of
        // the last poll (an unchanged feed costs a 304).
        try await database.schema("listening_feeds")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("url", .string, .required)
            .field("interval_minutes", .int, .required)
            .field("etag", .string)
            .field("last_modified", .string)
            .field("next_poll_at", .datetime, .required)
            .field("last_polled_at", .datetime)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "workspace_id", "url")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "listening_mention_monitors_monitor_at_idx").on("listening_mention_monitors").column("monitor_id").column("at")
            .run()
        try await sql.create(index: "listening_mention_monitors_workspace_at_idx").on("listening_mention_monitors").column("workspace_id").column(
            "at"
        )
        .run()
        try await sql.create(index: "listening_mentions_workspace_published_idx").on("listening_mentions").column("workspace_id").column(
            "published_at"
        ).run()
        try await sql.create(index: "listening_alerts_workspace_opened_idx").on("listening_alerts").column("workspace_id").column("opened_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("listening_feeds").delete()
        try await database.schema("listening_settings").delete()
        try await database.schema("listening_alerts").delete()
        try await database.schema("listening_mention_monitors").delete()
        try await database.schema("listening_mentions").delete()
        try await database.schema("listening_monitors").delete()
    }
}
