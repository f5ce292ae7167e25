import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The period and filters of a fan-analytics question: local days in the
/// workspace's time zone, an optional platform (fans with an identity on
/// it) and an optional account (fans who wrote to or followed it).
struct FanScope: Sendable, Equatable {
    var workspaceID: UUID
    /// `YYYY-MM-DD`, both included.
    var from: String
    var to: String
    var zone: TimeZone
    var platform: String?
    var accountID: UUID?
    /// A saved segment: only its members (as of now) count in the funnel,
    /// its fans, repurchase and the cohorts.
    var segmentID: UUID?
    var segmentRule: SegmentRule?

    var fromDay: Int { LocalDays.number(from) ?? 0 }
    var toDay: Int { LocalDays.number(to) ?? 0 }
    /// The instant the first day starts and the instant after the last day.
    var start: Date { LocalDays.start(of: from, in: zone) ?? Date(timeIntervalSince1970: 0) }
    var end: Date { LocalDays.start(of: MetricDay.adding(1, to: to), in: zone) ?? Date(timeIntervalSince1970: 0) }
}

/// Aggregate SQL over the stored facts of fans — conversion events (the
/// event API) and incoming messages (what the connectors saw: comments,
/// mentions, direct messages, likes, shares, follows) — on SQLite and
/// PostgreSQL alike. Every statement groups in the database and returns a
/// handful of rows; no fan is loaded to be counted. A merged fan's facts
/// count for the fan it was merged into.
struct FanActivityQueries {
    let db: any Database
    let sql: any SQLDatabase
    let scope: FanScope

    init(_ db: any Database, scope: FanScope) throws {
        guard let sql = db as? any SQLDatabase else { throw Abort(.internalServerError, reason: "Fan analytics needs an SQL database.") }
        self.db = db
        self.sql = sql
        self.scope = scope
    }

    /// Which of `fanIDs` the scope's segment holds now (all of them without
    /// one). Segment rules are evaluated by the Core over the fans, as the
    /// segment's count and members are, so the SQL returns one row per fan
    /// and the figures are counted here.
    func members(_ fanIDs: [UUID]) async throws -> Set<UUID> {
        guard let id = scope.segmentID, let rule = scope.segmentRule else { return Set(fanIDs) }
        return Set(
            try await FanService.segmentMembership(of: fanIDs, in: [id: rule], workspaceID: ws, zone: scope.zone, now: Date(), on: db).keys)
    }

    var postgres: Bool { sql.dialect.name == "postgresql" }
    var ws: UUID { scope.workspaceID }

    /// The local day number of an instant column, exact across the zone's
    /// daylight-saving changes between `from` and `to`.
    func day(_ column: String, from: Date, to: Date) -> SQLQueryString {
        let epoch = postgres ? "CAST(FLOOR(EXTRACT(EPOCH FROM \(column))) AS BIGINT)" : "CAST(\(column) AS INTEGER)"
        let offsets = LocalDays.offsets(scope.zone, from: from, to: to)
        var offset = "\(offsets.last!.offset)"
        if offsets.count > 1 {
            offset = "CASE"
            for index in 0..<(offsets.count - 1) {
                offset += " WHEN \(epoch) < \(Int(offsets[index + 1].since!.timeIntervalSince1970)) THEN \(offsets[index].offset)"
            }
            offset += " ELSE \(offsets.last!.offset) END"
        }
        return SQLQueryString("((\(epoch) + \(offset)) / 86400)")
    }

    /// The workspace's merged fans and the fan each was merged into.
    var merged: SQLQueryString {
        "(SELECT id, merged_into FROM fans WHERE workspace_id = \(bind: ws) AND merged_into IS NOT NULL)"
    }

    /// Facts between two instants as rows (fan_id, at, kind, amount): the
    /// events of `types` and incoming messages (kind `follow` for a
    /// follow a connector saw, else `message`): all of them, only follows, or none.
    enum Messages { case none, follows, all }

    func facts(from: Date, to: Date, types: [String], messages: Messages) -> SQLQueryString {
        var union: SQLQueryString = """
            SELECT fan_id, at, type AS kind, amount_fen AS amount FROM conversion_events
            WHERE workspace_id = \(bind: ws) AND at >= \(bind: from) AND at < \(bind: to) AND fan_id IS NOT NULL \
            AND type IN (\(literals: types, joinedBy: ", "))
            """
        if messages != .none {
            let follows: SQLQueryString = messages == .follows ? " AND kind = 'follow'" : ""
            union += """
                 UNION ALL SELECT fan_id, sent_at AS at, CASE WHEN kind = 'follow' THEN 'follow' ELSE 'message' END AS kind, NULL AS amount
                FROM incoming_messages WHERE workspace_id = \(bind: ws) AND sent_at >= \(bind: from) AND sent_at < \(bind: to) AND fan_id IS NOT NULL\(follows)
                """
        }
        return """
            SELECT COALESCE(mg.merged_into, s.fan_id) AS fan_id, s.at AS at, s.kind AS kind, s.amount AS amount
            FROM (\(union)) s LEFT JOIN \(merged) mg ON mg.id = s.fan_id
            """
    }

    /// The filter on a `fan_id` column: fans with an identity on the
    /// platform, fans who interacted with the account.
    func fanFilter(_ column: String) -> SQLQueryString {
        var filter: SQLQueryString = "1 = 1"
        if let platform = scope.platform {
            filter +=
                " AND \(unsafeRaw: column) IN (SELECT fan_id FROM fan_identities WHERE workspace_id = \(bind: ws) AND platform = \(bind: platform))"
        }
        if let account = scope.accountID {
            filter += """
                 AND \(unsafeRaw: column) IN (SELECT fan_id FROM incoming_messages WHERE workspace_id = \(bind: ws) \
                AND account_id = \(bind: account) AND fan_id IS NOT NULL)
                """
        }
        return filter
    }

    /// Kept purchases from columns `purchases`, `refunds`, `net` (`PurchaseCounting.kept`).
    static let kept: SQLQueryString = """
        CASE WHEN purchases - refunds >= 1 THEN purchases - refunds WHEN purchases > 0 AND net > 0 THEN 1 ELSE 0 END
        """

    // MARK: The funnel

    static let stepTypes = ["join_community", "purchase", "refund", "referral"]

    /// Each cohort fan (a follow in the period) with the last step its
    /// facts up to the period's end reach (0 follow … 4 referral).
    var reached: SQLQueryString {
        """
        WITH acts AS (\(facts(from: scope.start, to: scope.end, types: ["follow"], messages: .follows))),
        cohort AS (SELECT DISTINCT fan_id FROM acts WHERE kind = 'follow' AND \(fanFilter("fan_id"))),
        ids AS (SELECT fan_id AS kept_id, fan_id AS raw_id FROM cohort
            UNION ALL SELECT mg.merged_into, mg.id FROM \(merged) mg JOIN cohort c ON c.fan_id = mg.merged_into),
        per AS (
            SELECT ids.kept_id AS fan_id,
            MAX(CASE WHEN e.type = 'join_community' THEN 1 ELSE 0 END) AS joined,
            SUM(CASE WHEN e.type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
            SUM(CASE WHEN e.type = 'refund' THEN 1 ELSE 0 END) AS refunds,
            CAST(COALESCE(SUM(CASE WHEN e.type = 'purchase' THEN e.amount_fen WHEN e.type = 'refund' THEN -e.amount_fen ELSE 0 END), 0) AS BIGINT) AS net,
            MAX(CASE WHEN e.type = 'referral' THEN 1 ELSE 0 END) AS referred
            FROM ids LEFT JOIN conversion_events e ON e.workspace_id = \(bind: ws) AND e.fan_id = ids.raw_id AND e.at < \(bind: scope.end) \
            AND e.type IN (\(literals: Self.stepTypes, joinedBy: ", "))
            GROUP BY ids.kept_id),
        reached AS (
            SELECT fan_id, CASE WHEN joined = 0 THEN 0 WHEN kept < 1 THEN 1 WHEN kept < 2 THEN 2 WHEN referred = 0 THEN 3 ELSE 4 END AS step
            FROM (SELECT fan_id, joined, referred, \(Self.kept) AS kept FROM per) k)
        """
    }

    /// Unique fans at each step (each counted at every step up to the one it reached).
    func funnel() async throws -> FanFunnel {
        var atStep = [Int](repeating: 0, count: FunnelStepKind.allCases.count)
        if scope.segmentRule != nil {
            let asText = SQLRows.uuidsAsText(sql)
            let rows = try await sql.raw("\(reached) SELECT fan_id, step FROM reached").all().map { row in
                (try SQLRows.uuid(row, "fan_id", asText: asText), try row.decode(column: "step", as: Int.self))
            }
            let kept = try await members(rows.map(\.0))
            for (fan, step) in rows where kept.contains(fan) { atStep[max(0, min(atStep.count - 1, step))] += 1 }
        } else {
            for row in try await sql.raw("\(reached) SELECT step, COUNT(*) AS fans FROM reached GROUP BY step").all() {
                let step = try row.decode(column: "step", as: Int.self)
                atStep[max(0, min(atStep.count - 1, step))] += try row.decode(column: "fans", as: Int.self)
            }
        }
        let counts = atStep.indices.map { index in atStep[index...].reduce(0, +) }
        return FanFunnel(counts: counts)
    }

    /// One fan behind a step, as the drill-down lists them.
    struct StepFan: Sendable, Equatable {
        var id: UUID
        var name: String
        var spendFen: Int64
        var valueTier: String
        var erased: Bool
    }

    /// The fans who reached `step`, in id order after `after`, at most `limit`
    /// (of the segment's members, when the scope has one).
    func fans(at step: FunnelStepKind, after: UUID?, limit: Int) async throws -> [StepFan] {
        guard scope.segmentRule != nil else { return try await allFans(at: step, after: after, limit: limit) }
        var result: [StepFan] = []
        var cursor = after
        let batch = max(limit, 500)
        while result.count < limit {
            let page = try await allFans(at: step, after: cursor, limit: batch)
            let kept = try await members(page.map(\.id))
            result += page.filter { kept.contains($0.id) }
            guard page.count == batch, let last = page.last else { break }
            cursor = last.id
        }
        return Array(result.prefix(limit))
    }

    func allFans(at step: FunnelStepKind, after: UUID?, limit: Int) async throws -> [StepFan] {
        let asText = SQLRows.uuidsAsText(sql)
        var query: SQLQueryString = """
            \(reached) SELECT f.id, f.display_name, f.spend_fen, f.value_tier, f.erased_at FROM reached r JOIN fans f ON f.id = r.fan_id
            WHERE r.step >= \(bind: step.index)
            """
        if let after { query += " AND f.id > \(bind: after)" }
        query += " ORDER BY f.id LIMIT \(bind: limit)"
        return try await sql.raw(query).all().map { row in
            StepFan(
                id: try SQLRows.uuid(row, "id", asText: asText), name: try row.decode(column: "display_name", as: String.self),
                spendFen: try row.decode(column: "spend_fen", as: Int64.self), valueTier: try row.decode(column: "value_tier", as: String.self),
                erased: try !row.decodeNil(column: "erased_at"))
        }
    }

    // MARK: Repurchase and value

    /// Buyers, repeat buyers and net spend over the period's purchases and refunds.
    func repurchase() async throws -> RepurchaseSummary {
        let perFan: SQLQueryString = """
            WITH acts AS (\(facts(from: scope.start, to: scope.end, types: ["purchase", "refund"], messages: .none))),
            per AS (
                SELECT fan_id, SUM(CASE WHEN kind = 'purchase' THEN 1 ELSE 0 END) AS purchases,
                SUM(CASE WHEN kind = 'refund' THEN 1 ELSE 0 END) AS refunds,
                CAST(COALESCE(SUM(CASE WHEN kind = 'purchase' THEN amount ELSE -amount END), 0) AS BIGINT) AS net
                FROM acts WHERE \(fanFilter("fan_id")) GROUP BY fan_id),
            k AS (SELECT fan_id, net, \(Self.kept) AS kept FROM per)
            """
        if scope.segmentRule != nil {
            let asText = SQLRows.uuidsAsText(sql)
            let rows = try await sql.raw("\(perFan) SELECT fan_id, net, kept FROM k").all().map { row in
                (
                    fan: try SQLRows.uuid(row, "fan_id", asText: asText), net: try row.decode(column: "net", as: Int64.self),
                    kept: try row.decode(column: "kept", as: Int.self)
                )
            }
            let members = try await members(rows.map(\.fan))
            let counted = rows.filter { members.contains($0.fan) }
            return RepurchaseSummary(
                buyers: counted.filter { $0.kept >= 1 }.count, repeatBuyers: counted.filter { $0.kept >= 2 }.count,
                netSpendFen: counted.reduce(0) { $0 + $1.net }, buyersNetSpendFen: counted.filter { $0.kept >= 1 }.reduce(0) { $0 + $1.net })
        }
        let query: SQLQueryString = """
            \(perFan)
            SELECT CAST(COALESCE(SUM(CASE WHEN kept >= 1 THEN 1 ELSE 0 END), 0) AS BIGINT) AS buyers,
            CAST(COALESCE(SUM(CASE WHEN kept >= 2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS repeat_buyers,
            CAST(COALESCE(SUM(net), 0) AS BIGINT) AS net, CAST(COALESCE(SUM(CASE WHEN kept >= 1 THEN net ELSE 0 END), 0) AS BIGINT) AS buyers_net
            FROM k
            """
        guard let row = try await sql.raw(query).first() else {
            return RepurchaseSummary(buyers: 0, repeatBuyers: 0, netSpendFen: 0, buyersNetSpendFen: 0)
        }
        return RepurchaseSummary(
            buyers: try row.decode(column: "buyers", as: Int.self), repeatBuyers: try row.decode(column: "repeat_buyers", as: Int.self),
            netSpendFen: try row.decode(column: "net", as: Int64.self), buyersNetSpendFen: try row.decode(column: "buyers_net", as: Int64.self))
    }

    // MARK: Retention cohorts

    /// Fans whose first recorded fact is in the period, by the week of that
    /// day, and how many were active again exactly 1, 7 and 30 days later
    /// (facts up to `now`).
    func cohorts(now: Date) async throws -> [Cohorts.Counted] {
        let until = min(now, scope.end.addingTimeInterval(31 * 86_400))
        let dayOf = day("at", from: scope.start, to: until)
        let types = ConversionType.allCases.map(\.rawValue)
        let newcomers: SQLQueryString = """
            WITH acts AS (\(facts(from: scope.start, to: until, types: types, messages: .all))),
            days AS (SELECT DISTINCT fan_id, \(dayOf) AS d FROM acts WHERE \(fanFilter("fan_id"))),
            firsts AS (SELECT fan_id, MIN(d) AS first_day FROM days GROUP BY fan_id),
            newcomers AS (
                SELECT fan_id, first_day FROM firsts f WHERE f.first_day >= \(bind: scope.fromDay) AND f.first_day <= \(bind: scope.toDay)
                AND NOT EXISTS (SELECT 1 FROM conversion_events e WHERE e.workspace_id = \(bind: ws) AND e.fan_id = f.fan_id AND e.at < \(bind: scope.start))
                AND NOT EXISTS (SELECT 1 FROM incoming_messages m WHERE m.fan_id = f.fan_id AND m.sent_at < \(bind: scope.start)))
            """
        if scope.segmentRule != nil {
            // One row per newcomer: counted here after the segment check.
            let asText = SQLRows.uuidsAsText(sql)
            let rows = try await sql.raw(
                """
                \(newcomers) SELECT n.fan_id AS fan_id, n.first_day AS first_day,
                MAX(CASE WHEN d.d = n.first_day + 1 THEN 1 ELSE 0 END) AS d1, MAX(CASE WHEN d.d = n.first_day + 7 THEN 1 ELSE 0 END) AS d7,
                MAX(CASE WHEN d.d = n.first_day + 30 THEN 1 ELSE 0 END) AS d30
                FROM newcomers n LEFT JOIN days d ON d.fan_id = n.fan_id AND d.d IN (n.first_day + 1, n.first_day + 7, n.first_day + 30)
                GROUP BY n.fan_id, n.first_day
                """
            ).all().map { row in
                (
                    fan: try SQLRows.uuid(row, "fan_id", asText: asText), first: try row.decode(column: "first_day", as: Int.self),
                    active: try ["d1", "d7", "d30"].map { try row.decode(column: $0, as: Int.self) }
                )
            }
            let members = try await members(rows.map(\.fan))
            var weeks: [Int: Cohorts.Counted] = [:]
            for row in rows where members.contains(row.fan) {
                let monday = row.first - ((row.first + 3) % 7)
                var week = weeks[monday] ?? Cohorts.Counted(monday: monday, size: 0, active: [0, 0, 0])
                week.size += 1
                week.active = zip(week.active, row.active).map { $0 + $1 }
                weeks[monday] = week
            }
            return weeks.keys.sorted().map { weeks[$0]! }
        }
        let query: SQLQueryString = """
            \(newcomers)
            SELECT n.first_day - ((n.first_day + 3) % 7) AS monday, COUNT(DISTINCT n.fan_id) AS size,
            COUNT(DISTINCT CASE WHEN d.d = n.first_day + 1 THEN n.fan_id END) AS d1,
            COUNT(DISTINCT CASE WHEN d.d = n.first_day + 7 THEN n.fan_id END) AS d7,
            COUNT(DISTINCT CASE WHEN d.d = n.first_day + 30 THEN n.fan_id END) AS d30
            FROM newcomers n LEFT JOIN days d ON d.fan_id = n.fan_id AND d.d IN (n.first_day + 1, n.first_day + 7, n.first_day + 30)
            GROUP BY n.first_day - ((n.first_day + 3) % 7)
            """
        return try await sql.raw(query).all().map { row in
            Cohorts.Counted(
                monday: try row.decode(column: "monday", as: Int.self), size: try row.decode(column: "size", as: Int.self),
                active: try ["d1", "d7", "d30"].map { try row.decode(column: $0, as: Int.self) })
        }
    }

    // MARK: DAU / WAU / MAU

    /// Distinct active fans per day of the period: today, within the
    /// trailing 7 days and the trailing 30 days.
    func activeFans() async throws -> [ActiveFans.Day] {
        let from = scope.start.addingTimeInterval(-30 * 86_400)
        let dayOf = day("at", from: from, to: scope.end)
        let types = ConversionType.allCases.map(\.rawValue)
        // Each fan-day (d, previous active day p) opens "active within the
        // trailing W days" at max(d, p + W) and closes it after d + W − 1.
        func start(_ window: Int) -> String { "CASE WHEN p IS NULL OR p + \(window) <= d THEN d ELSE p + \(window) END" }
        let query: SQLQueryString = """
            WITH acts AS (\(facts(from: from, to: scope.end, types: types, messages: .all))),
            days AS (SELECT DISTINCT fan_id, \(dayOf) AS d FROM acts WHERE \(fanFilter("fan_id"))),
            lagged AS (SELECT d, LAG(d) OVER (PARTITION BY fan_id ORDER BY d) AS p FROM days),
            marks AS (SELECT 0 AS i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5)
            SELECT CASE mk.i WHEN 0 THEN d WHEN 1 THEN d + 1 WHEN 2 THEN \(unsafeRaw: start(7)) WHEN 3 THEN d + 7 \
            WHEN 4 THEN \(unsafeRaw: start(30)) ELSE d + 30 END AS k,
            CAST(SUM(CASE mk.i WHEN 0 THEN 1 WHEN 1 THEN -1 ELSE 0 END) AS BIGINT) AS a,
            CAST(SUM(CASE mk.i WHEN 2 THEN 1 WHEN 3 THEN -1 ELSE 0 END) AS BIGINT) AS w,
            CAST(SUM(CASE mk.i WHEN 4 THEN 1 WHEN 5 THEN -1 ELSE 0 END) AS BIGINT) AS mo
            FROM lagged CROSS JOIN marks mk GROUP BY 1
            """
        var deltas: [Int: [Int]] = [:]
        for row in try await sql.raw(query).all() {
            deltas[try row.decode(column: "k", as: Int.self)] = try ["a", "w", "mo"].map { try row.decode(column: $0, as: Int.self) }
        }
        return ActiveFans.days(deltas, fromDay: scope.fromDay, toDay: scope.toDay)
    }

    /// Whether the workspace has any fact of a fan at all (the empty state).
    func anyFacts() async throws -> Bool {
        let events = try await sql.raw("SELECT 1 AS x FROM conversion_events WHERE workspace_id = \(bind: ws) AND fan_id IS NOT NULL LIMIT 1").first()
        if events != nil { return true }
        return try await sql.raw("SELECT 1 AS x FROM incoming_messages WHERE workspace_id = \(bind: ws) AND fan_id IS NOT NULL LIMIT 1").first()
            != nil
    }
}
