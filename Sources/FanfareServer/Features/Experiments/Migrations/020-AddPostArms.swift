import Fluent
import SQLKit

/// Experiments whose arms are posts (assignment `alternation`, issue 21):
/// such an experiment splits no link, so `experiments.link_id` may be
/// empty, and each arm names the workspace's posts it stands for
/// (`experiment_arms.post_ids`, a JSON array; for a link arm the post its
/// page promotes, optional).
struct AddPostArms: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("experiment_arms").field("post_ids", .string).update()
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("ALTER TABLE experiments ALTER COLUMN link_id DROP NOT NULL").run()
            return
        }
        // SQLite cannot drop a NOT NULL: the table is made again from its
        // own statement with the one column changed. Dropping the old table
        // deletes its arms by their cascade, so they are kept aside and put back.
        guard let row = try await sql.raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'experiments'").first() else { return }
        let statement = try row.decode(column: "sql", as: String.self)
        let changed = statement.replacingOccurrences(of: "\"link_id\" UUID NOT NULL", with: "\"link_id\" UUID")
            .replacingOccurrences(of: "CREATE TABLE \"experiments\"", with: "CREATE TABLE \"experiments_v20\"")
        guard changed != statement, changed.contains("\"experiments_v20\""), !changed.contains("\"link_id\" UUID NOT NULL") else {
            throw MigrationShapeError(table: "experiments", statement: statement)
        }
        // One transaction on one connection, begun as every writer's is
        // (writeTransaction's gate is not set up while migrations run).
        try await database.withConnection { connection in
            guard let sql = connection as? any SQLDatabase else { return }
            try await Self.rebuild(sql, changed: changed)
        }
    }

    static func rebuild(_ sql: any SQLDatabase, changed: String) async throws {
        try await sql.raw("BEGIN IMMEDIATE TRANSACTION").run()
        do {
            try await sql.raw("CREATE TABLE experiment_arms_v20 AS SELECT * FROM experiment_arms").run()
            try await sql.raw(SQLQueryString(changed)).run()
            try await sql.raw("INSERT INTO experiments_v20 SELECT * FROM experiments").run()
            try await sql.raw("DROP TABLE experiments").run()
            try await sql.raw("ALTER TABLE experiments_v20 RENAME TO experiments").run()
            try await sql.create(index: "experiments_workspace").on("experiments").column("workspace_id").column("created_at").run()
            try await sql.raw("INSERT INTO experiment_arms SELECT * FROM experiment_arms_v20").run()
            try await sql.raw("DROP TABLE experiment_arms_v20").run()
            try await sql.raw("COMMIT TRANSACTION").run()
        } catch {
            try? await sql.raw("ROLLBACK TRANSACTION").run()
            throw error
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("experiment_arms").deleteField("post_ids").update()
    }
}

/// The table was not as release 19 made it, so it is not changed blindly.
struct MigrationShapeError: Error, CustomStringConvertible {
    var table: String
    var statement: String
    var description: String { "\(table) is not shaped as expected; not rebuilt: \(statement)" }
}
