import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `risks.watch` (every five minutes): each open risk's triggers judged
/// against the metric store and Listening's alerts. A trigger that fires
/// marks its risk triggered (compare-and-set, so two workers tell once),
/// records it on the timeline and tells the owner through the shared
/// channels. A triggered or closed risk is not watched: its owner is on it.
enum RiskWatch {
    static let kind = JobKind<NoPayload>("risks.watch")
    static let period: TimeInterval = 300
    /// Told besides the owner (or, without one, the risk's writer).
    static let recipients: Set<Role> = [.admin, .manager]

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await watch(on: app.db, now: Date())
    }

    /// Judges the open risks' triggers; returns the risks marked triggered.
    @discardableResult
    static func watch(on db: any Database, now: Date) async throws -> [UUID] {
        let open = try await Risk.query(on: db).filter(\.$state == RiskState.open.rawValue).sort(\.$workspace.$id).sort(\.$id).all()
        guard !open.isEmpty else { return [] }
        let rows = try await RiskTriggerRow.query(on: db).filter(\.$riskID ~~ open.map { $0.id! }).sort(\.$id).all()
        let byRisk = Dictionary(grouping: rows, by: \.riskID)
        var zones: [UUID: TimeZone] = [:]
        var fired: [UUID] = []
        for risk in open {
            let workspaceID = risk.$workspace.id
            for row in byRisk[risk.id!] ?? [] {
                guard let trigger = row.trigger else { continue }
                let reading: RiskReading
                var note = ""
                switch trigger {
                case .metric(let metric, _, _, let window):
                    if zones[workspaceID] == nil { zones[workspaceID] = try await MetricHistoryService.timeZone(of: workspaceID, on: db) }
                    let today = MetricDay.of(now, in: zones[workspaceID]!)
                    let series = try await MetricHistoryService.dailySeries(
                        metric, workspaceID: workspaceID, accountIDs: nil, from: MetricDay.adding(-(window - 1), to: today), to: today, on: db)
                    reading = .series(series)
                    note = RiskTriggerRule.value(metric, series: series).map(Self.number) ?? ""
                case .alert:
                    let since = row.lastFiredAt ?? row.createdAt
                    let alerts = try await ListeningService.alertsRaised(in: workspaceID, since: since, on: db)
                    reading = .alerts(alerts.map { (grade: $0.grade, monitorID: $0.monitorID) })
                    note = alerts.first.map(\.grade.rawValue) ?? ""
                }
                guard RiskTriggerRule.fires(trigger, reading) else { continue }
                let value = note
                let marked = try await db.writeTransaction { tx -> Bool in
                    guard let sql = tx as? any SQLDatabase else { return false }
                    let updated = try await sql.raw(
                        """
                        UPDATE risks SET state = \(bind: RiskState.triggered.rawValue), updated_at = \(bind: now) \
                        WHERE id = \(bind: risk.id!) AND state = \(bind: RiskState.open.rawValue) RETURNING id
                        """
                    ).first()
                    guard updated != nil else { return false }
                    try await sql.raw("UPDATE risk_triggers SET last_fired_at = \(bind: now) WHERE id = \(bind: row.id!)").run()
                    risk.state = RiskState.triggered.rawValue
                    try await RiskEvent.record(.triggered, risk: risk, note: Self.describe(trigger, value: value), actor: nil, at: now, on: tx)
                    try await AuditLog.record(
                        on: tx, actor: .system, workspaceID: workspaceID, action: "risk.triggered", targetType: "risk", targetID: risk.id,
                        after: ["trigger": row.kind, "value": value], now: now)
                    try await announce(
                        risk, event: .riskTriggered, key: "risks.notice.triggered", also: recipients,
                        dedupe: "triggered:\(Int(now.timeIntervalSince1970))", now: now, on: tx)
                    return true
                }
                if marked { fired.append(risk.id!) }
                break
            }
        }
        return fired
    }

    /// The trigger as the timeline's note keeps it (codes and numbers:
    /// the page writes them in the reader's words).
    static func describe(_ trigger: RiskTrigger, value: String) -> String {
        switch trigger {
        case .metric(let metric, let comparison, let threshold, let window):
            "metric:\(metric.rawValue):\(comparison.rawValue):\(number(threshold)):\(window):\(value)"
        case .alert(let grade, _):
            "alert:\(grade.rawValue):\(value)"
        }
    }

    static func number(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Tells the owner (or the writer) and the members of `roles`.
    static func announce(
        _ risk: Risk, event kind: OutboundEvent.Kind, key: String, also roles: Set<Role>, dedupe: String, now: Date, on db: any Database
    ) async throws {
        let workspaceID = risk.$workspace.id
        var people = Set(try await Notifier.members(with: roles, in: workspaceID, on: db))
        if let person = risk.ownerID ?? risk.createdBy {
            let members = try await Membership.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$user.$id == person).count()
            if members > 0 { people.insert(person) }
        }
        let id = risk.id!.uuidString.lowercased()
        let event = OutboundEvent(
            kind: kind, workspaceID: workspaceID, grade: nil, monitorID: nil, key: key, args: [risk.title], link: "/risks/\(id)",
            dedupeKey: "risk:\(id):\(dedupe)")
        try await Notifier.announce(event, to: people.sorted { $0.uuidString < $1.uuidString }, on: db, now: now)
    }
}

/// `risks.review_reminder` (daily): the owner of each risk not closed whose
/// monthly review is due is told once per due day.
enum RiskReviewReminder {
    static let kind = JobKind<NoPayload>("risks.review_reminder")
    static let period: TimeInterval = 86_400

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        try await remind(on: app.db, now: Date())
    }

    @discardableResult
    static func remind(on db: any Database, now: Date) async throws -> [UUID] {
        let risks = try await Risk.query(on: db).filter(\.$state != RiskState.closed.rawValue).sort(\.$workspace.$id).sort(\.$id).all()
        var zones: [UUID: TimeZone] = [:]
        var told: [UUID] = []
        for risk in risks {
            let workspaceID = risk.$workspace.id
            if zones[workspaceID] == nil { zones[workspaceID] = try await MetricHistoryService.timeZone(of: workspaceID, on: db) }
            let zone = zones[workspaceID]!
            guard RiskRules.reviewIsDue(lastReviewed: risk.lastReviewedAt, now: now, timeZone: zone) else { continue }
            let due = RiskRules.reviewDue(lastReviewed: risk.lastReviewedAt, timeZone: zone)
            guard risk.remindedFor != due else { continue }
            let sent = try await db.writeTransaction { tx -> Bool in
                guard let sql = tx as? any SQLDatabase else { return false }
                let was: SQLQueryString = risk.remindedFor.map { "reminded_for = \(bind: $0)" } ?? "reminded_for IS NULL"
                let updated = try await sql.raw("UPDATE risks SET reminded_for = \(bind: due) WHERE id = \(bind: risk.id!) AND \(was) RETURNING id")
                    .first()
                guard updated != nil else { return false }
                // The owner alone: a reminder is their chore, not news for the team.
                try await RiskWatch.announce(
                    risk, event: .riskReviewDue, key: "risks.notice.review_due", also: [], dedupe: "review:\(due)", now: now, on: tx)
                return true
            }
            if sent { told.append(risk.id!) }
        }
        return told
    }
}
