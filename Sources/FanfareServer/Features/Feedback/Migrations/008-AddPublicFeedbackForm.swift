import Fluent

/// The public feedback form becomes a workspace's choice, off until it is
/// turned on. Workspaces made before had it open without asking; they too
/// start closed, since nobody chose to open it.
struct AddPublicFeedbackForm: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("inbox_settings").field("public_feedback_form", .bool, .required, .sql(.default(false))).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("inbox_settings").deleteField("public_feedback_form").update()
    }
}
