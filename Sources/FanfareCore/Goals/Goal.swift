import Foundation

// Goals (issue 21 scope 1; SPEC §1; docs/goals.md): what a SMART goal is
// made of and the rules its fields must meet. Progress, projection and the
// target path are in GoalProgress.swift; the split of a long goal into
// quarters and months in GoalDecomposition.swift; the seeds' three-phase
// plan in GoalTemplate.swift.

/// What a goal measures: a metric of the store, a rate of two of them, the
/// workspace's conversions, or a number Fanfare has no live source for yet
/// (such a goal is kept and shown as not tracked, never given a made-up
/// progress).
public enum GoalMetric: Hashable, Sendable {
    /// A normalised metric of the analytics store (`followers`, `comments`, …).
    case store(NormalisedMetric)
    /// One store metric divided by another over the same days, e.g. the
    /// comment rate `comments/impressions`.
    case rate(NormalisedMetric, per: NormalisedMetric)
    /// Conversion events recorded by the Conversions feature, of one event
    /// name or of all (`conversions`, `conversions:signup`).
    case conversions(event: String?)
    /// Conversions per tracked-link click (`conversion_rate`, `conversion_rate:signup`).
    case conversionRate(event: String?)
    /// A number with no live source in Fanfare (VIP share, ROI, repurchase,
    /// brand search index, content pillars): `untracked:<name>`.
    case untracked(UntrackedMetric)

    /// How a value over a span of days is made, which decides the
    /// projection and the decomposition (docs/goals.md).
    public enum Kind: String, Sendable, Codable {
        /// Counted within the goal's days: the goal's value is the sum of
        /// the daily gains from the start day (new followers, comments,
        /// conversions).
        case cumulative
        /// A level read on a day: the goal's value is the level at the
        /// deadline (followers, a rate).
        case level
    }

    public var kind: Kind {
        switch self {
        case .store(let metric): metric.aggregation == .change ? .cumulative : .level
        case .rate, .conversionRate: .level
        case .conversions: .cumulative
        case .untracked(let metric): metric.kind
        }
    }

    /// `count` or `ratio` (a share written 0.1 for 10 %).
    public var unit: String {
        switch self {
        case .store(let metric): metric.unit
        case .rate, .conversionRate: "ratio"
        case .conversions: "count"
        case .untracked(let metric): metric.unit
        }
    }

    /// Whether Fanfare can compute the goal's progress from live data.
    public var isTracked: Bool {
        if case .untracked = self { return false }
        return true
    }

    /// The form stored and sent through the API.
    public var code: String {
        switch self {
        case .store(let metric): metric.rawValue
        case .rate(let numerator, let denominator): "\(numerator.rawValue)/\(denominator.rawValue)"
        case .conversions(let event): event.map { "conversions:\($0)" } ?? "conversions"
        case .conversionRate(let event): event.map { "conversion_rate:\($0)" } ?? "conversion_rate"
        case .untracked(let metric): "untracked:\(metric.rawValue)"
        }
    }

    /// Reads `code`; nil when it names nothing known. Event names follow
    /// the Conversions feature's rule (letters, digits, `_`, `-`, `.`; 1–64).
    public init?(code: String) {
        if let metric = NormalisedMetric(rawValue: code) {
            self = .store(metric)
            return
        }
        let parts = code.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2 {
            guard let numerator = NormalisedMetric(rawValue: String(parts[0])), let denominator = NormalisedMetric(rawValue: String(parts[1])),
                numerator != denominator, numerator.unit == "count", denominator.unit == "count"
            else { return nil }
            self = .rate(numerator, per: denominator)
            return
        }
        func event(after prefix: String) -> String?? {
            if code == prefix { return .some(nil) }
            guard code.hasPrefix(prefix + ":") else { return nil }
            let name = String(code.dropFirst(prefix.count + 1))
            return Self.isEventName(name) ? .some(name) : nil
        }
        if let name = event(after: "conversions") {
            self = .conversions(event: name)
        } else if let name = event(after: "conversion_rate") {
            self = .conversionRate(event: name)
        } else if code.hasPrefix("untracked:"), let metric = UntrackedMetric(rawValue: String(code.dropFirst(10))) {
            self = .untracked(metric)
        } else {
            return nil
        }
    }

    static func isEventName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0)) }
    }

    /// The forms listed to a person who sent an unknown one.
    public static var acceptedForms: [String] {
        NormalisedMetric.allCases.map(\.rawValue) + [
            "<count metric>/<count metric> (e.g. comments/impressions)", "conversions", "conversions:<event>", "conversion_rate",
            "conversion_rate:<event>",
        ] + UntrackedMetric.allCases.map { "untracked:\($0.rawValue)" }
    }
}

/// The seeds' numbers Fanfare cannot read yet (no order, budget or search
/// index data): a goal on them is written down and shown, not tracked.
public enum UntrackedMetric: String, Sendable, CaseIterable, Codable {
    case vipShare = "vip_share"
    case roi
    case repurchaseRate = "repurchase_rate"
    case brandSearchIndex = "brand_search_index"
    case contentPillars = "content_pillars"

    public var kind: GoalMetric.Kind { .level }
    public var unit: String { self == .vipShare || self == .repurchaseRate ? "ratio" : "count" }
}

/// Whether the target is a value to reach or a rise over the baseline.
public enum GoalTargetMode: String, Sendable, CaseIterable, Codable {
    /// `target` is the value itself (150,000 new followers; 0.10 comment rate).
    case absolute
    /// `target` is a rise in percent over the baseline (40 for +40 %): for a
    /// level, the level on the start day; for a cumulative metric, the sum
    /// over as many days just before the start.
    case increasePercent = "increase_percent"
}

/// Which side of the target is good.
public enum GoalDirection: String, Sendable, CaseIterable, Codable {
    /// Reach at least the target (the usual).
    case atLeast = "at_least"
    /// Stay at or below it (e.g. a cost).
    case atMost = "at_most"
}

/// A goal as written: specific (metric and scope), measurable (target),
/// time-bound (start and deadline), with an owner.
public struct GoalDefinition: Sendable, Equatable {
    public var title: String
    public var metric: GoalMetric
    public var target: Double
    public var targetMode: GoalTargetMode
    public var direction: GoalDirection
    /// First day counted, `YYYY-MM-DD` in the workspace's time zone.
    public var startDay: String
    /// Last day counted.
    public var deadline: String
    public var ownerID: UUID?
    /// Only this platform's accounts (nil: all).
    public var platform: String?
    /// Only these accounts (empty: all, or all of `platform`).
    public var accountIDs: [UUID]
    /// One weight per calendar month the goal touches, for the target path
    /// and the decomposition (nil: even by days).
    public var monthWeights: [Double]?

    public init(
        title: String, metric: GoalMetric, target: Double, targetMode: GoalTargetMode = .absolute, direction: GoalDirection = .atLeast,
        startDay: String, deadline: String, ownerID: UUID? = nil, platform: String? = nil, accountIDs: [UUID] = [],
        monthWeights: [Double]? = nil
    ) {
        self.title = title
        self.metric = metric
        self.target = target
        self.targetMode = targetMode
        self.direction = direction
        self.startDay = startDay
        self.deadline = deadline
        self.ownerID = ownerID
        self.platform = platform
        self.accountIDs = accountIDs
        self.monthWeights = monthWeights
    }

    /// Days counted, start and deadline included.
    public var days: Int { MetricDay.distance(from: startDay, to: deadline) + 1 }

    /// The calendar months the goal touches (`YYYY-MM`), in order.
    public var months: [String] { GoalCalendar.months(from: startDay, to: deadline) }
}

/// The bounds the validation applies (docs/goals.md § Validation).
public enum GoalRules {
    public static let titleLength = 1...200
    /// A goal may span up to three years (a yearly goal with room).
    public static let maxDays = 1_096
    /// An objective carries at most six key results (SPEC §1).
    public static let maxKeyResults = 6
    /// A rise target in percent.
    public static let increasePercent = 0.0...10_000.0
    /// The workspace's off-track tolerance: a share of the target.
    public static let tolerance = 0.01...0.9
    public static let defaultTolerance = 0.2

    /// Checks a goal, naming each bad field with what is accepted.
    /// `platforms`: the platform names the workspace may scope to.
    public static func validate(_ goal: GoalDefinition, platforms: Set<String>) -> ValidationErrors {
        var errors = ValidationErrors()
        let title = goal.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if !titleLength.contains(title.count) {
            errors.add("title", .lengthBetween(min: titleLength.lowerBound, max: titleLength.upperBound))
        } else if title.contains(where: \.isNewline) {
            errors.add("title", .singleLine)
        }
        if !goal.target.isFinite {
            errors.add("target", .typeNumber)
        } else {
            switch goal.targetMode {
            case .increasePercent:
                if !(goal.target > 0 && goal.target <= increasePercent.upperBound) { errors.add("target", .goalIncreasePercent) }
            case .absolute:
                if goal.metric.unit == "ratio" {
                    if !(goal.target > 0 && goal.target <= 1) { errors.add("target", .goalRatioTarget) }
                } else if goal.target <= 0 {
                    errors.add("target", .goalTargetAboveZero)
                }
            }
        }
        let start = MetricDay.parse(goal.startDay)
        let deadline = MetricDay.parse(goal.deadline)
        if start == nil { errors.add("start_day", .dateFormat(value: String(goal.startDay.prefix(40)))) }
        if deadline == nil { errors.add("deadline", .dateFormat(value: String(goal.deadline.prefix(40)))) }
        if start != nil, deadline != nil {
            if goal.deadline <= goal.startDay {
                errors.add("deadline", .goalDeadlineAfterStart(start: goal.startDay))
            } else if goal.days > maxDays {
                errors.add("deadline", .goalSpanAtMost(days: goal.days, max: maxDays))
            }
        }
        if let platform = goal.platform, !platforms.contains(platform) {
            errors.add("platform", .unknownValue(value: String(platform.prefix(40)), choices: platforms.sorted()))
        }
        if let weights = goal.monthWeights, start != nil, deadline != nil, goal.deadline > goal.startDay {
            let months = goal.months.count
            if weights.count != months || weights.contains(where: { !$0.isFinite || $0 < 0 }) || !weights.contains(where: { $0 > 0 }) {
                errors.add("month_weights", .goalMonthWeights(months: months))
            }
        }
        return errors
    }

    /// Checks a workspace's off-track tolerance (0.2 = 20 %).
    public static func validateTolerance(_ value: Double) -> ValidationErrors {
        tolerance.contains(value) && value.isFinite ? ValidationErrors() : ValidationErrors("off_track_tolerance", .goalTolerance)
    }

    /// Checks an objective's key-result count (an OKR holds at most six).
    public static func validateKeyResultCount(_ count: Int) -> ValidationErrors {
        count <= maxKeyResults ? ValidationErrors() : ValidationErrors("key_results", .itemsAtMost(max: maxKeyResults, count: count))
    }
}

/// Calendar helpers on `YYYY-MM-DD` days.
public enum GoalCalendar {
    /// `YYYY-MM` of a day.
    public static func month(of day: String) -> String { String(day.prefix(7)) }

    /// `YYYY-Qn` of a day.
    public static func quarter(of day: String) -> String {
        let month = Int(day.dropFirst(5).prefix(2)) ?? 1
        return "\(day.prefix(4))-Q\((month - 1) / 3 + 1)"
    }

    /// The months from `from` to `to`, both touched, in order.
    public static func months(from: String, to: String) -> [String] {
        guard var year = Int(from.prefix(4)), var month = Int(from.dropFirst(5).prefix(2)), let endYear = Int(to.prefix(4)),
            let endMonth = Int(to.dropFirst(5).prefix(2)), from <= to
        else { return [] }
        var result: [String] = []
        while (year, month) <= (endYear, endMonth) {
            result.append(String(format: "%04d-%02d", year, month))
            month += 1
            if month > 12 {
                month = 1
                year += 1
            }
        }
        return result
    }
}
