import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What other features may ask of Fans, and nothing else of it: the
/// programme, the fans behind message authors, segment membership, the
/// tier recomputation and the fans area's tabs. Its assembly, scans and
/// stores stay inside the feature.
extension FanService {
    /// The workspace's loyalty programme (levels, points rules, privileges).
    static func programme(of workspaceID: UUID, on db: any Database) async throws -> FanProgramme {
        try await FanProgrammeStore.load(workspaceID, on: db)
    }

    /// One author seen in a batch of incoming messages.
    typealias Sighting = FanAssembly.Sighting
    /// The fan of each author and their activity tier.
    typealias AuthorsFans = FanAssembly.Assembled

    /// Finds or creates the fan behind each author and counts the sighting,
    /// inside the caller's transaction (after its first write).
    static func fansOfAuthors(
        _ sightings: [Sighting], workspaceID: UUID, platform: String, now: Date, in sql: any SQLDatabase
    ) async throws -> AuthorsFans {
        try await FanAssembly.assemble(sightings, workspaceID: workspaceID, platform: platform, now: now, in: sql)
    }

    /// The fans behind identities another feature was told about (the event
    /// API: a platform handle, or the sender's own id on the platform
    /// "external"): found, or made the way the inbox makes them (a fan and
    /// an identity, no interaction counted). A merged fan answers as the
    /// fan it was merged into. Inside the caller's transaction.
    static func fansOfIdentities(
        _ authors: [String], platform: String, workspaceID: UUID, now: Date, in sql: any SQLDatabase
    ) async throws -> [String: UUID] {
        var known = try await FanAssembly.identities(of: authors, workspaceID: workspaceID, platform: platform, in: sql)
        let missing = authors.filter { known.fans[$0] == nil }
        if !missing.isEmpty {
            known.merge(try await FanAssembly.create(missing, names: [:], workspaceID: workspaceID, platform: platform, now: now, in: sql))
        }
        let kept = try await existingFans(Array(Set(known.fans.values)), workspaceID: workspaceID, in: sql)
        return known.fans.compactMapValues { kept[$0] }
    }

    /// Of `ids`, the fans of the workspace, each mapped to itself or, when
    /// merged, to the fan it was merged into.
    static func existingFans(_ ids: [UUID], workspaceID: UUID, in sql: any SQLDatabase) async throws -> [UUID: UUID] {
        var found: [UUID: UUID] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(ids.count, start + 500)]
            for row in try await sql.raw(
                """
                SELECT id, merged_into FROM fans
                WHERE workspace_id = \(bind: workspaceID) AND id IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                """
            ).all() {
                let id = try row.decode(column: "id", as: UUID.self)
                found[id] = try row.decode(column: "merged_into", as: UUID?.self) ?? id
            }
        }
        return found
    }

    /// What conversions add to a fan's value: spend in fen (negative for a
    /// refund) and referrals.
    struct ValueChange: Sendable, Equatable {
        var spendFen: Int64 = 0
        var referrals = 0
    }

    /// Adds purchases, refunds and referrals to the fans' value (spend never
    /// goes below 0), then moves their value tier and lifecycle stage
    /// ("convert" once they spend) as the programme says, keeping each
    /// movement. Inside the caller's transaction.
    static func addValue(_ changes: [UUID: ValueChange], workspaceID: UUID, now: Date, on tx: any Database) async throws {
        guard let sql = tx as? any SQLDatabase, !changes.isEmpty else { return }
        // In id order: two batches touching the same fans wait in one order.
        for (fan, change) in changes.sorted(by: { $0.key.uuidString < $1.key.uuidString }) {
            try await sql.raw(
                """
                UPDATE fans SET spend_fen = CASE WHEN spend_fen + \(bind: change.spendFen) < 0 THEN 0 ELSE spend_fen + \(bind: change.spendFen) END,
                referrals = referrals + \(bind: change.referrals), updated_at = \(bind: now)
                WHERE id = \(bind: fan) AND workspace_id = \(bind: workspaceID)
                """
            ).run()
        }
        let programme = try await FanProgrammeStore.load(workspaceID, on: tx)
        try await FanValue.refresh(Array(changes.keys), programme: programme, now: now, on: tx)
    }

    /// Which of `fanIDs` are in each of `segments`, at `now` in `zone`.
    static func segmentMembership(
        of fanIDs: [UUID], in segments: [UUID: SegmentRule], workspaceID: UUID, zone: TimeZone, now: Date, on db: any Database
    ) async throws -> [UUID: Set<UUID>] {
        try await SegmentScan(db, workspaceID: workspaceID, zone: zone, now: now).membership(of: fanIDs, in: segments)
    }

    /// The workspace's saved segments (id, name, rule), by name: what fan
    /// analytics offers as a filter.
    static func savedSegments(in access: WorkspaceAccess, on db: any Database) async throws -> [(id: UUID, name: String, rule: SegmentRule)] {
        try await access.query(Segment.self, on: db).sort(\.$name).all().map { ($0.id!, $0.name, $0.rule) }
    }

    /// Recomputes every fan's tiers now (the nightly job does it too).
    @discardableResult
    static func recomputeTiers(_ workspace: Workspace, now: Date, on db: any Database) async throws -> FanTiering.Summary {
        try await FanTiering.recompute(workspace, now: now, on: db)
    }

    /// Tiers, privileges and level names in the reader's language, for
    /// pages of other features that show them.
    static func tierName(_ raw: String, _ locale: UILocale) -> String { FanWords.tier(raw, locale) }
    static func valueTierName(_ raw: String, _ locale: UILocale) -> String { FanWords.valueTier(raw, locale) }
    static func privilegeName(_ raw: String, _ locale: UILocale) -> String { FanWords.privilege(raw, locale) }
    static func levelName(_ level: LoyaltyLevel, _ locale: UILocale) -> Wording { FanWords.levelName(level, locale) }
    /// A fan's name as the reader's role may read it (masked without `fans.personal_data`).
    static func visibleName(_ name: String, personalData: Bool) -> String { personalData ? name : PersonalDataMask.name(name) }

    /// What the inbox shows beside a conversation: one fan as stored
    /// (names and platform ids unmasked: the caller masks them for readers
    /// without `fans.personal_data`, with `visibleName` and `visibleHandle`).
    struct Card: Sendable, Equatable {
        struct Identity: Sendable, Equatable {
            var platform: String
            var authorID: String
        }

        var id: UUID
        var name: String
        var erased: Bool
        var identities: [Identity]
        /// silent, potential, active or core (`tierName` words it).
        var activityTier: String
        var points: Int
        var tags: [String]
        var firstSeenAt: Date
        var lastSeenAt: Date?
        /// This fan and the fans merged into it: whose messages are theirs.
        var fanIDs: [UUID]
    }

    /// The fan `fanID` of the workspace, or the fan it was merged into;
    /// nil when there is none.
    static func card(of fanID: UUID, workspaceID: UUID, on db: any Database) async throws -> Card? {
        var id = fanID
        var fan: Fan?
        // A merge chain is short; five steps guard against a loop.
        for _ in 0..<5 {
            guard let found = try await Fan.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id == id).first() else { return nil }
            fan = found
            guard let next = found.mergedInto, next != id else { break }
            id = next
        }
        guard let fan, let keptID = fan.id else { return nil }
        let identities = try await FanIdentity.query(on: db).filter(\.$fan.$id == keptID).sort(\.$firstSeenAt).all()
        let merged = try await Fan.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$mergedInto == keptID).all().compactMap(\.id)
        return Card(
            id: keptID, name: fan.displayName, erased: fan.erasedAt != nil,
            identities: identities.map { Card.Identity(platform: $0.platform, authorID: $0.authorID) }, activityTier: fan.activityTier,
            points: fan.pointsBalance, tags: fan.attributes.tags, firstSeenAt: fan.firstSeenAt, lastSeenAt: fan.lastInteractionAt,
            fanIDs: [keptID] + merged)
    }

    /// A fan's name as the reader may read it: masked without
    /// `fans.personal_data`, a placeholder once the fan was erased.
    static func visibleName(of card: Card, personalData: Bool, _ locale: UILocale) -> Wording {
        FanWords.name(card.name, id: card.id, erased: card.erased, viewer: FanViewer(personalData: personalData, manage: false), locale)
    }

    /// A platform id as the reader may read it (masked without `fans.personal_data`).
    static func visibleHandle(_ handle: String, personalData: Bool) -> String { personalData ? handle : PersonalDataMask.handle(handle) }

    /// The tabs of the fans area (fans, segments, activities, rewards, the
    /// report), for the pages of each.
    static func areaTabs(_ ctx: PageContext, slug: String, current: String) -> HTML {
        FanTabs.html(ctx, slug: slug, current: current)
    }
}
