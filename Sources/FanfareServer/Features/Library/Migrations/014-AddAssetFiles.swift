import Fluent

/// Uploaded files: where the media store keeps each, what it is, its
/// pixels, checksum, thumbnail and alt text. Assets registered by address
/// before keep these empty.
struct AddAssetFiles: AsyncMigration {
    static let columns: [(String, DatabaseSchema.DataType)] = [
        ("storage_key", .string), ("format", .string), ("width", .int), ("height", .int), ("sha256", .string), ("thumbnail_key", .string),
        ("alt_text", .string),
    ]

    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite adds one column per ALTER TABLE.
        for (field, type) in Self.columns {
            try await database.schema("assets").field(.string(field), type).update()
        }
    }

    func revert(on database: any Database) async throws {
        for (field, _) in Self.columns {
            try await database.schema("assets").deleteField(.string(field)).update()
        }
    }
}
