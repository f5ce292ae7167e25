import Fluent
import SQLKit

/// Incidents, their people, their timeline, holding statements, the
/// reminders already sent and the reviews.
struct CreateIncidents: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("incidents")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("severity", .string, .required)
            .field("state", .string, .required)
            .field("opened_at", .datetime, .required)
            .field("detected_at", .datetime, .required)
            // The story's first mention (an alert's), when known.
            .field("first_mention_at", .datetime)
            // Listening's alert, by id only: the alerts table is another
            // feature's and may be cleaned up independently.
            .field("alert_id", .uuid)
            .field("alert_monitor", .string)
            .field("alert_mentions", .int)
            .field("opened_by", .uuid)
            .field("acknowledged_at", .datetime)
            .field("resolved_at", .datetime)
            .field("closed_at", .datetime)
            .field("updated_at", .datetime, .required)
            // One incident per alert: two people clicking "open an
            // incident" on the same alert open one.
            .unique(on: "workspace_id", "alert_id")
            .create()
        try await database.schema("incident_members")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("incident_id", .uuid, .required, .references("incidents", "id", onDelete: .cascade))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("role", .string, .required)
            .field("assigned_at", .datetime, .required)
            // One role per person per incident.
            .unique(on: "incident_id", "user_id")
            .create()
        try await database.schema("incident_entries")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("incident_id", .uuid, .required, .references("incidents", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("at", .datetime, .required)
            .field("actor_id", .uuid)
            .field("detail", .string)
            .field("body", .string)
            .field("refs", .string)
            .create()
        try await database.schema("incident_statements")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("incident_id", .uuid, .required, .references("incidents", "id", onDelete: .cascade))
            .field("template_id", .uuid)
            .field("text", .string, .required)
            .field("state", .string, .required)
            .field("submitted_by", .uuid)
            .field("submitted_at", .datetime, .required)
            .field("approved_by", .uuid)
            .field("approved_at", .datetime)
            .create()
        try await database.schema("incident_reminders")
            .field("incident_id", .uuid, .required, .references("incidents", "id", onDelete: .cascade))
            .field("key", .string, .required)
            .field("sent_at", .datetime, .required)
            // Each reminder once, whatever the number of workers.
            .unique(on: "incident_id", "key")
            .create()
        try await database.schema("incident_reviews")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("incident_id", .uuid, .required, .references("incidents", "id", onDelete: .cascade))
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("updated_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "incident_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "incidents_workspace_idx").on("incidents").column("workspace_id").column("state").run()
        try await sql.create(index: "incident_entries_incident_idx").on("incident_entries").column("incident_id").column("at").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["incident_reviews", "incident_reminders", "incident_statements", "incident_entries", "incident_members", "incidents"] {
            try await database.schema(table).delete()
        }
    }
}
