import FanfareCore
import Fluent
import SQLKit
import Synchronization
import Vapor

/// The workspace's own history as a weekday × hour map of engagement
/// rates (Core's `BestTimeMap`, with its minimum-sample guard), offered
/// when scheduling.
///
/// The map is kept (`BestTimesCache`) and recomputed only when what it is
/// made of has changed, which one small query tells on every view.
enum BestTimes {
    static let cache = BestTimesCache(capacity: 64, maxAge: 600)

    static func map(in access: WorkspaceAccess, on db: any Database, now: Date = Date()) async throws -> BestTimeMap {
        guard let stamp = try await BestTimesCache.Stamp.read(access, on: db) else { return try await compute(in: access, on: db) }
        if let kept = cache.map(for: access.workspaceID, stamp: stamp, now: now) { return kept }
        let map = try await compute(in: access, on: db)
        cache.keep(map, for: access.workspaceID, stamp: stamp, now: now)
        return map
    }

    static func compute(in access: WorkspaceAccess, on db: any Database) async throws -> BestTimeMap {
        let variants = try await access.query(PostVariant.self, on: db).filter(\.$state == PostVariant.State.published.rawValue)
            .sort(\.$publishedAt, .descending).limit(5_000).all()
        let ids = variants.compactMap(\.id)
        var latest: [UUID: MetricSnapshot] = [:]
        if !ids.isEmpty {
            // The 7-day snapshot is the fairest comparison; younger posts
            // count with what they have.
            let rank = ["latest": 0, "3d": 1, "7d": 2, "30d": 1]
            for snapshot in try await MetricSnapshot.query(on: db).filter(\.$variant.$id ~~ ids).all() {
                let id = snapshot.$variant.id
                if let kept = latest[id], rank[kept.label, default: 0] >= rank[snapshot.label, default: 0] { continue }
                latest[id] = snapshot
            }
        }
        let samples = variants.compactMap { variant -> EngagementSample? in
            guard let at = variant.publishedAt, let numbers = latest[variant.id!] else { return nil }
            return EngagementSample(publishedAt: at, impressions: numbers.impressions, engagements: numbers.likes + numbers.comments + numbers.shares)
        }
        return BestTimeMap.compute(samples: samples, timeZone: access.workspace.zone)
    }
}

/// The heat maps last computed, one per workspace, at most `capacity` of
/// them (the least recently used goes first), each with the stamp of what
/// it was made of: the number of the workspace's metric snapshots, the
/// latest moment one was taken, the number of its published variants and
/// its time zone. New metrics (a snapshot added, or one retaken: its taken
/// time is the newest), a post published, removed or deleted, or a new
/// time zone change the stamp, so the next view recomputes; the stamp is
/// read from the database on every view, so snapshots written by a worker
/// in another process count as soon as they are committed. `maxAge` bounds
/// what no stamp sees (a snapshot rewritten with an older time).
final class BestTimesCache: Sendable {
    struct Stamp: Equatable, Sendable {
        var snapshots: Int
        var latestSnapshot: Date?
        var published: Int
        var timeZone: String

        /// One query of three aggregates over indexed workspace columns;
        /// nil when the database cannot answer it (the map is then computed).
        static func read(_ access: WorkspaceAccess, on db: any Database) async throws -> Stamp? {
            guard let sql = db as? any SQLDatabase else { return nil }
            let id = access.workspaceID
            let published = PostVariant.State.published.rawValue
            let query: SQLQueryString = """
                SELECT (SELECT COUNT(*) FROM metric_snapshots WHERE workspace_id = \(bind: id)) AS snapshots, \
                (SELECT MAX(taken_at) FROM metric_snapshots WHERE workspace_id = \(bind: id)) AS latest, \
                (SELECT COUNT(*) FROM post_variants WHERE workspace_id = \(bind: id) AND state = \(bind: published)) AS published
                """
            guard let row = try await sql.raw(query).first() else { return nil }
            return Stamp(
                snapshots: try row.decode(column: "snapshots", as: Int.self),
                latestSnapshot: try row.decode(column: "latest", as: Date?.self),
                published: try row.decode(column: "published", as: Int.self), timeZone: access.workspace.timeZone)
        }
    }

    private struct Kept {
        var map: BestTimeMap
        var stamp: Stamp
        var at: Date
        var used: UInt64
    }

    private let kept = Mutex<(maps: [UUID: Kept], clock: UInt64)>(([:], 0))
    let capacity: Int
    let maxAge: TimeInterval

    init(capacity: Int, maxAge: TimeInterval) {
        self.capacity = capacity
        self.maxAge = maxAge
    }

    func map(for workspace: UUID, stamp: Stamp, now: Date) -> BestTimeMap? {
        kept.withLock { state in
            guard var entry = state.maps[workspace], entry.stamp == stamp, now.timeIntervalSince(entry.at) < maxAge else { return nil }
            state.clock += 1
            entry.used = state.clock
            state.maps[workspace] = entry
            return entry.map
        }
    }

    func keep(_ map: BestTimeMap, for workspace: UUID, stamp: Stamp, now: Date) {
        kept.withLock { state in
            state.clock += 1
            state.maps[workspace] = Kept(map: map, stamp: stamp, at: now, used: state.clock)
            while state.maps.count > capacity, let oldest = state.maps.min(by: { $0.value.used < $1.value.used })?.key {
                state.maps[oldest] = nil
            }
        }
    }

    /// Forgets a workspace's map (a snapshot written by this process).
    func forget(_ workspace: UUID) {
        _ = kept.withLock { $0.maps.removeValue(forKey: workspace) }
    }

    var count: Int { kept.withLock { $0.maps.count } }
}

struct BestTimesAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("best-times", use: show)
    }

    struct BestTimesDTO: Content {
        var timeZone: String
        var minimumSamples: Int
        var cells: [BestTimeCell]
        var suggestions: [BestTimeCell]
    }

    @Sendable func show(req: Request) async throws -> BestTimesDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let map = try await BestTimes.map(in: access, on: req.db)
        return BestTimesDTO(timeZone: access.workspace.timeZone, minimumSamples: map.minimumSamples, cells: map.cells, suggestions: map.suggestions())
    }
}
