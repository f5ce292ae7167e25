import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A monitor's story: raised once, escalated as it grows, absorbed while
/// it lasts, snoozed or closed by people.
final class ListeningAlert: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "listening_alerts"

    enum State: String, Sendable, Codable, CaseIterable {
        case open, acknowledged, closed
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "monitor_id") var monitorID: UUID
    @OptionalField(key: "open_key") var openKey: UUID?
    @Field(key: "grade") var grade: String
    @Field(key: "state") var state: String
    @Field(key: "opened_at") var openedAt: Date
    @Field(key: "last_spike_at") var lastSpikeAt: Date
    @Field(key: "mentions") var mentions: Int
    @Field(key: "negative") var negative: Int
    @Field(key: "expected") var expected: Double
    @Field(key: "usual_negative_share") var usualNegativeShare: Double
    @Field(key: "previous") var previous: Int
    @Field(key: "by_volume") var byVolume: Bool
    @Field(key: "by_share") var byShare: Bool
    @Field(key: "by_speed") var bySpeed: Bool
    @Field(key: "escalations") var escalations: Int
    @OptionalField(key: "snoozed_until") var snoozedUntil: Date?
    @OptionalField(key: "acknowledged_by") var acknowledgedBy: UUID?
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "closed_by") var closedBy: UUID?
    @OptionalField(key: "closed_at") var closedAt: Date?

    static var workspaceKey: KeyPath<ListeningAlert, ParentProperty<ListeningAlert, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $monitorID, $openKey, $grade, $state, $openedAt, $lastSpikeAt, $mentions, $negative, $expected, $usualNegativeShare,
            $previous, $byVolume, $byShare, $bySpeed, $escalations, $snoozedUntil, $acknowledgedBy, $acknowledgedAt, $closedBy, $closedAt,
        ]
    }

    var auditFields: [String: String] {
        ["grade": grade, "state": state, "snoozed_until": snoozedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? ""]
    }
}

struct AlertDTO: Content, Equatable {
    var id: UUID
    var monitorId: UUID
    var grade: String
    var state: String
    var openedAt: Date
    var lastSpikeAt: Date
    var mentions: Int
    var negative: Int
    var expected: Double
    var usualNegativeShare: Double
    var previous: Int
    var byVolume: Bool
    var byShare: Bool
    var bySpeed: Bool
    var escalations: Int
    var snoozedUntil: Date?
    var acknowledgedBy: UUID?
    var acknowledgedAt: Date?
    var closedBy: UUID?
    var closedAt: Date?

    init(_ alert: ListeningAlert) {
        id = alert.id!
        monitorId = alert.monitorID
        grade = alert.grade
        state = alert.state
        openedAt = alert.openedAt
        lastSpikeAt = alert.lastSpikeAt
        mentions = alert.mentions
        negative = alert.negative
        expected = alert.expected
        usualNegativeShare = alert.usualNegativeShare
        previous = alert.previous
        byVolume = alert.byVolume
        byShare = alert.byShare
        bySpeed = alert.bySpeed
        escalations = alert.escalations
        snoozedUntil = alert.snoozedUntil
        acknowledgedBy = alert.acknowledgedBy
        acknowledgedAt = alert.acknowledgedAt
        closedBy = alert.closedBy
        closedAt = alert.closedAt
    }
}

/// Grading each monitor's last window against its baseline and acting as
/// `AlertDecision` says.
///
/// The window is the last `windowMinutes` up to now (rolling, so the
/// first minutes of a storm count at once); the baseline is the median of
/// the same window one, two, three and four weeks earlier (the weekly
/// cycle of the anomaly detector); the usual negative share is that of
/// those four weeks; the previous window is the one just before.
enum AlertEvaluation {
    struct Payload: Codable, Sendable { var workspaceID: UUID }
    static let evaluate = JobKind<Payload>("listening.evaluate")
    static let sweep = JobKind<NoPayload>("listening.sweep")
    /// The sweep's period: a story whose mentions arrive without a batch
    /// of new ones (a feed, an import) is still graded within a minute.
    static let sweepPeriod: TimeInterval = 30
    /// New mentions of a workspace within one slot are graded together
    /// at the slot's end (one job per workspace and slot, across nodes).
    static let slot: TimeInterval = 10
    /// Who hears about alerts: the roles that manage the inbox's rules
    /// and those that escalate conversations.
    static let recipients: Set<Role> = [.admin, .manager, .agent]

    /// Grades the workspace's monitors at the end of the current slot.
    static func soon(_ workspaceID: UUID, now: Date, in db: any Database) async throws {
        let slotEnd = (now.timeIntervalSince1970 / slot).rounded(.down) * slot + slot
        let job = try JobQueue.NewJob(
            evaluate, payload: Payload(workspaceID: workspaceID), runAt: Date(timeIntervalSince1970: slotEnd),
            uniqueKey: "listening.evaluate:\(workspaceID.uuidString.lowercased()):\(Int(slotEnd))")
        try await JobQueue(db: db).enqueueMany([job], now: now)
    }

    @Sendable static func runOne(_ job: Job, _ app: Application) async throws {
        let payload = try evaluate.payload(of: job)
        try await run(workspaceID: payload.workspaceID, on: app.db, now: Date())
    }

    /// Every workspace whose monitors heard something in the last window or
    /// has an alert not closed.
    @Sendable static func runSweep(_ job: Job, _ app: Application) async throws {
        guard let sql = app.db as? any SQLDatabase else { return }
        let now = Date()
        let rows = try await sql.raw(
            """
            SELECT DISTINCT workspace_id FROM listening_mention_monitors WHERE at >= \(bind: now.addingTimeInterval(-3_600))
            UNION SELECT DISTINCT workspace_id FROM listening_alerts WHERE open_key IS NOT NULL
            """
        ).all()
        for row in rows { try await run(workspaceID: try row.decode(column: "workspace_id", as: UUID.self), on: app.db, now: now) }
    }

    /// What was done for each monitor graded.
    @discardableResult
    static func run(workspaceID: UUID, on db: any Database, now: Date) async throws -> [UUID: AlertDecision] {
        let rule = try await ListeningSettings.grading(workspaceID, on: db)
        let monitors = try await ListeningMonitor.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$enabled == true).all()
        // A window without a mention reaches no grade, so only the monitors
        // that heard something in it are read (one query, not one per
        // monitor, for a workspace with a thousand monitors).
        var active = Set<UUID>()
        if let sql = db as? any SQLDatabase {
            let rows = try await sql.raw(
                """
                SELECT DISTINCT monitor_id FROM listening_mention_monitors
                WHERE workspace_id = \(bind: workspaceID) AND at >= \(bind: now.addingTimeInterval(-TimeInterval(rule.windowMinutes * 60))) AND at <= \(bind: now)
                """
            ).all()
            for row in rows { active.insert(try row.decode(column: "monitor_id", as: UUID.self)) }
        }
        var done: [UUID: AlertDecision] = [:]
        for monitor in monitors {
            guard active.contains(monitor.id!) else {
                done[monitor.id!] = AlertDecision.none
                continue
            }
            let window = try await window(of: monitor.id!, rule: rule, now: now, on: db)
            done[monitor.id!] = try await act(on: monitor, reading: rule.grade(window), window: window, now: now, on: db)
        }
        return done
    }

    static func window(of monitorID: UUID, rule: AlertGradingRule, now: Date, on db: any Database) async throws -> ListeningWindow {
        guard let sql = db as? any SQLDatabase else {
            return ListeningWindow(mentions: 0, negative: 0, expected: 0, usualNegativeShare: 0, previous: 0)
        }
        let length = TimeInterval(rule.windowMinutes * 60)
        let start = now.addingTimeInterval(-length)
        let week: TimeInterval = 7 * 86_400
        // The same window one to four weeks back.
        let back = (1...4).map { (start.addingTimeInterval(-Double($0) * week), now.addingTimeInterval(-Double($0) * week)) }
        let history = now.addingTimeInterval(-4 * week - length)
        let earlier = start.addingTimeInterval(-length)
        let query: SQLQueryString = """
            SELECT CAST(SUM(CASE WHEN at >= \(bind: start) THEN 1 ELSE 0 END) AS BIGINT) AS n, CAST(SUM(CASE WHEN at >= \(bind: start) THEN negative ELSE 0 END) AS BIGINT) AS neg,
            CAST(SUM(CASE WHEN at >= \(bind: earlier) AND at < \(bind: start) THEN 1 ELSE 0 END) AS BIGINT) AS prev,
            CAST(SUM(CASE WHEN at < \(bind: earlier) THEN 1 ELSE 0 END) AS BIGINT) AS hist, CAST(SUM(CASE WHEN at < \(bind: earlier) THEN negative ELSE 0 END) AS BIGINT) AS hist_neg,
            CAST(SUM(CASE WHEN at >= \(bind: back[0].0) AND at < \(bind: back[0].1) THEN 1 ELSE 0 END) AS BIGINT) AS w1,
            CAST(SUM(CASE WHEN at >= \(bind: back[1].0) AND at < \(bind: back[1].1) THEN 1 ELSE 0 END) AS BIGINT) AS w2,
            CAST(SUM(CASE WHEN at >= \(bind: back[2].0) AND at < \(bind: back[2].1) THEN 1 ELSE 0 END) AS BIGINT) AS w3,
            CAST(SUM(CASE WHEN at >= \(bind: back[3].0) AND at < \(bind: back[3].1) THEN 1 ELSE 0 END) AS BIGINT) AS w4
            FROM listening_mention_monitors WHERE monitor_id = \(bind: monitorID) AND at >= \(bind: history) AND at <= \(bind: now)
            """
        let row = try await sql.raw(query).first()
        func value(_ column: String) throws -> Int { try row?.decode(column: column, as: Int?.self) ?? 0 }
        let counts = try ["w1", "w2", "w3", "w4"].map { try value($0) }.sorted()
        let median = Double(counts[counts.count / 2 - 1] + counts[counts.count / 2]) / 2
        let heard = try value("hist")
        return ListeningWindow(
            mentions: try value("n"), negative: try value("neg"), expected: median,
            usualNegativeShare: heard == 0 ? 0 : Double(try value("hist_neg")) / Double(heard), previous: try value("prev"))
    }

    /// Applies the decision for one monitor. Raising relies on the alerts'
    /// unique open key, escalating on a conditional update: when two
    /// evaluations run at once, one raises (or escalates) and tells people,
    /// the other finds it done and absorbs.
    static func act(
        on monitor: ListeningMonitor, reading: AlertGradingRule.Reading?, window: ListeningWindow, now: Date, on db: any Database
    )
        async throws -> AlertDecision
    {
        guard let reading else { return .none }
        let monitorID = monitor.id!
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return .none }
            let open = try await ListeningAlert.query(on: tx).filter(\.$openKey == monitorID).first()
            let snooze = [open?.snoozedUntil, monitor.snoozedUntil].compactMap { $0 }.max()
            var decision = AlertDecision.decide(
                reading: reading, open: open.map { (AlertGrade(rawValue: $0.grade) ?? .blue, $0.lastSpikeAt, snooze) }, now: now)
            switch decision {
            case .raise(let grade):
                if let open {
                    // Quiet long enough: that story is over, this is a new one.
                    try await sql.raw(
                        "UPDATE listening_alerts SET open_key = NULL, state = \(bind: ListeningAlert.State.closed.rawValue), closed_at = \(bind: now) WHERE id = \(bind: open.id!)"
                    ).run()
                }
                let id = TimeOrderedID.make(at: now)
                let values: [any Encodable & Sendable] = [
                    id, monitor.$workspace.id, monitorID, monitorID, grade.rawValue, ListeningAlert.State.open.rawValue, now, now, window.mentions,
                    window.negative, window.expected, window.usualNegativeShare, window.previous, reading.byVolume, reading.byShare,
                    reading.raisedBySpeed, 0,
                ]
                let raised = try await sql.raw(
                    """
                    INSERT INTO listening_alerts (id, workspace_id, monitor_id, open_key, grade, state, opened_at, last_spike_at, mentions, negative,
                    expected, usual_negative_share, previous, by_volume, by_share, by_speed, escalations)
                    VALUES \(SQLGroupExpression(values.map { SQLBind($0) })) ON CONFLICT DO NOTHING RETURNING id
                    """
                ).first()
                guard raised != nil else { return .absorb }
                // A monitor snoozed by hand records its alert and tells no one.
                if let until = monitor.snoozedUntil, until > now { return .snoozed }
                try await announce(id, monitor: monitor, grade: grade, escalated: false, mentions: window.mentions, now: now, on: tx)
            case .escalate(let from, let to):
                let updated = try await sql.raw(
                    """
                    UPDATE listening_alerts SET grade = \(bind: to.rawValue), last_spike_at = \(bind: now), escalations = escalations + 1,
                    mentions = \(bind: window.mentions), negative = \(bind: window.negative), by_volume = \(bind: reading.byVolume),
                    by_share = \(bind: reading.byShare), by_speed = \(bind: reading.raisedBySpeed)
                    WHERE id = \(bind: open!.id!) AND grade = \(bind: from.rawValue) RETURNING id
                    """
                ).first()
                guard updated != nil else {
                    decision = .absorb
                    break
                }
                try await announce(open!.id!, monitor: monitor, grade: to, escalated: true, mentions: window.mentions, now: now, on: tx)
            case .absorb, .snoozed:
                try await sql.raw(
                    """
                    UPDATE listening_alerts SET last_spike_at = \(bind: now),
                    mentions = CASE WHEN mentions < \(bind: window.mentions) THEN \(bind: window.mentions) ELSE mentions END
                    WHERE id = \(bind: open!.id!)
                    """
                ).run()
            case .none:
                break
            }
            return decision
        }
    }

    static func announce(
        _ alertID: UUID, monitor: ListeningMonitor, grade: AlertGrade, escalated: Bool, mentions: Int, now: Date, on db: any Database
    )
        async throws
    {
        let event = OutboundEvent(
            kind: .alert, workspaceID: monitor.$workspace.id, grade: grade, monitorID: monitor.id,
            key: "listening.alert.\(escalated ? "escalated" : "raised").\(grade.rawValue)", args: [monitor.name, "\(mentions)"],
            link: "/listening/alerts/\(alertID.uuidString.lowercased())", dedupeKey: "alert:\(alertID.uuidString.lowercased()):\(grade.rawValue)")
        let people = try await Notifier.members(with: recipients, in: monitor.$workspace.id, on: db)
        try await Notifier.announce(event, to: people, on: db, now: now)
    }

    static var notificationKeys: [String] {
        ["raised", "escalated"].flatMap { kind in AlertGrade.allCases.map { "listening.alert.\(kind).\($0.rawValue)" } }
    }
}

/// People's actions on an alert: acknowledge, snooze, close.
struct AlertService {
    let db: any Database

    struct Input: Content {
        var action: String?
        var snoozedUntil: Date?
    }

    static let actions = ["acknowledge", "snooze", "close"]

    func change(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ListeningAlert {
        try access.require(.inboxEscalate)
        _ = try await access.find(ListeningAlert.self, rawID, on: db, what: "Alert")
        var errors = ValidationErrors()
        let action = input.action ?? ""
        if !Self.actions.contains(action) { errors.add("action", .isRequiredOneOf(choices: Self.actions)) }
        if action == "snooze" {
            if let until = input.snoozedUntil {
                if until <= now { errors.add("snoozed_until", .futureOrNow) }
            } else {
                errors.add("snoozed_until", .dateTime)
            }
        }
        try errors.throwIfAny()
        return try await db.writeTransaction { tx in
            let alert = try await access.find(ListeningAlert.self, rawID, on: tx, what: "Alert")
            let before = alert.auditFields
            guard alert.state != ListeningAlert.State.closed.rawValue else {
                throw Problem(.conflict, "The alert is closed; a new spike raises a new one.", type: "conflict")
            }
            switch action {
            case "acknowledge":
                alert.state = ListeningAlert.State.acknowledged.rawValue
                alert.acknowledgedBy = actor.userID
                alert.acknowledgedAt = now
            case "snooze":
                alert.snoozedUntil = input.snoozedUntil
            default:
                alert.state = ListeningAlert.State.closed.rawValue
                alert.openKey = nil
                alert.closedBy = actor.userID
                alert.closedAt = now
            }
            try await alert.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "listening_alert.\(action)", targetType: "listening_alert",
                targetID: alert.id, before: before, after: alert.auditFields, now: now)
            return alert
        }
    }
}
