import Fluent
import SQLKit

/// Fans: one profile per person, their identities on the platforms, and
/// their points ledger.
struct CreateFans: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("fans")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("display_name", .string, .required)
            // JSON (`FanAttributes`): the profile's dimensions, free tags and consent flags.
            .field("attributes", .string, .required)
            // `RollingActivity`'s compact form: interactions per local day, 30 days.
            .field("rolling_activity", .string, .required)
            .field("interactions_30d", .int, .required)
            .field("activity_tier", .string, .required)
            .field("value_tier", .string, .required)
            .field("stage", .string, .required)
            // Kept by conditional updates only, so it never goes below 0;
            // always the sum of the fan's ledger lines.
            .field("points_balance", .int, .required)
            .field("lifetime_points", .int, .required)
            .field("level", .int, .required)
            // JSON list of badge ids, in the order they were earned.
            .field("badges", .string, .required)
            .field("check_in_streak", .int, .required)
            .field("best_streak", .int, .required)
            .field("last_check_in_at", .datetime)
            // What the value tier is computed from (`ValueFacts`); spend in fen.
            .field("spend_fen", .int64, .required)
            .field("referrals", .int, .required)
            .field("contributions", .int, .required)
            // Set when the fan was merged into another: the row stays so the merge can be undone.
            .field("merged_into", .uuid)
            // Set when the fan's personal data was erased; the row keeps only anonymous counters.
            .field("erased_at", .datetime)
            .field("first_seen_at", .datetime, .required)
            .field("last_interaction_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("fan_identities")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            // The platform's id of the person (a Weibo uid, a Mastodon acct).
            .field("author_id", .string, .required)
            .field("display_name", .string, .required)
            .field("first_seen_at", .datetime, .required)
            .unique(on: "workspace_id", "platform", "author_id")
            .create()

        try await database.schema("points_ledger")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            // One line per event: a second post of the same event finds this one.
            .field("source_key", .string, .required)
            .field("kind", .string, .required)
            // The `LoyaltyAction` an earn line pays for: what daily caps add up.
            .field("action", .string)
            .field("delta", .int, .required)
            .field("reason", .string, .required)
            .field("actor_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("balance_after", .int, .required)
            .field("at", .datetime, .required)
            .unique(on: "workspace_id", "source_key")
            .create()

        try await database.schema("fan_tier_changes")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            .field("dimension", .string, .required)
            .field("from_tier", .string)
            .field("to_tier", .string, .required)
            .field("at", .datetime, .required)
            .create()

        try await database.schema("incoming_messages").field("fan_id", .uuid).update()

        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "incoming_messages_fan_idx").on("incoming_messages").column("fan_id").run()
        try await sql.create(index: "fan_tier_changes_time_idx").on("fan_tier_changes").column("workspace_id").column("at").run()
        try await sql.create(index: "fans_list_idx").on("fans").column("workspace_id").column("last_interaction_at").run()
        // The nightly recomputation and segment counts walk a workspace's fans in id order, a page at a time.
        try await sql.create(index: "fans_walk_idx").on("fans").column("workspace_id").column("id").run()
        try await sql.create(index: "fan_identities_fan_idx").on("fan_identities").column("fan_id").run()
        try await sql.create(index: "points_ledger_fan_idx").on("points_ledger").column("fan_id").column("action").column("at").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in [
                "fans_list_idx", "fans_walk_idx", "fan_identities_fan_idx", "points_ledger_fan_idx", "incoming_messages_fan_idx",
                "fan_tier_changes_time_idx",
            ] { try await sql.drop(index: index).run() }
        }
        try await database.schema("incoming_messages").deleteField("fan_id").update()
        for table in ["fan_tier_changes", "points_ledger", "fan_identities", "fans"] { try await database.schema(table).delete() }
    }
}
