import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Keeps fans up to date as their messages arrive, in the transaction that
/// stores the messages: the person behind each platform identity is found
/// or made, their 30-day activity counted on (`RollingActivity`), their
/// activity tier moved, and each movement kept as history. Set-based: a
/// batch of pushes costs a handful of statements whatever its size.
enum FanAssembly {
    struct Sighting {
        var authorID: String
        var authorName: String
        var at: Date
    }

    struct Assembled {
        /// The fan of each author id.
        var fans: [String: UUID] = [:]
        /// Each author's activity tier, counting these sightings: what the
        /// inbox's rules and conversations see of the fan.
        var tiers: [String: ActivityTier] = [:]
    }

    /// Runs inside the caller's transaction, after its first write.
    static func assemble(
        _ sightings: [Sighting], workspaceID: UUID, platform: String, now: Date, in sql: any SQLDatabase
    ) async throws -> Assembled {
        guard !sightings.isEmpty else { return Assembled() }
        let zoneName = try await sql.raw("SELECT time_zone FROM workspaces WHERE id = \(bind: workspaceID)").first()?
            .decode(column: "time_zone", as: String.self)
        let zone = zoneName.flatMap(TimeZone.init(identifier:)) ?? .gmt
        var names: [String: String] = [:]
        for sighting in sightings { names[sighting.authorID] = sighting.authorName }
        let authors = Array(names.keys)
        var known = try await identities(of: authors, workspaceID: workspaceID, platform: platform, in: sql)
        let unknown = authors.filter { known.fans[$0] == nil }
        if !unknown.isEmpty {
            known.merge(try await create(unknown, names: names, workspaceID: workspaceID, platform: platform, now: now, in: sql))
        }
        let programme = try await FanProgrammeStore.load(workspaceID, on: sql)
        let tiers = try await count(
            sightings, fans: known.fans, states: known.states, workspaceID: workspaceID, programme: programme, zone: zone, now: now, in: sql)
        return Assembled(fans: known.fans, tiers: known.fans.compactMapValues { tiers[$0] })
    }

    /// What counting needs of a fan. Read with the identity lookup that
    /// finds the fan, so that counting a message adds one statement to
    /// intake, the write, and not a read before it.
    struct FanState {
        var activity: RollingActivity
        var tier: String
        var stage: String
        var value: ValueFacts
        var last: Date?

        /// A fan `create` has just made.
        static let new = FanState(
            activity: RollingActivity(), tier: ActivityTier.silent.rawValue, stage: LifecycleStage.reach.rawValue, value: ValueFacts(spend: 0),
            last: nil)

        static let columns = "f.rolling_activity, f.activity_tier, f.stage, f.spend_fen, f.last_interaction_at"

        init(activity: RollingActivity, tier: String, stage: String, value: ValueFacts, last: Date?) {
            self.activity = activity
            self.tier = tier
            self.stage = stage
            self.value = value
            self.last = last
        }

        init(_ row: any SQLRow) throws {
            // A counter that cannot be read starts again; the nightly recomputation restores it.
            activity = (try? RollingActivity(compact: try row.decode(column: "rolling_activity", as: String.self))) ?? RollingActivity()
            tier = try row.decode(column: "activity_tier", as: String.self)
            stage = try row.decode(column: "stage", as: String.self)
            value = ValueFacts(spend: Decimal(try row.decode(column: "spend_fen", as: Int64.self)) / 100)
            last = try row.decode(column: "last_interaction_at", as: Date?.self)
        }
    }

    /// Authors' fans, and each fan's state for counting.
    struct Known {
        var fans: [String: UUID] = [:]
        var states: [UUID: FanState] = [:]

        mutating func merge(_ other: Known) {
            fans.merge(other.fans) { $1 }
            states.merge(other.states) { $1 }
        }
    }

    static func identities(of authors: [String], workspaceID: UUID, platform: String, in sql: any SQLDatabase) async throws -> Known {
        var known = Known()
        // On PostgreSQL, where groups of pushes are written side by side, the
        // fans are locked as they are read, in id order: counting then reads
        // what it overwrites (no increment lost to a concurrent group), and
        // two groups sharing fans wait for each other instead of deadlocking.
        // SQLite has one writer at a time and no FOR UPDATE.
        let lock = sql.dialect.name == "postgresql" ? " ORDER BY f.id FOR UPDATE OF f" : ""
        let sorted = authors.sorted()
        for start in stride(from: 0, to: sorted.count, by: 500) {
            let chunk = sorted[start..<min(sorted.count, start + 500)]
            for row in try await sql.raw(
                """
                SELECT i.author_id, i.fan_id, \(unsafeRaw: FanState.columns) FROM fan_identities i JOIN fans f ON f.id = i.fan_id
                WHERE i.workspace_id = \(bind: workspaceID) AND i.platform = \(bind: platform)
                AND i.author_id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))\(unsafeRaw: lock)
                """
            ).all() {
                let fan = try row.decode(column: "fan_id", as: UUID.self)
                known.fans[try row.decode(column: "author_id", as: String.self)] = fan
                known.states[fan] = try FanState(row)
            }
        }
        return known
    }

    /// The state of fans found some other way (the fans benchmark, which
    /// times the read on its own).
    static func states(of ids: [UUID], in sql: any SQLDatabase) async throws -> [UUID: FanState] {
        var states: [UUID: FanState] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(ids.count, start + 500)]
            for row in try await sql.raw(
                "SELECT f.id, \(unsafeRaw: FanState.columns) FROM fans f WHERE f.id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))"
            ).all() {
                states[try row.decode(column: "id", as: UUID.self)] = try FanState(row)
            }
        }
        return states
    }

    /// New people: a fan and an identity each. Another node storing the
    /// same person's first message meets this one on the identity's unique
    /// key; then its fan is the one, and the fan made here is removed.
    static func create(
        _ authors: [String], names: [String: String], workspaceID: UUID, platform: String, now: Date, in sql: any SQLDatabase
    ) async throws -> Known {
        var made: [String: UUID] = [:]
        var found = Known()
        // In author order, so two groups meeting one new person on the
        // identity's unique key wait for each other in one order.
        let authors = authors.sorted()
        for start in stride(from: 0, to: authors.count, by: 200) {
            let chunk = Array(authors[start..<min(authors.count, start + 200)])
            var fanRows: [any SQLExpression] = []
            var identityRows: [any SQLExpression] = []
            for author in chunk {
                let fanID = TimeOrderedID.make(at: now)
                made[author] = fanID
                let name = String((names[author] ?? author).prefix(200))
                let fan: [any Encodable & Sendable] = [
                    fanID, workspaceID, name, "{}", "", 0, ActivityTier.silent.rawValue, ValueTier.none.rawValue,
                    LifecycleStage.reach.rawValue, 0, 0, 1, "[]", 0, 0, 0, 0, 0, now, now, now,
                ]
                fanRows.append(SQLGroupExpression(fan.map { SQLBind($0) }))
                let identity: [any Encodable & Sendable] = [TimeOrderedID.make(at: now), workspaceID, fanID, platform, author, name, now]
                identityRows.append(SQLGroupExpression(identity.map { SQLBind($0) }))
            }
            try await sql.raw(
                """
                INSERT INTO fans (id, workspace_id, display_name, attributes, rolling_activity, interactions_30d, activity_tier,
                value_tier, stage, points_balance, lifetime_points, level, badges, check_in_streak, best_streak, spend_fen, referrals,
                contributions, first_seen_at, created_at, updated_at) VALUES \(SQLList(fanRows))
                """
            ).run()
            let kept = try await sql.raw(
                """
                INSERT INTO fan_identities (id, workspace_id, fan_id, platform, author_id, display_name, first_seen_at)
                VALUES \(SQLList(identityRows)) ON CONFLICT (workspace_id, platform, author_id) DO NOTHING RETURNING author_id
                """
            ).all()
            let ours = Set(try kept.map { try $0.decode(column: "author_id", as: String.self) })
            let lost = chunk.filter { !ours.contains($0) }
            if !lost.isEmpty {
                try await sql.raw("DELETE FROM fans WHERE id IN \(SQLGroupExpression(lost.map { SQLBind(made[$0]!) }))").run()
                for author in lost { made[author] = nil }
                found.merge(try await identities(of: lost, workspaceID: workspaceID, platform: platform, in: sql))
            }
        }
        for (author, fan) in made {
            found.fans[author] = fan
            found.states[fan] = .new
        }
        return found
    }

    /// Counts the sightings into each fan's rolling activity and moves the
    /// activity tier, keeping every movement. Returns each fan's tier.
    static func count(
        _ sightings: [Sighting], fans: [String: UUID], states: [UUID: FanState], workspaceID: UUID, programme: FanProgramme, zone: TimeZone,
        now: Date, in sql: any SQLDatabase
    ) async throws -> [UUID: ActivityTier] {
        var state = states
        for sighting in sightings {
            guard let id = fans[sighting.authorID], var fan = state[id] else { continue }
            fan.activity.record(at: sighting.at, zone: zone)
            fan.last = max(fan.last ?? sighting.at, sighting.at)
            state[id] = fan
        }
        var counted = CountedFans()
        var moves = FanTiering.TierMoves()
        var tiers: [UUID: ActivityTier] = [:]
        let today = RollingActivity.day(of: now, in: zone)
        for (id, fan) in state {
            // Redemptions only matter once there is no spend; the nightly recomputation counts them.
            let (interactions, snapshot) = programme.tiers(activity: fan.activity, asOfDay: today, value: fan.value, redemptions: 0)
            let stage = fan.stage == LifecycleStage.convert.rawValue ? fan.stage : snapshot.stage.rawValue
            tiers[id] = snapshot.activity
            let tier = snapshot.activity.rawValue
            counted.append(id: id, activity: fan.activity.compact, interactions: interactions, tier: tier, stage: stage, last: fan.last ?? now)
            for (dimension, from, to) in [("activity", fan.tier, tier), ("stage", fan.stage, stage)] where from != to {
                moves.append(fan: id, dimension: dimension, from: from, to: to, at: now)
            }
        }
        try await counted.write(moves: moves, workspaceID: workspaceID, now: now, in: sql)
        return tiers
    }

    /// The counted fans, a column each, written with their tier movements.
    private struct CountedFans {
        var ids: [UUID] = []
        var activity: [String] = []
        var interactions: [Int] = []
        var tiers: [String] = []
        var stages: [String] = []
        var last: [Date] = []

        mutating func append(id: UUID, activity: String, interactions: Int, tier: String, stage: String, last: Date) {
            ids.append(id)
            self.activity.append(activity)
            self.interactions.append(interactions)
            tiers.append(tier)
            stages.append(stage)
            self.last.append(last)
        }

        func write(moves: FanTiering.TierMoves, workspaceID: UUID, now: Date, in sql: any SQLDatabase) async throws {
            if sql.dialect.name == "postgresql" {
                // One statement, the movements (when a tier moved) in its
                // CTE: on PostgreSQL each statement is a round trip, and an
                // interaction's update is a read, then this. One fan, the
                // usual case, is updated by its key, the cheapest plan.
                let moved: any SQLExpression =
                    moves.ids.isEmpty
                    ? SQLRaw("")
                    : SQLQueryString(
                        """
                        WITH moved AS (
                            INSERT INTO fan_tier_changes (id, workspace_id, fan_id, dimension, from_tier, to_tier, at)
                            SELECT m.id, \(bind: workspaceID), m.fan, m.dimension, m.old, m.new, \(bind: now)
                            FROM UNNEST(\(bind: moves.ids)::uuid[], \(bind: moves.fans)::uuid[], \(bind: moves.dimensions)::text[],
                            \(bind: moves.from)::text[], \(bind: moves.to)::text[]) AS m(id, fan, dimension, old, new)
                        )
                        """)
                if ids.count == 1 {
                    try await sql.raw(
                        """
                        \(moved) UPDATE fans SET rolling_activity = \(bind: activity[0]), interactions_30d = \(bind: interactions[0]),
                        activity_tier = \(bind: tiers[0]), stage = \(bind: stages[0]), last_interaction_at = \(bind: last[0]), updated_at = \(bind: now)
                        WHERE id = \(bind: ids[0])
                        """
                    ).run()
                    return
                }
                // Times travel as epoch seconds: an array of numbers binds plainly.
                try await sql.raw(
                    """
                    \(moved) UPDATE fans SET rolling_activity = v.r, interactions_30d = v.n, activity_tier = v.a, stage = v.s,
                    last_interaction_at = to_timestamp(v.l), updated_at = \(bind: now)
                    FROM UNNEST(\(bind: ids)::uuid[], \(bind: activity)::text[], \(bind: interactions)::bigint[], \(bind: tiers)::text[],
                    \(bind: stages)::text[], \(bind: last.map(\.timeIntervalSince1970))::float8[]) AS v(id, r, n, a, s, l)
                    WHERE fans.id = v.id
                    """
                ).run()
                return
            }
            let updates: [any SQLExpression] = ids.indices.map { i in
                let row: [any Encodable & Sendable] = [ids[i], activity[i], interactions[i], tiers[i], stages[i], last[i]]
                return SQLGroupExpression(row.map { SQLBind($0) })
            }
            for start in stride(from: 0, to: updates.count, by: 300) {
                // VALUES columns are named column1… on SQLite.
                try await sql.raw(
                    """
                    UPDATE fans SET rolling_activity = v.column2, interactions_30d = v.column3, activity_tier = v.column4, stage = v.column5,
                    last_interaction_at = v.column6, updated_at = \(bind: now)
                    FROM (VALUES \(SQLList(Array(updates[start..<min(updates.count, start + 300)])))) AS v WHERE fans.id = v.column1
                    """
                ).run()
            }
            try await moves.insert(workspaceID: workspaceID, at: now, in: sql)
        }
    }
}
