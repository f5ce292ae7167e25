import Foundation

// The metric store's rules (issue 18, scope 1 and 3): one normalised set of
// metrics across platforms, what each platform calls them, what counts as
// an engagement, how daily totals become a series, and the data-quality
// checks. Written for people in docs/analytics.md ("Metric store").

/// A metric every platform's numbers are normalised to.
public enum NormalisedMetric: String, Sendable, CaseIterable, Codable {
    // Of an account, a level at the end of a day.
    case followers, following, posts
    /// Change of followers within the period (new minus lost).
    case followersNet = "followers_net"
    // Of a post, totals since publishing at the end of a day.
    case impressions, reach, likes, comments, shares, saves, plays, completion
    case linkClicks = "link_clicks"
    case engagements
    /// Engagements per impression, or per follower where no impressions.
    case engagementRate = "engagement_rate"

    /// How a period's value is made from daily totals.
    public enum Aggregation: String, Sendable, Codable {
        /// The last total in the period (summed over accounts).
        case last
        /// What the totals grew by within the period (summed over accounts or posts).
        case change
        /// A ratio of two changes (or of a change and a level), see `basis`.
        case ratio
        /// The average of the posts' latest values (completion).
        case average
    }

    public var ofAccount: Bool { [.followers, .following, .posts, .followersNet].contains(self) }

    public var aggregation: Aggregation {
        switch self {
        case .followers, .following, .posts: .last
        case .engagementRate: .ratio
        case .completion: .average
        default: .change
        }
    }

    /// `count` or `ratio`.
    public var unit: String { self == .engagementRate || self == .completion ? "ratio" : "count" }

    /// The stored column the metric is read from (followers_net reads followers).
    public var column: String {
        switch self {
        case .followersNet: "followers"
        case .engagementRate: "engagements"
        default: rawValue
        }
    }

    /// One sentence for the API's list of metrics.
    public var definition: String {
        switch self {
        case .followers: "Followers at the end of the period (the last daily snapshot in it), summed over accounts."
        case .following: "Accounts followed at the end of the period, summed over accounts, where the platform reports it."
        case .posts: "Posts on the account at the end of the period, as the platform counts them."
        case .followersNet: "Followers at the end of the period minus at the end of the period before (new minus lost)."
        case .impressions: "Times posts were shown, gained within the period, where the platform reports it."
        case .reach: "Distinct people reached, gained within the period, where the platform reports it."
        case .likes: "Likes (the platform's own name kept beside), gained within the period."
        case .comments: "Comments and replies gained within the period."
        case .shares: "Shares, reposts and quotes gained within the period."
        case .saves: "Saves and favourites-to-collection gained within the period, where reported."
        case .plays: "Video plays gained within the period, where reported."
        case .completion: "Average share of plays watched to the end, over posts with a value in the period."
        case .linkClicks: "Clicks on the post's links gained within the period, where reported."
        case .engagements: "The platform's engagement actions (see the taxonomy) gained within the period."
        case .engagementRate:
            "Engagements in the period divided by impressions in the period where impressions are reported (basis impressions), else by followers at the period's end (basis followers)."
        }
    }
}

/// What one platform calls each metric, and which count as engagements.
public struct PlatformMetricNames: Sendable, Equatable {
    /// The platform's own name → the normalised metric.
    public var names: [String: NormalisedMetric]
    /// The normalised metrics that add up to an engagement on this platform.
    public var engagement: [NormalisedMetric]
    /// Whether the platform's API offers account history (backfill).
    public var history: Bool
    /// How many days back the platform's own export or API reaches, if it
    /// stops somewhere (WeChat's datacube: about 3 months).
    public var exportWindowDays: Int?
    /// What the platform's API does not report, in a few words.
    public var note: String
}

/// The one table of platforms' metrics (documented in docs/analytics.md).
public enum MetricTaxonomy {
    public static let platforms: [String: PlatformMetricNames] = [
        "sandbox": PlatformMetricNames(
            names: ["followers": .followers, "impressions": .impressions, "likes": .likes, "comments": .comments, "shares": .shares],
            engagement: [.likes, .comments, .shares], history: true, exportWindowDays: nil,
            note: "Simulated: impressions, likes, comments, shares; follower history from its audience model."),
        "mastodon": PlatformMetricNames(
            names: [
                "followers_count": .followers, "following_count": .following, "statuses_count": .posts, "favourites_count": .likes,
                "replies_count": .comments, "reblogs_count": .shares,
            ], engagement: [.likes, .comments, .shares], history: false, exportWindowDays: nil,
            note: "No impressions or reach in the API; no account history."),
        "bluesky": PlatformMetricNames(
            names: [
                "followersCount": .followers, "followsCount": .following, "postsCount": .posts, "likeCount": .likes, "replyCount": .comments,
                "repostCount": .shares, "quoteCount": .shares,
            ], engagement: [.likes, .comments, .shares], history: false, exportWindowDays: nil,
            note: "Shares are reposts plus quotes; no impressions; no account history."),
        "weibo": PlatformMetricNames(
            names: [
                "followers_count": .followers, "friends_count": .following, "statuses_count": .posts, "attitudes": .likes, "comments": .comments,
                "reposts": .shares,
            ], engagement: [.likes, .comments, .shares], history: false, exportWindowDays: nil,
            note: "Open API reports counts only (statuses/count); reads (阅读数) only in the account's own export."),
        "wechat": PlatformMetricNames(
            names: ["total": .followers, "total_count": .posts, "cumulate_user": .followers], engagement: [.likes, .comments, .shares, .saves],
            history: true, exportWindowDays: 90,
            note:
                "Followers (user/get total, datacube getusercumulate for past days with new_user and cancel_user) and published count; articles from the publishing API have no statistics."
        ),
        "xiaohongshu": PlatformMetricNames(
            names: [:], engagement: [.likes, .comments, .shares, .saves], history: false, exportWindowDays: nil,
            note: "Hand-off platform: no statistics API."),
        "douyin": PlatformMetricNames(
            names: [:], engagement: [.likes, .comments, .shares], history: false, exportWindowDays: nil,
            note: "Hand-off publishing; no statistics through Fanfare's connector."),
    ]

    /// The names of a platform not listed count likes, comments and shares.
    public static func of(_ platform: String) -> PlatformMetricNames {
        platforms[platform]
            ?? PlatformMetricNames(names: [:], engagement: [.likes, .comments, .shares], history: false, exportWindowDays: nil, note: "")
    }

    /// Engagements of a post's totals on `platform`: the sum of the metrics
    /// that count there (nil values count 0).
    public static func engagements(platform: String, values: [NormalisedMetric: Int?]) -> Int {
        of(platform).engagement.reduce(0) { $0 + ((values[$1] ?? nil) ?? 0) }
    }
}

/// Calendar days as the store writes them, `YYYY-MM-DD` in the workspace's
/// time zone, and the periods they fall in.
public enum MetricDay {
    private static var utc: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }

    /// The day of `instant` in `timeZone`.
    public static func of(_ instant: Date, in timeZone: TimeZone) -> String {
        let local = instant.timeIntervalSince1970 + Double(timeZone.secondsFromGMT(for: instant))
        let (year, month, day) = civilFromDays(Int((local / 86_400).rounded(.down)))
        if fastYears.contains(year) { return text(year, month, day) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// A real calendar day in `YYYY-MM-DD` form, as a date at UTC midnight.
    public static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            parts[0].count == 4, parts[1].count == 2, parts[2].count == 2
        else { return nil }
        if fastYears.contains(year) {
            guard (1...12).contains(month), (1...daysIn(month, of: year)).contains(day) else { return nil }
            return Date(timeIntervalSince1970: Double(daysFromCivil(year, month, day)) * 86_400)
        }
        let components = DateComponents(year: year, month: month, day: day)
        guard let date = utc.date(from: components), utc.dateComponents([.year, .month, .day], from: date) == components else { return nil }
        return date
    }

    static func format(_ date: Date) -> String {
        let (year, month, day) = civilFromDays(Int((date.timeIntervalSince1970 / 86_400).rounded(.down)))
        if fastYears.contains(year) { return text(year, month, day) }
        let parts = utc.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    /// `day` moved by `days`.
    public static func adding(_ days: Int, to day: String) -> String {
        guard let date = parse(day) else { return day }
        // A UTC day is always 86,400 s long: what `Calendar` adds there.
        return format(date.addingTimeInterval(Double(days) * 86_400))
    }

    // Days are counted with integer arithmetic on the proleptic Gregorian
    // calendar (H. Hinnant's `days_from_civil`), which is what Foundation's
    // Gregorian calendar answers from 1600 on (before the 1582 reform it
    // counts Julian days, so earlier years keep asking it). A chart's
    // axis asked `Calendar` and `String(format:)` once per day, most of the
    // 工作台's time.
    private static let fastYears = 1600...9999

    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysIn(_ month: Int, of year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD` of a year from 1000 to 9999 (`fastYears`).
    private static func text(_ year: Int, _ month: Int, _ day: Int) -> String {
        String(year) + (month < 10 ? "-0" : "-") + String(month) + (day < 10 ? "-0" : "-") + String(day)
    }

    /// Days from `from` to `to` (0 for the same day; negative when before).
    public static func distance(from: String, to: String) -> Int {
        guard let a = parse(from), let b = parse(to) else { return 0 }
        return Int((b.timeIntervalSince(a) / 86_400).rounded())
    }

    /// Every day from `from` to `to`, both included.
    public static func range(_ from: String, _ to: String) -> [String] {
        let count = distance(from: from, to: to)
        guard count >= 0 else { return [] }
        guard let start = parse(from) else { return [from] }
        return (0...count).map { format(start.addingTimeInterval(Double($0) * 86_400)) }
    }
}

/// How points are grouped: a day, a week (Monday to Sunday, named by its
/// Monday) or a calendar month (named `YYYY-MM`).
public enum Granularity: String, Sendable, CaseIterable, Codable {
    case day, week, month

    /// The period `day` falls in.
    public func period(of day: String) -> String {
        switch self {
        case .day: return day
        case .month: return String(day.prefix(7))
        case .week:
            guard let date = MetricDay.parse(day) else { return day }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let weekday = calendar.component(.weekday, from: date)  // 1 = Sunday
            return MetricDay.adding(-((weekday + 5) % 7), to: day)
        }
    }
}

/// One entity's (account's or post's) daily totals, oldest first, and the
/// last total before the series starts, if any.
public struct DailyTotals: Sendable, Equatable {
    public var entity: String
    public var before: Double?
    public var days: [(day: String, value: Double)]

    public init(entity: String, before: Double?, days: [(day: String, value: Double)]) {
        self.entity = entity
        self.before = before
        self.days = days.sorted { $0.day < $1.day }
    }

    public static func == (lhs: DailyTotals, rhs: DailyTotals) -> Bool {
        lhs.entity == rhs.entity && lhs.before == rhs.before && lhs.days.map(\.day) == rhs.days.map(\.day)
            && lhs.days.map(\.value) == rhs.days.map(\.value)
    }
}

/// One point of a series.
public struct SeriesPoint: Sendable, Equatable, Codable {
    public var period: String
    public var value: Double?

    public init(period: String, value: Double?) {
        self.period = period
        self.value = value
    }

    private enum CodingKeys: String, CodingKey { case period, value }

    /// A period without a value says `"value": null` rather than leaving it out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(period, forKey: .period)
        if let value { try container.encode(value, forKey: .value) } else { try container.encodeNil(forKey: .value) }
    }
}

/// Daily totals into a series (documented in docs/analytics.md).
public enum MetricSeries {
    /// The periods from `from` to `to` at `granularity`, in order.
    public static func periods(from: String, to: String, granularity: Granularity) -> [(period: String, first: String, last: String)] {
        var result: [(period: String, first: String, last: String)] = []
        for day in MetricDay.range(from, to) {
            let period = granularity.period(of: day)
            if let last = result.last, last.period == period {
                result[result.count - 1].last = day
            } else {
                result.append((period, day, day))
            }
        }
        return result
    }

    /// `last`: for each entity, its last total on or before the period's
    /// last day (carried from an earlier day, never from a later one),
    /// summed; nil when no entity has one yet. `change`: for each entity,
    /// that total minus the same at the end of the period before (or the
    /// last total before the series, or `zeroStart` 0 / the entity's first
    /// total when it has none), summed; nil when no entity has a total by
    /// the period's end.
    public static func aggregate(
        _ totals: [DailyTotals], from: String, to: String, granularity: Granularity, aggregation: NormalisedMetric.Aggregation,
        zeroStart: Bool
    ) -> [SeriesPoint] {
        let periods = periods(from: from, to: to, granularity: granularity)
        var sums = [Double?](repeating: nil, count: periods.count)
        for entity in totals {
            var index = 0
            var current = entity.before
            var previousEnd: Double? = entity.before ?? (zeroStart ? 0 : nil)
            var averaged: (sum: Double, count: Int) = (0, 0)
            for (p, period) in periods.enumerated() {
                averaged = (0, 0)
                while index < entity.days.count, entity.days[index].day <= period.last {
                    if entity.days[index].day >= period.first {
                        averaged.sum += entity.days[index].value
                        averaged.count += 1
                    }
                    current = entity.days[index].value
                    if previousEnd == nil { previousEnd = entity.days[index].value }
                    index += 1
                }
                guard let value = current else { continue }
                switch aggregation {
                case .last, .ratio: sums[p] = (sums[p] ?? 0) + value
                case .change: sums[p] = (sums[p] ?? 0) + (value - (previousEnd ?? value))
                case .average:
                    if averaged.count > 0 { sums[p] = (sums[p] ?? 0) + averaged.sum / Double(averaged.count) }
                }
                previousEnd = value
            }
        }
        if aggregation == .average {
            // Average over the entities with a value in each period.
            var counts = [Int](repeating: 0, count: periods.count)
            for entity in totals {
                for (p, period) in periods.enumerated() where entity.days.contains(where: { $0.day >= period.first && $0.day <= period.last }) {
                    counts[p] += 1
                }
            }
            return periods.enumerated().map { p, period in
                SeriesPoint(period: period.period, value: counts[p] > 0 ? sums[p].map { $0 / Double(counts[p]) } : nil)
            }
        }
        return periods.enumerated().map { SeriesPoint(period: $1.period, value: sums[$0]) }
    }

    /// A gained metric's series from its daily gains summed over entities
    /// (`PostGainChange`): each period's sum, 0 where nothing was gained;
    /// nil for periods that end before `first`, the first day any entity
    /// reported the metric. The same as `aggregate(.change, zeroStart: true)`
    /// over the totals the gains came from.
    public static func fromGains(
        _ days: [(day: String, value: Double)], first: String?, from: String, to: String, granularity: Granularity
    ) -> [SeriesPoint] {
        let byDay = Dictionary(days.map { ($0.day, $0.value) }, uniquingKeysWith: +)
        return periods(from: from, to: to, granularity: granularity).map { period in
            guard let first, first <= period.last else { return SeriesPoint(period: period.period, value: nil) }
            let sum = MetricDay.range(period.first, period.last).reduce(0.0) { $0 + (byDay[$1] ?? 0) }
            return SeriesPoint(period: period.period, value: sum)
        }
    }

    /// Each period's numerator divided by its denominator; nil where the
    /// denominator is missing or 0.
    public static func ratio(_ numerator: [SeriesPoint], _ denominator: [SeriesPoint]) -> [SeriesPoint] {
        zip(numerator, denominator).map { n, d in
            guard let top = n.value, let bottom = d.value, bottom > 0 else { return SeriesPoint(period: n.period, value: nil) }
            return SeriesPoint(period: n.period, value: (top / bottom * 10_000).rounded() / 10_000)
        }
    }
}

/// The data-quality checks of one account's daily followers.
public enum MetricQuality {
    public struct Jump: Sendable, Equatable, Codable {
        public var day: String
        public var from: Int
        public var to: Int
        public var change: Int
    }

    /// Days from `from` to `to` with no snapshot, for an account whose
    /// first snapshot is `first` (no gap is counted before it).
    public static func gaps(days: Set<String>, first: String?, from: String, to: String) -> [String] {
        guard let first else { return [] }
        return MetricDay.range(max(first, from), to).filter { !days.contains($0) }
    }

    /// Day-to-day changes of followers far outside the account's usual
    /// ones: |change − median| above 8 × the median absolute deviation
    /// (scaled by 1.4826), and at least 50 followers and 5 % of the count
    /// before. With fewer than 7 changes nothing is flagged.
    public static func jumps(_ series: [(day: String, value: Int)]) -> [Jump] {
        let sorted = series.sorted { $0.day < $1.day }
        guard sorted.count >= 8 else { return [] }
        let changes = zip(sorted, sorted.dropFirst()).map { Double($1.value - $0.value) }
        let median = Self.median(changes)
        let mad = Self.median(changes.map { abs($0 - median) }) * 1.4826
        var result: [Jump] = []
        for (pair, change) in zip(zip(sorted, sorted.dropFirst()), changes) {
            let (before, after) = pair
            let floor = max(50, Double(before.value) * 0.05)
            if abs(change - median) > 8 * mad, abs(change) >= floor {
                result.append(Jump(day: after.day, from: before.value, to: after.value, change: Int(change)))
            }
        }
        return result
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// When a published post's numbers are read into the store: every day for
/// its first 30 days, then when the last stored day is a week old, until
/// the post is a year old, then never.
public enum PostSnapshotPlan {
    public static let dailyDays = 30
    public static let lastDay = 365

    /// Whether a post published on `published`, last stored on `lastTaken`,
    /// is due a snapshot on `day`.
    public static func due(published: String, lastTaken: String?, on day: String) -> Bool {
        let age = MetricDay.distance(from: published, to: day)
        if age < 0 || age > lastDay { return false }
        if let lastTaken, lastTaken >= day { return false }
        guard age > dailyDays, let lastTaken else { return true }
        return MetricDay.distance(from: lastTaken, to: day) >= 7
    }
}
