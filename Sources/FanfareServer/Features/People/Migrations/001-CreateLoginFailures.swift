import Fluent
import SQLKit

struct CreateLoginFailures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("login_failures")
            .id()
            .field("email", .string, .required)
            .field("address", .string, .required)
            .field("failed_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "login_failures_email_idx").on("login_failures").column("email").column("failed_at").run()
        try await sql.create(index: "login_failures_address_idx").on("login_failures").column("address").column("failed_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("login_failures").delete()
    }
}
