import Fluent
import SQLKit

/// The redemption catalogue: rewards with their stock, and each
/// redemption of one by a fan (its points are a line of the ledger).
struct CreateRewards: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("rewards")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("description", .string, .required)
            .field("cost", .int, .required)
            // Units left; null for unlimited. Only ever moved by conditional updates.
            .field("stock", .int)
            .field("per_fan_limit", .int)
            .field("level_required", .int, .required)
            .field("active", .bool, .required)
            // Redemptions not cancelled, kept with the reward for the catalogue page.
            .field("redeemed", .int, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "name")
            .create()

        try await database.schema("redemptions")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("reward_id", .uuid, .required, .references("rewards", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required, .references("fans", "id", onDelete: .cascade))
            .field("points", .int, .required)
            // pending → fulfilled, or pending → cancelled (points refunded, stock returned).
            .field("status", .string, .required)
            .field("note", .string, .required)
            .field("actor_id", .uuid, .references("users", "id", onDelete: .setNull))
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()

        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "redemptions_fan_idx").on("redemptions").column("fan_id").column("reward_id").run()
        try await sql.create(index: "redemptions_list_idx").on("redemptions").column("workspace_id").column("status").column("id").run()
    }

    func revert(on database: any Database) async throws {
        if let sql = database as? any SQLDatabase {
            for index in ["redemptions_fan_idx", "redemptions_list_idx"] { try await sql.drop(index: index).run() }
        }
        for table in ["redemptions", "rewards"] { try await database.schema(table).delete() }
    }
}
