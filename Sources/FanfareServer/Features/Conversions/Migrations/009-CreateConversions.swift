import Fluent
import SQLKit

/// Tracked short links, their clicks, and conversion events.
struct CreateConversions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("short_links")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("code", .string, .required)
            .field("destination", .string, .required)
            // The destination with the UTM parameters, as the redirect sends it (before the click id).
            .field("destination_with_utm", .string, .required)
            .field("utm_source", .string)
            .field("utm_medium", .string)
            .field("utm_campaign", .string)
            .field("utm_content", .string)
            .field("utm_term", .string)
            // post | campaign | account
            .field("target_kind", .string, .required)
            .field("post_id", .uuid)
            .field("variant_id", .uuid)
            .field("account_id", .uuid)
            .field("campaign", .string)
            .field("created_by", .uuid)
            .field("disabled_at", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "code")
            .create()

        try await database.schema("link_clicks")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("link_id", .uuid, .required, .references("short_links", "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            // The UTC day the visitor key was made for (days since 1970-01-01).
            .field("day", .string, .required)
            // HMAC of the day's salt, the client address and the user agent; never the address itself.
            .field("visitor_key", .string, .required)
            .field("bot", .bool, .required)
            // A click by the same visitor key on the same link the same day as an earlier one.
            .field("repeated", .bool, .required)
            .create()

        try await database.schema("conversion_events")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            // The sender's id of the event: one event per id per workspace, forever.
            .field("event_id", .string, .required)
            .field("type", .string, .required)
            .field("at", .datetime, .required)
            .field("amount_fen", .int64)
            .field("currency", .string, .required)
            .field("fan_id", .uuid)
            .field("referred_fan_id", .uuid)
            .field("click_id", .uuid)
            .field("link_id", .uuid)
            .field("properties", .string)
            .field("received_at", .datetime, .required)
            .unique(on: "workspace_id", "event_id")
            .create()

        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("CREATE INDEX short_links_workspace ON short_links (workspace_id, id)").run()
        try await sql.raw("CREATE INDEX link_clicks_link_day ON link_clicks (link_id, day, visitor_key)").run()
        try await sql.raw("CREATE INDEX conversion_events_fan ON conversion_events (workspace_id, fan_id, at)").run()
        try await sql.raw("CREATE INDEX conversion_events_at ON conversion_events (workspace_id, at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("conversion_events").delete()
        try await database.schema("link_clicks").delete()
        try await database.schema("short_links").delete()
    }
}
