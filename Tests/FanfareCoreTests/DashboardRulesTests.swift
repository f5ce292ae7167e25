import FanfareCore
import Foundation
import Testing

/// The overview's rules (Analytics/Dashboard.swift): periods and their
/// comparison, the change, the engagement rate's basis, new and lost
/// followers, the ranking of posts, the service-level share, exports.
@Suite struct DashboardRulesTests {
    @Test func aPeriodIsComparedWithTheDaysJustBeforeItOrTheSameDaysAYearEarlier() {
        let week = DashboardPeriod.last(7, endingOn: "2026-03-07")
        #expect(week == DashboardPeriod(from: "2026-03-01", to: "2026-03-07") && week.days == 7)
        #expect(week.comparison(.previous) == DashboardPeriod(from: "2026-02-22", to: "2026-02-28"))
        #expect(week.comparison(.lastYear) == DashboardPeriod(from: "2025-03-01", to: "2025-03-07"))
        // A leap day becomes the 28th; a period across a month keeps its length.
        let leap = DashboardPeriod(from: "2028-02-29", to: "2028-03-02")
        #expect(leap.comparison(.lastYear) == DashboardPeriod(from: "2027-02-28", to: "2027-03-02"))
        #expect(DashboardPeriod(from: "2026-01-30", to: "2026-02-02").comparison(.previous) == DashboardPeriod(from: "2026-01-26", to: "2026-01-29"))
    }

    @Test func theChangeIsAShareOfThePreviousValueAndNothingComparesWithNothing() {
        #expect(KPIChange(current: 120, previous: 100) == KPIChange(current: 120, previous: 100))
        #expect(KPIChange(current: 120, previous: 100).ratio == 0.2 && KPIChange(current: 120, previous: 100).direction == .up)
        #expect(KPIChange(current: 75, previous: 100).ratio == -0.25 && KPIChange(current: 75, previous: 100).direction == .down)
        // A fall from a negative net growth is measured against its size.
        #expect(KPIChange(current: -30, previous: -20).ratio == -0.5)
        #expect(KPIChange(current: 5, previous: 0).ratio == nil && KPIChange(current: 5, previous: 0).direction == .up)
        #expect(KPIChange(current: 5, previous: nil).ratio == nil && KPIChange(current: 5, previous: nil).direction == .flat)
        #expect(KPIChange(current: 0.0123, previous: 0.0123).direction == .flat && KPIChange(current: 1, previous: 1).ratio == 0)
    }

    @Test func theEngagementRateSaysItsBasis() {
        #expect(EngagementBasis.choose(impressions: 1_000) == .impressions)
        #expect(EngagementBasis.choose(impressions: 0) == .followers && EngagementBasis.choose(impressions: nil) == .followers)
        #expect(EngagementBasis.impressions.rate(engagements: 50, impressions: 1_000, followers: 10) == 0.05)
        #expect(EngagementBasis.followers.rate(engagements: 50, impressions: 1_000, followers: 400) == 0.125)
        #expect(EngagementBasis.followers.rate(engagements: 50, impressions: nil, followers: 0) == nil)
        #expect(EngagementBasis.impressions.rate(engagements: nil, impressions: 10, followers: nil) == nil)
    }

    @Test func newAndLostAreEachAccountsDailyRisesAndFallsAddedUp() {
        let period = DashboardPeriod(from: "2026-03-02", to: "2026-03-05")
        let a = DailyTotals(entity: "a", before: 100, days: [("2026-03-02", 110), ("2026-03-03", 107), ("2026-03-05", 120)])
        let b = DailyTotals(entity: "b", before: nil, days: [("2026-03-03", 50), ("2026-03-04", 45)])
        let days = FollowerFlow.days([a, b], period: period)
        #expect(days.map(\.new) == [10, 0, 0, 13], "b's first day is its start, not growth")
        #expect(days.map(\.lost) == [0, 3, 5, 0])
        #expect(days.map(\.net) == [10, -3, -5, 13])
        #expect(days.map(\.followers) == [110, 157, 152, 165], "a day without a reading carries the last total")
        // Nothing stored: no followers, no change.
        #expect(FollowerFlow.days([], period: period).allSatisfy { $0.followers == nil && $0.net == 0 })
    }

    @Test func postsRankByEngagementsThenRateThenIdAndBottomNeverRepeatsTop() {
        let posts = [
            RankedPost(id: "c", engagements: 10, rate: 0.01), RankedPost(id: "a", engagements: 50, rate: nil),
            RankedPost(id: "b", engagements: 10, rate: 0.05), RankedPost(id: "d", engagements: 0, rate: nil),
            RankedPost(id: "e", engagements: 10, rate: nil),
        ]
        let ranked = PostRanking.rank(posts, limit: 2)
        #expect(ranked.top.map(\.id) == ["a", "b"])
        #expect(ranked.bottom.map(\.id) == ["d", "e"], "the weakest first")
        let few = PostRanking.rank(Array(posts.prefix(3)), limit: 2)
        #expect(few.top.map(\.id) == ["a", "b"] && few.bottom.map(\.id) == ["c"])
        #expect(PostRanking.rank([], limit: 5).top.isEmpty)
    }

    @Test func theServiceLevelCountsOnlyDecidedConversations() {
        let policy = ServiceLevelPolicy(firstResponse: 3_600, resolution: 86_400)
        let utc = TimeZone(identifier: "UTC")!
        let opened = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(ServiceLevelOutcome.of(openedAt: opened, firstResponseAt: opened + 600, now: opened + 9_000, policy: policy, zone: utc) == .met)
        #expect(ServiceLevelOutcome.of(openedAt: opened, firstResponseAt: opened + 7_200, now: opened + 9_000, policy: policy, zone: utc) == .missed)
        #expect(ServiceLevelOutcome.of(openedAt: opened, firstResponseAt: nil, now: opened + 9_000, policy: policy, zone: utc) == .missed)
        #expect(ServiceLevelOutcome.of(openedAt: opened, firstResponseAt: nil, now: opened + 60, policy: policy, zone: utc) == .pending)
        #expect(ServiceLevelOutcome.share(met: 3, missed: 1) == 0.75 && ServiceLevelOutcome.share(met: 0, missed: 0) == nil)
    }

    @Test func contentBreakdownPrefersImpressionsAndCountsEachAccountsFollowersOnce() {
        let rows = ContentBreakdown.group(
            [
                BreakdownPost(group: "core", account: "a", engagements: 30, impressions: 1_000),
                BreakdownPost(group: "core", account: "a", engagements: 10, impressions: nil),
                BreakdownPost(group: "basic", account: "a", engagements: 20, impressions: nil),
                BreakdownPost(group: "basic", account: "a", engagements: 20, impressions: nil),
            ], followers: ["a": 400])
        #expect(rows.map(\.group) == ["basic", "core"] && rows.map(\.posts) == [2, 2])
        #expect(rows[1].basis == .impressions && rows[1].rate == 0.03, "only the posts with impressions")
        #expect(rows[0].basis == .followers && rows[0].rate == 0.1, "40 ÷ 400, the account once")
    }

    @Test func anomaliesAreJudgedOnEarlierPointsOnlyAndMarkedInThePeriod() {
        var series: [(day: String, value: Double?)] = (0..<35).map { (MetricDay.adding($0, to: "2026-01-05"), 100 + Double($0 % 3)) }
        series[30].value = 900
        let flags = DashboardAnomalies.flags(series, judgeFrom: "2026-01-26", minChange: 50)
        #expect(flags == [series[30].day])
        // The same spike before `judgeFrom` is history, not a mark.
        #expect(DashboardAnomalies.flags(series, judgeFrom: "2026-02-06", minChange: 50).isEmpty)
        // Later points never change an earlier verdict.
        #expect(DashboardAnomalies.flags(Array(series.prefix(31)), judgeFrom: "2026-01-26", minChange: 50) == flags)
    }

    @Test func exportsAreNamedByWorkspaceAndPeriodAndOpenInExcelWithChinese() {
        let name = ExportName.csv(workspace: "brand-cn", what: "followers_flow-day", period: DashboardPeriod(from: "2026-03-01", to: "2026-03-28"))
        #expect(name == "fanfare-brand-cn-followers_flow-day-2026-03-01_2026-03-28.csv")
        #expect(ExportName.csv(workspace: "a b/\"c", what: "x", period: .init(from: "1", to: "2")) == "fanfare-a-b--c-x-1_2.csv")
        var writer = CSVWriter(header: ["标题", "值"])
        writer.append(["春季上新, \"限量\"", "=1+1"])
        writer.append(["-5", "-1+1"])
        let text = ExportName.withBOM(writer)
        #expect(text.hasPrefix("\u{FEFF}标题,值\r\n"))
        #expect(text.contains("\"春季上新, \"\"限量\"\"\",'=1+1\r\n"), "quoted, doubled quotes, a formula defused")
        #expect(text.contains("\r\n-5,'-1+1\r\n"), "a negative number stays a number; a formula starting with - does not")
        #expect(Array(text.utf8.prefix(3)) == [0xEF, 0xBB, 0xBF])
    }
}
