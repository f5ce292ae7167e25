import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Reading fans and adjusting their points. Personal data (names and
/// platform ids) is masked for roles without `fans.personal_data`, and
/// every unmasked view is audited.
struct FanService {
    let db: any Database

    struct Listed {
        var fan: Fan
        var identities: [FanIdentity]
    }

    struct Filter {
        var tier: ActivityTier?
        var platform: String?
        /// Part of a name or a platform id, any case; for readers of personal data only.
        var search: String?

        init(tier: String?, platform: String?, search: String? = nil) throws {
            var errors = ValidationErrors()
            if let tier, !tier.isEmpty {
                self.tier = ActivityTier(rawValue: tier)
                if self.tier == nil {
                    errors.add("tier", .oneOf(choices: ActivityTier.allCases.map(\.rawValue)))
                }
            }
            if let platform, !platform.isEmpty { self.platform = platform }
            if let search = search?.trimmingCharacters(in: .whitespacesAndNewlines), !search.isEmpty { self.search = search }
            try errors.throwIfAny()
        }
    }

    /// Fans newest first.
    func list(_ filter: Filter, page: PageQuery, in access: WorkspaceAccess, actor: Actor) async throws -> (items: [Listed], next: String?) {
        let fans = try await filtered(filter, page: page, in: access).limit(page.limit + 1).all()
        let (items, next) = page.page(fans) { $0.id! }
        return (try await listed(items, in: access, actor: actor), next)
    }

    /// What the fans list shows of a fan, as plain values.
    struct Row: Sendable, Equatable {
        var id: UUID
        var name: String
        var platforms: [String]
        var tier: String
        var interactions30d: Int
        var points: Int
        var level: Int
        var lastInteractionAt: Date?
        var erased: Bool
    }

    /// The same fans as `list`, as plain rows (the fans page), in one
    /// statement: the filter picks a page of ids (as `filtered` does), joined
    /// with the columns the list shows and each fan's identities' platforms
    /// (a row per identity, folded here). Filling whole `Fan` models was a
    /// fifth of the page's time; the query builder's statement and the
    /// separate reads of platforms and columns were most of the rest.
    func rows(_ filter: Filter, page: PageQuery, in access: WorkspaceAccess, actor: Actor) async throws -> (items: [Row], next: String?) {
        try access.require(.fansView)
        guard let sql = db as? any SQLDatabase else { return ([], nil) }
        var conditions: [SQLQueryString] = ["workspace_id = \(bind: access.workspaceID) AND merged_into IS NULL"]
        if let after = page.after { conditions.append("id < \(bind: after)") }
        if let tier = filter.tier { conditions.append("activity_tier = \(bind: tier.rawValue)") }
        if let platform = filter.platform { conditions.append("id IN (SELECT fan_id FROM fan_identities WHERE platform = \(bind: platform))") }
        if let search = filter.search {
            try access.require(.fansPersonalData)
            let pattern = LikePattern.contains(search)
            conditions.append(
                """
                (LOWER(display_name) LIKE \(bind: pattern) ESCAPE '\\' OR id IN (SELECT fi.fan_id FROM fan_identities fi \
                WHERE LOWER(fi.author_id) LIKE \(bind: pattern) ESCAPE '\\' OR LOWER(fi.display_name) LIKE \(bind: pattern) ESCAPE '\\'))
                """)
        }
        let text = SQLRows.uuidsAsText(sql)
        var ids: [UUID] = []
        var byID: [UUID: Row] = [:]
        var platforms: [UUID: Set<String>] = [:]
        for row in try await sql.raw(
            """
            SELECT f.id, f.display_name, f.activity_tier, f.interactions_30d, f.points_balance, f.level, f.last_interaction_at, f.erased_at, \
            i.platform FROM (SELECT id FROM fans WHERE \(SQLList(conditions, separator: SQLRaw(" AND "))) ORDER BY id DESC \
            LIMIT \(literal: page.limit + 1)) p JOIN fans f ON f.id = p.id LEFT JOIN fan_identities i ON i.fan_id = f.id ORDER BY f.id DESC
            """
        ).all() {
            let id = try SQLRows.uuid(row, "id", asText: text)
            if let platform = try row.decode(column: "platform", as: String?.self) { platforms[id, default: []].insert(platform) }
            guard byID[id] == nil else { continue }
            ids.append(id)
            byID[id] = Row(
                id: id, name: try row.decode(column: "display_name", as: String.self), platforms: [],
                tier: try row.decode(column: "activity_tier", as: String.self),
                interactions30d: try row.decode(column: "interactions_30d", as: Int.self),
                points: try row.decode(column: "points_balance", as: Int.self), level: try row.decode(column: "level", as: Int.self),
                lastInteractionAt: try row.decode(column: "last_interaction_at", as: Date?.self),
                erased: try row.decode(column: "erased_at", as: Date?.self) != nil)
        }
        let (shown, next) = page.page(ids) { $0 }
        let items = shown.compactMap { id in
            byID[id].map { row in
                var row = row
                row.platforms = (platforms[id] ?? []).sorted()
                return row
            }
        }
        try await auditUnmasked(items.map(\.id), in: access, actor: actor)
        return (items, next)
    }

    /// The list's fans newest first, filtered, from the page's cursor.
    private func filtered(_ filter: Filter, page: PageQuery, in access: WorkspaceAccess) throws -> QueryBuilder<Fan> {
        try access.require(.fansView)
        // A fan merged into another is that other fan now.
        let query = access.query(Fan.self, on: db).filter(\.$mergedInto == nil).sort(\.$id, .descending)
        if let after = page.after { query.filter(\.$id < after) }
        if let tier = filter.tier { query.filter(\.$activityTier == tier.rawValue) }
        if let platform = filter.platform {
            query.join(FanIdentity.self, on: \Fan.$id == \FanIdentity.$fan.$id).filter(FanIdentity.self, \.$platform == platform).unique()
        }
        if let search = filter.search {
            try access.require(.fansPersonalData)
            let pattern = LikePattern.contains(search)
            query.filter(
                .sql(
                    embed: """
                        (LOWER(\(ident: "fans").\(ident: "display_name")) LIKE \(bind: pattern) ESCAPE '\\' OR \(ident: "fans").\(ident: "id") IN \
                        (SELECT fi.fan_id FROM fan_identities fi WHERE LOWER(fi.author_id) LIKE \(bind: pattern) ESCAPE '\\' \
                        OR LOWER(fi.display_name) LIKE \(bind: pattern) ESCAPE '\\'))
                        """))
        }
        return query
    }

    /// Fans with their identities, the view of unmasked ones audited.
    func listed(_ fans: [Fan], in access: WorkspaceAccess, actor: Actor) async throws -> [Listed] {
        let identities = try await identities(of: fans.compactMap(\.id))
        try await auditUnmasked(fans.compactMap(\.id), in: access, actor: actor)
        return fans.map { Listed(fan: $0, identities: identities[$0.id!] ?? []) }
    }

    func find(
        _ rawID: String?, in access: WorkspaceAccess, actor: Actor
    ) async throws -> (
        listed: Listed, lines: [PointsLedgerLine], moves: [FanTierChange]
    ) {
        try access.require(.fansView)
        let fan = try await access.find(Fan.self, rawID, on: db, what: "Fan")
        let lines = try await PointsLedgerLine.query(on: db).filter(\.$fan.$id == fan.id!).sort(\.$at, .descending).sort(\.$id, .descending).limit(50)
            .all()
        let moves = try await FanTierChange.query(on: db).filter(\.$fan.$id == fan.id!).sort(\.$id, .descending).limit(50).all()
        try await auditUnmasked([fan.id!], in: access, actor: actor)
        return (Listed(fan: fan, identities: try await identities(of: [fan.id!])[fan.id!] ?? []), lines, moves)
    }

    struct Adjustment: Content {
        var delta: Int?
        var reason: String?
    }

    /// A manual change of a fan's points: a reason is required and the
    /// change is audited (`PointsLedger`).
    func adjust(
        _ rawID: String?, _ input: Adjustment, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> PointsLedger.Posted
    {
        try access.require(.fansManage)
        let fan = try await access.find(Fan.self, rawID, on: db, what: "Fan")
        guard let delta = input.delta else { throw ValidationErrors("delta", .pointsDeltaRequired) }
        let entry = LedgerEntry(
            sourceKey: "adjust:\(TimeOrderedID.make(at: now).uuidString.lowercased())", delta: delta, reason: input.reason ?? "", kind: .adjust)
        let programme = try await FanProgrammeStore.load(access.workspaceID, on: db)
        return try await db.writeTransaction { tx in
            let posted = try await PointsLedger(db: tx).post(entry, to: fan.id!, in: access.workspaceID, actor: actor, now: now)
            try await LoyaltyProgress.refresh(fan.id!, programme: programme, now: now, on: tx)
            return posted
        }
    }

    struct ProfileChange: Content {
        /// Replaces the whole profile: dimensions, tags and consent.
        var attributes: FanAttributes?
    }

    /// A team member corrects or completes the profile. Checked by the
    /// Core, stored normalised, audited with before and after.
    func updateProfile(_ rawID: String?, _ input: ProfileChange, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.fansManage)
        let fan = try await access.find(Fan.self, rawID, on: db, what: "Fan")
        guard let attributes = input.attributes?.normalized() else {
            throw ValidationErrors("attributes", .fanProfileRequired)
        }
        if fan.erasedAt != nil { throw Problem(.conflict, "This fan's personal data was erased; the profile cannot be filled in again.") }
        var errors = ValidationErrors()
        for problem in attributes.problems { errors.add("attributes.\(problem.field)", problem.coded) }
        try errors.throwIfAny()
        let before = fan.attributesJSON
        fan.attributes = attributes
        fan.updatedAt = now
        try await db.writeTransaction { tx in
            try await fan.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "fan.profile_updated", targetType: "fan", targetID: fan.id,
                before: ["attributes": before], after: ["attributes": fan.attributesJSON], now: now)
        }
    }

    private func identities(of fanIDs: [UUID]) async throws -> [UUID: [FanIdentity]] {
        guard !fanIDs.isEmpty else { return [:] }
        return Dictionary(grouping: try await FanIdentity.query(on: db).filter(\.$fan.$id ~~ fanIDs).sort(\.$firstSeenAt).all(), by: { $0.$fan.id })
    }

    /// Every view of unmasked personal data leaves a trace: who saw which fans.
    func auditUnmasked(_ ids: [UUID], in access: WorkspaceAccess, actor: Actor) async throws {
        guard access.can(.fansPersonalData), !ids.isEmpty else { return }
        // Through the write queue: many readers at once each write one row,
        // and SQLite's own wait for the lock spins on a pool thread.
        try await db.writeTransaction { tx in
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "fans.personal_data_viewed", targetType: "fan",
                targetID: ids.count == 1 ? ids[0] : nil,
                after: ["fans": ids.prefix(100).map { $0.uuidString.lowercased() }.joined(separator: ",")])
        }
    }
}

/// A fan's tier movement, as kept.
final class FanTierChange: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "fan_tier_changes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "fan_id") var fan: Fan
    @Field(key: "dimension") var dimension: String
    @OptionalField(key: "from_tier") var fromTier: String?
    @Field(key: "to_tier") var toTier: String
    @Field(key: "at") var at: Date

    static var workspaceKey: KeyPath<FanTierChange, ParentProperty<FanTierChange, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $fan, $dimension, $fromTier, $toTier, $at] }
}
