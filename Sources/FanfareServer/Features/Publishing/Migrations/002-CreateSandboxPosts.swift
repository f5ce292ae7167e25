import Fluent

/// What the Sandbox platform published, shared by every process.
struct CreateSandboxPosts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sandbox_posts")
            .field("remote_id", .string, .identifier(auto: false))
            .field("account", .string, .required)
            .field("idempotency_key", .string, .required)
            .field("url", .string, .required)
            .field("published_at", .datetime, .required)
            .field("deleted", .bool, .required)
            .unique(on: "idempotency_key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sandbox_posts").delete()
    }
}
