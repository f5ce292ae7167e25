import Fluent
import SQLKit

/// Two indexes for the overview's reads (measured on the analytics
/// benchmark's workspace, SQLite):
/// - a period's sign-ups and purchases from the quarter-hour slots: the
///   unique key (workspace, slot, type) reads every type's slots of the
///   period (two periods of 30 days: 19 ms); led by the type, the two
///   types' slots are two ranges, with the sums in the index (3 ms);
/// - the duplicates replaced among a period's post days: every post day
///   of 90 days was read to find the few written twice (20 ms); a partial
///   index holds only those (`writes > 1`, which the query repeats so both
///   databases use it).
struct AddSlotTypeAndRewriteIndexes: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw(
            "CREATE INDEX conversion_event_slots_type_idx ON conversion_event_slots (workspace_id, type, slot, events, amount_fen)"
        ).run()
        try await sql.raw("CREATE INDEX post_metric_days_rewritten_idx ON post_metric_days (workspace_id, day, writes) WHERE writes > 1").run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw("DROP INDEX post_metric_days_rewritten_idx").run()
        try await sql.raw("DROP INDEX conversion_event_slots_type_idx").run()
    }
}
