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
    ///
    /// The fan, its identities (oldest first) and the fans merged into it
    /// are one statement of plain rows (one more per step of a merge chain).
    static func card(of fanID: UUID, workspaceID: UUID, on db: any Database) async throws -> Card? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let text = SQLRows.uuidsAsText(sql)
        var id = fanID
        var found: [any SQLRow] = []
        // A merge chain is short; five steps guard against a loop.
        for _ in 0..<5 {
            // The fan's own rows (one per identity) come first (merged = 0),
            // then one row per fan merged into it (merged = 1).
            let rows = try await sql.raw(
                """
                SELECT f.id, f.display_name, f.erased_at, f.merged_into, f.activity_tier, f.points_balance, f.attributes, f.first_seen_at, \
                f.last_interaction_at, i.platform, i.author_id, i.first_seen_at AS seen, i.id AS identity_id, 0 AS merged \
                FROM fans f LEFT JOIN fan_identities i ON i.fan_id = f.id WHERE f.workspace_id = \(bind: workspaceID) AND f.id = \(bind: id) \
                UNION ALL SELECT m.id, m.display_name, m.erased_at, m.merged_into, m.activity_tier, m.points_balance, m.attributes, \
                m.first_seen_at, m.last_interaction_at, NULL, NULL, NULL, NULL, 1 FROM fans m \
                WHERE m.workspace_id = \(bind: workspaceID) AND m.merged_into = \(bind: id) ORDER BY merged, seen, identity_id
                """
            ).all()
            guard let first = rows.first, try first.decode(column: "merged", as: Int.self) == 0 else { return nil }
            found = rows
            guard let next = try SQLRows.optionalUUID(first, "merged_into", asText: text), next != id else { break }
            id = next
        }
        guard let first = found.first else { return nil }
        return try card(found, first, asText: text)
    }

    private static func card(_ rows: [any SQLRow], _ first: any SQLRow, asText text: Bool) throws -> Card {
        let attributes = try first.decode(column: "attributes", as: String.self)
        let keptID = try SQLRows.uuid(first, "id", asText: text)
        var identities: [Card.Identity] = []
        var merged: [UUID] = []
        for row in rows {
            if try row.decode(column: "merged", as: Int.self) != 0 {
                merged.append(try SQLRows.uuid(row, "id", asText: text))
            } else if let platform = try row.decode(column: "platform", as: String?.self) {
                identities.append(Card.Identity(platform: platform, authorID: try row.decode(column: "author_id", as: String.self)))
            }
        }
        return Card(
            id: keptID, name: try first.decode(column: "display_name", as: String.self),
            erased: try first.decode(column: "erased_at", as: Date?.self) != nil, identities: identities,
            activityTier: try first.decode(column: "activity_tier", as: String.self),
            points: try first.decode(column: "points_balance", as: Int.self),
            tags: ((try? JSONDecoder().decode(FanAttributes.self, from: Data(attributes.utf8))) ?? FanAttributes()).tags,
            firstSeenAt: try first.decode(column: "first_seen_at", as: Date.self),
            lastSeenAt: try first.decode(column: "last_interaction_at", as: Date?.self), fanIDs: [keptID] + merged)
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
