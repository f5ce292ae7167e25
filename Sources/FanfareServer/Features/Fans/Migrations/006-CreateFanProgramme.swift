import Fluent
import SQLKit

/// What is built on fans: the workspace's programme settings, segments,
/// merges (kept so they can be undone), activities with their entries, and
/// the nightly tier counts the distribution report reads.
struct CreateFanProgramme: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("fan_programmes")
            .field("workspace_id", .uuid, .identifier(auto: false), .references("workspaces", "id", onDelete: .cascade))
            // JSON (`FanProgramme`).
            .field("settings", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("segments")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            // JSON (`SegmentRule`), in the format openapi.yaml documents.
            .field("rule", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "name")
            .create()

        try await database.schema("fan_merges")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("kept_fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            .field("merged_fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            // by_hand, same_phone, same_email, same_union_id.
            .field("reason", .string, .required)
            .field("note", .string, .required)
            .field("actor_id", .uuid, .references("users", "id", onDelete: .setNull))
            // JSON: what moved (identities, messages, ledger lines) and the kept fan's counters before, for undo.
            .field("moved", .string, .required)
            .field("at", .datetime, .required)
            .field("undone_at", .datetime)
            .create()

        try await database.schema("activities")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("title", .string, .required)
            // JSON (`ActivitySettings`): options, questions, hashtag, prize count.
            .field("settings", .string, .required)
            .field("segment_id", .uuid, .references("segments", "id", onDelete: .setNull))
            .field("status", .string, .required)
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            // A lottery's seed hash is published when it opens; the seed itself only after the draw.
            .field("seed_commitment", .string)
            .field("seed", .string)
            // JSON: the draw's winners and entrant list, or the poll's tally.
            .field("result", .string)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        try await database.schema("activity_entries")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("activity_id", .uuid, .required, .references("activities", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            // One entry per fan and activity, except UGC: one per mention (its message).
            .field("entry_key", .string, .required)
            // JSON: the chosen option, the quiz answers, or the UGC message's id and text.
            .field("answer", .string, .required)
            .field("correct", .int)
            .field("featured", .bool, .required)
            .field("at", .datetime, .required)
            .unique(on: "activity_id", "entry_key")
            .create()

        try await database.schema("fan_tier_counts")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            // The workspace's local day, yyyy-MM-dd.
            .field("day", .string, .required)
            .field("dimension", .string, .required)
            .field("tier", .string, .required)
            .field("fans", .int, .required)
            .unique(on: "workspace_id", "day", "dimension", "tier")
            .create()

        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "fan_merges_kept_idx").on("fan_merges").column("kept_fan_id").run()
        try await sql.create(index: "activity_entries_fan_idx").on("activity_entries").column("fan_id").run()
        try await sql.create(index: "activities_list_idx").on("activities").column("workspace_id").column("starts_at").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in ["fan_merges_kept_idx", "activity_entries_fan_idx", "activities_list_idx"] { try await sql.drop(index: index).run() }
        }
        for table in ["fan_tier_counts", "activity_entries", "activities", "fan_merges", "segments", "fan_programmes"] {
            try await database.schema(table).delete()
        }
    }
}
