import Fluent
import SQLKit

/// Replies by the time they went out, per workspace: an incident's timeline
/// and its first-response clock read the replies sent while it was active
/// (issue 20, `ConversationService.repliesSent`), every minute for each
/// active incident.
struct AddReplySentIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.create(index: "inbox_replies_workspace_sent_idx").on("inbox_replies").column("workspace_id").column("sent_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "inbox_replies_workspace_sent_idx").run()
    }
}
