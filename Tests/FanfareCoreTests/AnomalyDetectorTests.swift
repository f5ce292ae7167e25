import FanfareCore
import Foundation
import Testing

/// The anomaly detector (Analytics/AnomalyDetector.swift) on constructed
/// series whose right answer is known: a spike, a step, a weekly cycle,
/// noise, small counts, persistence, bad timestamps, causality.
@Suite struct AnomalyDetectorTests {
    /// Monday 2026-01-05 00:00 UTC: day 0 of every daily series below, so
    /// days 5 and 6 of each week are the weekend.
    static let monday = Date(timeIntervalSince1970: 1_767_571_200)

    /// Normal noise from a fixed seed (SplitMix64, Box–Muller), so a run is
    /// the same on every machine.
    struct Noise {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Double(z >> 11) + 0.5) / Double(1 << 53)
        }
        mutating func normal(sigma: Double) -> Double {
            sigma * (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform())
        }
    }

    /// Every point's reading (nil: not judged), nil values being gaps.
    static func readings(
        _ values: [Double?], interval: Int = 86_400, settings: AnomalySettings = AnomalySettings()
    ) throws -> [AnomalyReading?] {
        var detector = try AnomalyDetector(settings: settings, cadence: SeriesCadence(seconds: interval))
        return try values.enumerated().map { index, value in
            guard let value else { return nil }
            return try detector.append(at: monday.addingTimeInterval(TimeInterval(index * interval)), value: value)
        }
    }

    static func flagged(_ readings: [AnomalyReading?]) -> [Int] {
        readings.enumerated().compactMap { $1?.flagged == true ? $0 : nil }
    }

    static func noisy(_ count: Int, level: Double = 1_000, sigma: Double = 20, seed: UInt64 = 18) -> [Double] {
        var noise = Noise(seed: seed)
        return (0..<count).map { _ in level + noise.normal(sigma: sigma) }
    }

    @Test func aSingleSpikeIsFlaggedAndNothingElse() throws {
        var values = Self.noisy(84)
        values[50] += 400
        let readings = try Self.readings(values)
        #expect(Self.flagged(readings) == [50])
        let spike = try #require(readings[50])
        #expect(spike.value > spike.high && spike.score > 10 && abs(spike.expected - 1_000) < 40)
        // A week later the spike is one of four same-day values: the median ignores it.
        #expect(readings[57]?.flagged == false && abs(readings[57]!.expected - 1_000) < 40)
    }

    @Test func aStepIsFlaggedThenBecomesTheBaseline() throws {
        let values = Self.noisy(56) + Self.noisy(56, level: 1_500, seed: 19)
        let readings = try Self.readings(values)
        let flags = Self.flagged(readings)
        #expect(flags.first == 56, "the first day of the step is flagged: \(flags)")
        // Absorbed: once more than half of the four same-day values are
        // after the step, the step is the baseline and nothing is flagged.
        #expect(flags.allSatisfy { $0 < 56 + 3 * 7 }, "\(flags)")
        let last = try #require(readings.last ?? nil)
        #expect(abs(last.expected - 1_500) < 40 && !last.flagged)
        #expect(last.baseline == .seasonal(season: 7, samples: 4))
    }

    /// Weekends at 60% of weekdays, every week: the day-of-week baseline
    /// expects the dip. The rolling baseline of the first three weeks
    /// knows no cycle and may flag a weekend (docs/analytics.md says so);
    /// that it does shows this series would catch a detector without seasons.
    @Test func aWeeklyCycleIsNotFlagged() throws {
        var noise = Noise(seed: 7)
        let values = (0..<112).map { day in (day % 7 >= 5 ? 600 : 1_000) + noise.normal(sigma: 15) }
        let readings = try Self.readings(values)
        let seasonal = readings.indices.filter { if case .seasonal = readings[$0]?.baseline { true } else { false } }
        #expect(seasonal.first == 21 && seasonal.count == 112 - 21)
        #expect(seasonal.allSatisfy { readings[$0]?.flagged == false }, "\(Self.flagged(readings))")
        #expect(seasonal.filter { $0 % 7 == 6 }.allSatisfy { abs(readings[$0]!.expected - 600) < 30 })
        let warmUp = Self.flagged(readings)
        #expect(!warmUp.isEmpty && warmUp.allSatisfy { $0 < 21 && $0 % 7 >= 5 }, "\(warmUp)")
    }

    /// Twelve weeks of hourly normal noise (2,016 points) on a daily
    /// cycle. At z = 3.5 a normal point falls outside by chance about 0.05%
    /// of the time, a few times that with a spread estimated from a window
    /// (this seed flags 1 point); the bound is 1% of the judged points with
    /// P = 1, and none at all with P = 3.
    @Test func noiseFlagsAlmostNothing() throws {
        var noise = Noise(seed: 2_026)
        let values = (0..<2_016).map { hour in 500 + 200 * sin(Double(hour % 24) / 24 * 2 * .pi) + noise.normal(sigma: 20) }
        let readings = try Self.readings(values, interval: 3_600)
        let judged = readings.compactMap { $0 }.count
        #expect(judged == 2_016 - 7)
        let flags = Self.flagged(readings)
        #expect(Double(flags.count) <= 0.01 * Double(judged), "\(flags.count) of \(judged)")
        let persistent = try Self.readings(values, interval: 3_600, settings: AnomalySettings(persistence: 3))
        #expect(Self.flagged(persistent) == [])
    }

    /// Replies a day: mostly 1, sometimes 0 or 2, once 3. With counts this
    /// small a 3 is far outside a band drawn from a MAD of 0, yet two
    /// replies more is nothing to wake anyone for.
    @Test func theMinimumChangeSilencesSmallCounts() throws {
        var values: [Double] = (0..<60).map { [1, 1, 2, 1, 0, 1, 1][$0 % 7] }
        values[45] = 3
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(minChange: 1))) == [45])
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(minChange: 3))) == [])
        // A flat series: a wobble of 0.5% stays inside the 1%-of-expected floor.
        var flat = [Double](repeating: 1_000, count: 60)
        flat[40] = 1_005
        flat[50] = 1_100
        #expect(Self.flagged(try Self.readings(flat)) == [50])
    }

    /// A one-day spike (day 40, up) and a three-day excursion (days 50–52,
    /// down), then deviations that alternate sides (days 60–62).
    @Test func persistenceNeedsConsecutivePointsOnOneSide() throws {
        var values = [Double](repeating: 1_000, count: 80)
        values[40] = 1_400
        for day in 50...52 { values[day] = 700 }
        values[60] = 1_400
        values[61] = 700
        values[62] = 1_400
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(persistence: 1))) == [40, 50, 51, 52, 60, 61, 62])
        // Each point of a run is reported once, from the P-th on.
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(persistence: 2))) == [51, 52])
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(persistence: 3))) == [52])
        #expect(Self.flagged(try Self.readings(values, settings: AnomalySettings(persistence: 4))) == [])
        // A missing day breaks the run.
        var gapped: [Double?] = values
        gapped[51] = nil
        #expect(Self.flagged(try Self.readings(gapped, settings: AnomalySettings(persistence: 2))) == [])
    }

    @Test func pointsOffTheGridOrOutOfOrderAreRefused() throws {
        var detector = try AnomalyDetector(cadence: SeriesCadence(seconds: 3_600))
        _ = try detector.append(at: Self.monday, value: 1)
        _ = try detector.append(at: Self.monday.addingTimeInterval(3_600), value: 1)
        #expect(throws: ValidationErrors("at", .seriesOffGrid(value: Self.monday.addingTimeInterval(5_400), interval: 3_600, first: Self.monday))) {
            try detector.append(at: Self.monday.addingTimeInterval(5_400), value: 1)
        }
        #expect(throws: ValidationErrors("at", .seriesNotAfter(value: Self.monday, previous: Self.monday.addingTimeInterval(3_600)))) {
            try detector.append(at: Self.monday, value: 1)
        }
        #expect(throws: ValidationErrors.self) { try detector.append(at: Self.monday.addingTimeInterval(3_600), value: 1) }
        #expect(throws: ValidationErrors("value", .seriesValue(value: "nan"))) {
            try detector.append(at: Self.monday.addingTimeInterval(7_200), value: .nan)
        }
        // A refused point leaves no trace; a gap of three hours is allowed.
        #expect(try detector.append(at: Self.monday.addingTimeInterval(5 * 3_600), value: 1) == nil)
        for seconds in [30, 59, 420, 7 * 3_600, 2 * 86_400] {
            #expect(throws: ValidationErrors("interval", .seriesInterval(seconds: seconds))) { try SeriesCadence(seconds: seconds) }
        }
        for seconds in [60, 300, 900, 3_600, 21_600, 86_400] { #expect(throws: Never.self) { try SeriesCadence(seconds: seconds) } }
        #expect(SeriesCadence.inferredInterval([0, 7_200, 3_600, 14_400]) == 3_600)
        #expect(SeriesCadence.inferredInterval([5, 5]) == nil)
    }

    /// A point's reading depends on the points before it only: every prefix
    /// of a series gets exactly the readings the whole series gave it.
    @Test func appendingLaterPointsNeverChangesEarlierReadings() throws {
        var values = Self.noisy(120, seed: 3)
        values[44] += 500
        for day in 80..<120 { values[day] += 300 }
        let whole = try Self.readings(values, settings: AnomalySettings(persistence: 2))
        #expect(!Self.flagged(whole).isEmpty)
        for cut in stride(from: 1, through: 120, by: 7) {
            #expect(try Self.readings(Array(values[..<cut]), settings: AnomalySettings(persistence: 2)) == Array(whole[..<cut]), "cut \(cut)")
        }
    }

    /// Too little history: no reading, no flag. Then the rolling median,
    /// then the season; hourly data tries the hour of the day before it
    /// has three weeks, minute data the minute of the day.
    @Test func baselinesFollowTheHistoryThereIs() throws {
        let hourly = try Self.readings(Self.noisy(24 * 22), interval: 3_600)
        #expect(hourly[..<7].allSatisfy { $0 == nil })
        #expect(hourly[7]?.baseline == .rolling(samples: 7))
        #expect(hourly[24 * 3]?.baseline == .seasonal(season: 24, samples: 3))
        #expect(hourly[24 * 21]?.baseline == .seasonal(season: 168, samples: 3))
        let minutes = try Self.readings(Self.noisy(1_440 * 3 + 1), interval: 60)
        #expect(minutes[1_440 * 3]?.baseline == .seasonal(season: 1_440, samples: 3))
        #expect(minutes[1_440 * 2]?.baseline == .rolling(samples: 288))
        let daily = try Self.readings([5, 5, 5, 5, 5, 5, 500])
        #expect(daily.allSatisfy { $0 == nil }, "a week of daily data judges nothing")
    }

    @Test func settingsAreValidatedFieldByField() throws {
        #expect(throws: Never.self) { try AnomalySettings().validated() }
        do {
            _ = try AnomalySettings(seasons: 2, z: .nan, minChange: 0, persistence: 0).validated()
            Issue.record("bad settings were accepted")
        } catch {
            #expect(error.issues.map(\.field) == ["seasons", "z", "min_change", "persistence"])
            #expect(error.issues[0].message == "must be a whole number from 3 to 52")
        }
        let decoded = try JSONDecoder().decode(AnomalySettings.self, from: Data(#"{"z": 4, "min_change": 0.5}"#.utf8))
        #expect(decoded == AnomalySettings(z: 4, minChange: 0.5))
        #expect(try JSONDecoder().decode(AnomalySettings.self, from: JSONEncoder().encode(decoded)) == decoded)
    }

    @Test func seriesTextIsReadWithItsLineNumbers() throws {
        let points = try SeriesCSV.parse(
            "timestamp,value\n2026-03-02T09:00:00Z,5\r\n\n2026-03-02T10:00:00+01:00, 7.5\n\"2026-03-03\",\"-1e2\"\n1772442000,0\n")
        #expect(points.map(\.line) == [2, 4, 5, 6])
        #expect(points.map(\.seconds) == [1_772_442_000, 1_772_442_000, 1_772_496_000, 1_772_442_000])
        #expect(points.map(\.value) == [5, 7.5, -100, 0])
        #expect(try SeriesCSV.parse("") == [])
        #expect(try SeriesCSV.parse("date,fans\n") == [])
        #expect(throws: SeriesCSV.LineProblem(line: 3, message: .fieldSays(field: "value", message: .seriesValue(value: "nan")))) {
            try SeriesCSV.parse("t,v\n2026-03-02,1\n2026-03-03,nan\n")
        }
        #expect(throws: SeriesCSV.LineProblem(line: 1, message: .seriesLine(count: 3))) { try SeriesCSV.parse("2026-03-02,1,2\n") }
        #expect(throws: SeriesCSV.LineProblem.self) { try SeriesCSV.parse("2026-03-02,1\nyesterday,2\n") }
        #expect(throws: SeriesCSV.LineProblem.self) { try SeriesCSV.parse("2026-03-02,1\n2026-03-03,0x10\n") }
    }
}
