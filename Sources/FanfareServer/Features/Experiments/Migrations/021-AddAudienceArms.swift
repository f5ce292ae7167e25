import Fluent
import SQLKit

/// Experiments randomised by audience (issue 21): the account whose fans
/// are split and the split's seed on the experiment; each fan's group in
/// `experiment_audience_members` (so the split can be checked and each
/// group's fans found again when a send is retried); each arm's group send
/// and what the platform counted of it in `experiment_sends`.
struct AddAudienceArms: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("experiments").field("audience_account_id", .uuid).update()
        try await database.schema("experiments").field("audience_seed", .string).update()
        try await database.schema("experiment_audience_members")
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("experiment_id", .uuid, .required, .references("experiments", "id", onDelete: .cascade))
            .field("fan_id", .uuid, .required)
            .field("author_id", .string, .required)
            .field("position", .int, .required)
            .unique(on: "experiment_id", "fan_id")
            .create()
        try await database.schema("experiment_sends")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("experiment_id", .uuid, .required, .references("experiments", "id", onDelete: .cascade))
            .field("arm_id", .uuid, .required)
            .field("position", .int, .required)
            .field("state", .string, .required)
            .field("addressed", .int, .required)
            .field("message_id", .string)
            .field("data_id", .string)
            .field("sent_at", .datetime)
            .field("delivered", .int)
            .field("readers", .int)
            .field("counted_at", .datetime)
            .field("failure", .string)
            .unique(on: "experiment_id", "position")
            .create()
        guard let sql = database as? any SQLDatabase else { return }
        // A group's fans are read an arm at a time.
        try await sql.create(index: "experiment_audience_members_arm").on("experiment_audience_members").column("experiment_id")
            .column("position").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("experiment_sends").delete()
        try await database.schema("experiment_audience_members").delete()
        try await database.schema("experiments").deleteField("audience_seed").update()
        try await database.schema("experiments").deleteField("audience_account_id").update()
    }
}
