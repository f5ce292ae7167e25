import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Fans' tiers from their counters, by `FanProgramme.tiers`: for a few
/// fans when something about them changes (a featured pick, a merge), and
/// for every fan in the nightly recomputation, which also lets quiet fans
/// decay (nobody's message moves them) and writes the day's tier counts
/// for the distribution report. Every movement is kept as history.
enum FanTiering {
    static let kind = JobKind<NoPayload>("fans.recompute")
    static let period: TimeInterval = 86_400

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let (writer, reader) = connections(app)
        for workspace in try await Workspace.query(on: app.db).all() {
            _ = try await recompute(workspace, now: Date(), on: writer, reader: reader)
        }
    }

    /// Two handles on different event loops, so on SQLite (one connection
    /// per loop) the reads of the next chunk do not wait for the writes.
    static func connections(_ app: Application) -> (writer: any Database, reader: any Database) {
        let loops = Array(app.eventLoopGroup.makeIterator())
        let writer = app.databases.database(logger: app.logger, on: loops[0]) ?? app.db
        let reader = loops.count > 1 ? app.databases.database(logger: app.logger, on: loops[1]) ?? app.db : writer
        return (writer, reader)
    }

    struct Summary: Codable, Equatable {
        var fans = 0
        var changed = 0
    }

    static let chunk = 20_000

    /// Every fan of the workspace, a chunk at a time (each its own
    /// transaction, so intake waits for one chunk at most). The next chunk
    /// is read while this one is written: on `reader`, another connection,
    /// reading and writing take a core each.
    static func recompute(_ workspace: Workspace, now: Date, on db: any Database, reader: (any Database)? = nil) async throws -> Summary {
        let programme = try await FanProgrammeStore.load(workspace.id!, on: db)
        let zone = TimeZone(identifier: workspace.timeZone) ?? .gmt
        let today = RollingActivity.day(of: now, in: zone)
        let source = reader ?? db
        var summary = Summary()
        var next: Task<[Counted], any Error>? = Task { try await read(workspace.id!, after: nil, on: source) }
        while let pending = next {
            let counted = try await pending.value
            guard let last = counted.last else { break }
            next = counted.count < chunk ? nil : Task { try await read(workspace.id!, after: last.id, on: source) }
            summary.fans += counted.count
            summary.changed += try await write(counted, programme: programme, today: today, workspaceID: workspace.id!, now: now, on: db)
        }
        try await countTiers(workspace.id!, day: CheckInStreak.dayString(now, zone: zone), on: db)
        return summary
    }

    /// One chunk of fans after `after`, in id order.
    static func read(_ workspaceID: UUID, after: UUID?, on db: any Database) async throws -> [Counted] {
        guard let sql = db as? any SQLDatabase else { return [] }
        let cursor: SQLQueryString = after.map { "AND id > \(bind: $0)" } ?? ""
        let rows = try await sql.raw(
            """
            SELECT id, rolling_activity, interactions_30d, activity_tier, value_tier, stage, spend_fen, referrals, contributions FROM fans
            WHERE workspace_id = \(bind: workspaceID) AND merged_into IS NULL \(cursor)
            ORDER BY id LIMIT \(literal: chunk)
            """
        ).all()
        var counted: [Counted] = []
        counted.reserveCapacity(rows.count)
        for row in rows {
            counted.append(
                Counted(
                    id: try row.decode(column: "id", as: UUID.self),
                    // A counter that cannot be read starts again empty.
                    rolling: (try? RollingActivity(compact: try row.decode(column: "rolling_activity", as: String.self))) ?? RollingActivity(),
                    interactions: try row.decode(column: "interactions_30d", as: Int.self),
                    tiers: [
                        try row.decode(column: "activity_tier", as: String.self), try row.decode(column: "value_tier", as: String.self),
                        try row.decode(column: "stage", as: String.self),
                    ],
                    value: ValueFacts(
                        spend: Decimal(try row.decode(column: "spend_fen", as: Int64.self)) / 100,
                        referrals: try row.decode(column: "referrals", as: Int.self),
                        contributions: try row.decode(column: "contributions", as: Int.self))))
        }
        return counted
    }

    struct Counted {
        var id: UUID
        var rolling: RollingActivity
        var interactions: Int
        /// activity, value, stage as stored.
        var tiers: [String]
        var value: ValueFacts
    }

    /// Computes and writes the tiers that moved; returns how many fans moved.
    static func write(
        _ fans: [Counted], programme: FanProgramme, today: Int, workspaceID: UUID, now: Date, redemptions: [UUID: Int] = [:], on db: any Database
    ) async throws -> Int {
        var moved = MovedFans()
        var moves = TierMoves()
        for fan in fans {
            let (interactions, snapshot) = programme.tiers(
                activity: fan.rolling, asOfDay: today, value: fan.value, redemptions: redemptions[fan.id] ?? 0)
            let now3 = [snapshot.activity.rawValue, snapshot.value.rawValue, snapshot.stage.rawValue]
            guard now3 != fan.tiers || interactions != fan.interactions else { continue }
            moved.append(fan.id, interactions: interactions, activity: now3[0], value: now3[1], stage: now3[2])
            for (index, dimension) in ["activity", "value", "stage"].enumerated() where now3[index] != fan.tiers[index] {
                moves.append(fan: fan.id, dimension: dimension, from: fan.tiers[index], to: now3[index], at: now)
            }
        }
        guard !moved.ids.isEmpty else { return 0 }
        let (rows, changes) = (moved, moves)
        try await db.writeTransaction { db in
            guard let tx = db as? any SQLDatabase else { return }
            try await rows.update(in: tx)
            try await changes.insert(workspaceID: workspaceID, at: now, in: tx)
        }
        return moved.ids.count
    }

    /// Fans whose tiers moved, a column each: PostgreSQL takes a column as
    /// one array (`UNNEST`), which spares it thousands of parameters per
    /// statement; SQLite takes rows of `VALUES` (`RowsUpdate`).
    struct MovedFans {
        var ids: [UUID] = []
        var interactions: [Int] = []
        var activity: [String] = []
        var value: [String] = []
        var stage: [String] = []

        mutating func append(_ id: UUID, interactions count: Int, activity: String, value: String, stage: String) {
            ids.append(id)
            interactions.append(count)
            self.activity.append(activity)
            self.value.append(value)
            self.stage.append(stage)
        }

        func update(in sql: any SQLDatabase) async throws {
            if sql.dialect.name == "postgresql" {
                try await sql.raw(
                    """
                    UPDATE fans SET interactions_30d = v.n, activity_tier = v.a, value_tier = v.vt, stage = v.s
                    FROM UNNEST(\(bind: ids)::uuid[], \(bind: interactions)::bigint[], \(bind: activity)::text[], \(bind: value)::text[],
                    \(bind: stage)::text[]) AS v(id, n, a, vt, s) WHERE fans.id = v.id
                    """
                ).run()
                return
            }
            var rows = RowsUpdate(
                table: "fans",
                columns: [
                    .init(name: "interactions_30d", postgresType: "bigint"), .init(name: "activity_tier", postgresType: "text"),
                    .init(name: "value_tier", postgresType: "text"), .init(name: "stage", postgresType: "text"),
                ])
            for i in ids.indices { rows.add(ids[i], [interactions[i], activity[i], value[i], stage[i]]) }
            try await rows.run(on: sql)
        }
    }

    /// Tier movements to keep (`fan_tier_changes`), a column each, as `MovedFans`.
    struct TierMoves {
        var fans: [UUID] = []
        var dimensions: [String] = []
        var from: [String] = []
        var to: [String] = []
        var ids: [UUID] = []

        mutating func append(fan: UUID, dimension: String, from old: String, to new: String, at now: Date) {
            ids.append(TimeOrderedID.make(at: now))
            fans.append(fan)
            dimensions.append(dimension)
            from.append(old)
            to.append(new)
        }

        func insert(workspaceID: UUID, at now: Date, in sql: any SQLDatabase) async throws {
            guard !ids.isEmpty else { return }
            if sql.dialect.name == "postgresql" {
                try await sql.raw(
                    """
                    INSERT INTO fan_tier_changes (id, workspace_id, fan_id, dimension, from_tier, to_tier, at)
                    SELECT v.id, \(bind: workspaceID), v.fan, v.dimension, v.old, v.new, \(bind: now)
                    FROM UNNEST(\(bind: ids)::uuid[], \(bind: fans)::uuid[], \(bind: dimensions)::text[], \(bind: from)::text[], \(bind: to)::text[])
                    AS v(id, fan, dimension, old, new)
                    """
                ).run()
                return
            }
            for start in stride(from: 0, to: ids.count, by: 300) {
                let rows: [any SQLExpression] = (start..<min(ids.count, start + 300)).map { i in
                    let row: [any Encodable & Sendable] = [ids[i], workspaceID, fans[i], dimensions[i], from[i], to[i], now]
                    return SQLGroupExpression(row.map { SQLBind($0) })
                }
                try await sql.raw(
                    """
                    INSERT INTO fan_tier_changes (id, workspace_id, fan_id, dimension, from_tier, to_tier, at)
                    VALUES \(SQLList(rows))
                    """
                ).run()
            }
        }
    }

    /// The day's count of fans per tier in each dimension, replacing the day's earlier counts.
    static func countTiers(_ workspaceID: UUID, day: String, on db: any Database) async throws {
        try await db.writeTransaction { db in
            guard let tx = db as? any SQLDatabase else { return }
            try await tx.raw("DELETE FROM fan_tier_counts WHERE workspace_id = \(bind: workspaceID) AND day = \(bind: day)").run()
            for (dimension, column) in [("activity", "activity_tier"), ("value", "value_tier"), ("stage", "stage")] {
                let rows = try await tx.raw(
                    """
                    SELECT \(ident: column) AS tier, COUNT(*) AS fans FROM fans
                    WHERE workspace_id = \(bind: workspaceID) AND merged_into IS NULL GROUP BY \(ident: column)
                    """
                ).all()
                for row in rows {
                    let tier = try row.decode(column: "tier", as: String.self)
                    let fans = try row.decode(column: "fans", as: Int.self)
                    try await tx.raw(
                        """
                        INSERT INTO fan_tier_counts (id, workspace_id, day, dimension, tier, fans)
                        VALUES (\(bind: UUID()), \(bind: workspaceID), \(bind: day), \(bind: dimension), \(bind: tier), \(bind: fans))
                        """
                    ).run()
                }
            }
        }
    }
}

/// A fan's value tier (and the stage, which conversion moves) after their
/// spend, referrals or contributions changed.
enum FanValue {
    static func refresh(_ fanIDs: [UUID], programme: FanProgramme, now: Date, on tx: any Database) async throws {
        guard !fanIDs.isEmpty else { return }
        let fans = try await Fan.query(on: tx).filter(\.$id ~~ fanIDs).all()
        guard let first = fans.first, let workspace = try await Workspace.find(first.$workspace.id, on: tx) else { return }
        let today = RollingActivity.day(of: now, in: TimeZone(identifier: workspace.timeZone) ?? .gmt)
        let counted = fans.map {
            FanTiering.Counted(
                id: $0.id!, rolling: (try? RollingActivity(compact: $0.rollingActivity)) ?? RollingActivity(), interactions: $0.interactions30d,
                tiers: [$0.activityTier, $0.valueTier, $0.stage], value: $0.valueFacts)
        }
        _ = try await FanTiering.write(counted, programme: programme, today: today, workspaceID: first.$workspace.id, now: now, on: tx)
    }
}
