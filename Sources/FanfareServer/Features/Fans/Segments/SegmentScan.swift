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

    /// Calls `visit` with each page's matching fans, in id order, until it returns false.
    func scan(_ rule: SegmentRule, only fanIDs: [UUID]? = nil, after start: UUID? = nil, visit: ([Fan]) async throws -> Bool) async throws {
        let needsPlatforms = rule.fieldNames.contains("platform")
        let ladder = rule.fieldNames.contains("privileges") ? try await FanProgrammeStore.load(workspaceID, on: db).levels : nil
        var after = start
        while true {
            let query = Fan.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$mergedInto == nil)
                .filter(\.$erasedAt == nil).sort(\.$id).limit(Self.page)
            if let after { query.filter(\.$id > after) }
            if let fanIDs { query.filter(\.$id ~~ fanIDs) }
            let fans = try await query.all()
            guard let last = fans.last else { return }
            after = last.id
            let platforms = needsPlatforms ? try await platforms(of: fans.compactMap(\.id)) : [:]
            let matching = fans.filter { rule.matches($0.facts(platforms: platforms[$0.id!] ?? [], ladder: ladder, now: now, zone: zone)) }
            if !matching.isEmpty, try await !visit(matching) { return }
            if fans.count < Self.page || fanIDs != nil { return }
        }
    }

    func count(_ rule: SegmentRule) async throws -> Int {
        var count = 0
        try await scan(rule) {
            count += $0.count
            return true
        }
        return count
    }

    /// Which of `fanIDs` each segment holds: what inbox rules with a segment condition ask.
    func membership(of fanIDs: [UUID], in segments: [UUID: SegmentRule]) async throws -> [UUID: Set<UUID>] {
        guard !fanIDs.isEmpty, !segments.isEmpty else { return [:] }
        var members: [UUID: Set<UUID>] = [:]
        for start in stride(from: 0, to: fanIDs.count, by: 500) {
            let chunk = Array(fanIDs[start..<min(fanIDs.count, start + 500)])
            for (segmentID, rule) in segments {
                try await scan(rule, only: chunk) { matching in
                    for fan in matching { members[fan.id!, default: []].insert(segmentID) }
                    return true
                }
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
