import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Who made a change: a person (by session or token), or Fanfare itself.
struct Actor: Sendable {
    var userID: UUID?
    var label: String
    var address: String?

    static let system = Actor(userID: nil, label: "system", address: nil)
    /// A workspace's moderation rule acting by itself (shown as 自动规则 / Rule).
    static let rule = Actor(userID: nil, label: "rule", address: nil)
    static func commandLine(_ what: String) -> Actor { Actor(userID: nil, label: "cli:\(what)", address: nil) }
}

extension Request {
    /// The signed-in person as an audit actor.
    var actor: Actor {
        let user = auth.get(User.self)
        return Actor(userID: user?.id, label: user?.email ?? "anonymous", address: clientAddress)
    }
}

/// Writes audit events. Callers pass the database they changed with (the
/// same transaction), so a change and its audit entry land together or not
/// at all. Summaries go through `AuditRedaction`, so a secret cannot be
/// written into the log by a careless caller.
enum AuditLog {
    static func record(
        on db: any Database, actor: Actor, workspaceID: UUID?, action: String,
        targetType: String, targetID: UUID?, before: [String: String] = [:], after: [String: String] = [:],
        now: Date = Date()
    ) async throws {
        if let sql = db as? any SQLDatabase {
            // One hand-written statement: pages that audit every view (a
            // fan's personal data) write one row per request, and the query
            // builder's serialisation cost more than the write itself.
            try await sql.raw(
                """
                INSERT INTO "audit_events" ("id", "workspace_id", "actor_id", "actor_label", "action", "target_type", "target_id", \
                "before", "after", "address", "at") VALUES (\(bind: TimeOrderedID.make(at: now)), \(bind: workspaceID), \(bind: actor.userID), \
                \(bind: actor.label), \(bind: action), \(bind: targetType), \(bind: targetID.map { $0.uuidString.lowercased() }), \
                \(bind: AuditRedaction.summary(before)), \(bind: AuditRedaction.summary(after)), \(bind: actor.address), \(bind: now))
                """
            ).run()
            return
        }
        let event = AuditEvent()
        event.id = TimeOrderedID.make(at: now)
        event.workspaceID = workspaceID
        event.actorID = actor.userID
        event.actorLabel = actor.label
        event.action = action
        event.targetType = targetType
        event.targetID = targetID.map { $0.uuidString.lowercased() }
        event.before = AuditRedaction.summary(before)
        event.after = AuditRedaction.summary(after)
        event.address = actor.address
        event.at = now
        try await event.create(on: db)
    }
}

/// Filters shared by the audit page, its CSV export and the API.
struct AuditFilter: Sendable {
    var actor: String?
    var action: String?
    var from: Date?
    var to: Date?

    init(actor: String?, action: String?, from: String?, to: String?) throws(ValidationErrors) {
        var errors = ValidationErrors()
        self.actor = actor.nonEmpty
        self.action = action.nonEmpty
        func day(_ raw: String?, field: String, endOfDay: Bool) -> Date? {
            guard let raw = raw.nonEmpty else { return nil }
            // Years 1 to 9999 only (`APITime`): a time outside them cannot
            // be written back as RFC 3339.
            if let date = APITime.parse(raw) { return date }
            if raw.utf8.count == 10, let date = APITime.parse(raw + "T00:00:00Z") {
                return endOfDay ? date.addingTimeInterval(86_400) : date
            }
            errors.add(field, .dateOrTime)
            return nil
        }
        self.from = day(from, field: "from", endOfDay: false)
        self.to = day(to, field: "to", endOfDay: true)
        try errors.throwIfAny()
    }

    func apply(to query: QueryBuilder<AuditEvent>) -> QueryBuilder<AuditEvent> {
        if let actor { query.filter(\.$actorLabel == actor.lowercased()) }
        if let action { query.filter(\.$action == action) }
        if let from { query.filter(\.$at >= from) }
        if let to { query.filter(\.$at < to) }
        return query
    }

    static func csv(_ events: [AuditEvent]) -> String {
        var writer = CSVWriter(header: ["at", "actor", "action", "target_type", "target_id", "before", "after", "address"])
        for e in events {
            writer.append([
                e.at.formatted(.iso8601), e.actorLabel, e.action, e.targetType, e.targetID ?? "", e.before, e.after, e.address ?? "",
            ])
        }
        return writer.text
    }
}
