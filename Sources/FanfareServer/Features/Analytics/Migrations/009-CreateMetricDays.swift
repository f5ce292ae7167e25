import Fluent
import SQLKit

/// The metric store (issue 18): one row per account and day, one row per
/// published post and day, each the platform's totals as of that day.
/// Wide tables rather than one row per metric: a year's series of an
/// account is 365 rows, and the benchmark's 2 years × 100 accounts and
/// 50,000 posts stay a few million rows.
struct CreateMetricDays: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("account_metric_days")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("followers", .int)
            .field("following", .int)
            .field("posts", .int)
            .field("platform_values", .string)
            .field("source", .string, .required)
            .field("taken_at", .datetime, .required)
            .field("writes", .int, .required)
            .unique(on: "account_id", "day")
            .create()
        try await database.schema("post_metric_days")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("variant_id", .uuid, .required, .references("post_variants", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("day", .string, .required)
            .field("impressions", .int)
            .field("reach", .int)
            .field("likes", .int)
            .field("comments", .int)
            .field("shares", .int)
            .field("saves", .int)
            .field("plays", .int)
            .field("completion", .double)
            .field("link_clicks", .int)
            .field("engagements", .int)
            .field("platform_values", .string)
            .field("taken_at", .datetime, .required)
            .field("writes", .int, .required)
            .unique(on: "variant_id", "day")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "account_metric_days_workspace_day_idx").on("account_metric_days").column("workspace_id").column("day").run()
        try await sql.create(index: "account_metric_days_account_day_idx").on("account_metric_days").column("account_id").column("day").run()
        try await sql.create(index: "post_metric_days_workspace_day_idx").on("post_metric_days").column("workspace_id").column("day").run()
        try await sql.create(index: "post_metric_days_account_day_idx").on("post_metric_days").column("account_id").column("day").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("post_metric_days").delete()
        try await database.schema("account_metric_days").delete()
    }
}
