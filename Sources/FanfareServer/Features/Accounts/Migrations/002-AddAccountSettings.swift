import Fluent

/// Settings a real platform's account needs that are not secret (instance
/// address, account type, limits read from the platform), as JSON.
struct AddAccountSettings: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("social_accounts").field("settings", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("social_accounts").deleteField("settings").update()
    }
}
