import FanfareCore
import Fluent
import Vapor

/// The fans report: tiers day by day, the value each tier holds, and points
/// issued against the value fans created, in one sentence in the reader's
/// language. query → model → view; the last two tested without a database.
enum FanReportPage {
    struct Input: Sendable {
        var days = 30
    }

    struct Model: Sendable {
        struct TierCount: Sendable, Equatable {
            var tier: String
            var code: String
            var tone: Badge.Tone
            var fans: String
        }
        struct Day: Sendable, Equatable {
            var day: String
            var label: String
            var counts: [String]
        }
        struct TierValue: Sendable, Equatable {
            var tier: String
            var fans: String
            var value: String
            var points: String
        }

        var slug: String
        var latestDay: String?
        var distribution: [TierCount]
        var tiers: [String]
        var history: [Day]
        var values: [TierValue]
        var incentive: String
        var meetsTarget: Bool
        var target: String
    }

    static func query(_ input: Input, access: WorkspaceAccess, on db: any Database) async throws -> FanReport {
        try await FanReports(db: db).report(days: input.days, in: access)
    }

    static func model(_ report: FanReport, slug: String, locale: UILocale, now: Date = Date()) -> Model {
        let activity = report.distribution[TierChange.Dimension.activity.rawValue] ?? []
        let latestDay = activity.map(\.day).max()
        let distribution = ActivityTier.allCases.map { tier in
            let count = activity.last { $0.tier == tier.rawValue && $0.day == latestDay }?.fans ?? 0
            return Model.TierCount(
                tier: FanWords.tier(tier.rawValue, locale), code: tier.rawValue, tone: FanWords.tierTone(tier.rawValue),
                fans: Formats.count(count, locale))
        }
        let history = Set(activity.map(\.day)).sorted().map { day in
            Model.Day(
                day: day, label: Formats.day(day, locale, now: now),
                counts: ActivityTier.allCases.map { tier in
                    Formats.count(activity.first { $0.day == day && $0.tier == tier.rawValue }?.fans ?? 0, locale)
                })
        }
        let values = report.valueByTier.map { row in
            Model.TierValue(
                tier: FanWords.tier(row.tier, locale), fans: Formats.count(row.fans, locale), value: Formats.yuan(row.valueYuan),
                points: Formats.count(row.lifetimePoints, locale))
        }
        let incentive = report.incentive
        let ratio = IncentiveRatio(
            pointsIssued: incentive.pointsIssued, pointValueYuan: incentive.pointValueYuan, valueCreatedYuan: incentive.valueCreatedYuan)
        return Model(
            slug: slug, latestDay: latestDay.map { Formats.day($0, locale, now: now) }, distribution: distribution,
            tiers: ActivityTier.allCases.map { FanWords.tier($0.rawValue, locale) }, history: history, values: values,
            incentive: sentence(ratio, locale), meetsTarget: ratio.meetsTarget, target: "1:" + targetText)
    }

    /// The target's value per yuan ("4").
    static var targetText: String {
        let target = IncentiveRatio.target
        return target == target.rounded() ? String(Int(target)) : String(target)
    }

    /// Points issued against value created, as the seeds' 1:4 target asks.
    static func sentence(_ ratio: IncentiveRatio, _ locale: UILocale) -> String {
        let created = Formats.yuan(ratio.valueCreatedYuan)
        guard let shown = ratio.shownRatio else { return I18n.text("fans.incentive_none", locale, [created]) }
        let arguments = [
            Formats.grouped(ratio.pointsIssued), "¥" + IncentiveRatio.plain(ratio.pointValueYuan), Formats.yuan(ratio.costYuan), created,
            String(format: "%.2f", shown), targetText, Formats.yuan(ratio.valueNeededYuan),
        ]
        return I18n.text(ratio.meetsTarget ? "fans.incentive_meets" : "fans.incentive_below", locale, arguments)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let base = "/w/\(model.slug)/fans/report"
        let distribution = model.distribution.map { row -> HTML in
            "<tr><td>\(Badge.html(row.tier, tone: row.tone, data: [("code", row.code)]))</td><td>\(row.fans)</td></tr>"
        }
        let history = model.history.map { day -> HTML in
            "<tr><td><time datetime=\"\(day.day)\">\(day.label)</time></td>\(day.counts.map { c -> HTML in "<td>\(c)</td>" })</tr>"
        }
        let values = model.values.map { row -> HTML in
            "<tr><td>\(row.tier)</td><td>\(row.fans)</td><td>\(row.value)</td><td>\(row.points)</td></tr>"
        }
        let counts: HTML =
            model.latestDay.map { day -> HTML in
                """
                <p>\(ctx.t("fans.distribution_of", day))</p>
                <div class="table-scroll"><table id="tier-distribution"><thead><tr><th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.fans"))</th></tr></thead>\
                <tbody>\(distribution)</tbody></table></div>
                """
            } ?? "<div class=\"empty-state\" id=\"tier-distribution\"><p>\(ctx.t("fans.no_distribution"))</p></div>"
        let trend: HTML =
            model.history.count > 1
            ? """
            <h2>\(ctx.t("fans.distribution_by_day"))</h2>
            <div class="table-scroll"><table id="tier-history-report"><thead><tr><th>\(ctx.t("fans.day"))</th>\
            \(model.tiers.map { t -> HTML in "<th>\(t)</th>" })</tr></thead><tbody>\(history)</tbody></table></div>
            """
            : .empty
        return """
            <h1>\(ctx.t("fans.report_title"))</h1>
            \(FanTabs.html(ctx, slug: model.slug, current: base))
            <h2>\(ctx.t("fans.distribution"))</h2>
            \(counts)
            \(trend)
            <h2>\(ctx.t("fans.value_by_tier"))</h2>
            <div class="table-scroll"><table id="value-by-tier"><thead><tr><th>\(ctx.t("fans.tier"))</th><th>\(ctx.t("fans.fans"))</th>\
            <th>\(ctx.t("fans.value"))</th><th>\(ctx.t("fans.lifetime_points"))</th></tr></thead><tbody>\(values)</tbody></table></div>
            <h2>\(ctx.t("fans.incentive"))</h2>
            <p id="incentive" data-meets="\(model.meetsTarget ? "true" : "false")">\
            \(Badge.html(ctx.t(model.meetsTarget ? "fans.incentive_on_target" : "fans.incentive_off_target"), tone: model.meetsTarget ? .success : .danger, data: [("code", model.meetsTarget ? "meets" : "below")])) \
            \(model.incentive)</p>
            """
    }
}
