import Fluent
import SQLKit

struct CreateBrowserSessions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("browser_sessions")
            .field("key", .string, .identifier(auto: false))
            .field("data", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).create(index: "browser_sessions_expires_idx").on("browser_sessions").column("expires_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("browser_sessions").delete()
    }
}
