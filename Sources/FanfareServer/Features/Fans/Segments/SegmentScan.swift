import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Evaluates segment rules over a workspace's fans. Fans are read in pages
/// by id and tested in memory with the Core's `SegmentRule.matches`, so the
/// count, the member list, the export and the inbox rules agree by
/// construction; identities are read only when a rule tests platforms.
/// Merged-away and erased fans are not people one can address: never members.
struct SegmentScan {
    let db: any Database
    let sql: any SQLDatabase
    let workspaceID: UUID
    let zone: TimeZone
    let now: Date

    init(_ db: any Database, workspaceID: UUID, zone: TimeZone, now: Date) throws {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "Segments need an SQL database.") }
        self.db = db
        self.sql = sql
        self.workspaceID = workspaceID
        self.zone = zone
        self.now = now
    }

    static let page = 2_000

    /// The fields `FanFacts.reading` answers from the fan's columns and
    /// identities, not from the profile document (a field not listed here,
    /// a new one included, has the profile decoded).
    static let notFromProfile: Set<String> = [
        "activity_tier", "value_tier", "stage", "platform", "interactions_30d", "points", "level", "privileges", "last_seen_days",
    ]

    /// The columns a rule can test, read as plain values: filling `Fan`
    /// models (reflection per field) for every fan was most of a segment
    /// page's time. Models are read only for the fans a caller keeps.
    struct Candidate: Sendable {
        var id: UUID
        var attributesJSON: String
        var activityTier: String
        var valueTier: String
        var stage: String
        var interactions30d: Int
        var points: Int
        var level: Int
        var lifetimePoints: Int
        var lastInteractionAt: Date?

        /// `decoder` nil: no rule reads the profile, so it is not decoded.
        func facts(platforms: [String], ladder: LevelLadder?, now: Date, calendar: Calendar, decoder: JSONDecoder?) -> FanFacts {
            Fan.facts(
                attributes: decoder.flatMap { try? $0.decode(FanAttributes.self, from: Data(attributesJSON.utf8)) } ?? FanAttributes(),
                tiers: Fan.tiers(activity: activityTier, value: valueTier, stage: stage), platforms: platforms, interactions30d: interactions30d,
                points: points, level: level, lifetimePoints: lifetimePoints, lastInteractionAt: lastInteractionAt, ladder: ladder, now: now,
                calendar: calendar)
        }
    }

    /// Calls `visit` with the ids of each page's fans matching any of
    /// `rules` (for each rule, in id order), until it returns false.
    func scanIDs(
        _ rules: [SegmentRule], only fanIDs: [UUID]? = nil, after start: UUID? = nil, visit: ([[UUID]]) async throws -> Bool
    ) async throws {
        guard !rules.isEmpty else { return }
        let fieldNames = rules.reduce(into: Set<String>()) { $0.formUnion($1.fieldNames) }
        let needsPlatforms = fieldNames.contains("platform")
        let ladder = fieldNames.contains("privileges") ? try await FanProgrammeStore.load(workspaceID, on: db).levels : nil
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        // Decoding each fan's profile document was the scan's largest cost;
        // a rule that tests none of the profile's fields does without it.
        let decoder = fieldNames.isSubset(of: Self.notFromProfile) ? nil : JSONDecoder()
        let text = SQLRows.uuidsAsText(sql)
        var after = start
        while true {
            var statement: SQLQueryString = """
                SELECT "id", "attributes", "activity_tier", "value_tier", "stage", "interactions_30d", "points_balance", "level", \
                "lifetime_points", "last_interaction_at" FROM "fans" \
                WHERE "workspace_id" = \(bind: workspaceID) AND "merged_into" IS NULL AND "erased_at" IS NULL
                """
            if let after { statement.appendInterpolation(" AND \"id\" > \(bind: after)" as SQLQueryString) }
            if let fanIDs {
                guard !fanIDs.isEmpty else { return }
                statement.appendInterpolation(" AND \"id\" IN \(SQLGroupExpression(fanIDs.map { SQLBind($0) }))" as SQLQueryString)
            }
            statement.appendInterpolation(unsafeRaw: " ORDER BY \"id\" LIMIT \(Self.page)")
            let fans = try await sql.raw(statement).all().map { row in
                Candidate(
                    id: try SQLRows.uuid(row, "id", asText: text), attributesJSON: try row.decode(column: "attributes", as: String.self),
                    activityTier: try row.decode(column: "activity_tier", as: String.self),
                    valueTier: try row.decode(column: "value_tier", as: String.self), stage: try row.decode(column: "stage", as: String.self),
                    interactions30d: try row.decode(column: "interactions_30d", as: Int.self),
                    points: try row.decode(column: "points_balance", as: Int.self), level: try row.decode(column: "level", as: Int.self),
                    lifetimePoints: try row.decode(column: "lifetime_points", as: Int.self),
                    lastInteractionAt: try row.decode(column: "last_interaction_at", as: Date?.self))
            }
            guard let last = fans.last else { return }
            after = last.id
            let platforms = needsPlatforms ? try await platforms(of: fans.map(\.id)) : [:]
            var matching = Array(repeating: [UUID](), count: rules.count)
            for fan in fans {
                let facts = fan.facts(platforms: platforms[fan.id] ?? [], ladder: ladder, now: now, calendar: calendar, decoder: decoder)
                for (index, rule) in rules.enumerated() where rule.matches(facts) { matching[index].append(fan.id) }
            }
            if matching.contains(where: { !$0.isEmpty }), try await !visit(matching) { return }
            if fans.count < Self.page || fanIDs != nil { return }
        }
    }

    /// Calls `visit` with each page's matching fans, in id order, until it returns false.
    func scan(_ rule: SegmentRule, only fanIDs: [UUID]? = nil, after start: UUID? = nil, visit: ([Fan]) async throws -> Bool) async throws {
        try await scanIDs([rule], only: fanIDs, after: start) { matching in
            try await visit(try await fans(matching[0]))
        }
    }

    /// The fans with these ids, in id order (still neither merged away nor erased).
    func fans(_ ids: [UUID]) async throws -> [Fan] {
        guard !ids.isEmpty else { return [] }
        return try await Fan.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id ~~ ids).filter(\.$mergedInto == nil)
            .filter(\.$erasedAt == nil).sort(\.$id).all()
    }

    func count(_ rule: SegmentRule) async throws -> Int {
        try await counts([rule])[0]
    }

    /// The members of each rule, counted in one pass over the fans.
    func counts(_ rules: [SegmentRule]) async throws -> [Int] {
        var counts = Array(repeating: 0, count: rules.count)
        try await scanIDs(rules) { matching in
            for (index, ids) in matching.enumerated() { counts[index] += ids.count }
            return true
        }
        return counts
    }

    /// Which of `fanIDs` each segment holds: what inbox rules with a segment condition ask.
    func membership(of fanIDs: [UUID], in segments: [UUID: SegmentRule]) async throws -> [UUID: Set<UUID>] {
        guard !fanIDs.isEmpty, !segments.isEmpty else { return [:] }
        var members: [UUID: Set<UUID>] = [:]
        for start in stride(from: 0, to: fanIDs.count, by: 500) {
            let chunk = Array(fanIDs[start..<min(fanIDs.count, start + 500)])
            let ordered = Array(segments)
            try await scanIDs(ordered.map(\.value), only: chunk) { matching in
                for (index, ids) in matching.enumerated() {
                    for id in ids { members[id, default: []].insert(ordered[index].key) }
                }
                return true
            }
        }
        return members
    }

    func platforms(of fanIDs: [UUID]) async throws -> [UUID: [String]] {
        guard !fanIDs.isEmpty else { return [:] }
        var platforms: [UUID: [String]] = [:]
        for row in try await sql.raw(
            "SELECT DISTINCT fan_id, platform FROM fan_identities WHERE fan_id IN \(SQLGroupExpression(fanIDs.map { SQLBind($0) }))"
        ).all() {
            platforms[try row.decode(column: "fan_id", as: UUID.self), default: []].append(try row.decode(column: "platform", as: String.self))
        }
        return platforms
    }
}
