import Fluent
import SQLKit

struct CreateSocialAccounts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("social_accounts")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("platform", .string, .required)
            .field("handle", .string, .required)
            .field("display_name", .string, .required)
            .field("status", .string, .required)
            .field("credentials", .data, .required)
            .field("credentials_expire_at", .datetime)
            .field("seed", .int64, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "workspace_id", "platform", "handle")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("social_accounts").delete()
    }
}
