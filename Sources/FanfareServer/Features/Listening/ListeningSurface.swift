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
