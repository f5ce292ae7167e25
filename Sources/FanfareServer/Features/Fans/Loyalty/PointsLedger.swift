import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Posting lines to a fan's points ledger. `LedgerPosting` (FanfareCore)
/// holds the rules; this makes them hold on a database shared by many
/// requests and nodes:
/// - the line is inserted first under its unique (workspace, source key):
///   an event posted twice finds its first line and changes nothing;
/// - the balance moves by one conditional update that refuses to go below
///   zero, so concurrent spends of one balance cannot both pass;
/// - an adjustment is audited in the same transaction.
struct PointsLedger {
    let db: any Database

    struct Posted: Equatable {
        var lineID: UUID
        var balance: Int
        /// The event had been posted before; nothing changed now.
        var repeated: Bool
        /// The line's points.
        var delta = 0
    }

    func post(_ entry: LedgerEntry, to fanID: UUID, in workspaceID: UUID, actor: Actor, now: Date = Date()) async throws -> Posted {
        // Everything but the balance is checked before anything is written.
        if case .refused(let issues) = LedgerPosting.check(balance: Int.max / 2, entry: entry) {
            var errors = ValidationErrors()
            for issue in issues { errors.add(issue.field, issue.coded) }
            throw errors
        }
        do {
            return try await db.writeTransaction { tx in
                guard let posted = try await append(entry, to: fanID, in: workspaceID, actor: actor, now: now, on: tx) else {
                    throw Refusal.insufficient
                }
                return posted
            }
        } catch Refusal.insufficient {
            // Rolled back; the message uses the balance as it is now.
            guard let fan = try await Fan.query(on: db).filter(\.$id == fanID).filter(\.$workspace.$id == workspaceID).first() else {
                throw Problem.notFound("Fan")
            }
            if case .refused(let issues) = LedgerPosting.check(balance: fan.pointsBalance, entry: entry) {
                var errors = ValidationErrors()
                for issue in issues { errors.add(issue.field, issue.coded) }
                throw errors
            }
            throw Problem(.conflict, "The balance changed while the points were being spent; try again.", type: "points-balance-changed")
        }
    }

    /// Posts `entry` inside the caller's transaction: nil when the balance
    /// would go below zero, and then the caller must roll back (the line
    /// is already inserted).
    func append(_ entry: LedgerEntry, to fanID: UUID, in workspaceID: UUID, actor: Actor, now: Date, on tx: any Database) async throws -> Posted? {
        guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The ledger needs an SQL database.") }
        let lineID = TimeOrderedID.make(at: now)
        let inserted = try await sql.raw(
            """
            INSERT INTO points_ledger (id, workspace_id, fan_id, source_key, kind, delta, reason, actor_id, balance_after, at)
            VALUES (\(bind: lineID), \(bind: workspaceID), \(bind: fanID), \(bind: entry.sourceKey), \(bind: entry.kind.rawValue),
            \(bind: entry.delta), \(bind: entry.reason), \(bind: actor.userID), 0, \(bind: now))
            ON CONFLICT (workspace_id, source_key) DO NOTHING RETURNING id
            """
        ).first()
        guard inserted != nil else { return try await repeated(entry.sourceKey, in: workspaceID, on: sql) }
        let earned = (entry.kind == .earn || entry.kind == .adjust) && entry.delta > 0 ? entry.delta : 0
        let moved = try await sql.raw(
            """
            UPDATE fans SET points_balance = points_balance + \(bind: entry.delta),
            lifetime_points = lifetime_points + \(bind: earned), updated_at = \(bind: now)
            WHERE id = \(bind: fanID) AND workspace_id = \(bind: workspaceID) AND points_balance + \(bind: entry.delta) >= 0
            RETURNING points_balance
            """
        ).first()
        guard let balance = try moved?.decode(column: "points_balance", as: Int.self) else { return nil }
        try await sql.raw("UPDATE points_ledger SET balance_after = \(bind: balance) WHERE id = \(bind: lineID)").run()
        if entry.kind == .adjust {
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: workspaceID, action: "loyalty.points_adjusted", targetType: "fan", targetID: fanID,
                after: ["delta": String(entry.delta), "reason": entry.reason, "balance": String(balance)], now: now)
        }
        return Posted(lineID: lineID, balance: balance, repeated: false, delta: entry.delta)
    }

    /// Pays for an action under the workspace's points rule, within its
    /// daily cap: the fan's row is written first, so concurrent awards to
    /// one fan queue behind each other (SQLite's writer, PostgreSQL's row
    /// lock) and the cap is summed over lines that are all there. Returns
    /// nil when the action earns nothing now (no rule, cap reached) and the
    /// earlier line when the event was already paid.
    func earn(
        _ action: LoyaltyAction, sourceKey: String, fanID: UUID, in workspaceID: UUID, policy: PointsPolicy, zone: TimeZone, now: Date = Date(),
        on tx: any Database
    ) async throws -> Posted? {
        guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The ledger needs an SQL database.") }
        let locked = try await sql.raw(
            "UPDATE fans SET updated_at = \(bind: now) WHERE id = \(bind: fanID) AND workspace_id = \(bind: workspaceID) RETURNING id"
        ).first()
        guard locked != nil else { throw Problem.notFound("Fan") }
        if try await sql.raw(
            "SELECT id FROM points_ledger WHERE workspace_id = \(bind: workspaceID) AND source_key = \(bind: sourceKey)"
        ).first() != nil {
            return try await repeated(sourceKey, in: workspaceID, on: sql)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let earnedToday =
            try await sql.raw(
                """
                SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS earned FROM points_ledger
                WHERE fan_id = \(bind: fanID) AND action = \(bind: action.rawValue) AND kind = 'earn' AND at >= \(bind: calendar.startOfDay(for: now))
                """
            ).first()?.decode(column: "earned", as: Int.self) ?? 0
        let points = LoyaltyPoints.award(action: action, earnedTodaySoFar: earnedToday, policy: policy)
        guard points > 0 else { return nil }
        let lineID = TimeOrderedID.make(at: now)
        let balance =
            try await sql.raw(
                """
                UPDATE fans SET points_balance = points_balance + \(bind: points), lifetime_points = lifetime_points + \(bind: points)
                WHERE id = \(bind: fanID) RETURNING points_balance
                """
            ).first()?.decode(column: "points_balance", as: Int.self) ?? points
        try await sql.raw(
            """
            INSERT INTO points_ledger (id, workspace_id, fan_id, source_key, kind, action, delta, reason, balance_after, at)
            VALUES (\(bind: lineID), \(bind: workspaceID), \(bind: fanID), \(bind: sourceKey), 'earn', \(bind: action.rawValue), \(bind: points),
            \(bind: action.rawValue), \(bind: balance), \(bind: now))
            """
        ).run()
        return Posted(lineID: lineID, balance: balance, repeated: false, delta: points)
    }

    /// Pays an action for many messages at once, each under its own source
    /// key ("message:<id>") and within the daily cap of its local day, in a
    /// few statements whatever the batch's size: what intake's engagement
    /// job does for every stored batch. The fans' rows are written first, so
    /// another award to the same fans waits and then sees these lines.
    /// Returns the fans who earned something.
    func earnForMessages(
        _ messages: [(fanID: UUID, messageID: UUID, at: Date)], action: LoyaltyAction, in workspaceID: UUID, policy: PointsPolicy,
        zone: TimeZone, now: Date
    ) async throws -> Set<UUID> {
        guard let sql = db as? any SQLDatabase, !messages.isEmpty, policy.rule(for: action) != nil else { return [] }
        let fanIDs = Array(Set(messages.map(\.fanID))).sorted()
        let keys = messages.map { "message:\($0.messageID.uuidString.lowercased())" }
        var balances: [UUID: Int] = [:]
        var earned: [UUID: [Int: Int]] = [:]
        var paid: Set<String> = []
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let since = calendar.startOfDay(for: messages.map(\.at).min()!)
        for start in stride(from: 0, to: fanIDs.count, by: 500) {
            let ids = SQLGroupExpression(fanIDs[start..<min(fanIDs.count, start + 500)].map { SQLBind($0) })
            for row in try await sql.raw("UPDATE fans SET updated_at = \(bind: now) WHERE id IN \(ids) RETURNING id, points_balance").all() {
                balances[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "points_balance", as: Int.self)
            }
            for row in try await sql.raw(
                """
                SELECT fan_id, delta, at FROM points_ledger WHERE fan_id IN \(ids) AND action = \(bind: action.rawValue) AND kind = 'earn'
                AND at >= \(bind: since)
                """
            ).all() {
                let day = RollingActivity.day(of: try row.decode(column: "at", as: Date.self), in: zone)
                earned[try row.decode(column: "fan_id", as: UUID.self), default: [:]][day, default: 0] += try row.decode(
                    column: "delta", as: Int.self)
            }
        }
        for start in stride(from: 0, to: keys.count, by: 500) {
            for row in try await sql.raw(
                """
                SELECT source_key FROM points_ledger WHERE workspace_id = \(bind: workspaceID)
                AND source_key IN \(SQLGroupExpression(keys[start..<min(keys.count, start + 500)].map { SQLBind($0) }))
                """
            ).all() {
                paid.insert(try row.decode(column: "source_key", as: String.self))
            }
        }
        var lines: [any SQLExpression] = []
        var moved: [UUID: Int] = [:]
        for (message, key) in zip(messages, keys).sorted(by: { $0.0.at < $1.0.at }) where !paid.contains(key) {
            guard let balance = balances[message.fanID] else { continue }
            let day = RollingActivity.day(of: message.at, in: zone)
            let points = LoyaltyPoints.award(action: action, earnedTodaySoFar: earned[message.fanID]?[day] ?? 0, policy: policy)
            guard points > 0 else { continue }
            paid.insert(key)
            earned[message.fanID, default: [:]][day, default: 0] += points
            balances[message.fanID] = balance + points
            moved[message.fanID, default: 0] += points
            let line: [any Encodable & Sendable] = [
                TimeOrderedID.make(at: now), workspaceID, message.fanID, key, "earn", action.rawValue, points, action.rawValue, balance + points,
                message.at,
            ]
            lines.append(SQLGroupExpression(line.map { SQLBind($0) }))
        }
        for start in stride(from: 0, to: lines.count, by: 300) {
            try await sql.raw(
                """
                INSERT INTO points_ledger (id, workspace_id, fan_id, source_key, kind, action, delta, reason, balance_after, at)
                VALUES \(SQLList(Array(lines[start..<min(lines.count, start + 300)])))
                """
            ).run()
        }
        let rows = moved.map { SQLGroupExpression([SQLBind($0.key), SQLBind($0.value)]) as any SQLExpression }
        for start in stride(from: 0, to: rows.count, by: 500) {
            try await sql.raw(
                """
                UPDATE fans SET points_balance = points_balance + v.column2, lifetime_points = lifetime_points + v.column2
                FROM (VALUES \(SQLList(Array(rows[start..<min(rows.count, start + 500)])))) AS v WHERE fans.id = v.column1
                """
            ).run()
        }
        return Set(moved.keys)
    }

    /// A bonus the programme grants (a streak milestone, a quiz's correct
    /// answers, a featured pick): earned points outside any daily cap, once per source key.
    func bonus(
        _ points: Int, sourceKey: String, reason: String, fanID: UUID, in workspaceID: UUID, now: Date, on tx: any Database
    ) async throws -> Posted {
        guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The ledger needs an SQL database.") }
        let lineID = TimeOrderedID.make(at: now)
        let inserted = try await sql.raw(
            """
            INSERT INTO points_ledger (id, workspace_id, fan_id, source_key, kind, delta, reason, balance_after, at)
            VALUES (\(bind: lineID), \(bind: workspaceID), \(bind: fanID), \(bind: sourceKey), 'earn', \(bind: points), \(bind: reason), 0, \(bind: now))
            ON CONFLICT (workspace_id, source_key) DO NOTHING RETURNING id
            """
        ).first()
        guard inserted != nil else { return try await repeated(sourceKey, in: workspaceID, on: sql) }
        let balance =
            try await sql.raw(
                """
                UPDATE fans SET points_balance = points_balance + \(bind: points), lifetime_points = lifetime_points + \(bind: points),
                updated_at = \(bind: now) WHERE id = \(bind: fanID) RETURNING points_balance
                """
            ).first()?.decode(column: "points_balance", as: Int.self) ?? points
        try await sql.raw("UPDATE points_ledger SET balance_after = \(bind: balance) WHERE id = \(bind: lineID)").run()
        return Posted(lineID: lineID, balance: balance, repeated: false, delta: points)
    }

    private enum Refusal: Error { case insufficient }

    private func repeated(_ sourceKey: String, in workspaceID: UUID, on sql: any SQLDatabase) async throws -> Posted {
        let row = try await sql.raw(
            """
            SELECT l.id, l.delta, f.points_balance FROM points_ledger l JOIN fans f ON f.id = l.fan_id
            WHERE l.workspace_id = \(bind: workspaceID) AND l.source_key = \(bind: sourceKey)
            """
        ).first()
        guard let row else { throw Problem(.internalServerError, "A ledger line vanished while it was being posted.") }
        return Posted(
            lineID: try row.decode(column: "id", as: UUID.self), balance: try row.decode(column: "points_balance", as: Int.self), repeated: true,
            delta: try row.decode(column: "delta", as: Int.self))
    }
}

/// One line of a fan's points ledger, as stored. Lines are appended by
/// `PointsLedger` only and never changed afterwards, but for the balance
/// written in the same transaction.
final class PointsLedgerLine: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "points_ledger"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "fan_id") var fan: Fan
    @Field(key: "source_key") var sourceKey: String
    @Field(key: "kind") var kind: String
    @OptionalField(key: "action") var action: String?
    @Field(key: "delta") var delta: Int
    @Field(key: "reason") var reason: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "balance_after") var balanceAfter: Int
    @Field(key: "at") var at: Date

    static var workspaceKey: KeyPath<PointsLedgerLine, ParentProperty<PointsLedgerLine, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $fan, $sourceKey, $kind, $action, $delta, $reason, $actorID, $balanceAfter, $at] }
}
