import Foundation

// Weekly and monthly reports (issue 18, scope 7): which period a report
// covers, when it is due, and what it holds, as plain values. The server
// fills a report from the overview's numbers once and keeps it: an archived
// report reads the same next year, whatever was re-fetched since.

/// How a report's period was chosen.
public enum ReportKind: String, Sendable, CaseIterable, Codable {
    /// Monday to Sunday, made on the Monday after.
    case weekly
    /// A calendar month, made on the 1st of the next.
    case monthly
    /// Any run of days, asked for by a person.
    case custom
}

public enum ReportSchedule {
    /// The last whole week (Monday to Sunday) that ended before `today`.
    public static func lastWeek(before today: String) -> DashboardPeriod {
        let monday = Granularity.week.period(of: today)
        return DashboardPeriod(from: MetricDay.adding(-7, to: monday), to: MetricDay.adding(-1, to: monday))
    }

    /// The last whole calendar month that ended before `today`.
    public static func lastMonth(before today: String) -> DashboardPeriod {
        let first = String(today.prefix(7)) + "-01"
        let end = MetricDay.adding(-1, to: first)
        return DashboardPeriod(from: String(end.prefix(7)) + "-01", to: end)
    }

    /// The weekly and monthly periods that should exist on `today` (in the
    /// workspace's time zone). Only the latest of each: a workspace that
    /// arrives with a year of history is not handed fifty reports. None of a
    /// period that ended before the workspace existed, unless history
    /// reaches into it (`firstDataDay`, a backfilled or imported day):
    /// otherwise there would be nothing to say.
    public static func due(today: String, createdOn: String, firstDataDay: String? = nil) -> [(kind: ReportKind, period: DashboardPeriod)] {
        let start = min(createdOn, firstDataDay ?? createdOn)
        return [(ReportKind.weekly, lastWeek(before: today)), (ReportKind.monthly, lastMonth(before: today))].filter { $0.1.to >= start }
    }

    /// The longest custom period a report may cover.
    public static let maxDays = 366
}

/// What an archived report holds.
public struct ReportContent: Sendable, Equatable, Codable {
    public struct KPI: Sendable, Equatable, Codable {
        /// As the overview names it: `followers`, `followers_net`, `engagement_rate`, …
        public var key: String
        /// `count`, `ratio` or `fen`.
        public var unit: String
        public var value: Double?
        public var previous: Double?
        /// One value a day of the period (nil: nothing stored that day), for the report's charts.
        public var daily: [Double?]
        public var change: KPIChange { KPIChange(current: value, previous: previous) }

        public init(key: String, unit: String, value: Double?, previous: Double?, daily: [Double?] = []) {
            self.key = key
            self.unit = unit
            self.value = value
            self.previous = previous
            self.daily = daily
        }
    }

    public struct Post: Sendable, Equatable, Codable {
        public var postID: UUID
        public var title: String
        public var platform: String
        public var engagements: Double
        public var rate: Double?
        /// `impressions` or `followers`: what the rate was divided by.
        public var basis: String

        public init(postID: UUID, title: String, platform: String, engagements: Double, rate: Double?, basis: String) {
            self.postID = postID
            self.title = title
            self.platform = platform
            self.engagements = engagements
            self.rate = rate
            self.basis = basis
        }
    }

    public struct Anomaly: Sendable, Equatable, Codable {
        /// The series: `followers_net` or `engagement_rate`.
        public var series: String
        public var day: String
        public var value: Double

        public init(series: String, day: String, value: Double) {
            self.series = series
            self.day = day
            self.value = value
        }
    }

    public struct QualityNote: Sendable, Equatable, Codable {
        public var platform: String
        public var handle: String
        public var missingDays: Int
        public var jumps: Int
        public var duplicatesReplaced: Int

        public init(platform: String, handle: String, missingDays: Int, jumps: Int, duplicatesReplaced: Int) {
            self.platform = platform
            self.handle = handle
            self.missingDays = missingDays
            self.jumps = jumps
            self.duplicatesReplaced = duplicatesReplaced
        }
    }

    public var kpis: [KPI]
    /// What the engagement rate was divided by in this report.
    public var basis: String
    public var top: [Post]
    public var bottom: [Post]
    public var anomalies: [Anomaly]
    public var quality: [QualityNote]
    /// Posts that gained anything in the period.
    public var postsCounted: Int

    public init(
        kpis: [KPI], basis: String, top: [Post], bottom: [Post], anomalies: [Anomaly], quality: [QualityNote], postsCounted: Int
    ) {
        self.kpis = kpis
        self.basis = basis
        self.top = top
        self.bottom = bottom
        self.anomalies = anomalies
        self.quality = quality
        self.postsCounted = postsCounted
    }

    /// The report as CSV: one section after another, each with its own
    /// header line, numbers unformatted (a ratio as 0.0234, money in fen)
    /// so a spreadsheet can compute with them.
    public func csv(kind: ReportKind, period: DashboardPeriod, comparison: DashboardPeriod) -> String {
        let number = CSVWriter.number
        var out = CSVWriter(header: ["report", "from", "to", "compared_from", "compared_to"])
        out.append([kind.rawValue, period.from, period.to, comparison.from, comparison.to])
        out.append([])
        out.append(["kpi", "unit", "value", "previous", "change_ratio"])
        for kpi in kpis { out.append([kpi.key, kpi.unit, number(kpi.value), number(kpi.previous), number(kpi.change.ratio)]) }
        out.append([])
        out.append(["rank", "post_id", "title", "platform", "engagements", "engagement_rate", "rate_basis"])
        for (rank, posts) in [("top", top), ("bottom", bottom)] {
            for post in posts {
                out.append([
                    rank, post.postID.uuidString.lowercased(), post.title, post.platform, number(post.engagements), number(post.rate), post.basis,
                ])
            }
        }
        out.append([])
        out.append(["anomaly_series", "day", "value"])
        for anomaly in anomalies { out.append([anomaly.series, anomaly.day, number(anomaly.value)]) }
        out.append([])
        out.append(["quality_platform", "handle", "missing_days", "jumps", "duplicates_replaced"])
        for note in quality {
            out.append([note.platform, note.handle, String(note.missingDays), String(note.jumps), String(note.duplicatesReplaced)])
        }
        return ExportName.withBOM(out)
    }
}
