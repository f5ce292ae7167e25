import Fluent
import SQLKit

/// Lexicon imports written in batches (issue 16): each batch of new
/// entries is its own short transaction, so no other writer waits long.
/// Until the import finishes, its entries carry its `import_id` and its
/// row in `lexicon_imports` keeps them out of every read; finishing
/// deletes that one row, which shows all of them at once. One import per
/// workspace at a time (the unique workspace).
struct AddLexiconImports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("lexicon_imports")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("created_by", .uuid, .references("users", "id", onDelete: .setNull))
            .field("started_at", .datetime, .required)
            .unique(on: "workspace_id")
            .create()
        try await database.schema("lexicon_entries").field("import_id", .uuid).update()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("lexicon_entries").deleteField("import_id").update()
        try await database.schema("lexicon_imports").delete()
    }
}
