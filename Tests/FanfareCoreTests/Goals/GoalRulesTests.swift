import FanfareCore
import Foundation
import Testing

/// Goals' fields, validation, decomposition and the three-phase template
/// (issue 21 scope 1; docs/goals.md), without a database.
@Suite struct GoalRulesTests {
    let platforms: Set<String> = ["sandbox", "weibo"]

    func goal(
        _ metric: GoalMetric = .store(.followersNet), target: Double = 1_000, mode: GoalTargetMode = .absolute, start: String = "2027-01-01",
        deadline: String = "2027-12-31", weights: [Double]? = nil
    ) -> GoalDefinition {
        GoalDefinition(title: "Grow", metric: metric, target: target, targetMode: mode, startDay: start, deadline: deadline, monthWeights: weights)
    }

    func codes(_ errors: ValidationErrors) -> [String: MessageCode] {
        Dictionary(errors.issues.map { ($0.field, $0.coded.code) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func metricCodesRoundTripAndUnknownOnesAreRefused() {
        let metrics: [GoalMetric] = [
            .store(.followers), .store(.engagementRate), .rate(.comments, per: .impressions), .conversions(event: nil),
            .conversions(event: "signup"), .conversionRate(event: nil), .conversionRate(event: "order.paid"), .untracked(.roi),
        ]
        for metric in metrics { #expect(GoalMetric(code: metric.code) == metric) }
        for bad in [
            "", "follower", "comments/comments", "comments/engagement_rate", "a/b/c", "conversions:", "conversions:sign up", "untracked:x",
            "conversion_rate:" + String(repeating: "a", count: 65), "FOLLOWERS",
        ] {
            #expect(GoalMetric(code: bad) == nil, "\(bad)")
        }
    }

    @Test func kindAndUnitFollowTheStoresAggregation() {
        #expect(GoalMetric.store(.followers).kind == .level)
        #expect(GoalMetric.store(.followersNet).kind == .cumulative)
        #expect(GoalMetric.store(.comments).kind == .cumulative)
        #expect(GoalMetric.store(.engagementRate).kind == .level)
        #expect(GoalMetric.store(.engagementRate).unit == "ratio")
        #expect(GoalMetric.rate(.comments, per: .impressions).kind == .level)
        #expect(GoalMetric.rate(.comments, per: .impressions).unit == "ratio")
        #expect(GoalMetric.conversions(event: nil).kind == .cumulative)
        #expect(GoalMetric.conversionRate(event: nil).unit == "ratio")
        #expect(!GoalMetric.untracked(.vipShare).isTracked)
        #expect(GoalMetric.store(.likes).isTracked)
    }

    @Test func aGoodGoalPasses() {
        #expect(GoalRules.validate(goal(), platforms: platforms).isEmpty)
        var scoped = goal(.rate(.comments, per: .impressions), target: 0.1)
        scoped.platform = "weibo"
        #expect(GoalRules.validate(scoped, platforms: platforms).isEmpty)
        #expect(GoalRules.validate(goal(target: 40, mode: .increasePercent), platforms: platforms).isEmpty)
    }

    @Test func eachBadFieldIsNamedWithItsCode() {
        var bad = goal(.store(.engagementRate), target: 10, start: "2027-02-30", deadline: "2027-13-01")
        bad.title = "  "
        bad.platform = "myspace"
        let found = codes(GoalRules.validate(bad, platforms: platforms))
        #expect(found["title"] == .lengthBetween)
        #expect(found["target"] == .goalRatioTarget)
        #expect(found["start_day"] == .dateFormat)
        #expect(found["deadline"] == .dateFormat)
        #expect(found["platform"] == .unknownValue)

        #expect(codes(GoalRules.validate(goal(target: 0), platforms: platforms))["target"] == .goalTargetAboveZero)
        #expect(codes(GoalRules.validate(goal(target: -5), platforms: platforms))["target"] == .goalTargetAboveZero)
        #expect(codes(GoalRules.validate(goal(target: .nan), platforms: platforms))["target"] == .typeNumber)
        #expect(codes(GoalRules.validate(goal(target: .infinity), platforms: platforms))["target"] == .typeNumber)
        #expect(codes(GoalRules.validate(goal(target: 0, mode: .increasePercent), platforms: platforms))["target"] == .goalIncreasePercent)
        #expect(codes(GoalRules.validate(goal(target: 10_001, mode: .increasePercent), platforms: platforms))["target"] == .goalIncreasePercent)
        var twoLines = goal()
        twoLines.title = "a\nb"
        #expect(codes(GoalRules.validate(twoLines, platforms: platforms))["title"] == .singleLine)
        var long = goal()
        long.title = String(repeating: "目", count: 201)
        #expect(codes(GoalRules.validate(long, platforms: platforms))["title"] == .lengthBetween)
    }

    @Test func theDeadlineComesAfterTheStartWithinThreeYears() {
        #expect(
            codes(GoalRules.validate(goal(start: "2027-03-01", deadline: "2027-03-01"), platforms: platforms))["deadline"] == .goalDeadlineAfterStart)
        #expect(
            codes(GoalRules.validate(goal(start: "2027-03-01", deadline: "2027-02-01"), platforms: platforms))["deadline"] == .goalDeadlineAfterStart)
        #expect(GoalRules.validate(goal(start: "2027-01-01", deadline: "2029-12-31"), platforms: platforms).isEmpty)  // 1,096 days
        let tooLong = GoalRules.validate(goal(start: "2027-01-01", deadline: "2030-01-01"), platforms: platforms)
        #expect(codes(tooLong)["deadline"] == .goalSpanAtMost)
        #expect(tooLong.issues.first?.coded.arguments["days"] == .int(1_097))
    }

    @Test func monthWeightsNeedOnePerMonthAndSomeWeight() {
        #expect(GoalRules.validate(goal(weights: Array(repeating: 1, count: 12)), platforms: platforms).isEmpty)
        for bad in [
            Array(repeating: 1.0, count: 11), Array(repeating: 0.0, count: 12), [-1] + Array(repeating: 1.0, count: 11),
            [Double.nan] + Array(repeating: 1.0, count: 11),
        ] {
            let errors = GoalRules.validate(goal(weights: bad), platforms: platforms)
            #expect(codes(errors)["month_weights"] == .goalMonthWeights)
            #expect(errors.issues.first?.coded.arguments["months"] == .int(12))
        }
        // A goal from mid-January to mid-March touches three months.
        #expect(GoalRules.validate(goal(start: "2027-01-15", deadline: "2027-03-14", weights: [1, 1, 1]), platforms: platforms).isEmpty)
    }

    @Test func toleranceAndKeyResultBounds() {
        #expect(GoalRules.validateTolerance(0.2).isEmpty)
        #expect(GoalRules.validateTolerance(0.01).isEmpty)
        for bad in [0, 0.009, 0.91, 1, -0.2, Double.nan] { #expect(codes(GoalRules.validateTolerance(bad))["off_track_tolerance"] == .goalTolerance) }
        #expect(GoalRules.validateKeyResultCount(6).isEmpty)
        #expect(codes(GoalRules.validateKeyResultCount(7))["key_results"] == .itemsAtMost)
    }

    @Test func aYearSplitsEvenlyByDaysIntoQuartersAndMonths() {
        let year = goal(target: 36_500)
        let quarters = GoalDecomposition.split(year, by: .quarter, target: 36_500, baseline: nil)
        #expect(quarters.map(\.period) == ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"])
        #expect(quarters.map(\.from) == ["2027-01-01", "2027-04-01", "2027-07-01", "2027-10-01"])
        #expect(quarters.map(\.to) == ["2027-03-31", "2027-06-30", "2027-09-30", "2027-12-31"])
        // 90, 91, 92 and 92 days of 365 at 100 a day.
        let targets = quarters.map { ($0.target ?? 0).rounded() }
        #expect(targets == [9_000, 9_100, 9_200, 9_200])
        #expect(abs((quarters.last?.toDate ?? 0) - 36_500) < 1e-6)
        let months = GoalDecomposition.split(year, by: .month, target: 36_500, baseline: nil)
        #expect(months.count == 12)
        #expect(months[1].period == "2027-02")
        #expect(abs((months[1].target ?? 0) - 2_800) < 1e-6)
        #expect(abs(months.reduce(0) { $0 + ($1.target ?? 0) } - 36_500) < 1e-6)
    }

    @Test func weightsShiftTheTargetBetweenMonths() {
        // Twice the effort in December (the sales season).
        let weights = Array(repeating: 1.0, count: 11) + [2]
        let year = goal(target: 13_000, weights: weights)
        let months = GoalDecomposition.split(year, by: .month, target: 13_000, baseline: nil)
        #expect(abs((months[0].target ?? 0) - 1_000) < 1e-6)
        #expect(abs((months[11].target ?? 0) - 2_000) < 1e-6)
        let quarters = GoalDecomposition.split(year, by: .quarter, target: 13_000, baseline: nil)
        #expect(abs((quarters[3].target ?? 0) - 4_000) < 1e-6)
        // Half way through January, half of January's weight.
        #expect(abs(GoalPath.share(year, through: "2027-01-16") - 16.0 / 31 / 13) < 1e-9)
    }

    @Test func aLevelGoalSplitsIntoMilestonesFromItsBaseline() {
        let followers = goal(.store(.followers), target: 20_000)
        let quarters = GoalDecomposition.split(followers, by: .quarter, target: 20_000, baseline: 10_000)
        #expect(abs((quarters[1].target ?? 0) - (10_000 + 10_000 * 181.0 / 365)) < 1e-6)
        #expect(quarters.last?.target == 20_000)
        // Without a baseline the milestones are not known yet.
        #expect(GoalDecomposition.split(followers, by: .quarter, target: 20_000, baseline: nil).allSatisfy { $0.target == nil })
    }

    @Test func aGoalNotOnMonthEdgesSplitsIntoItsOwnDays() {
        let partial = goal(target: 100, start: "2027-02-15", deadline: "2027-05-10")
        let quarters = GoalDecomposition.split(partial, by: .quarter, target: 100, baseline: nil)
        #expect(quarters.map(\.period) == ["2027-Q1", "2027-Q2"])
        #expect(quarters[0].from == "2027-02-15" && quarters[0].to == "2027-03-31")
        #expect(quarters[1].from == "2027-04-01" && quarters[1].to == "2027-05-10")
        // 45 of 85 days fall in the first quarter.
        #expect(abs((quarters[0].target ?? 0) - 100 * 45 / 85) < 1e-9)
    }

    @Test func monthsAreAddedKeepingTheDayOrTheMonthsEnd() {
        #expect(GoalCalendar.adding(months: 3, to: "2027-01-01") == "2027-04-01")
        #expect(GoalCalendar.adding(months: 1, to: "2027-01-31") == "2027-02-28")
        #expect(GoalCalendar.adding(months: 1, to: "2028-01-31") == "2028-02-29")
        #expect(GoalCalendar.adding(months: 12, to: "2027-11-15") == "2028-11-15")
        #expect(GoalCalendar.quarter(of: "2027-11-15") == "2027-Q4")
        #expect(GoalCalendar.months(from: "2027-11-15", to: "2028-02-01") == ["2027-11", "2027-12", "2028-01", "2028-02"])
    }

    @Test func theThreePhasePlanCarriesTheSeedsNumbers() {
        let byKey = Dictionary(uniqueKeysWithValues: ThreePhasePlan.items.map { ($0.key, $0) })
        #expect(byKey["comment_rate"]?.target == 0.10)
        #expect(byKey["comment_rate"]?.metric == .rate(.comments, per: .impressions))
        #expect(byKey["vip_share"]?.target == 0.25)
        #expect(byKey["content_conversion"]?.target == 0.08)
        #expect(byKey["content_conversion"]?.metric == .conversionRate(event: nil))
        #expect(byKey["community_interactions"]?.target == 40)
        #expect(byKey["community_interactions"]?.targetMode == .increasePercent)
        #expect(byKey["roi"]?.target == 3)
        #expect(byKey["repurchase"]?.target == 0.35)
        #expect(byKey["brand_search"]?.target == 50)
        #expect(byKey["follower_growth"]?.target == 150_000)
        #expect(byKey["content_pillars"]?.target == 3)
        // Every item's target passes the goal rules as written.
        for item in ThreePhasePlan.items {
            let written = GoalDefinition(
                title: item.key, metric: item.metric, target: item.target, targetMode: item.targetMode, startDay: "2027-01-01",
                deadline: "2027-03-31")
            #expect(GoalRules.validate(written, platforms: platforms).isEmpty, "\(item.key)")
        }
    }

    @Test func applyingThePlanWritesThreeObjectivesOverTheYear() {
        let objectives = ThreePhasePlan.apply(start: "2027-01-01") { $0.key }
        #expect(objectives.map(\.phase) == [.foundation, .deepOperation, .monetisation])
        #expect(objectives.map(\.startDay) == ["2027-01-01", "2027-04-01", "2027-07-01"])
        #expect(objectives.map(\.deadline) == ["2027-03-31", "2027-06-30", "2027-12-31"])
        #expect(objectives.allSatisfy { $0.keyResults.count == 3 && $0.keyResults.count <= GoalRules.maxKeyResults })
        #expect(objectives[0].keyResults.map(\.goal.title) == ["follower_growth", "comment_rate", "content_pillars"])
        // Starting mid-month keeps the phases' lengths in months.
        let mid = ThreePhasePlan.apply(start: "2027-01-31") { $0.key }
        #expect(mid[0].deadline == "2027-04-29")
        #expect(mid[1].startDay == "2027-04-30")
    }

    @Test func editsChangeTargetsAndLeaveItemsOut() {
        let edits: [String: ThreePhasePlan.Edit] = [
            "comment_rate": .init(target: 0.12), "content_pillars": .init(include: false), "roi": .init(include: false),
            "repurchase": .init(include: false), "brand_search": .init(include: false),
        ]
        let owner = UUID()
        let objectives = ThreePhasePlan.apply(start: "2027-01-01", edits: edits, ownerID: owner, platform: "weibo") { $0.key }
        #expect(objectives.map(\.phase) == [.foundation, .deepOperation])
        #expect(objectives[0].keyResults.map(\.key) == ["follower_growth", "comment_rate"])
        #expect(objectives[0].keyResults[1].goal.target == 0.12)
        #expect(objectives.flatMap(\.keyResults).allSatisfy { $0.goal.ownerID == owner && $0.goal.platform == "weibo" })
    }
}
