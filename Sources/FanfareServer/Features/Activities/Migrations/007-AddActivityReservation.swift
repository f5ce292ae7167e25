import Fluent

/// An activity reserved for the fans whose level grants a privilege, and
/// when it opens to every fan (early access). SQLite adds one column per
/// statement, hence two updates.
struct AddActivityReservation: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("activities").field("privilege", .string).update()
        try await database.schema("activities").field("open_to_all_at", .datetime).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("activities").deleteField("open_to_all_at").update()
        try await database.schema("activities").deleteField("privilege").update()
    }
}
