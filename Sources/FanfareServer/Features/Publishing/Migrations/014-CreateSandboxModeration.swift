import Fluent

/// What Sandbox accounts did to fans' messages and fans (hidden, deleted,
/// blocked): one row per account and target, its current state.
struct CreateSandboxModeration: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sandbox_moderation")
            .id()
            .field("account", .string, .required)
            .field("target", .string, .required)
            .field("state", .string, .required)
            .field("at", .datetime, .required)
            .unique(on: "account", "target")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sandbox_moderation").delete()
    }
}
