import Fluent
import SQLKit

/// A link may split its visitors between destinations (an experiment's
/// arms, issue 21): `short_links.split` holds the arms while the split
/// runs (JSON, `LinkSplit`), and each click records the arm it was sent to
/// and the visitor's unit (a MAC of the visitor's own random cookie), so
/// the experiment counts visitors per arm. Both are empty for ordinary
/// links and for clicks made before.
struct AddLinkSplits: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("short_links").field("split", .string).update()
        try await database.schema("link_clicks").field("arm_id", .uuid).update()
        try await database.schema("link_clicks").field("unit", .string).update()
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.create(index: "link_clicks_arm").on("link_clicks").column("link_id").column("arm_id").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.drop(index: "link_clicks_arm").run()
        try await database.schema("link_clicks").deleteField("unit").update()
        try await database.schema("link_clicks").deleteField("arm_id").update()
        try await database.schema("short_links").deleteField("split").update()
    }
}
