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

    /// Which of `fanIDs` are in each of `segments`, at `now` in `zone`.
    static func segmentMembership(
        of fanIDs: [UUID], in segments: [UUID: SegmentRule], workspaceID: UUID, zone: TimeZone, now: Date, on db: any Database
    ) async throws -> [UUID: Set<UUID>] {
        try await SegmentScan(db, workspaceID: workspaceID, zone: zone, now: now).membership(of: fanIDs, in: segments)
    }

    /// Recomputes every fan's tiers now (the nightly job does it too).
    @discardableResult
    static func recomputeTiers(_ workspace: Workspace, now: Date, on db: any Database) async throws -> FanTiering.Summary {
        try await FanTiering.recompute(workspace, now: now, on: db)
    }

    /// Tiers, privileges and level names in the reader's language, for
    /// pages of other features that show them.
    static func tierName(_ raw: String, _ locale: UILocale) -> String { FanWords.tier(raw, locale) }
    static func privilegeName(_ raw: String, _ locale: UILocale) -> String { FanWords.privilege(raw, locale) }
    static func levelName(_ level: LoyaltyLevel, _ locale: UILocale) -> Wording { FanWords.levelName(level, locale) }
    /// A fan's name as the reader's role may read it (masked without `fans.personal_data`).
    static func visibleName(_ name: String, personalData: Bool) -> String { personalData ? name : PersonalDataMask.name(name) }

    /// The tabs of the fans area (fans, segments, activities, rewards, the
    /// report), for the pages of each.
    static func areaTabs(_ ctx: PageContext, slug: String, current: String) -> HTML {
        FanTabs.html(ctx, slug: slug, current: current)
    }
}
