import FanfareCore
import Foundation
import Testing

/// The metric store's rules (Analytics/MetricTaxonomy.swift): days and
/// periods, daily totals into series, engagements per platform, quality
/// checks and when a post is read.
@Suite struct MetricTaxonomyTests {
    @Test func daysAreRealCalendarDaysInTheWorkspaceZone() {
        #expect(MetricDay.parse("2026-02-28") != nil)
        #expect(MetricDay.parse("2026-02-29") == nil && MetricDay.parse("2026-2-1") == nil && MetricDay.parse("yesterday") == nil)
        // 2026-01-05 16:30 UTC is already the 6th in Shanghai.
        let instant = Date(timeIntervalSince1970: 1_767_571_200 + 16.5 * 3_600)
        #expect(MetricDay.of(instant, in: TimeZone(identifier: "UTC")!) == "2026-01-05")
        #expect(MetricDay.of(instant, in: TimeZone(identifier: "Asia/Shanghai")!) == "2026-01-06")
        #expect(MetricDay.adding(1, to: "2026-02-28") == "2026-03-01" && MetricDay.distance(from: "2026-01-01", to: "2026-12-31") == 364)
    }

    /// Days are counted by arithmetic from 1600 on; Foundation's Gregorian
    /// calendar is the reference, day by day over four centuries and at the edges.
    @Test func dayArithmeticAgreesWithTheGregorianCalendar() throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "UTC"))
        func reference(_ date: Date, _ calendar: Calendar) -> String {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        }
        for (from, to) in [(1599, 1601), (1699, 1701), (1899, 1901), (1968, 2102), (2399, 2401), (9998, 9999)] {
            var day = try #require(utc.date(from: DateComponents(year: from, month: 12, day: 20)))
            let end = try #require(utc.date(from: DateComponents(year: to, month: 1, day: 10)))
            var previous: String?
            while day < end {
                let text = reference(day, utc)
                #expect(MetricDay.of(day.addingTimeInterval(43_210.5), in: utc.timeZone) == text)
                #expect(MetricDay.parse(text) == day, "\(text)")
                if let previous {
                    #expect(MetricDay.adding(1, to: previous) == text && MetricDay.adding(-1, to: text) == previous, "\(text)")
                }
                previous = text
                day = day.addingTimeInterval(86_400)
            }
        }
        for invalid in ["1900-02-29", "2100-02-29", "2023-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "9999-12-32"] {
            #expect(MetricDay.parse(invalid) == nil, "\(invalid)")
        }
        #expect(MetricDay.parse("2000-02-29") != nil && MetricDay.parse("2024-02-29") != nil)
        #expect(MetricDay.range("2026-02-27", "2026-03-02") == ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"])
        #expect(MetricDay.range("2026-03-02", "2026-02-27").isEmpty && MetricDay.range("soon", "2026-02-27") == ["soon"])
        // Local days in zones with odd offsets, at both sides of midnight.
        for identifier in ["Asia/Shanghai", "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu"] {
            var zoned = Calendar(identifier: .gregorian)
            zoned.timeZone = try #require(TimeZone(identifier: identifier))
            for hours in stride(from: -30.0, to: 24 * 400, by: 7.25) {
                let instant = Date(timeIntervalSince1970: 1_767_571_200 + hours * 3_600)
                #expect(MetricDay.of(instant, in: zoned.timeZone) == reference(instant, zoned), "\(identifier) \(instant)")
            }
        }
    }

    @Test func weeksStartOnMondayAndMonthsAreNamedByTheirMonth() {
        #expect(Granularity.week.period(of: "2026-01-05") == "2026-01-05")  // a Monday
        #expect(Granularity.week.period(of: "2026-01-11") == "2026-01-05")  // its Sunday
        #expect(Granularity.week.period(of: "2026-01-12") == "2026-01-12")
        #expect(Granularity.month.period(of: "2026-01-31") == "2026-01")
        let periods = MetricSeries.periods(from: "2026-01-08", to: "2026-01-20", granularity: .week)
        #expect(periods.map(\.period) == ["2026-01-05", "2026-01-12", "2026-01-19"])
        #expect(periods.first?.first == "2026-01-08" && periods.last?.last == "2026-01-20")
    }

    @Test func followersTakeThePeriodsLastValueAndCarryItForward() {
        let a = DailyTotals(entity: "a", before: 90, days: [("2026-01-05", 100), ("2026-01-07", 130), ("2026-01-12", 150)])
        let b = DailyTotals(entity: "b", before: nil, days: [("2026-01-06", 10)])
        let daily = MetricSeries.aggregate([a, b], from: "2026-01-05", to: "2026-01-08", granularity: .day, aggregation: .last, zeroStart: false)
        #expect(daily.map(\.value) == [100, 110, 140, 140], "a missing day carries the last total; b joins on the 6th")
        let weekly = MetricSeries.aggregate([a, b], from: "2026-01-05", to: "2026-01-18", granularity: .week, aggregation: .last, zeroStart: false)
        #expect(weekly.map(\.value) == [140, 160])
        let net = MetricSeries.aggregate([a, b], from: "2026-01-05", to: "2026-01-18", granularity: .week, aggregation: .change, zeroStart: false)
        #expect(net.map(\.value) == [40, 20], "a: 90 → 130 then 150; b's first total is its start, not growth")
        let empty = MetricSeries.aggregate([], from: "2026-01-05", to: "2026-01-06", granularity: .day, aggregation: .last, zeroStart: false)
        #expect(empty.map(\.value) == [nil, nil])
    }

    @Test func postCountsAreTheChangeWithinEachPeriodFromZeroAtPublishing() {
        // Published on the 5th: 40 likes by the evening, 55 by the 7th.
        let post = DailyTotals(entity: "p", before: nil, days: [("2026-01-05", 40), ("2026-01-07", 55)])
        let old = DailyTotals(entity: "q", before: 500, days: [("2026-01-06", 503)])
        let daily = MetricSeries.aggregate(
            [post, old], from: "2026-01-05", to: "2026-01-07", granularity: .day, aggregation: .change, zeroStart: true)
        #expect(daily.map(\.value) == [40, 3, 15])
        let rate = MetricSeries.ratio(
            [SeriesPoint(period: "x", value: 5), SeriesPoint(period: "y", value: 1)],
            [
                SeriesPoint(period: "x", value: 200), SeriesPoint(period: "y", value: 0),
            ])
        #expect(rate.map(\.value) == [0.025, nil], "no denominator, no rate")
    }

    @Test func engagementsCountWhatEachPlatformCounts() {
        let values: [NormalisedMetric: Int?] = [.likes: 10, .comments: 2, .shares: 3, .saves: 4, .linkClicks: nil]
        #expect(MetricTaxonomy.engagements(platform: "weibo", values: values) == 15)
        #expect(MetricTaxonomy.engagements(platform: "wechat", values: values) == 19, "WeChat counts saves (收藏)")
        #expect(MetricTaxonomy.of("unknown-platform").engagement == [.likes, .comments, .shares])
        #expect(MetricTaxonomy.of("weibo").names["attitudes"] == .likes && MetricTaxonomy.of("bluesky").names["quoteCount"] == .shares)
        #expect(MetricTaxonomy.of("wechat").exportWindowDays == 90 && MetricTaxonomy.of("sandbox").history)
    }

    @Test func qualityFindsGapsAfterTheFirstDayAndJumpsOutsideTheUsual() {
        #expect(
            MetricQuality.gaps(days: ["2026-01-03", "2026-01-05"], first: "2026-01-03", from: "2026-01-01", to: "2026-01-06") == [
                "2026-01-04", "2026-01-06",
            ])
        #expect(MetricQuality.gaps(days: [], first: nil, from: "2026-01-01", to: "2026-01-06").isEmpty)
        var series = (0..<20).map { (MetricDay.adding($0, to: "2026-01-01"), 1_000 + $0 * 10 + ($0 % 3)) }
        #expect(MetricQuality.jumps(series).isEmpty, "steady growth is not a jump")
        series[12].1 += 800
        for index in 13..<20 { series[index].1 += 800 }
        let jumps = MetricQuality.jumps(series)
        #expect(jumps.map(\.day) == ["2026-01-13"] && jumps.first?.change ?? 0 > 800)
        #expect(MetricQuality.jumps(Array(series.prefix(5))).isEmpty, "too few days to judge")
    }

    @Test func postsAreReadDailyForAMonthThenWeeklyForAYear() {
        #expect(PostSnapshotPlan.due(published: "2026-01-01", lastTaken: nil, on: "2026-01-01"))
        #expect(!PostSnapshotPlan.due(published: "2026-01-01", lastTaken: "2026-01-01", on: "2026-01-01"), "once a day")
        #expect(PostSnapshotPlan.due(published: "2026-01-01", lastTaken: "2026-01-20", on: "2026-01-21"))
        #expect(!PostSnapshotPlan.due(published: "2026-01-01", lastTaken: "2026-02-10", on: "2026-02-15"), "weekly after 30 days")
        #expect(PostSnapshotPlan.due(published: "2026-01-01", lastTaken: "2026-02-10", on: "2026-02-17"))
        #expect(!PostSnapshotPlan.due(published: "2026-01-01", lastTaken: "2026-12-20", on: "2027-01-02"), "never after a year")
    }
}
