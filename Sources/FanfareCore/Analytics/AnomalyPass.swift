import Foundation

// The nightly anomaly pass's rules (issue 18, scope 8): which series are
// judged, with which settings, and how one daily series becomes flags. The
// server reads the metric store into daily series and stores what this
// returns; the detector is `AnomalyDetector`, the same as `fanfare anomalies`.

/// The kind of a core series: per account (followers, their net change)
/// or per workspace (post numbers summed over posts, conversion events).
public enum AnomalySeriesKind: String, Sendable, CaseIterable, Codable {
    case followers
    case followersNet = "followers_net"
    case impressions
    case engagements
    case engagementRate = "engagement_rate"
    case linkClicks = "link_clicks"
    case events

    public var ofAccount: Bool { self == .followers || self == .followersNet }

    /// What the detector is told for this kind. The minimum change is the
    /// smallest move worth a notification, in the series' own unit; the
    /// followers total has its own (a share of the account's size, see
    /// `AnomalyPass.judgeLevels`).
    public var settings: AnomalySettings {
        switch self {
        case .followers, .followersNet: AnomalySettings(minChange: 20)
        case .impressions: AnomalySettings(minChange: 500)
        case .engagements: AnomalySettings(minChange: 20)
        case .engagementRate: AnomalySettings(minChange: 0.005)
        case .linkClicks: AnomalySettings(minChange: 10)
        case .events: AnomalySettings(minChange: 5)
        }
    }
}

/// A series as stored with its anomalies: its kind, and for conversion
/// events the event type (`events.purchase`).
public struct AnomalySeriesKey: Sendable, Hashable, Comparable {
    public var kind: AnomalySeriesKind
    public var eventType: String?

    public init(_ kind: AnomalySeriesKind, eventType: String? = nil) {
        self.kind = kind
        self.eventType = kind == .events ? eventType : nil
    }

    /// The event types the event API takes (docs/analytics.md, Events).
    public static let eventTypes = ["follow", "join_community", "sign_up", "purchase", "refund", "referral"]

    /// Every key a query may name, in a stable order.
    public static let all: [AnomalySeriesKey] =
        AnomalySeriesKind.allCases.filter { $0 != .events }.map { AnomalySeriesKey($0) } + eventTypes.map { AnomalySeriesKey(.events, eventType: $0) }

    public var text: String { eventType.map { "events.\($0)" } ?? kind.rawValue }

    public init?(text: String) {
        guard let key = Self.all.first(where: { $0.text == text }) else { return nil }
        self = key
    }

    public static func < (a: AnomalySeriesKey, b: AnomalySeriesKey) -> Bool { a.text < b.text }
}

/// One flagged day.
public struct AnomalyFlag: Sendable, Equatable {
    public var day: String
    public var value: Double
    public var expected: Double
    public var low: Double
    public var high: Double
    public var score: Double

    public init(day: String, value: Double, expected: Double, low: Double, high: Double, score: Double) {
        self.day = day
        self.value = value
        self.expected = expected
        self.low = low
        self.high = high
        self.score = score
    }
}

public enum AnomalyPass {
    /// Days of history read before the first day judged: the detector's
    /// longest look back (four weeks of same-weekday values) plus its
    /// spread's 56 residuals, with room for gaps.
    public static let historyDays = 120
    /// The most days one pass judges: after a long pause the pass catches up
    /// on the last week, not on months nobody will act on.
    public static let catchUpDays = 7
    /// The followers total moves by at least this share of itself before it is flagged.
    public static let levelShare = 0.01

    /// The days a pass judges: after `lastJudged` (nil: never) up to
    /// `through`, at most `catchUpDays` of them.
    public static func daysToJudge(lastJudged: String?, through: String) -> (from: String, to: String)? {
        let earliest = MetricDay.adding(-(catchUpDays - 1), to: through)
        let from = lastJudged.map { max(MetricDay.adding(1, to: $0), earliest) } ?? through
        return from <= through ? (from, through) : nil
    }

    /// Runs the detector over a daily series (`YYYY-MM-DD` → value, days
    /// missing where nothing is known) in day order, each day judged only
    /// from the days before it, and returns the flags on days from
    /// `judgeFrom` on. Earlier days are history only.
    public static func judge(_ days: [(day: String, value: Double)], judgeFrom: String, settings: AnomalySettings) -> [AnomalyFlag] {
        guard var detector = try? AnomalyDetector(settings: settings, cadence: SeriesCadence(seconds: SeriesCadence.day)) else { return [] }
        var flags: [AnomalyFlag] = []
        for point in days.sorted(by: { $0.day < $1.day }) {
            guard let number = epochDay(point.day), point.value.isFinite,
                case let at = Date(timeIntervalSince1970: Double(number) * 86_400),
                let reading = try? detector.append(at: at, value: point.value)
            else { continue }
            if reading.flagged, point.day >= judgeFrom {
                flags.append(
                    AnomalyFlag(
                        day: point.day, value: reading.value, expected: reading.expected, low: reading.low, high: reading.high, score: reading.score))
            }
        }
        return flags
    }

    /// A total that grows (followers) is judged through its day-to-day
    /// changes: the seasonal median of a growing total lags it by weeks of
    /// growth and would flag every ordinary day. A day's expected total is
    /// the day before's plus the expected change, its band the change's band
    /// moved the same way; the minimum change is `levelShare` of the total
    /// (at least the kind's own). A change is only known between two
    /// consecutive stored days.
    public static func judgeLevels(_ levels: [(day: String, value: Double)], judgeFrom: String) -> [AnomalyFlag] {
        let (changes, before) = self.changes(levels)
        let typical = levels.map(\.value).sorted().dropFirst(levels.count / 2).first ?? 0
        var settings = AnomalySeriesKind.followers.settings
        settings.minChange = max(settings.minChange, levelShare * abs(typical))
        return judge(changes, judgeFrom: judgeFrom, settings: settings).compactMap { flag in
            guard let base = before[flag.day] else { return nil }
            return AnomalyFlag(
                day: flag.day, value: base + flag.value, expected: base + flag.expected, low: base + flag.low, high: base + flag.high,
                score: flag.score)
        }
    }

    /// The day-to-day changes of a total (a day's change is known only when
    /// the day before is stored too), and each such day's previous total.
    public static func changes(_ levels: [(day: String, value: Double)]) -> (changes: [(day: String, value: Double)], before: [String: Double]) {
        let sorted = levels.sorted { $0.day < $1.day }
        var changes: [(day: String, value: Double)] = []
        var before: [String: Double] = [:]
        for (previous, current) in zip(sorted, sorted.dropFirst()) {
            guard let a = epochDay(previous.day), let b = epochDay(current.day), b == a + 1 else { continue }
            changes.append((current.day, current.value - previous.value))
            before[current.day] = previous.value
        }
        return (changes, before)
    }

    /// Days since 1970-01-01 of a `YYYY-MM-DD` day (nil when it is not one):
    /// the pass reads hundreds of thousands of days, and a calendar per
    /// day is most of its cost.
    public static func epochDay(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == 45, bytes[7] == 45 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                guard (48...57).contains(bytes[index]) else { return nil }
                value = value * 10 + Int(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month) else { return nil }
        let lengths = [31, year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        // Days from civil (H. Hinnant): exact for the proleptic Gregorian calendar.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Counts per day from `first` to `through`, 0 on a day without any:
    /// for events and clicks, where nothing happening is a real value.
    public static func counts(_ perDay: [String: Double], through: String) -> [(day: String, value: Double)] {
        guard let first = perDay.keys.min(), first <= through else { return [] }
        return MetricDay.range(first, through).map { ($0, perDay[$0] ?? 0) }
    }

    /// The engagement rate per day: engagements ÷ impressions on days with
    /// impressions when the window has any, else ÷ the followers of all
    /// accounts that day (the series API's rule).
    public static func engagementRate(
        engagements: [(day: String, value: Double)], impressions: [(day: String, value: Double)], followers: [String: Double]
    ) -> [(day: String, value: Double)] {
        let shown = Dictionary(impressions.map { ($0.day, $0.value) }) { $1 }
        let useImpressions = shown.values.contains { $0 > 0 }
        return engagements.compactMap { point in
            let base = useImpressions ? shown[point.day] : followers[point.day]
            guard let base, base > 0 else { return nil }
            return (point.day, point.value / base)
        }
    }
}
