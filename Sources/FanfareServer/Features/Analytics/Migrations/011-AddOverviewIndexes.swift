import Fluent
import SQLKit

/// The overview's filter menu lists the workspace's campaigns on every
/// load (`DashboardQueries.campaigns`): without an index that read every
/// post of the workspace (50,000 on the benchmark's).
struct AddOverviewIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as? any SQLDatabase)?.raw("CREATE INDEX posts_workspace_campaign ON posts (workspace_id, campaign)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as? any SQLDatabase)?.raw("DROP INDEX posts_workspace_campaign").run()
    }
}
