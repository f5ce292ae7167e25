import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A fan's rights over their data: everything about them as one JSON
/// document, and erasure that removes what identifies them (names,
/// platform ids, profile, message texts) while the anonymous counters the
/// reports add up (tiers, points, message counts and sentiment) stay.
struct FanPrivacy {
    let db: any Database

    struct Export: Content {
        var exportedAt: Date
        var fan: FanDTO
        var messages: [Message]
        var points: [PointsLineDTO]
        var tierChanges: [TierChangeDTO]
        var activityEntries: [ActivityEntryDTO]
        var redemptions: [RedemptionDTO]

        struct Message: Content {
            var id: UUID
            var platform: String
            var kind: String
            var text: String
            var sentAt: Date
        }
    }

    func export(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Export {
        try access.require(.fansPersonalData)
        let fan = try await access.find(Fan.self, rawID, on: db, what: "Fan")
        let identities = try await FanIdentity.query(on: db).filter(\.$fan.$id == fan.id!).all()
        let messages = try await IncomingMessage.query(on: db).filter(\.$fanID == fan.id!).sort(\.$sentAt).with(\.$account).all()
        let lines = try await PointsLedgerLine.query(on: db).filter(\.$fan.$id == fan.id!).sort(\.$at).sort(\.$id).all()
        let moves = try await FanTierChange.query(on: db).filter(\.$fan.$id == fan.id!).sort(\.$id).all()
        let entries = try await ActivityEntry.query(on: db).filter(\.$fan.$id == fan.id!).sort(\.$id).all()
        let redemptions = try await RewardRedemption.query(on: db).filter(\.$fan.$id == fan.id!).with(\.$reward).sort(\.$id).all()
        try await AuditLog.record(
            on: db, actor: actor, workspaceID: access.workspaceID, action: "fan.exported", targetType: "fan", targetID: fan.id, now: now)
        return Export(
            exportedAt: now, fan: FanDTO(fan, identities: identities, unmasked: true),
            messages: messages.map { Export.Message(id: $0.id!, platform: $0.account.platform, kind: $0.kind, text: $0.text, sentAt: $0.sentAt) },
            points: lines.map(PointsLineDTO.init), tierChanges: moves.map(TierChangeDTO.init), activityEntries: entries.map(ActivityEntryDTO.init),
            redemptions: redemptions.map { RedemptionDTO($0, rewardName: $0.reward.name) })
    }

    func erase(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Fan {
        try access.require(.fansPersonalData)
        try access.require(.fansManage)
        let fan = try await access.find(Fan.self, rawID, on: db, what: "Fan")
        if fan.erasedAt != nil { return fan }
        try await Self.erase(fan.id!, workspaceID: access.workspaceID, actor: actor, reason: "request", now: now, on: db)
        return try await access.find(Fan.self, rawID, on: db, what: "Fan")
    }

    /// The erasure itself, in one transaction: shared by requests and the retention job.
    static func erase(_ fanID: UUID, workspaceID: UUID, actor: Actor, reason: String, now: Date, on db: any Database) async throws {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            let label = "erased-\(fanID.uuidString.prefix(8).lowercased())"
            try await sql.raw(
                """
                UPDATE fans SET display_name = \(bind: label), attributes = '{}', erased_at = \(bind: now), updated_at = \(bind: now)
                WHERE id = \(bind: fanID) AND workspace_id = \(bind: workspaceID)
                """
            ).run()
            // Messages keep their counts, sentiment and intent for the reports; not who wrote them or what they said.
            try await sql.raw(
                """
                UPDATE incoming_messages SET text = '', author_name = \(bind: label), author_id = \(bind: label)
                WHERE fan_id = \(bind: fanID) AND workspace_id = \(bind: workspaceID)
                """
            ).run()
            try await sql.raw(
                """
                UPDATE conversations SET author_name = \(bind: label), last_text = '' WHERE workspace_id = \(bind: workspaceID)
                AND id IN (SELECT conversation_id FROM incoming_messages WHERE fan_id = \(bind: fanID) AND conversation_id IS NOT NULL)
                """
            ).run()
            try await sql.raw("UPDATE activity_entries SET answer = '{}' WHERE fan_id = \(bind: fanID)").run()
            // Notes on redemptions may hold an address or a phone number.
            try await sql.raw("UPDATE redemptions SET note = '' WHERE fan_id = \(bind: fanID)").run()
            try await sql.raw("DELETE FROM fan_identities WHERE fan_id = \(bind: fanID)").run()
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: workspaceID, action: "fan.erased", targetType: "fan", targetID: fanID, after: ["reason": reason],
                now: now)
        }
    }
}

/// The retention period: once a day, fans not heard from for the
/// workspace's `retention_days` have their personal data erased.
enum FanRetention {
    static let kind = JobKind<NoPayload>("fans.retention")
    static let period: TimeInterval = 86_400

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        _ = try await purge(now: Date(), on: app.db)
    }

    /// Returns how many fans were erased.
    static func purge(now: Date, on db: any Database) async throws -> Int {
        var erased = 0
        for workspace in try await Workspace.query(on: db).all() {
            guard let days = try await FanProgrammeStore.load(workspace.id!, on: db).retentionDays else { continue }
            let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
            let quiet = try await Fan.query(on: db).filter(\.$workspace.$id == workspace.id!).filter(\.$erasedAt == nil).filter(\.$mergedInto == nil)
                .group(.or) {
                    $0.filter(\.$lastInteractionAt < cutoff).group(.and) { $0.filter(\.$lastInteractionAt == nil).filter(\.$firstSeenAt < cutoff) }
                }
                .all(\.$id)
            for fanID in quiet {
                try await FanPrivacy.erase(fanID, workspaceID: workspace.id!, actor: .system, reason: "retention \(days) days", now: now, on: db)
                erased += 1
            }
        }
        return erased
    }
}
