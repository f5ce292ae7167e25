import FanfareCore
import Fluent
import Foundation
import SQLKit

/// A post's campaign becomes a reference (issue 22): `posts.campaign_id`,
/// and every campaign name typed on posts so far becomes a campaign of
/// that name (empty, its two phases named in Chinese, the product's
/// default language; launching on its earliest post's day in the
/// workspace's time zone), its posts pointing at it. The name stays on
/// the post beside the reference for the analytics filters.
struct AddCampaignReferences: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("posts").field("campaign_id", .uuid).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "posts_campaign_idx").on("posts").column("campaign_id").run()
        try await Self.backfill(on: sql)
    }

    /// Every campaign name on posts without a reference becomes a campaign
    /// (one per workspace and name) that those posts point at.
    static func backfill(on sql: any SQLDatabase) async throws {
        struct Named: Decodable {
            var workspaceID: UUID
            var campaign: String
            var first: Date
            var timeZone: String

            enum CodingKeys: String, CodingKey {
                case workspaceID = "workspace_id", campaign, first, timeZone = "time_zone"
            }
        }
        let named = try await sql.raw(
            """
            SELECT p.workspace_id, p.campaign, MIN(COALESCE(p.scheduled_at, p.created_at)) AS first, w.time_zone \
            FROM posts p JOIN workspaces w ON w.id = p.workspace_id \
            WHERE p.campaign IS NOT NULL AND p.campaign <> '' AND p.campaign_id IS NULL GROUP BY p.workspace_id, p.campaign, w.time_zone
            """
        ).all(decoding: Named.self)
        let now = Date()
        for row in named {
            let zone = TimeZone(identifier: row.timeZone) ?? TimeZone(identifier: "Asia/Shanghai")!
            let id = TimeOrderedID.make(at: now)
            try await sql.insert(into: "campaigns")
                .columns(
                    "id", "workspace_id", "name", "template", "launch_day", "buffer_days", "platforms", "state", "created_at", "updated_at"
                )
                .values(
                    SQLBind(id), SQLBind(row.workspaceID), SQLBind(String(row.campaign.prefix(120))), SQLBind(CampaignTemplate.custom.rawValue),
                    SQLBind(MetricDay.of(row.first, in: zone)), SQLBind(CampaignPlan.recommendedBufferDays), SQLBind("[]"), SQLBind("planning"),
                    SQLBind(now), SQLBind(now)
                ).run()
            for (position, phase) in [("准备", true), ("执行", false)].enumerated() {
                try await sql.insert(into: "campaign_phases").columns("id", "workspace_id", "campaign_id", "position", "name", "before_launch")
                    .values(SQLBind(UUID()), SQLBind(row.workspaceID), SQLBind(id), SQLBind(position), SQLBind(phase.0), SQLBind(phase.1)).run()
            }
            try await sql.raw(
                "UPDATE posts SET campaign_id = \(bind: id) WHERE workspace_id = \(bind: row.workspaceID) AND campaign = \(bind: row.campaign) AND campaign_id IS NULL"
            ).run()
        }
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "posts_campaign_idx").run()
        try await database.schema("posts").deleteField("campaign_id").update()
    }
}
