import Fluent
import SQLKit

struct CreateInvitations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("invitations")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("email", .string)
            .field("token_hash", .string, .required)
            .field("invited_by", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("accepted_by", .uuid, .references("users", "id", onDelete: .setNull))
            .field("accepted_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await (database as! any SQLDatabase).create(index: "invitations_workspace_idx").on("invitations").column("workspace_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("invitations").delete()
    }
}
