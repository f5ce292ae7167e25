import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One committed import of a platform export into the metric store: who,
/// when, which file, which account, and what it did.
final class MetricImport: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "metric_imports"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "account_id") var accountID: UUID
    @Field(key: "kind") var kind: String
    @Field(key: "file_name") var fileName: String
    /// SHA-256 of the file's text: the preview says when the same file was imported before.
    @Field(key: "file_sha256") var fileSHA256: String
    @OptionalField(key: "imported_by") var importedBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "rows") var rows: Int
    @Field(key: "added") var added: Int
    @Field(key: "updated") var updated: Int
    @Field(key: "unchanged") var unchanged: Int
    /// Rows of a per-post export that matched no published post (or more than one); 0 for a daily export.
    @Field(key: "unmatched") var unmatched: Int
    @Field(key: "first_day") var firstDay: String
    @Field(key: "last_day") var lastDay: String

    static var workspaceKey: KeyPath<MetricImport, ParentProperty<MetricImport, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $accountID, $kind, $fileName, $fileSHA256, $importedBy, $createdAt, $rows, $added, $updated, $unchanged, $unmatched,
            $firstDay, $lastDay,
        ]
    }
}

struct MetricImportDTO: Content, Equatable {
    var id: UUID
    var accountId: UUID
    var kind: String
    var fileName: String
    var importedBy: UUID?
    var createdAt: Date
    var rows: Int
    var added: Int
    var updated: Int
    var unchanged: Int
    var unmatched: Int
    var firstDay: String
    var lastDay: String

    init(_ record: MetricImport) {
        id = record.id!
        accountId = record.accountID
        kind = record.kind
        fileName = record.fileName
        importedBy = record.importedBy
        createdAt = record.createdAt
        rows = record.rows
        added = record.added
        updated = record.updated
        unchanged = record.unchanged
        unmatched = record.unmatched
        firstDay = record.firstDay
        lastDay = record.lastDay
    }
}

/// The imports' record (release 11).
struct CreateMetricImports: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("metric_imports")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            .field("account_id", .uuid, .required, .references("social_accounts", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("file_name", .string, .required)
            .field("file_sha256", .string, .required)
            .field("imported_by", .uuid)
            .field("created_at", .datetime, .required)
            .field("rows", .int, .required)
            .field("added", .int, .required)
            .field("updated", .int, .required)
            .field("unchanged", .int, .required)
            .field("first_day", .string, .required)
            .field("last_day", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "metric_imports_workspace_id_idx").on("metric_imports").column("workspace_id").column("id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("metric_imports").delete()
    }
}
