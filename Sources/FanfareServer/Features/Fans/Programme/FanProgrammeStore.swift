import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A workspace's fan programme as stored: one row, absent until changed,
/// so every workspace starts on `FanProgramme.standard`.
final class FanProgrammeRecord: Model, @unchecked Sendable {
    static let schema = "fan_programmes"

    @ID(custom: "workspace_id", generatedBy: .user) var id: UUID?
    @Field(key: "settings") var settingsJSON: String
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $settingsJSON, $updatedAt] }
}

/// Reading and changing the fan programme. Changes are checked as a whole
/// and audited with the document before and after.
struct FanProgrammeStore {
    let db: any Database

    static func load(_ workspaceID: UUID, on db: any Database) async throws -> FanProgramme {
        guard let sql = db as? any SQLDatabase else { return .standard }
        return try await load(workspaceID, on: sql)
    }

    static func load(_ workspaceID: UUID, on sql: any SQLDatabase) async throws -> FanProgramme {
        guard let row = try await sql.raw("SELECT settings FROM fan_programmes WHERE workspace_id = \(bind: workspaceID)").first() else {
            return .standard
        }
        return programme(settings: try row.decode(column: "settings", as: String.self))
    }

    /// The programme of a stored document; no row is the standard one.
    static func programme(settings: String?) -> FanProgramme {
        guard let settings else { return .standard }
        // A document that cannot be read (it never should) falls back rather than stopping intake.
        return (try? JSONDecoder().decode(FanProgramme.self, from: Data(settings.utf8))) ?? .standard
    }

    func get(in access: WorkspaceAccess) async throws -> FanProgramme {
        try access.require(.fansView)
        return try await Self.load(access.workspaceID, on: db)
    }

    func replace(_ programme: FanProgramme, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FanProgramme {
        try access.require(.fansManage)
        var errors = ValidationErrors()
        for problem in programme.problems() { errors.add(problem.field, problem.coded) }
        try errors.throwIfAny()
        let json = String(decoding: try JSONEncoder.sortedKeys.encode(programme), as: UTF8.self)
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            // Inserted when new; otherwise the row is locked before it is read,
            // so saves at once each audit what the one before them left.
            let inserted = try await sql.raw(
                """
                INSERT INTO fan_programmes (workspace_id, settings, updated_at) VALUES (\(bind: access.workspaceID), \(bind: json), \(bind: now))
                ON CONFLICT (workspace_id) DO NOTHING RETURNING workspace_id
                """
            ).first()
            var before: String?
            if inserted == nil {
                let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE" : ""
                before = try await sql.raw("SELECT settings FROM fan_programmes WHERE workspace_id = \(bind: access.workspaceID)\(lock)")
                    .first()?.decode(column: "settings", as: String.self)
                try await sql.raw(
                    "UPDATE fan_programmes SET settings = \(bind: json), updated_at = \(bind: now) WHERE workspace_id = \(bind: access.workspaceID)"
                ).run()
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "fan_programme.updated", targetType: "workspace",
                targetID: access.workspaceID, before: before.map { ["settings": $0] } ?? [:], after: ["settings": json], now: now)
        }
        return programme
    }
}

extension JSONEncoder {
    /// Stable output, so an unchanged document compares equal in the audit log.
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

// Sent and received as the API documents it (snake_case keys of its own).
extension FanProgramme: Content {}
