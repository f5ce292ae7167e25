import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/analytics/funnel`, `…/cohorts` and
/// `…/active-fans`: the fan funnel with repurchase and value, retention
/// cohorts by first-interaction week, and community DAU / WAU / MAU, all
/// aggregated in the database over the workspace's own facts
/// (docs/analytics.md, "Fan analytics").
struct FanAnalyticsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("analytics", "funnel", use: funnel)
        ws.get("analytics", "cohorts", use: cohorts)
        ws.get("analytics", "active-fans", use: activeFans)
    }

    struct StepDTO: Content {
        var step: String
        var fans: Int
        var stepConversion: Double?
        var overallConversion: Double?
    }

    struct RepurchaseDTO: Content {
        var buyers: Int
        var repeatBuyers: Int
        var repurchaseRate: Double?
        var netSpendFen: Int64
        var netSpendPerBuyerFen: Double?
    }

    struct FunnelDTO: Content {
        var from: String
        var to: String
        var timeZone: String
        var platform: String?
        var account: UUID?
        /// The saved segment the fans were restricted to, if any.
        var segment: UUID?
        /// What `fans` counts: each fan once.
        var counting: String
        var steps: [StepDTO]
        var repurchase: RepurchaseDTO
    }

    static func read(
        _ req: Request, granularities: [Granularity] = Granularity.allCases, segments: Bool = true
    ) async throws -> (FanPeriodQuery, FanScope) {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let (query, errors, scope) = try await FanAnalyticsService.read(req, access: access, granularities: granularities, segments: segments)
        if !errors.issues.isEmpty { throw errors }
        return (query, scope)
    }

    @Sendable func funnel(req: Request) async throws -> FunnelDTO {
        let (query, scope) = try await Self.read(req, granularities: [.day])
        let queries = try FanActivityQueries(req.db, scope: scope)
        let funnel = try await queries.funnel()
        let repurchase = try await queries.repurchase()
        return FunnelDTO(
            from: query.from, to: query.to, timeZone: scope.zone.identifier, platform: query.platform, account: query.accountID,
            segment: query.segmentID, counting: "unique_fans",
            steps: funnel.steps.map {
                StepDTO(step: $0.kind.rawValue, fans: $0.fans, stepConversion: $0.stepConversion, overallConversion: $0.overallConversion)
            },
            repurchase: RepurchaseDTO(
                buyers: repurchase.buyers, repeatBuyers: repurchase.repeatBuyers, repurchaseRate: repurchase.repurchaseRate,
                netSpendFen: repurchase.netSpendFen, netSpendPerBuyerFen: repurchase.netSpendPerBuyerFen))
    }

    struct CohortDTO: Content {
        var week: String
        var size: Int
        var day1: Cohorts.Cell?
        var day7: Cohorts.Cell?
        var day30: Cohorts.Cell?
    }

    struct CohortsDTO: Content {
        var from: String
        var to: String
        var timeZone: String
        var granularity: String
        var platform: String?
        var account: UUID?
        var segment: UUID?
        var cohorts: [CohortDTO]
    }

    @Sendable func cohorts(req: Request) async throws -> CohortsDTO {
        let (query, scope) = try await Self.read(req, granularities: [.week])
        let rows = try await Self.cohortRows(scope, on: req.db)
        return CohortsDTO(
            from: query.from, to: query.to, timeZone: scope.zone.identifier, granularity: "week", platform: query.platform,
            account: query.accountID, segment: query.segmentID,
            cohorts: rows.map { CohortDTO(week: $0.week, size: $0.size, day1: $0.cells[0], day7: $0.cells[1], day30: $0.cells[2]) })
    }

    /// The cohorts of the period's weeks, measured up to yesterday (today is not over).
    static func cohortRows(_ scope: FanScope, now: Date = Date(), on db: any Database) async throws -> [Cohorts.Row] {
        let counted = try await FanActivityQueries(db, scope: scope).cohorts(
            now: LocalDays.start(of: MetricDay.of(now, in: scope.zone), in: scope.zone) ?? now)
        let yesterday = (LocalDays.number(MetricDay.of(now, in: scope.zone)) ?? 0) - 1
        return Cohorts.rows(counted, fromDay: scope.fromDay, toDay: scope.toDay, asOf: yesterday)
    }

    struct ActivePointDTO: Content {
        var period: String
        var dau: Double
        var wau: Int
        var mau: Int
        var stickiness: Double?
    }

    struct ActiveFansDTO: Content {
        var from: String
        var to: String
        var timeZone: String
        var granularity: String
        var platform: String?
        var account: UUID?
        var stickiness: Double?
        var points: [ActivePointDTO]
    }

    @Sendable func activeFans(req: Request) async throws -> ActiveFansDTO {
        // DAU / WAU / MAU take no segment (docs/analytics.md, "Filters").
        let (query, scope) = try await Self.read(req, segments: false)
        let days = try await FanActivityQueries(req.db, scope: scope).activeFans()
        return ActiveFansDTO(
            from: query.from, to: query.to, timeZone: scope.zone.identifier, granularity: query.granularity.rawValue, platform: query.platform,
            account: query.accountID, stickiness: ActiveFans.stickiness(days),
            points: ActiveFans.points(days, granularity: query.granularity).map {
                ActivePointDTO(period: $0.period, dau: $0.dau, wau: $0.wau, mau: $0.mau, stickiness: $0.stickiness)
            })
    }
}
