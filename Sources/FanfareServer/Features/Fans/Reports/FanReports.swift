import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The fans report: how the tiers were distributed day by day (the nightly
/// counts), what value each activity tier holds, and the points issued
/// against the value fans created (the seeds' 1:4 target). Value created is
/// the value tier's score over every fan — spend plus referrals and
/// contributions at the programme's worth — and points issued are every
/// earned line, both lifetime, so the two sides cover the same span.
struct FanReports {
    let db: any Database

    func report(days: Int, in access: WorkspaceAccess, now: Date = Date()) async throws -> FanReport {
        try access.require(.analyticsView)
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "Reports need an SQL database.") }
        let workspaceID = access.workspaceID
        let zone = TimeZone(identifier: access.workspace.timeZone) ?? .gmt
        let programme = try await FanProgrammeStore.load(workspaceID, on: db)
        let since = CheckInStreak.dayString(now.addingTimeInterval(-Double(days - 1) * 86_400), zone: zone)
        var distribution: [String: [FanReport.DayCount]] = [:]
        for row in try await sql.raw(
            """
            SELECT day, dimension, tier, fans FROM fan_tier_counts WHERE workspace_id = \(bind: workspaceID) AND day >= \(bind: since)
            ORDER BY day, dimension, tier
            """
        ).all() {
            distribution[try row.decode(column: "dimension", as: String.self), default: []].append(
                FanReport.DayCount(
                    day: try row.decode(column: "day", as: String.self), tier: try row.decode(column: "tier", as: String.self),
                    fans: try row.decode(column: "fans", as: Int.self)))
        }
        var byTier: [String: FanReport.TierValue] = [:]
        var valueCreated: Decimal = 0
        for row in try await sql.raw(
            """
            SELECT activity_tier, COUNT(*) AS fans, CAST(COALESCE(SUM(spend_fen), 0) AS BIGINT) AS spend,
            CAST(COALESCE(SUM(referrals), 0) AS BIGINT) AS referrals, CAST(COALESCE(SUM(contributions), 0) AS BIGINT) AS contributions,
            CAST(COALESCE(SUM(lifetime_points), 0) AS BIGINT) AS points
            FROM fans WHERE workspace_id = \(bind: workspaceID) AND merged_into IS NULL GROUP BY activity_tier
            """
        ).all() {
            let tier = try row.decode(column: "activity_tier", as: String.self)
            let facts = ValueFacts(
                spend: Decimal(try row.decode(column: "spend", as: Int64.self)) / 100, referrals: try row.decode(column: "referrals", as: Int.self),
                contributions: try row.decode(column: "contributions", as: Int.self))
            let value = programme.value.score(facts)
            valueCreated += value
            byTier[tier] = FanReport.TierValue(
                tier: tier, fans: try row.decode(column: "fans", as: Int.self), valueYuan: NSDecimalNumber(decimal: value).doubleValue,
                lifetimePoints: try row.decode(column: "points", as: Int.self))
        }
        let issued =
            try await sql.raw(
                "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) AS issued FROM points_ledger WHERE workspace_id = \(bind: workspaceID) AND kind = 'earn'"
            ).first()?.decode(column: "issued", as: Int.self) ?? 0
        let ratio = IncentiveRatio(
            pointsIssued: issued, pointValueYuan: programme.pointValueYuan, valueCreatedYuan: NSDecimalNumber(decimal: valueCreated).doubleValue)
        return FanReport(
            days: days, distribution: distribution,
            valueByTier: ActivityTier.allCases.map {
                byTier[$0.rawValue] ?? FanReport.TierValue(tier: $0.rawValue, fans: 0, valueYuan: 0, lifetimePoints: 0)
            },
            incentive: FanReport.Incentive(
                pointsIssued: issued, pointValueYuan: programme.pointValueYuan, costYuan: ratio.costYuan, valueCreatedYuan: ratio.valueCreatedYuan,
                ratio: ratio.ratio, target: IncentiveRatio.target, meetsTarget: ratio.meetsTarget, explanation: ratio.explanation))
    }
}

struct FanReport: Content {
    struct DayCount: Content {
        var day: String
        var tier: String
        var fans: Int
    }

    struct TierValue: Content {
        var tier: String
        var fans: Int
        var valueYuan: Double
        var lifetimePoints: Int
    }

    struct Incentive: Content {
        var pointsIssued: Int
        var pointValueYuan: Double
        var costYuan: Double
        var valueCreatedYuan: Double
        /// Value per yuan of points; null when no points were issued.
        var ratio: Double?
        var target: Double
        var meetsTarget: Bool
        var explanation: String
    }

    var days: Int
    /// By dimension (activity, value, stage): each day's count per tier, from the nightly recomputation.
    var distribution: [String: [DayCount]]
    var valueByTier: [TierValue]
    var incentive: Incentive
}
