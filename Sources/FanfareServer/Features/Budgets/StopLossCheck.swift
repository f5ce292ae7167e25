import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The hourly stop-loss pass (issue 22 scope 3): every registered channel
/// judged on this month's spend and revenue; a channel that slides under
/// its line is flagged (`breached_at`, an audit event) and the planners
/// are told once per slide, however many workers run the pass (the state
/// is changed by compare-and-set). A pilot that reaches its line after the
/// minimum spend is marked validated.
enum StopLossCheck {
    static let kind = JobKind<NoPayload>("budgets.stop_loss")
    static let period: TimeInterval = 3_600
    /// The workspace's planners.
    static let recipients: Set<Role> = [.admin, .manager]

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await check(on: app.db, now: Date())
    }

    /// Judges the channels; returns those newly breached in this pass.
    @discardableResult
    static func check(on db: any Database, now: Date) async throws -> [UUID] {
        let month = BudgetSummary.month(of: now)
        var breached: [UUID] = []
        let channels = try await BudgetChannel.query(on: db).sort(\.$workspace.$id).sort(\.$key).all()
        var summaries: [UUID: BudgetSummary] = [:]
        for channel in channels {
            let workspaceID = channel.$workspace.id
            if summaries[workspaceID] == nil { summaries[workspaceID] = try await BudgetSummary.read(workspaceID: workspaceID, month: month, on: db) }
            guard let row = summaries[workspaceID]?.channels.first(where: { $0.key == channel.key }) else { continue }
            let validates = channel.pilot && channel.validatedAt == nil && row.state == StopLossRule.State.healthy.rawValue
            guard row.state != channel.lastState || validates else { continue }
            let changed = try await db.writeTransaction { tx -> Bool in
                guard let sql = tx as? any SQLDatabase else { return false }
                let was: SQLQueryString = channel.lastState.map { "last_state = \(bind: $0)" } ?? "last_state IS NULL"
                let goesBad = row.state == StopLossRule.State.breached.rawValue && channel.lastState != row.state
                let breachedAt: SQLQueryString = goesBad ? ", breached_at = \(bind: now)" : (row.state == "healthy" ? ", breached_at = NULL" : "")
                let validated: SQLQueryString = validates ? ", validated_at = \(bind: now)" : ""
                let updated = try await sql.raw(
                    """
                    UPDATE budget_channels SET last_state = \(bind: row.state), updated_at = \(bind: now)\(breachedAt)\(validated) \
                    WHERE id = \(bind: channel.id!) AND \(was) RETURNING id
                    """
                ).first()
                guard updated != nil else { return false }
                if goesBad {
                    try await AuditLog.record(
                        on: tx, actor: .system, workspaceID: workspaceID, action: "budget.channel_breached", targetType: "budget_channel",
                        targetID: channel.id,
                        after: [
                            "key": channel.key, "month": month, "spend_fen": String(row.spendFen), "revenue_fen": String(row.revenueFen),
                            "stop_loss_ratio": String(row.stopLossRatio),
                        ], now: now)
                    try await announce(channel, row: row, now: now, on: tx)
                }
                return goesBad
            }
            if changed { breached.append(channel.id!) }
        }
        return breached
    }

    static func announce(_ channel: BudgetChannel, row: BudgetSummary.Channel, now: Date, on db: any Database) async throws {
        let workspaceID = channel.$workspace.id
        let people = try await Notifier.members(with: recipients, in: workspaceID, on: db)
        let roi = row.roi.map { DecimalText.fixed($0, digits: 2) } ?? "0"
        let event = OutboundEvent(
            kind: .budgetStopLoss, workspaceID: workspaceID, grade: nil, monitorID: nil, key: "budgets.notice.breached",
            args: [channel.label, roi, DecimalText.fixed(row.stopLossRatio, digits: 1)], link: "/budget",
            dedupeKey: "budget:\(channel.id!.uuidString.lowercased()):breached:\(Int(now.timeIntervalSince1970))")
        try await Notifier.announce(event, to: people.sorted { $0.uuidString < $1.uuidString }, on: db, now: now)
    }
}
