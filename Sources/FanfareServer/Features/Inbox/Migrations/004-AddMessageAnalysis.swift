import Fluent

/// What the on-arrival analysis found in an incoming message: language,
/// sentiment with its score, intent and priority. Empty on messages that
/// arrived before the analysis existed.
struct AddMessageAnalysis: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for (field, type) in [
            ("lang", DatabaseSchema.DataType.string), ("sentiment", .string), ("sentiment_score", .double), ("intent", .string),
            ("priority", .string),
        ] {
            try await database.schema("incoming_messages").field(.string(field), type).update()
        }
    }

    func revert(on database: any Database) async throws {
        for field in ["lang", "sentiment", "sentiment_score", "intent", "priority"] {
            try await database.schema("incoming_messages").deleteField(.string(field)).update()
        }
    }
}
