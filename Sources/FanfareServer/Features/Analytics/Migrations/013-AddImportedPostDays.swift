import Fluent
import SQLKit

/// Per-post imports (issue 18 scope 2c): a post's day says where it came
/// from, so an import never overwrites a day a connector read from the
/// platform; and an import's record counts the rows it matched to no post.
struct AddImportedPostDays: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        // Every day stored so far was read by a connector (or the demo standing in for one).
        try await sql.raw("ALTER TABLE post_metric_days ADD COLUMN source TEXT NOT NULL DEFAULT 'snapshot'").run()
        try await sql.raw("ALTER TABLE metric_imports ADD COLUMN unmatched BIGINT NOT NULL DEFAULT 0").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("ALTER TABLE metric_imports DROP COLUMN unmatched").run()
        try await sql.raw("ALTER TABLE post_metric_days DROP COLUMN source").run()
    }
}
