import Foundation

// The overview dashboard's rules (issue 18, scope 4–6): periods and their
// comparison periods, the change between them, which basis an engagement
// rate uses, follower growth split into new and lost, the ranking of
// posts, and the inbox's service-level share. Written for people in
// docs/analytics.md ("Dashboards").

/// A run of whole days, `YYYY-MM-DD` in the workspace's time zone, both ends included.
public struct DashboardPeriod: Sendable, Equatable, Codable {
    public var from: String
    public var to: String

    public init(from: String, to: String) {
        self.from = from
        self.to = to
    }

    /// The last `days` days ending `today`.
    public static func last(_ days: Int, endingOn today: String) -> DashboardPeriod {
        DashboardPeriod(from: MetricDay.adding(-(max(days, 1) - 1), to: today), to: today)
    }

    /// How many days it holds.
    public var days: Int { MetricDay.distance(from: from, to: to) + 1 }

    /// Every day of it.
    public var allDays: [String] { MetricDay.range(from, to) }

    /// The period it is compared with: the same number of days just before
    /// it (`previous`), or the same dates a year earlier (`lastYear`; 29
    /// February becomes the 28th).
    public func comparison(_ kind: DashboardComparison) -> DashboardPeriod {
        switch kind {
        case .previous:
            return DashboardPeriod(from: MetricDay.adding(-days, to: from), to: MetricDay.adding(-1, to: from))
        case .lastYear:
            return DashboardPeriod(from: Self.yearBefore(from), to: Self.yearBefore(to))
        }
    }

    static func yearBefore(_ day: String) -> String {
        guard let year = Int(day.prefix(4)) else { return day }
        let moved = String(format: "%04d", year - 1) + day.dropFirst(4)
        return MetricDay.parse(moved) != nil ? moved : MetricDay.adding(-1, to: moved.replacingOccurrences(of: "-02-29", with: "-03-01"))
    }
}

/// What a period is compared with.
public enum DashboardComparison: String, Sendable, CaseIterable, Codable {
    case previous
    case lastYear = "last_year"
}

/// The change of a KPI against its comparison period.
public struct KPIChange: Sendable, Equatable, Codable {
    public enum Direction: String, Sendable, Codable { case up, down, flat }

    /// (current − previous) ÷ |previous|; nil when there is nothing to
    /// compare with (no previous value, or a previous value of 0: a rise
    /// from nothing has no percentage).
    public var ratio: Double?
    public var direction: Direction

    public init(current: Double?, previous: Double?) {
        guard let current, let previous else {
            self.ratio = nil
            self.direction = .flat
            return
        }
        self.direction = current > previous ? .up : current < previous ? .down : .flat
        self.ratio = previous == 0 ? nil : ((current - previous) / abs(previous) * 10_000).rounded() / 10_000
    }
}

/// Engagements divided by impressions where the period has impressions,
/// else by followers at the period's end (the series API's rule); the
/// comparison period is divided by the same basis as the current one, so
/// that the change compares like with like.
public enum EngagementBasis: String, Sendable, Codable {
    case impressions, followers

    /// The basis of a period: impressions when any were reported.
    public static func choose(impressions: Double?) -> EngagementBasis {
        (impressions ?? 0) > 0 ? .impressions : .followers
    }

    /// The rate on this basis; nil when the divisor is missing or 0.
    public func rate(engagements: Double?, impressions: Double?, followers: Double?) -> Double? {
        guard let engagements, let divisor = self == .impressions ? impressions : followers, divisor > 0 else { return nil }
        return (engagements / divisor * 10_000).rounded() / 10_000
    }
}

/// One day of follower growth over all accounts.
public struct FollowerFlowDay: Sendable, Equatable {
    public var day: String
    /// Followers at the end of the day (each account's last total carried forward), nil before any is stored.
    public var followers: Double?
    /// The sum of the accounts' rises that day.
    public var new: Double
    /// The sum of the accounts' falls that day (a positive number).
    public var lost: Double
    public var net: Double { new - lost }

    public init(day: String, followers: Double?, new: Double, lost: Double) {
        self.day = day
        self.followers = followers
        self.new = new
        self.lost = lost
    }
}

/// Platforms report a total, not who came and who went: "new" is the sum,
/// over accounts, of each account's day-to-day rise, and "lost" the sum of
/// each account's day-to-day fall. An account that gained 10 and lost 3 in
/// one day shows +7 new and 0 lost; two accounts, one +10 and one −3, show
/// 10 new and 3 lost. A day without a stored total carries the last one
/// forward (no change); the change is counted on the next stored day.
/// An account's first stored day is its start, not growth.
public enum FollowerFlow {
    public static func days(_ totals: [DailyTotals], period: DashboardPeriod) -> [FollowerFlowDay] {
        let days = period.allDays
        var result = days.map { FollowerFlowDay(day: $0, followers: nil, new: 0, lost: 0) }
        for entity in totals {
            var current = entity.before
            var index = 0
            for (d, day) in days.enumerated() {
                while index < entity.days.count, entity.days[index].day <= day {
                    let value = entity.days[index].value
                    if entity.days[index].day >= period.from, let before = current {
                        let change = value - before
                        if change > 0 { result[d].new += change } else { result[d].lost += -change }
                    }
                    current = value
                    index += 1
                }
                if let current { result[d].followers = (result[d].followers ?? 0) + current }
            }
        }
        return result
    }
}

/// One post's period in numbers, for ranking.
public struct RankedPost: Sendable, Equatable {
    public var id: String
    public var engagements: Double
    public var rate: Double?

    public init(id: String, engagements: Double, rate: Double?) {
        self.id = id
        self.engagements = engagements
        self.rate = rate
    }
}

/// The period's top and bottom posts: by engagements gained in the period,
/// then by engagement rate (a post without one after those with one), then
/// by id, so that the order is the same on every load. Bottom never repeats
/// a post of top: with fewer than 2 × `limit` posts, bottom is what is left.
/// Bottom lists the weakest first.
public enum PostRanking {
    public static func rank(_ posts: [RankedPost], limit: Int) -> (top: [RankedPost], bottom: [RankedPost]) {
        let ordered = posts.sorted { a, b in
            if a.engagements != b.engagements { return a.engagements > b.engagements }
            switch (a.rate, b.rate) {
            case (let x?, let y?) where x != y: return x > y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.id < b.id
            }
        }
        let top = Array(ordered.prefix(limit))
        let rest = ordered.dropFirst(top.count)
        return (top, Array(rest.suffix(limit).reversed()))
    }
}

/// Whether a conversation met its first-response target: answered within
/// it (`met`), answered later or still unanswered past it (`missed`), or
/// still unanswered and within it (`pending`, counted in neither).
public enum ServiceLevelOutcome: String, Sendable, Codable {
    case met, missed, pending

    public static func of(
        openedAt: Date, firstResponseAt: Date?, now: Date, policy: ServiceLevelPolicy, zone: TimeZone
    ) -> ServiceLevelOutcome {
        if let firstResponseAt {
            return policy.serviceTime(from: openedAt, to: firstResponseAt, zone: zone) <= policy.firstResponse ? .met : .missed
        }
        return policy.serviceTime(from: openedAt, to: now, zone: zone) > policy.firstResponse ? .missed : .pending
    }

    /// met ÷ (met + missed); nil when nothing was decided.
    public static func share(met: Int, missed: Int) -> Double? {
        met + missed == 0 ? nil : (Double(met) / Double(met + missed) * 10_000).rounded() / 10_000
    }
}

/// The file name of an export: `fanfare-{workspace}-{what}-{from}_{to}.csv`,
/// only letters, digits, `-` and `_` (a slug is already such).
public enum ExportName {
    public static func csv(workspace: String, what: String, period: DashboardPeriod) -> String {
        let safe = { (text: String) in String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "-" }) }
        return "fanfare-\(safe(workspace))-\(safe(what))-\(safe(period.from))_\(safe(period.to)).csv"
    }

    /// A CSV file as Excel opens it with Chinese intact: a byte-order mark, then the text.
    public static func withBOM(_ writer: CSVWriter) -> String { "\u{FEFF}" + writer.text }
}

/// The overview's anomaly marks: the detector (`AnomalyDetector`, daily
/// cadence, default settings but `minChange`) reads the series in time
/// order, each point judged only on the points before it; the days from
/// `judgeFrom` on that it flags are marked. Earlier days are history only.
public enum DashboardAnomalies {
    public static func flags(_ series: [(day: String, value: Double?)], judgeFrom: String, minChange: Double) -> Set<String> {
        guard let cadence = try? SeriesCadence(seconds: SeriesCadence.day),
            var detector = try? AnomalyDetector(settings: AnomalySettings(minChange: minChange), cadence: cadence)
        else { return [] }
        var flagged: Set<String> = []
        for point in series.sorted(by: { $0.day < $1.day }) {
            guard let value = point.value, value.isFinite, let at = MetricDay.parse(point.day) else { continue }
            if let reading = try? detector.append(at: at, value: value), reading.flagged, point.day >= judgeFrom { flagged.insert(point.day) }
        }
        return flagged
    }
}

/// One post's numbers for a breakdown (by pillar, format, campaign, account or platform).
public struct BreakdownPost: Sendable, Equatable {
    public var group: String
    public var account: String
    public var engagements: Double
    public var impressions: Double?

    public init(group: String, account: String, engagements: Double, impressions: Double?) {
        self.group = group
        self.account = account
        self.engagements = engagements
        self.impressions = impressions
    }
}

public struct BreakdownRow: Sendable, Equatable {
    public var group: String
    public var posts: Int
    public var engagements: Double
    public var rate: Double?
    public var basis: EngagementBasis
}

/// Which content works: posts, engagements and engagement rate per group.
/// The rate is per impression over the group's posts that report
/// impressions when any do, else per follower of the group's accounts at
/// the period's end (each account counted once). Largest engagements first.
public enum ContentBreakdown {
    public static func group(_ posts: [BreakdownPost], followers: [String: Double]) -> [BreakdownRow] {
        var rows: [BreakdownRow] = []
        for (group, items) in Dictionary(grouping: posts, by: \.group) {
            let engagements = items.reduce(0) { $0 + $1.engagements }
            let measured = items.filter { ($0.impressions ?? 0) > 0 }
            let rate: Double?
            let basis: EngagementBasis
            if !measured.isEmpty {
                basis = .impressions
                rate = basis.rate(
                    engagements: measured.reduce(0) { $0 + $1.engagements }, impressions: measured.reduce(0) { $0 + ($1.impressions ?? 0) },
                    followers: nil)
            } else {
                basis = .followers
                let audience = Set(items.map(\.account)).reduce(0.0) { $0 + (followers[$1] ?? 0) }
                rate = basis.rate(engagements: engagements, impressions: nil, followers: audience)
            }
            rows.append(BreakdownRow(group: group, posts: items.count, engagements: engagements, rate: rate, basis: basis))
        }
        return rows.sorted { $0.engagements != $1.engagements ? $0.engagements > $1.engagements : $0.group < $1.group }
    }
}
