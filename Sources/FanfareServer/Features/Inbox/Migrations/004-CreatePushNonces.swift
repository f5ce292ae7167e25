import Fluent

/// The ids (nonces) of pushes already accepted per account: a replayed push
/// is refused. Kept 1 day, well past the 5 minutes a signature is valid.
struct CreatePushNonces: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("push_nonces")
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("nonce", .string, .required)
            .field("received_at", .datetime, .required)
            .unique(on: "account_id", "nonce")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("push_nonces").delete()
    }
}
