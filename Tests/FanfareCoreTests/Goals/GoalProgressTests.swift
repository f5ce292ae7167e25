import FanfareCore
import Foundation
import Testing

/// Progress, projection, the off-track rule and the target path
/// (docs/goals.md), from daily series, without a database.
@Suite struct GoalProgressTests {
    /// A daily series from `from`, one value a day from `values`.
    func series(from: String, _ values: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: values.enumerated().map { (MetricDay.adding($0.offset, to: from), $0.element) })
    }

    let year = GoalDefinition(title: "New followers", metric: .store(.followersNet), target: 36_500, startDay: "2027-01-01", deadline: "2027-12-31")

    @Test func aCumulativeGoalProjectsItsRunRate() {
        // 40 days at 100 a day: 4,000 counted, 325 days left at 100 = 36,500.
        let progress = GoalProgressRule.progress(year, series: series(from: "2027-01-01", Array(repeating: 100, count: 40)), today: "2027-02-09")
        #expect(progress.actual == 4_000)
        #expect(progress.method == .runRate)
        #expect(abs((progress.projected ?? 0) - 36_500) < 1e-6)
        #expect(progress.state == .onTrack)
        #expect(abs((progress.fraction ?? 0) - 4_000.0 / 36_500) < 1e-9)
        #expect(abs((progress.expected ?? 0) - 4_000) < 1e-6)
        #expect(abs(progress.shortfall ?? 1) < 1e-9)
    }

    @Test func theRunRateReadsOnlyTheRecentWindow() {
        // 12 days at 200 then 28 days at 60: the window's rate is 60 a day.
        let values = Array(repeating: 200.0, count: 12) + Array(repeating: 60.0, count: 28)
        let progress = GoalProgressRule.progress(year, series: series(from: "2027-01-01", values), today: "2027-02-09")
        #expect(abs((progress.actual ?? 0) - 4_080) < 1e-9)
        #expect(abs((progress.projected ?? 0) - (4_080 + 60 * 325)) < 1e-6)
        // 23,580 of 36,500 misses by 35 %: off track.
        #expect(progress.state == .offTrack)
        #expect(abs((progress.shortfall ?? 0) - (36_500 - 23_580) / 36_500) < 1e-9)
    }

    @Test func daysWithoutAValueCountAsNothingInTheRunRate() {
        // Values on 10 of the last 28 days: the rate is over 28 days.
        var values: [String: Double] = [:]
        for day in 0..<10 { values[MetricDay.adding(30 + day, to: "2027-01-01")] = 280 }
        let progress = GoalProgressRule.progress(year, series: values, today: "2027-02-09")
        #expect(progress.actual == 2_800)
        #expect(abs((progress.projected ?? 0) - (2_800 + 100 * 325)) < 1e-6)
    }

    @Test func theToleranceIsTheWorkspaces() {
        // Projected 30,000 of 36,500: 17.8 % short.
        let values = Array(repeating: 30_000.0 / 365, count: 60)
        let standard = GoalProgressRule.progress(year, series: series(from: "2027-01-01", values), today: "2027-03-01")
        #expect(standard.state == .onTrack)
        let strict = GoalProgressRule.progress(
            year, series: series(from: "2027-01-01", values), today: "2027-03-01", settings: GoalSettings(tolerance: 0.1))
        #expect(strict.state == .offTrack)
        // Exactly 20 % short is not more than 20 %.
        let edge = Array(repeating: 36_500.0 * 0.8 / 365, count: 60)
        #expect(GoalProgressRule.progress(year, series: series(from: "2027-01-01", edge), today: "2027-03-01").state == .onTrack)
    }

    @Test func aLevelGoalProjectsTheLeastSquaresTrend() {
        // Followers from 10,000 rising 50 a day; target 30,000 by the year's end.
        let followers = GoalDefinition(title: "Followers", metric: .store(.followers), target: 30_000, startDay: "2027-01-01", deadline: "2027-12-31")
        let values = (0..<60).map { 10_000 + 50 * Double($0) }
        let progress = GoalProgressRule.progress(followers, series: series(from: "2027-01-01", values), today: "2027-03-01")
        #expect(progress.method == .trend)
        #expect(progress.baseline == 10_000)
        #expect(progress.actual == 12_950)
        // The line reaches 10,000 + 50 × 364 = 28,200 on Dec 31: 6 % short.
        #expect(abs((progress.projected ?? 0) - 28_200) < 1e-6)
        #expect(progress.state == .onTrack)
        #expect(abs((progress.fraction ?? 0) - 2_950.0 / 20_000) < 1e-9)
        // Flat followers miss by far.
        let flat = GoalProgressRule.progress(followers, series: series(from: "2027-01-01", Array(repeating: 10_000, count: 60)), today: "2027-03-01")
        #expect(flat.projected == 10_000)
        #expect(flat.state == .offTrack)
    }

    @Test func aLevelWithFewerThanAWeekOfValuesHoldsItsCurrentValue() {
        // The demo's comment rate: three days of post metrics, rising from
        // 0 to 0.75 %; a line through them would read 12 % a month later.
        let rate = GoalDefinition(
            title: "Comment rate", metric: .rate(.comments, per: .impressions), target: 0.1, startDay: "2026-10-08", deadline: "2027-01-07")
        let three = ["2026-12-05": 0, "2026-12-06": 0.003, "2026-12-07": 0.0075]
        let held = GoalProgressRule.progress(rate, series: three, today: "2026-12-07")
        #expect(held.method == .held)
        #expect(abs((held.projected ?? 0) - 0.0105 / 3) < 1e-12)
        #expect(held.state == .offTrack)
        // A week of the same climb is a trend again.
        let week = (0..<7).reduce(into: [String: Double]()) { $0[MetricDay.adding($1 - 6, to: "2026-12-07")] = 0.003 * Double($1) }
        let trend = GoalProgressRule.progress(rate, series: week, today: "2026-12-07")
        #expect(trend.method == .trend)
        #expect((trend.projected ?? 0) > 0.1)
    }

    @Test func theTrendIgnoresNoiseAroundTheLine() {
        let followers = GoalDefinition(title: "Followers", metric: .store(.followers), target: 20_000, startDay: "2027-01-01", deadline: "2027-04-10")
        // 100 a day with ±30 alternating around the line.
        let values: [Double] = (0..<28).map { (day: Int) -> Double in
            let noise: Double = day % 2 == 0 ? 30 : -30
            return 10_000 + 100 * Double(day) + noise
        }
        let progress = GoalProgressRule.progress(followers, series: series(from: "2027-01-01", values), today: "2027-01-28")
        // The alternating ±30 tilts the fitted slope by 0.23 a day: the
        // projection 72 days on stays within the noise's size of the line.
        #expect(abs((progress.projected ?? 0) - (10_000 + 100 * 99)) < 30)
    }

    @Test func aRateIsReadAsItsLastWeeksMeanAndKeptWithinZeroAndOne() {
        let rate = GoalDefinition(
            title: "Comment rate", metric: .rate(.comments, per: .impressions), target: 0.10, startDay: "2027-01-01", deadline: "2027-03-31")
        let values = (0..<30).map { $0 % 2 == 0 ? 0.12 : 0.08 }
        let progress = GoalProgressRule.progress(rate, series: series(from: "2027-01-01", values), today: "2027-01-30")
        // The last seven days are 0.08, 0.12, … (four of 0.08, three of 0.12).
        #expect(abs((progress.actual ?? 0) - (4 * 0.08 + 3 * 0.12) / 7) < 1e-12)
        // A steep rise is not projected past 100 %.
        let steep = (0..<30).map { 0.03 * Double($0) }
        let capped = GoalProgressRule.progress(rate, series: series(from: "2027-01-01", steep), today: "2027-01-30")
        #expect(capped.projected == 1)
    }

    @Test func aRiseIsMeasuredFromTheDaysBeforeTheStart() {
        // Engagements +40 % over 90 days: the 90 days before counted 9,000.
        let rise = GoalDefinition(
            title: "Interactions", metric: .store(.engagements), target: 40, targetMode: .increasePercent, startDay: "2027-04-01",
            deadline: "2027-06-29")
        #expect(rise.days == 90)
        #expect(GoalProgressRule.readFrom(rise) == "2027-01-01")
        var values = series(from: "2027-01-01", Array(repeating: 100, count: 90))
        for (day, value) in series(from: "2027-04-01", Array(repeating: 150, count: 30)) { values[day] = value }
        let progress = GoalProgressRule.progress(rise, series: values, today: "2027-04-30")
        #expect(progress.baseline == 9_000)
        #expect(abs((progress.target ?? 0) - 12_600) < 1e-9)
        #expect(abs((progress.projected ?? 0) - 13_500) < 1e-6)
        #expect(progress.state == .onTrack)
        // Nothing before the start: no baseline, no target, no judgement.
        let none = GoalProgressRule.progress(rise, series: series(from: "2027-04-01", Array(repeating: 150, count: 30)), today: "2027-04-30")
        #expect(none.target == nil)
        #expect(none.state == .noData)
    }

    @Test func statesBeforeDuringAndAfter() {
        let values = series(from: "2027-01-01", Array(repeating: 100, count: 365))
        #expect(GoalProgressRule.progress(year, series: [:], today: "2026-12-31").state == .notStarted)
        #expect(GoalProgressRule.progress(year, series: [:], today: "2027-03-01").state == .noData)
        // Day 6 of a year: too early to flag however it looks.
        let early = GoalProgressRule.progress(year, series: series(from: "2027-01-01", [1, 1, 1, 1, 1, 1]), today: "2027-01-06")
        #expect(early.state == .tooEarly)
        #expect(
            GoalProgressRule.progress(year, series: series(from: "2027-01-01", Array(repeating: 1, count: 7)), today: "2027-01-07").state == .offTrack
        )
        let done = GoalProgressRule.progress(year, series: values, today: "2028-01-15")
        #expect(done.asOf == "2027-12-31")
        #expect(done.actual == 36_500)
        #expect(done.state == .achieved)
        let short = GoalProgressRule.progress(year, series: series(from: "2027-01-01", Array(repeating: 99, count: 365)), today: "2028-01-01")
        #expect(short.state == .missed)
        // Days after the deadline do not count.
        var late = values
        late["2028-01-05"] = 1_000_000
        #expect(GoalProgressRule.progress(year, series: late, today: "2028-01-15").actual == 36_500)
        let untracked = GoalDefinition(title: "ROI", metric: .untracked(.roi), target: 3, startDay: "2027-01-01", deadline: "2027-12-31")
        #expect(GoalProgressRule.progress(untracked, series: values, today: "2027-06-01").state == .untracked)
    }

    @Test func anAtMostGoalIsOffTrackWhenProjectedAbove() {
        let cap = GoalDefinition(
            title: "Shares at most", metric: .store(.shares), target: 3_650, direction: .atMost, startDay: "2027-01-01", deadline: "2027-12-31")
        let calm = GoalProgressRule.progress(cap, series: series(from: "2027-01-01", Array(repeating: 10, count: 30)), today: "2027-01-30")
        #expect(calm.state == .onTrack)
        #expect(calm.fraction == 1)
        let busy = GoalProgressRule.progress(cap, series: series(from: "2027-01-01", Array(repeating: 13, count: 30)), today: "2027-01-30")
        #expect(busy.state == .offTrack)
    }

    @Test func thePathRisesEvenlyOrByWeights() {
        let path = GoalPath.points(year, target: 36_500, baseline: nil)
        #expect(path.count == 365)
        #expect(path.first?.day == "2027-01-01" && abs((path.first?.value ?? 0) - 100) < 1e-9)
        #expect(path.last?.value == 36_500)
        let level = GoalDefinition(title: "F", metric: .store(.followers), target: 11_000, startDay: "2027-01-01", deadline: "2027-01-10")
        let levelPath = GoalPath.points(level, target: 11_000, baseline: 10_000).map(\.value)
        #expect(levelPath.count == 10)
        for (index, value) in levelPath.enumerated() { #expect(abs(value - (10_100 + 100 * Double(index))) < 1e-9) }
        #expect(GoalPath.points(level, target: 11_000, baseline: nil).isEmpty)
        #expect(GoalPath.expected(year, target: 36_500, baseline: nil, on: "2026-12-01") == 0)
        #expect(GoalPath.expected(year, target: 36_500, baseline: nil, on: "2028-12-01") == 36_500)
    }

    @Test func theActualLineRunsUpCumulativeGains() {
        let values = series(from: "2026-12-30", [5, 5, 1, 2, 3])
        let line = GoalPath.actualLine(year, series: values, through: "2027-01-02")
        #expect(line.map(\.day) == ["2027-01-01", "2027-01-02"])
        #expect(line.map(\.value) == [1, 3])
    }

    @Test func anObjectiveTakesItsKeyResultsMeanAndMostUrgentState() {
        func result(_ state: GoalState, _ fraction: Double?) -> GoalProgress {
            GoalProgress(
                asOf: "2027-02-01", state: state, target: 1, baseline: nil, actual: nil, fraction: fraction, expected: nil, projected: nil,
                method: .runRate, shortfall: nil)
        }
        let combined = GoalProgressRule.combine([result(.onTrack, 0.5), result(.offTrack, 0.1), result(.achieved, 1.4), result(.untracked, nil)])
        // 1.4 counts as 1; the untracked result has no share.
        #expect(abs((combined.fraction ?? 0) - (0.5 + 0.1 + 1) / 3) < 1e-9)
        #expect(combined.state == .offTrack)
        #expect(GoalProgressRule.combine([result(.achieved, 1), result(.untracked, nil)]).state == .achieved)
        #expect(GoalProgressRule.combine([result(.untracked, nil)]).fraction == nil)
        #expect(GoalProgressRule.combine([]).state == .noData)
    }

    @Test func aGoalNotifiesOncePerSlideOffTrack() {
        #expect(GoalProgressRule.notifies(previous: nil, current: .offTrack))
        #expect(GoalProgressRule.notifies(previous: .onTrack, current: .offTrack))
        #expect(GoalProgressRule.notifies(previous: .tooEarly, current: .offTrack))
        #expect(!GoalProgressRule.notifies(previous: .offTrack, current: .offTrack))
        #expect(!GoalProgressRule.notifies(previous: .offTrack, current: .onTrack))
        #expect(!GoalProgressRule.notifies(previous: .onTrack, current: .missed))
    }

    @Test func leastSquaresNeedsTwoDistinctDays() {
        #expect(LeastSquares.fit([]) == nil)
        #expect(LeastSquares.fit([(x: 1, y: 2)]) == nil)
        #expect(LeastSquares.fit([(x: 1, y: 2), (x: 1, y: 3)]) == nil)
        let line = LeastSquares.fit([(x: 0, y: 1), (x: 1, y: 3), (x: 2, y: 5)])
        #expect(line?.slope == 2 && line?.intercept == 1)
    }
}
