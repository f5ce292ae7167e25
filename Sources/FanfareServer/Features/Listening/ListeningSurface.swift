import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Listening: an alert as an incident
/// needs it (its grade, its monitor, when its story began).
enum ListeningService {
    struct AlertSummary: Sendable, Equatable {
        var id: UUID
        var grade: AlertGrade
        var monitorName: String
        /// The first mention of the window that raised the alert: when the
        /// story began, the detection clock's start.
        var firstMentionAt: Date
        var mentions: Int
        var raisedAt: Date
    }

    /// The workspace's alert `raw` (404 for another workspace's or none).
    static func alert(_ raw: String?, in access: WorkspaceAccess, on db: any Database) async throws -> AlertSummary {
        let alert = try await access.find(ListeningAlert.self, raw, on: db, what: "Alert")
        let monitor = try await ListeningMonitor.find(alert.monitorID, on: db)
        let rule = try await ListeningSettings.grading(access.workspaceID, on: db)
        var first = alert.openedAt
        if let sql = db as? any SQLDatabase {
            let row = try await sql.raw(
                """
                SELECT MIN(at) AS first FROM listening_mention_monitors
                WHERE monitor_id = \(bind: alert.monitorID) AND at >= \(bind: alert.openedAt.addingTimeInterval(-Double(rule.windowMinutes * 60)))
                AND at <= \(bind: alert.openedAt)
                """
            ).first()
            if let earliest = try row?.decode(column: "first", as: Date?.self) { first = min(first, earliest) }
        }
        return AlertSummary(
            id: alert.id!, grade: AlertGrade(rawValue: alert.grade) ?? .blue, monitorName: monitor?.name ?? "", firstMentionAt: first,
            mentions: alert.mentions, raisedAt: alert.openedAt)
    }
}

/// Mentions as an incident attaches them: which ids are the workspace's,
/// and the recent ones to choose from (of an alert's monitor, or found by
/// their text).
extension ListeningService {
    struct MentionSummary: Sendable, Equatable {
        var id: UUID
        var author: String
        var text: String
        var publishedAt: Date
        var sentiment: String
    }

    /// The ones of `ids` that are mentions of the workspace.
    static func mentionIDs(_ ids: [UUID], in workspaceID: UUID, on db: any Database) async throws -> Set<UUID> {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [] }
        let rows = try await sql.raw(
            "SELECT id FROM listening_mentions WHERE workspace_id = \(bind: workspaceID) AND id IN \(SQLGroupExpression(ids.map { SQLBind($0) }))"
        ).all()
        return Set(try rows.map { try $0.decode(column: "id", as: UUID.self) })
    }

    /// The workspace's newest mentions heard by the monitor of alert
    /// `alertID` (every monitor's when nil), whose text contains `search`.
    static func recentMentions(
        alertID: UUID?, search: String?, in workspaceID: UUID, limit: Int = 50, on db: any Database
    ) async throws -> [MentionSummary] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var statement: SQLQueryString =
            "SELECT id, author, text, published_at, sentiment FROM listening_mentions WHERE workspace_id = \(bind: workspaceID)"
        if let alertID, let alert = try await ListeningAlert.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id == alertID).first() {
            statement.appendInterpolation(
                " AND id IN (SELECT mention_id FROM listening_mention_monitors WHERE monitor_id = \(bind: alert.monitorID))" as SQLQueryString)
        }
        if let search = search?.trimmingCharacters(in: .whitespacesAndNewlines), !search.isEmpty {
            statement.appendInterpolation(" AND LOWER(text) LIKE \(bind: LikePattern.contains(search)) ESCAPE '\\'" as SQLQueryString)
        }
        statement.appendInterpolation(unsafeRaw: " ORDER BY published_at DESC LIMIT \(max(1, min(limit, 200)))")
        return try await sql.raw(statement).all().map { row in
            MentionSummary(
                id: try row.decode(column: "id", as: UUID.self), author: try row.decode(column: "author", as: String.self),
                text: try row.decode(column: "text", as: String.self), publishedAt: try row.decode(column: "published_at", as: Date.self),
                sentiment: try row.decode(column: "sentiment", as: String.self))
        }
    }
}

/// Alerts as the risk register's triggers watch them (issue 22).
extension ListeningService {
    struct RaisedAlert: Sendable, Equatable {
        var id: UUID
        var grade: AlertGrade
        var monitorID: UUID
        var at: Date
    }

    /// The workspace's alerts raised or escalated after `since`, newest first.
    static func alertsRaised(in workspaceID: UUID, since: Date, on db: any Database) async throws -> [RaisedAlert] {
        try await ListeningAlert.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$lastSpikeAt > since)
            .sort(\.$lastSpikeAt, .descending).limit(500).all()
            .map { RaisedAlert(id: $0.id!, grade: AlertGrade(rawValue: $0.grade) ?? .blue, monitorID: $0.monitorID, at: $0.lastSpikeAt) }
    }
}
