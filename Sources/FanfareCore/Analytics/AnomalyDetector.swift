import Foundation

// Anomaly detection on one regular series (issue 18, scope 8). The method,
// with its reasons, is written for people in docs/analytics.md
// ("Anomalies"); this file is the one implementation the product's
// nightly pass and `fanfare anomalies` share.

/// What the detector is told, with defaults that suit daily counts
/// (followers, likes, sign-ups). z = 3.5 rather than the textbook 3: on
/// normal noise 3 flagged about 1 daily point in 120 (the spread is an
/// estimate, the baseline a median of four), 3.5 about 1 in 400. `seasons` is K, how many past seasons the
/// baseline looks at; `z` the half-width of the band in spreads;
/// `min_change` the smallest absolute change worth a flag, in the series'
/// own units; `persistence` P, how many consecutive points must deviate on
/// the same side before the last of them is flagged.
public struct AnomalySettings: Sendable, Equatable, Codable {
    public var seasons: Int
    public var z: Double
    public var minChange: Double
    public var persistence: Int

    public static let seasonsRange = 3...52
    public static let zRange = 1.0...20.0
    public static let persistenceRange = 1...100

    public init(seasons: Int = 4, z: Double = 3.5, minChange: Double = 1, persistence: Int = 1) {
        self.seasons = seasons
        self.z = z
        self.minChange = minChange
        self.persistence = persistence
    }

    /// Every wrong value at once, each named by its JSON field. At least
    /// three seasons, because the median of fewer is moved by one outlier;
    /// a minimum change above 0, because it is also the spread's floor on a
    /// flat series (see `AnomalyDetector`).
    public func validated() throws(ValidationErrors) -> AnomalySettings {
        var errors = ValidationErrors()
        if !Self.seasonsRange.contains(seasons) {
            errors.add("seasons", .wholeNumberBetween(min: Self.seasonsRange.lowerBound, max: Self.seasonsRange.upperBound))
        }
        if !Self.zRange.contains(z) {
            errors.add("z", .numberBetween(min: Int(Self.zRange.lowerBound), max: Int(Self.zRange.upperBound)))
        }
        if !(minChange > 0 && minChange.isFinite) { errors.add("min_change", .seriesMinChange(value: String(minChange))) }
        if !Self.persistenceRange.contains(persistence) {
            errors.add("persistence", .wholeNumberBetween(min: Self.persistenceRange.lowerBound, max: Self.persistenceRange.upperBound))
        }
        try errors.throwIfAny()
        return self
    }

    private enum CodingKeys: String, CodingKey {
        case seasons, z
        case minChange = "min_change"
        case persistence
    }

    /// A missing field keeps its default, so a stored `{"z": 4}` means
    /// "the defaults, with a wider band".
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = AnomalySettings()
        seasons = try container.decodeIfPresent(Int.self, forKey: .seasons) ?? defaults.seasons
        z = try container.decodeIfPresent(Double.self, forKey: .z) ?? defaults.z
        minChange = try container.decodeIfPresent(Double.self, forKey: .minChange) ?? defaults.minChange
        persistence = try container.decodeIfPresent(Int.self, forKey: .persistence) ?? defaults.persistence
    }
}

/// The regular interval of a series and the seasons it implies. An
/// interval is whole seconds, from a minute to a day, dividing a day, so
/// that a day and a week are whole numbers of points and "the same phase"
/// is exact.
public struct SeriesCadence: Sendable, Equatable {
    public static let day = 86_400
    public static let week = 7 * 86_400

    /// Seconds between two consecutive points.
    public let interval: Int

    public init(seconds: Int) throws(ValidationErrors) {
        guard seconds >= 60, seconds <= Self.day, Self.day % seconds == 0 else {
            throw ValidationErrors("interval", .seriesInterval(seconds: seconds))
        }
        interval = seconds
    }

    /// The interval of a series given its times in seconds (any order):
    /// the smallest gap between two different times, since a series with
    /// missing points still has its real interval somewhere. Nil with
    /// fewer than two different times.
    public static func inferredInterval(_ times: [Int64]) -> Int64? {
        let sorted = Set(times).sorted()
        guard sorted.count >= 2 else { return nil }
        return zip(sorted, sorted.dropFirst()).map { $1 - $0 }.min()
    }

    /// The seasons the baseline tries, in points, first choice first. Daily
    /// data: the day of the week. Hourly to twelve-hourly: the hour of the
    /// week, then (with fewer than three weeks of history) the hour of the
    /// day. Under an hour: the minute of the day only, because K weeks of
    /// minute points is more history than such series keep, and a week's
    /// rhythm shows in hourly data (aggregate to hourly to see it).
    public var seasons: [Int] {
        let perDay = Self.day / interval
        if interval == Self.day { return [7] }
        if interval >= 3_600 { return [7 * perDay, perDay] }
        return [perDay]
    }

    /// How many recent points the rolling baseline and the spread read: four
    /// days' worth, at least 56 (eight weeks of daily data: a MAD of fewer
    /// residuals is low by chance often enough to double the false alarms)
    /// and at most 288 (a day of five-minute data), which keeps a
    /// minute-level pass cheap.
    public var window: Int { min(max(56, 4 * (Self.day / interval)), 288) }
}

/// How the expected value of a point was found.
public enum AnomalyBaseline: Sendable, Equatable {
    /// The median of the same phase over past seasons (`season` points long).
    case seasonal(season: Int, samples: Int)
    /// The median of the recent points: too little history for a season.
    case rolling(samples: Int)
}

/// One point judged: its band, its score, whether it is flagged.
public struct AnomalyReading: Sendable, Equatable {
    public let at: Date
    public let value: Double
    public let expected: Double
    public let spread: Double
    public let low: Double
    public let high: Double
    /// (value − expected) / spread.
    public let score: Double
    public let baseline: AnomalyBaseline
    /// Outside the band by at least the minimum change, and for the
    /// `persistence` points up to this one, on the same side.
    public let flagged: Bool
}

/// A streaming detector over one regular series: `append` takes the points
/// in time order and judges each using only those before it, as a nightly
/// pass or a live feed would. A flag once given never changes, whatever
/// comes later.
///
/// - Expected value: the median of the values at the same phase of the
///   season over the last K seasons, needing at least three of them (a
///   median of three survives one outlier); seasons are tried as
///   `SeriesCadence.seasons` lists them. Without three, the median of the
///   last `window` points (at least seven of them): the rolling baseline,
///   which knows no cycle. With fewer than seven earlier points there is
///   no baseline, and the point is neither judged nor flagged.
/// - Spread: 1.4826 × the MAD of the residuals (value − expected) of the
///   last `window` judged points, so it reflects how far points really fall
///   from their baseline (a handful of same-phase values would give a MAD
///   that is zero by chance); with fewer than seven residuals, the MAD of
///   the baseline's own sample. Never below 1% of |expected| nor below
///   `minChange / z`, so a flat series does not flag every wobble and the
///   band is never narrower than the minimum change.
/// - Flag: outside `expected ± z·spread`, at least `minChange` away, and
///   the P − 1 points before it (consecutive, no gap) deviated the same way.
///   A run longer than P flags each of its points from the P-th on, once.
/// - Every point, flagged or not, enters the history: the medians shrug
///   off a spike, and a lasting step becomes the baseline as it fills more
///   than half of the seasons looked at.
/// - Missing points (gaps) are allowed: they are absent from the medians
///   and break a run. Times must lie on the grid of the first point.
public struct AnomalyDetector: Sendable {
    public let settings: AnomalySettings
    public let cadence: SeriesCadence

    /// MAD × 1.4826 estimates the standard deviation of normal data.
    public static let madScale = 1.4826
    /// Fewest points the rolling baseline, or the spread from residuals, reads.
    public static let minimumSample = 7
    /// Fewest same-phase values a seasonal median needs.
    public static let minimumSeasons = 3
    /// The spread's floor as a share of |expected|.
    public static let relativeFloor = 0.01

    private var first: Int64?
    private var lastIndex: Int64?
    /// The values of the last `capacity` intervals, each slot with the
    /// index it holds (gaps leave stale slots, recognised by their index).
    private var ring: [(index: Int64, value: Double)]
    private var residuals: [Double] = []
    private var residualStart = 0
    private var run = 0
    private var runSide: FloatingPointSign = .plus

    public init(settings: AnomalySettings = AnomalySettings(), cadence: SeriesCadence) throws(ValidationErrors) {
        self.settings = try settings.validated()
        self.cadence = cadence
        let capacity = max(settings.seasons * (cadence.seasons.max() ?? 1), cadence.window)
        ring = Array(repeating: (index: -1, value: 0), count: capacity)
    }

    /// Judges the point at `at` against the points before it, then keeps it
    /// as history. Nil when there was too little history to judge. Throws,
    /// keeping nothing, when `at` is not after the previous point or not a
    /// whole number of intervals after the first (times are whole seconds:
    /// fractions are rounded away); a value that is not finite is refused
    /// as `value`.
    public mutating func append(at: Date, value: Double) throws(ValidationErrors) -> AnomalyReading? {
        guard value.isFinite else { throw ValidationErrors("value", .seriesValue(value: String(value))) }
        let seconds = Int64(at.timeIntervalSince1970.rounded())
        let index: Int64
        if let first {
            let offset = seconds - first
            guard offset % Int64(cadence.interval) == 0 else {
                throw ValidationErrors(
                    "at",
                    .seriesOffGrid(
                        value: Date(timeIntervalSince1970: TimeInterval(seconds)), interval: cadence.interval,
                        first: Date(timeIntervalSince1970: TimeInterval(first))))
            }
            index = offset / Int64(cadence.interval)
            if let lastIndex, index <= lastIndex {
                throw ValidationErrors(
                    "at",
                    .seriesNotAfter(
                        value: Date(timeIntervalSince1970: TimeInterval(seconds)),
                        previous: Date(timeIntervalSince1970: TimeInterval(first + lastIndex * Int64(cadence.interval)))))
            }
        } else {
            first = seconds
            index = 0
        }
        let reading = judge(index: index, at: Date(timeIntervalSince1970: TimeInterval(seconds)), value: value)
        let consecutive = lastIndex.map { index == $0 + 1 } ?? false
        if let reading {
            keepResidual(reading.value - reading.expected)
        }
        let deviates = reading.map { isDeviation($0) } ?? false
        if deviates, let reading {
            let side = (reading.value - reading.expected).sign
            run = consecutive && run > 0 && side == runSide ? run + 1 : 1
            runSide = side
        } else {
            run = 0
        }
        ring[Int(index % Int64(ring.count))] = (index, value)
        lastIndex = index
        return reading.map { reading in
            AnomalyReading(
                at: reading.at, value: reading.value, expected: reading.expected, spread: reading.spread, low: reading.low,
                high: reading.high, score: reading.score, baseline: reading.baseline, flagged: deviates && run >= settings.persistence)
        }
    }

    /// Outside the band and at least the minimum change away.
    private func isDeviation(_ reading: AnomalyReading) -> Bool {
        (reading.value < reading.low || reading.value > reading.high) && abs(reading.value - reading.expected) >= settings.minChange
    }

    private func stored(_ index: Int64) -> Double? {
        guard index >= 0 else { return nil }
        let slot = ring[Int(index % Int64(ring.count))]
        return slot.index == index ? slot.value : nil
    }

    private func judge(index: Int64, at: Date, value: Double) -> AnomalyReading? {
        var baseline: AnomalyBaseline?
        var sample: [Double] = []
        for season in cadence.seasons {
            sample = (1...settings.seasons).compactMap { stored(index - Int64($0 * season)) }
            if sample.count >= Self.minimumSeasons {
                baseline = .seasonal(season: season, samples: sample.count)
                break
            }
        }
        if baseline == nil {
            sample = (1...cadence.window).compactMap { stored(index - Int64($0)) }
            guard sample.count >= Self.minimumSample else { return nil }
            baseline = .rolling(samples: sample.count)
        }
        let expected = Self.median(sample)
        let recent = Array(residuals[residualStart...])
        let mad = recent.count >= Self.minimumSample ? Self.mad(recent) : Self.mad(sample)
        let spread = max(Self.madScale * mad, Self.relativeFloor * abs(expected), settings.minChange / settings.z)
        return AnomalyReading(
            at: at, value: value, expected: expected, spread: spread, low: expected - settings.z * spread,
            high: expected + settings.z * spread, score: (value - expected) / spread, baseline: baseline!, flagged: false)
    }

    private mutating func keepResidual(_ residual: Double) {
        residuals.append(residual)
        if residuals.count - residualStart > cadence.window { residualStart += 1 }
        // Compact now and then rather than shift the array on every point.
        if residualStart >= 4 * cadence.window {
            residuals.removeFirst(residualStart)
            residualStart = 0
        }
    }

    /// The middle value; the mean of the two middle ones for an even count.
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// The median absolute deviation from the median.
    static func mad(_ values: [Double]) -> Double {
        let center = median(values)
        return median(values.map { abs($0 - center) })
    }
}
