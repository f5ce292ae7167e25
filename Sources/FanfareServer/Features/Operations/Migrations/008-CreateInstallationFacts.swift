import Fluent

/// Facts about the installation a database belongs to, by name. The first
/// is `secret_key_fingerprint` (issue 16): an HMAC of a fixed label under
/// the secret key, never the key, so that `restore` and `serve` can tell
/// a database made under another key, whose sealed credentials cannot be
/// opened.
struct CreateInstallationFacts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("installation_facts")
            .field("name", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("recorded_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("installation_facts").delete()
    }
}
