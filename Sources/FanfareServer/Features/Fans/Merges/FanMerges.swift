import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One person seen as two fans becomes one: by hand, or by accepting a
/// suggestion (the same verified phone or email, the same WeChat union id).
/// The merged fan's identities, messages, ledger lines, entries and tier
/// history move to the kept fan, whose points and counters add up; the
/// merged row stays, marked, and the merge records exactly what moved so
/// that it can be undone.
struct FanMerges {
    let db: any Database

    enum Reason: String, CaseIterable, Codable {
        case byHand = "by_hand"
        case samePhone = "same_phone"
        case sameEmail = "same_email"
        case sameUnionID = "same_union_id"
    }

    struct Input: Content {
        var keptFanId: UUID?
        var mergedFanId: UUID?
        var reason: String?
        var note: String?

        enum CodingKeys: String, CodingKey {
            case keptFanId = "kept_fan_id", mergedFanId = "merged_fan_id", reason, note
        }
    }

    /// What moved, kept with the merge for undo.
    struct Moved: Codable {
        var identities: [UUID]
        var messages: [UUID]
        var ledgerLines: [UUID]
        var entries: [UUID]
        var tierChanges: [UUID]
        var redemptions: [UUID]
        /// The merged fan's counters, added to the kept fan's and taken off again on undo.
        var points: Int
        var lifetimePoints: Int
        var spendFen: Int64
        var referrals: Int
        var contributions: Int
    }

    func merge(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FanMerge {
        try access.require(.fansManage)
        var errors = ValidationErrors()
        if input.keptFanId == nil { errors.add("kept_fan_id", .keptFanRequired) }
        if input.mergedFanId == nil { errors.add("merged_fan_id", .mergedFanRequired) }
        if let kept = input.keptFanId, kept == input.mergedFanId { errors.add("merged_fan_id", .otherFan) }
        let reason = Reason(rawValue: input.reason ?? Reason.byHand.rawValue)
        if reason == nil { errors.add("reason", .oneOf(choices: Reason.allCases.map(\.rawValue))) }
        let note = (input.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { errors.add("note", .lengthAtMost(max: 500)) }
        try errors.throwIfAny()
        let (keptID, mergedID) = (input.keptFanId!, input.mergedFanId!)
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Merges need an SQL database.") }
            // Both rows written first: a concurrent merge of either fan waits and then sees this one.
            try await sql.raw("UPDATE fans SET updated_at = \(bind: now) WHERE id IN (\(bind: keptID), \(bind: mergedID))").run()
            let kept = try await access.find(Fan.self, keptID.uuidString, on: tx, what: "Fan")
            let merged = try await access.find(Fan.self, mergedID.uuidString, on: tx, what: "Fan")
            if kept.mergedInto != nil || merged.mergedInto != nil {
                throw Problem(.conflict, "One of the fans was already merged into another; merge into the remaining fan.")
            }
            if kept.erasedAt != nil || merged.erasedAt != nil { throw Problem(.conflict, "An erased fan cannot be merged.") }
            let moved = Moved(
                identities: try await ids("fan_identities", of: mergedID, on: sql),
                messages: try await ids("incoming_messages", of: mergedID, on: sql),
                ledgerLines: try await ids("points_ledger", of: mergedID, on: sql),
                entries: try await ids("activity_entries", of: mergedID, on: sql),
                tierChanges: try await ids("fan_tier_changes", of: mergedID, on: sql),
                redemptions: try await ids("redemptions", of: mergedID, on: sql),
                points: merged.pointsBalance, lifetimePoints: merged.lifetimePoints, spendFen: merged.spendFen, referrals: merged.referrals,
                contributions: merged.contributions)
            for table in ["fan_identities", "incoming_messages", "points_ledger", "activity_entries", "fan_tier_changes", "redemptions"] {
                try await sql.raw("UPDATE \(ident: table) SET fan_id = \(bind: keptID) WHERE fan_id = \(bind: mergedID)").run()
            }
            kept.pointsBalance += merged.pointsBalance
            kept.lifetimePoints += merged.lifetimePoints
            kept.spendFen += merged.spendFen
            kept.referrals += merged.referrals
            kept.contributions += merged.contributions
            kept.bestStreak = max(kept.bestStreak, merged.bestStreak)
            kept.level = max(kept.level, merged.level)
            kept.badges = kept.badges + merged.badges.filter { !kept.badges.contains($0) }
            kept.firstSeenAt = min(kept.firstSeenAt, merged.firstSeenAt)
            kept.lastInteractionAt = [kept.lastInteractionAt, merged.lastInteractionAt].compactMap { $0 }.max()
            kept.rollingActivity = try await Self.rollingActivity(of: keptID, zone: access.workspace.timeZone, now: now, on: tx)
            try await kept.update(on: tx)
            merged.mergedInto = keptID
            try await merged.update(on: tx)
            let record = FanMerge()
            record.id = TimeOrderedID.make(at: now)
            record.$workspace.id = access.workspaceID
            record.$kept.id = keptID
            record.$merged.id = mergedID
            record.reason = reason!.rawValue
            record.note = note
            record.actorID = actor.userID
            record.movedJSON = String(decoding: try JSONEncoder().encode(moved), as: UTF8.self)
            record.at = now
            try await record.create(on: tx)
            try await FanValue.refresh([keptID], programme: try await FanProgrammeStore.load(access.workspaceID, on: tx), now: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "fan.merged", targetType: "fan", targetID: keptID,
                after: ["merged_fan": mergedID.uuidString.lowercased(), "reason": reason!.rawValue, "note": note], now: now)
            return record
        }
    }

    /// Moves back exactly what the merge moved and takes the merged fan's
    /// counters off the kept fan. Refused when the kept fan has since spent
    /// points the merged fan brought: the balance would go below zero.
    func undo(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> FanMerge {
        try access.require(.fansManage)
        return try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "Merges need an SQL database.") }
            let record = try await access.find(FanMerge.self, rawID, on: tx, what: "Merge")
            if record.undoneAt != nil { throw Problem(.conflict, "This merge was already undone.") }
            guard let moved = try? JSONDecoder().decode(Moved.self, from: Data(record.movedJSON.utf8)) else {
                throw Problem(.internalServerError, "The merge's record cannot be read.")
            }
            let (keptID, mergedID) = (record.$kept.id, record.$merged.id)
            let back = try await sql.raw(
                """
                UPDATE fans SET points_balance = points_balance - \(bind: moved.points), lifetime_points = lifetime_points - \(bind: moved.lifetimePoints),
                spend_fen = spend_fen - \(bind: moved.spendFen), referrals = referrals - \(bind: moved.referrals),
                contributions = contributions - \(bind: moved.contributions), updated_at = \(bind: now)
                WHERE id = \(bind: keptID) AND points_balance >= \(bind: moved.points) RETURNING id
                """
            ).first()
            guard back != nil else {
                throw Problem(
                    .conflict,
                    "The kept fan has spent points the merged fan brought (\(moved.points)); undoing would leave a negative balance. Adjust the points first."
                )
            }
            let tables: [(String, [UUID])] = [
                ("fan_identities", moved.identities), ("incoming_messages", moved.messages), ("points_ledger", moved.ledgerLines),
                ("activity_entries", moved.entries), ("fan_tier_changes", moved.tierChanges), ("redemptions", moved.redemptions),
            ]
            for (table, ids) in tables {
                for start in stride(from: 0, to: ids.count, by: 500) {
                    let chunk = ids[start..<min(ids.count, start + 500)]
                    try await sql.raw(
                        "UPDATE \(ident: table) SET fan_id = \(bind: mergedID) WHERE id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))"
                    ).run()
                }
            }
            let zone = access.workspace.timeZone
            let keptRolling = try await Self.rollingActivity(of: keptID, zone: zone, now: now, on: tx)
            try await sql.raw("UPDATE fans SET rolling_activity = \(bind: keptRolling) WHERE id = \(bind: keptID)").run()
            try await sql.raw("UPDATE fans SET merged_into = NULL, updated_at = \(bind: now) WHERE id = \(bind: mergedID)").run()
            record.undoneAt = now
            try await record.update(on: tx)
            let programme = try await FanProgrammeStore.load(access.workspaceID, on: tx)
            try await FanValue.refresh([keptID, mergedID], programme: programme, now: now, on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "fan.merge_undone", targetType: "fan", targetID: keptID,
                after: ["merged_fan": mergedID.uuidString.lowercased()], now: now)
            return record
        }
    }

    struct Suggestion: Content {
        var keptFanId: UUID
        var mergedFanId: UUID
        var reason: String

        enum CodingKeys: String, CodingKey {
            case keptFanId = "kept_fan_id", mergedFanId = "merged_fan_id", reason
        }
    }

    /// The display names of these fans of the workspace, as plain values.
    func names(of ids: [UUID], in access: WorkspaceAccess) async throws -> [UUID: String] {
        guard !ids.isEmpty, let sql = db as? any SQLDatabase else { return [:] }
        let text = SQLRows.uuidsAsText(sql)
        var names: [UUID: String] = [:]
        for row in try await sql.raw(
            """
            SELECT "id", "display_name" FROM "fans" WHERE "workspace_id" = \(bind: access.workspaceID) \
            AND "id" IN \(SQLGroupExpression(ids.map { SQLBind($0) }))
            """
        ).all() {
            names[try SQLRows.uuid(row, "id", asText: text)] = try row.decode(column: "display_name", as: String.self)
        }
        return names
    }

    /// Pairs of fans sharing a verified phone, a verified email or a WeChat
    /// union id; the older fan is the one kept. Nothing merges until a person accepts.
    func suggestions(in access: WorkspaceAccess) async throws -> [Suggestion] {
        try access.require(.fansView)
        // Only the id and the profile, as plain values: this runs on every
        // view of the fans list, and filling whole `Fan` models cost more.
        guard let sql = db as? any SQLDatabase else { return [] }
        let text = SQLRows.uuidsAsText(sql)
        let fans = try await sql.raw(
            """
            SELECT "id", "attributes" FROM "fans" WHERE "workspace_id" = \(bind: access.workspaceID) AND "merged_into" IS NULL \
            AND "erased_at" IS NULL AND ("attributes" LIKE \(bind: "%verified_%") OR "attributes" LIKE \(bind: "%wechat_union_id%"))
            """
        ).all().map { row in
            (id: try SQLRows.uuid(row, "id", asText: text), attributesJSON: try row.decode(column: "attributes", as: String.self))
        }
        let decoder = JSONDecoder()
        var byKey: [String: [UUID]] = [:]
        for fan in fans {
            // A profile that cannot be read counts as empty, as `Fan.attributes` reads it.
            let attributes = (try? decoder.decode(FanAttributes.self, from: Data(fan.attributesJSON.utf8))) ?? FanAttributes()
            if let phone = attributes.verifiedPhone { byKey["\(Reason.samePhone.rawValue):\(phone)", default: []].append(fan.id) }
            if let email = attributes.verifiedEmail { byKey["\(Reason.sameEmail.rawValue):\(email)", default: []].append(fan.id) }
            if let union = attributes.wechatUnionID { byKey["\(Reason.sameUnionID.rawValue):\(union)", default: []].append(fan.id) }
        }
        var suggestions: [Suggestion] = []
        var paired: Set<[UUID]> = []
        for key in byKey.keys.sorted() {
            let group = byKey[key]!.sorted()
            guard let first = group.first else { continue }
            for other in group.dropFirst() where paired.insert([first, other]).inserted {
                suggestions.append(Suggestion(keptFanId: first, mergedFanId: other, reason: String(key.prefix { $0 != ":" })))
            }
        }
        return suggestions
    }

    func history(of fanID: UUID, in access: WorkspaceAccess) async throws -> [FanMerge] {
        try await access.query(FanMerge.self, on: db).group(.or) { $0.filter(\.$kept.$id == fanID).filter(\.$merged.$id == fanID) }
            .sort(\.$id, .descending).all()
    }

    private func ids(_ table: String, of fanID: UUID, on sql: any SQLDatabase) async throws -> [UUID] {
        try await sql.raw("SELECT id FROM \(ident: table) WHERE fan_id = \(bind: fanID)").all().map { try $0.decode(column: "id", as: UUID.self) }
    }

    /// A fan's 30-day counter from their stored messages: after messages moved, counting again is the honest sum.
    static func rollingActivity(of fanID: UUID, zone name: String, now: Date, on db: any Database) async throws -> String {
        let zone = TimeZone(identifier: name) ?? .gmt
        var rolling = RollingActivity()
        let since = RollingActivity.windowStart(asOf: now, zone: zone)
        for sent in try await IncomingMessage.query(on: db).filter(\.$fanID == fanID).filter(\.$sentAt >= since).all(\.$sentAt) {
            _ = rolling.record(at: sent, zone: zone)
        }
        return rolling.compact
    }
}

/// A merge as recorded.
final class FanMerge: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "fan_merges"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "kept_fan_id") var kept: Fan
    @Parent(key: "merged_fan_id") var merged: Fan
    @Field(key: "reason") var reason: String
    @Field(key: "note") var note: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "moved") var movedJSON: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "undone_at") var undoneAt: Date?

    static var workspaceKey: KeyPath<FanMerge, ParentProperty<FanMerge, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $kept, $merged, $reason, $note, $actorID, $movedJSON, $at, $undoneAt] }
}

struct FanMergeDTO: Content {
    var id: UUID
    var keptFanId: UUID
    var mergedFanId: UUID
    var reason: String
    var note: String
    var at: Date
    var undoneAt: Date?

    init(_ merge: FanMerge) {
        id = merge.id!
        keptFanId = merge.$kept.id
        mergedFanId = merge.$merged.id
        reason = merge.reason
        note = merge.note
        at = merge.at
        undoneAt = merge.undoneAt
    }

    enum CodingKeys: String, CodingKey {
        case id, reason, note, at
        case keptFanId = "kept_fan_id", mergedFanId = "merged_fan_id", undoneAt = "undone_at"
    }
}
