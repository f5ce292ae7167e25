import Fluent
import SQLKit

/// Indexes for fan analytics' aggregate queries (docs/analytics.md, "Fan
/// analytics"): a period's events and messages read from the index alone,
/// a fan's earlier activity found by fan and time, and the few merged fans
/// of a workspace found without reading every fan.
struct AddFanAnalyticsIndexes: AsyncMigration {
    static let indexes = [
        ("conversion_events_activity", "conversion_events (workspace_id, at, type, fan_id, amount_fen)"),
        ("incoming_messages_activity", "incoming_messages (workspace_id, sent_at, fan_id, kind)"),
        ("incoming_messages_fan_time", "incoming_messages (fan_id, sent_at)"),
    ]

    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for (name, target) in Self.indexes { try await sql.raw("CREATE INDEX \(unsafeRaw: name) ON \(unsafeRaw: target)").run() }
        // Partial: merged fans are few, and both databases keep only those rows.
        try await sql.raw("CREATE INDEX fans_merged_idx ON fans (workspace_id, merged_into, id) WHERE merged_into IS NOT NULL").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        for name in Self.indexes.map(\.0) + ["fans_merged_idx"] { try await sql.raw("DROP INDEX \(unsafeRaw: name)").run() }
    }
}
