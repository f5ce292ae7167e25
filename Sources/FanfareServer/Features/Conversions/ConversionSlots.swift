import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The conversion events counted per workspace, quarter-hour and type
/// (`conversion_event_slots`): how many were stored and their amounts in
/// fen. Kept in the transaction that stores the events (`EventService`),
/// so it always agrees with `conversion_events`. Every time zone's days
/// start on a quarter-hour, so a day or a period in any zone is a range of
/// slots: the overview and the reports count a month of sign-ups and
/// purchases from about 3,000 slot rows a type instead of every event.
enum ConversionSlots {
    /// A slot's length in seconds.
    static let seconds: Double = 900

    struct Key: Hashable, Comparable {
        var slot: Int64
        var type: String
        static func < (a: Key, b: Key) -> Bool { (a.slot, a.type) < (b.slot, b.type) }
    }

    struct Count: Equatable {
        var events: Int64 = 0
        var amountFen: Int64 = 0
    }

    /// The slot `date` falls in (Unix seconds ÷ 900, rounded down).
    static func slot(of date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / seconds).rounded(.down))
    }

    /// The slot `date` starts, or nil when it is not a slot's first instant
    /// (then counting from slots would be wrong; the events are read).
    static func starting(at date: Date) -> Int64? {
        let slot = slot(of: date)
        return Double(slot) * seconds == date.timeIntervalSince1970 ? slot : nil
    }

    /// Adds `counts` to the workspace's slots, in key order (two
    /// transactions adding to the same slots wait for each other in one
    /// order on PostgreSQL instead of deadlocking).
    static func add(_ counts: [Key: Count], workspaceID: UUID, on sql: any SQLDatabase) async throws {
        let keys = counts.keys.sorted()
        for start in stride(from: 0, to: keys.count, by: 500) {
            let values: [any SQLExpression] = keys[start..<min(keys.count, start + 500)].map { key in
                let count = counts[key]!
                return SQLGroupExpression([
                    SQLBind(workspaceID), SQLBind(key.slot), SQLBind(key.type), SQLBind(count.events), SQLBind(count.amountFen),
                ])
            }
            try await sql.raw(
                """
                INSERT INTO conversion_event_slots (workspace_id, slot, type, events, amount_fen) VALUES \(SQLList(values))
                ON CONFLICT (workspace_id, slot, type) DO UPDATE SET events = conversion_event_slots.events + excluded.events,
                amount_fen = conversion_event_slots.amount_fen + excluded.amount_fen
                """
            ).run()
        }
    }

    /// The slot of `conversion_events.at` in SQL (SQLite keeps dates as
    /// Unix seconds, PostgreSQL as timestamps). Events are never before
    /// 1970 (the event API takes the last `maxPastDays` days), so SQLite's
    /// truncation is the rounding down `slot(of:)` does.
    static func slotExpression(_ sql: any SQLDatabase, column: String) -> String {
        sql.dialect.name == "postgresql"
            ? "CAST(FLOOR(EXTRACT(EPOCH FROM \(column)) / 900) AS BIGINT)" : "CAST(\(column) / 900 AS INTEGER)"
    }

    /// Makes every slot again from the events (the migration's backfill;
    /// also what a test compares the kept slots with).
    static func rebuild(on sql: any SQLDatabase) async throws {
        try await sql.raw("DELETE FROM conversion_event_slots").run()
        try await sql.raw(
            """
            INSERT INTO conversion_event_slots (workspace_id, slot, type, events, amount_fen)
            SELECT workspace_id, \(unsafeRaw: slotExpression(sql, column: "at")) AS s, type, COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT)
            FROM conversion_events GROUP BY workspace_id, \(unsafeRaw: slotExpression(sql, column: "at")), type
            """
        ).run()
    }
}
