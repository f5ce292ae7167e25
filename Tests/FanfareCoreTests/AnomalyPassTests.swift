import FanfareCore
import Foundation
import Testing

/// The nightly pass's rules (Analytics/AnomalyPass.swift): which days are
/// judged, totals judged through their changes, sums of many posts'
/// changes, counts with their zeros, and the series keys a query names.
@Suite struct AnomalyPassTests {
    static func days(_ values: [Double], from first: String = "2026-01-05") -> [(day: String, value: Double)] {
        values.enumerated().map { (MetricDay.adding($0.offset, to: first), $0.element) }
    }

    @Test func thePassJudgesTheDaysSinceTheLastOneAtMostAWeek() {
        #expect(AnomalyPass.daysToJudge(lastJudged: nil, through: "2026-03-10")! == ("2026-03-10", "2026-03-10"))
        #expect(AnomalyPass.daysToJudge(lastJudged: "2026-03-08", through: "2026-03-10")! == ("2026-03-09", "2026-03-10"))
        #expect(AnomalyPass.daysToJudge(lastJudged: "2026-01-01", through: "2026-03-10")! == ("2026-03-04", "2026-03-10"))
        #expect(AnomalyPass.daysToJudge(lastJudged: "2026-03-10", through: "2026-03-10") == nil, "a rerun judges nothing")
    }

    /// 10,000 followers growing by about 30 a day, less at weekends: the
    /// detector on the total itself would flag every day (its same-weekday
    /// median lags two to three weeks of growth); judged through its
    /// changes nothing is flagged, and a loss of 800 is.
    @Test func aGrowingTotalIsNotNewsAndALossIs() {
        var noise = AnomalyDetectorTests.Noise(seed: 5)
        var level = 10_000.0
        var values: [Double] = []
        for day in 0..<120 {
            level += (day % 7 >= 5 ? 18 : 32) + noise.normal(sigma: 4)
            if day == 100 { level -= 800 }
            values.append(level.rounded())
        }
        let series = Self.days(values)
        let raw = AnomalyPass.judge(series, judgeFrom: series[60].day, settings: AnomalySeriesKind.followers.settings)
        #expect(raw.count > 30, "the detector on a growing total flags growth (\(raw.count)): why totals go through their changes")
        let flags = AnomalyPass.judgeLevels(series, judgeFrom: series[60].day)
        #expect(flags.map(\.day) == [series[100].day], "\(flags)")
        let loss = flags[0]
        #expect(loss.value == values[100])
        #expect(abs(loss.expected - (values[99] + 32)) < 10, "the day before plus the usual change: \(loss.expected)")
        #expect(loss.low < loss.expected && loss.expected < loss.high && loss.value < loss.low && loss.score < -10)
        // Only days from judgeFrom on are reported; earlier ones are history.
        #expect(AnomalyPass.judgeLevels(series, judgeFrom: series[101].day).isEmpty)
    }

    /// The demo's old history, constructed: three accounts of 100 followers
    /// gained over a year (under one a day between them), then about 110 a
    /// day from the day they were connected. The detector flags net growth
    /// on every day of the new pace until it fills most of the four weeks it
    /// looks at: a bend in the data, so the Sandbox was changed (one pace
    /// before and after connecting; see SandboxConnectorTests), not the
    /// detector. The same pace throughout, with the same noise, flags nothing.
    @Test func aPaceThatBendsWhereTheHistoryBeganIsFlaggedAndOnePaceIsNot() {
        var noise = AnomalyDetectorTests.Noise(seed: 18)
        var bent: [Double] = []
        var steady: [Double] = []
        var (bentLevel, steadyLevel) = (200.0, 30_000.0)
        for day in 0..<150 {
            let gain = 108 + noise.normal(sigma: 8)
            bentLevel += day < 120 ? (day % 3 == 0 ? 1 : 0) : gain
            steadyLevel += gain
            bent.append(bentLevel.rounded())
            steady.append(steadyLevel.rounded())
        }
        let bentDays = Self.days(bent)
        let flagged = AnomalyPass.judgeLevels(bentDays, judgeFrom: bentDays[90].day).map(\.day)
        #expect(flagged.count >= 7 && flagged.first == bentDays[120].day, "the bend, flagged day after day: \(flagged)")
        let steadyDays = Self.days(steady)
        #expect(AnomalyPass.judgeLevels(steadyDays, judgeFrom: steadyDays[30].day).isEmpty)
    }

    @Test func aChangeIsKnownOnlyBetweenConsecutiveDays() {
        let (changes, before) = AnomalyPass.changes([("2026-01-05", 10), ("2026-01-06", 15), ("2026-01-08", 30), ("2026-01-09", 31)])
        #expect(changes.map(\.day) == ["2026-01-06", "2026-01-09"] && changes.map(\.value) == [5, 1])
        #expect(before == ["2026-01-06": 10, "2026-01-09": 30])
    }

    @Test func countsHaveZerosFromTheirFirstDay() {
        let counts = AnomalyPass.counts(["2026-01-06": 3, "2026-01-08": 1], through: "2026-01-09")
        #expect(counts.map(\.day) == ["2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09"] && counts.map(\.value) == [3, 0, 1, 0])
        #expect(AnomalyPass.counts([:], through: "2026-01-09").isEmpty)
    }

    @Test func theEngagementRateSaysWhatItDividesBy() {
        let engagements = Self.days([10, 20, 30])
        let withImpressions = AnomalyPass.engagementRate(engagements: engagements, impressions: Self.days([100, 0, 300]), followers: [:])
        #expect(withImpressions.map(\.value) == [0.1, 0.1], "a day without impressions has no rate")
        let onFollowers = AnomalyPass.engagementRate(
            engagements: engagements, impressions: [], followers: ["2026-01-05": 1_000, "2026-01-06": 1_000])
        #expect(onFollowers.map(\.value) == [0.01, 0.02])
    }

    @Test func seriesKeysReadAndRefuse() {
        #expect(AnomalySeriesKey(text: "events.purchase") == AnomalySeriesKey(.events, eventType: "purchase"))
        #expect(AnomalySeriesKey(text: "followers")?.kind.ofAccount == true)
        #expect(AnomalySeriesKey(text: "events.lunch") == nil && AnomalySeriesKey(text: "events") == nil)
        #expect(AnomalySeriesKey.all.count == 6 + 6 && Set(AnomalySeriesKey.all.map(\.text)).count == 12)
    }

    /// A spike in a daily count is flagged on its day and only when that
    /// day is among those judged.
    @Test func aSpikeInACountIsFlaggedOnce() {
        var noise = AnomalyDetectorTests.Noise(seed: 9)
        var values = (0..<70).map { _ in (40 + noise.normal(sigma: 4)).rounded() }
        values[65] += 60
        let series = Self.days(values)
        let flags = AnomalyPass.judge(series, judgeFrom: series[63].day, settings: AnomalySeriesKind.events.settings)
        #expect(flags.map(\.day) == [series[65].day])
    }
}

extension AnomalyPassTests {
    @Test func epochDaysAgreeWithTheCalendar() {
        for day in ["1970-01-01", "2000-02-29", "2024-02-29", "2026-03-01", "2026-12-31", "2100-03-01"] {
            #expect(AnomalyPass.epochDay(day) == Int(MetricDay.parse(day)!.timeIntervalSince1970 / 86_400), "\(day)")
        }
        #expect(AnomalyPass.epochDay("2026-02-29") == nil && AnomalyPass.epochDay("2026-13-01") == nil && AnomalyPass.epochDay("26-01-01") == nil)
    }
}
