import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What `fanfare-bench listening` needs from inside the server for its
/// calm week: a workspace with a Sandbox account and a monitor on the
/// brand, weeks of ordinary chatter (`SandboxChatter.ordinary`) stored
/// through the inbox as a platform would list it, and the alert
/// evaluation replayed over the last week as the job runs it.
public enum ListeningLoad {
    public struct CalmWeek: Sendable {
        public let messages: Int
        public let mentions: Int
        public let evaluations: Int
        public let alerts: Int
        /// Each alert raised, for a reader to see why: when, its grade,
        /// what the window held and what the baseline expected.
        public let raised: [[String: String]]
    }

    /// `weeksBefore` weeks of history, then the week judged: the
    /// evaluation runs every `step` seconds of that week.
    public static func calmWeek(
        settings: Settings, weeksBefore: Int, perHour: Double, seed: UInt64, brand: String = "演示品牌", step: TimeInterval = 300
    ) async throws -> CalmWeek {
        try await BenchmarkWorkspace.with(settings: settings, timeZone: "Asia/Shanghai", name: "Listening bench") { app, workspace in
            let access = WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)
            let account = try await AccountService(db: app.db, app: app).connect(
                .init(platform: "sandbox", handle: "calm", displayName: "Calm", seed: 1), in: access, actor: .system)
            _ = try await MonitorService(db: app.db).create(.init(name: "品牌", query: brand), in: access, actor: .system)
            let week: TimeInterval = 7 * 86_400
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 900).rounded(.down) * 900)
            let messages = SandboxChatter(seed: seed, brand: brand).ordinary(
                from: now.addingTimeInterval(-Double(weeksBefore + 1) * week), to: now, perHour: perHour, zone: workspace.zone)
            for start in stride(from: 0, to: messages.count, by: 500) {
                _ = try await SandboxFans.schedule(Array(messages[start..<min(messages.count, start + 500)]), to: account, app: app)
            }
            // Fetched as the platform lists them, until nothing new is left.
            while try await ConversationService.fetchMessages(of: account, app: app, now: now) > 0 {}
            let counted = try await (app.db as! any SQLDatabase).raw(
                "SELECT COUNT(*) AS n FROM listening_mentions WHERE workspace_id = \(bind: workspace.id!)"
            ).first()
            let mentions = try counted?.decode(column: "n", as: Int.self) ?? 0
            var evaluations = 0
            var at = now.addingTimeInterval(-week)
            while at <= now {
                try await AlertEvaluation.run(workspaceID: workspace.id!, on: app.db, now: at)
                evaluations += 1
                at = at.addingTimeInterval(step)
            }
            let alerts = try await ListeningAlert.query(on: app.db).filter(\.$workspace.$id == workspace.id!).sort(\.$openedAt).all()
            let raised = alerts.map { alert -> [String: String] in
                [
                    "opened_at": alert.openedAt.formatted(.iso8601), "grade": alert.grade, "mentions": String(alert.mentions),
                    "negative": String(alert.negative), "expected": String(alert.expected), "previous": String(alert.previous),
                    "usual_negative_share": String(alert.usualNegativeShare),
                ]
            }
            return CalmWeek(messages: messages.count, mentions: mentions, evaluations: evaluations, alerts: alerts.count, raised: raised)
        }
    }
}
