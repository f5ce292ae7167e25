import Foundation

/// The risk register's rules (issue 22 scope 4; SPEC §12; seeds S0 §7,
/// S3 §7, S4 六). Everything here is pure: the server stores risks and
/// reads metrics and alerts, and asks these rules what they mean
/// (docs/risks.md).
public enum RiskCategory: String, Sendable, Codable, CaseIterable {
    case content, strategy
    case platformRules = "platform_rules"
    case technical
    case dataSecurity = "data_security"
    case financial, operational
}

/// Where a risk stands: watched (open), one of its triggers fired
/// (triggered), or no longer a risk (closed).
public enum RiskState: String, Sendable, Codable, CaseIterable {
    case open, triggered, closed
}

/// The three tiers of a score.
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Comparable {
    case low, medium, high

    public static func < (a: RiskLevel, b: RiskLevel) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// S0 §7.3's three layers of control: 预防控制, 过程控制, 应急控制.
public enum RiskControlStage: String, Sendable, Codable, CaseIterable {
    case preventive
    case inProcess = "in_process"
    case emergency
}

/// Probability and the impact on each of S0 §7.2's three dimensions
/// (品牌、用户、商业), each 1 (rare / slight) … 5 (almost certain / severe).
public struct RiskAssessment: Sendable, Equatable, Codable {
    public var probability: Int
    public var impactBrand: Int
    public var impactUsers: Int
    public var impactBusiness: Int

    public init(probability: Int, impactBrand: Int, impactUsers: Int, impactBusiness: Int) {
        self.probability = probability
        self.impactBrand = impactBrand
        self.impactUsers = impactUsers
        self.impactBusiness = impactBusiness
    }

    /// The largest of the three impacts. A risk that would ruin the brand
    /// but cost nothing this quarter is still a severe risk: averaging the
    /// dimensions would let two mild ones hide the severe one.
    public var impact: Int { max(impactBrand, impactUsers, impactBusiness) }

    /// Probability × the largest impact: 1…25, the classic 5×5 matrix the
    /// heat map draws, so a risk's score is its cell's product.
    public var score: Int { probability * impact }

    public var level: RiskLevel { RiskRules.level(score) }
}

public enum RiskRules {
    public static let scale = 1...5
    /// The tiers' lower bounds: 15…25 high, 8…14 medium, 1…7 low. With
    /// these, "likely (4) and major (4)" is high, "possible (3) and
    /// moderate (3)" medium (9), and nothing with probability or impact 1
    /// is above medium (at most 5).
    public static let highFrom = 15
    public static let mediumFrom = 8
    /// Monthly review (S0 §7.2 每月调整概率参数): due 30 days after the last.
    public static let reviewDays = 30
    public static let titleLength = 1...200
    public static let controlLength = 2_000

    public static func level(_ score: Int) -> RiskLevel {
        score >= highFrom ? .high : score >= mediumFrom ? .medium : .low
    }

    /// Every field out of range, each named.
    public static func validate(title: String, _ assessment: RiskAssessment) -> ValidationErrors {
        var errors = ValidationErrors()
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        if !titleLength.contains(trimmed.count) {
            errors.add("title", .lengthBetween(min: titleLength.lowerBound, max: titleLength.upperBound))
        }
        for (field, value) in [
            ("probability", assessment.probability), ("impact_brand", assessment.impactBrand), ("impact_users", assessment.impactUsers),
            ("impact_business", assessment.impactBusiness),
        ] where !scale.contains(value) {
            errors.add(field, .riskScale)
        }
        return errors
    }

    /// The day the next review is due: 30 days after the day (in the
    /// workspace's time zone) of the last review, or of the risk's writing.
    public static func reviewDue(lastReviewed: Date, timeZone: TimeZone) -> String {
        MetricDay.adding(reviewDays, to: MetricDay.of(lastReviewed, in: timeZone))
    }

    public static func reviewIsDue(lastReviewed: Date, now: Date, timeZone: TimeZone) -> Bool {
        MetricDay.of(now, in: timeZone) >= reviewDue(lastReviewed: lastReviewed, timeZone: timeZone)
    }
}

/// The heat map: probability (rows, 5 at the top) × impact (columns, 1 at
/// the left), each cell counting the risks in it.
public struct RiskHeatMap: Sendable, Equatable {
    /// `counts[p - 1][i - 1]`: risks of probability p and impact i.
    public private(set) var counts: [[Int]]

    public init(_ assessments: [RiskAssessment]) {
        var counts = Array(repeating: Array(repeating: 0, count: 5), count: 5)
        for a in assessments where RiskRules.scale.contains(a.probability) && RiskRules.scale.contains(a.impact) {
            counts[a.probability - 1][a.impact - 1] += 1
        }
        self.counts = counts
    }

    public func count(probability: Int, impact: Int) -> Int {
        guard RiskRules.scale.contains(probability), RiskRules.scale.contains(impact) else { return 0 }
        return counts[probability - 1][impact - 1]
    }

    /// The level a cell's risks have (its product's tier), for its colour.
    public static func level(probability: Int, impact: Int) -> RiskLevel { RiskRules.level(probability * impact) }

    public var total: Int { counts.joined().reduce(0, +) }
}

// MARK: Triggers

public enum RiskComparison: String, Sendable, Codable, CaseIterable {
    case above, below
}

/// What makes a risk fire: a live metric crossing a line over a window,
/// or a listening alert of at least a grade (of one monitor or any).
public enum RiskTrigger: Sendable, Equatable {
    /// `metric` is a metric store key (`NormalisedMetric`); the window is
    /// whole days ending today in the workspace's time zone.
    case metric(metric: NormalisedMetric, comparison: RiskComparison, threshold: Double, windowDays: Int)
    case alert(minimumGrade: AlertGrade, monitorID: UUID?)

    public var kind: String {
        switch self {
        case .metric: "metric"
        case .alert: "alert"
        }
    }

    public static let windowDays = 1...90
}

/// What a trigger is judged on.
public enum RiskReading: Sendable, Equatable {
    /// The metric's daily series over the trigger's window (day → value;
    /// days without data absent).
    case series([String: Double])
    /// The grades (and monitors) of the alerts raised since the trigger
    /// last fired (or since it was written).
    case alerts([(grade: AlertGrade, monitorID: UUID)])

    public static func == (a: RiskReading, b: RiskReading) -> Bool {
        switch (a, b) {
        case (.series(let x), .series(let y)): x == y
        case (.alerts(let x), .alerts(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.grade == $1.grade && $0.monitorID == $1.monitorID }
        default: false
        }
    }
}

public enum RiskTriggerRule {
    /// The value a metric trigger compares: over the window, the sum of
    /// the daily gains for a metric that accumulates (impressions, new
    /// followers…), the latest day's value for a level or a ratio
    /// (followers, engagement rate). Nil without data: no data never
    /// fires (a quiet connector is not a crisis; Operations reports it).
    public static func value(_ metric: NormalisedMetric, series: [String: Double]) -> Double? {
        let finite = series.filter { $0.value.isFinite }
        guard !finite.isEmpty else { return nil }
        if metric.aggregation == .change { return finite.values.reduce(0, +) }
        return finite.max { $0.key < $1.key }!.value
    }

    /// Whether the trigger fires on the reading. Above fires strictly over
    /// the threshold, below strictly under it: a value exactly on the line
    /// has not crossed it.
    public static func fires(_ trigger: RiskTrigger, _ reading: RiskReading) -> Bool {
        switch (trigger, reading) {
        case (.metric(let metric, let comparison, let threshold, _), .series(let series)):
            guard let value = value(metric, series: series) else { return false }
            return comparison == .above ? value > threshold : value < threshold
        case (.alert(let minimum, let monitorID), .alerts(let alerts)):
            return alerts.contains { $0.grade >= minimum && (monitorID == nil || $0.monitorID == monitorID) }
        default:
            return false
        }
    }

    /// Every field of a metric trigger out of range, each named.
    public static func validate(threshold: Double?, windowDays: Int?) -> ValidationErrors {
        var errors = ValidationErrors()
        if let threshold, !threshold.isFinite { errors.add("threshold", .typeNumber) }
        if threshold == nil { errors.add("threshold", .required) }
        if let windowDays, !RiskTrigger.windowDays.contains(windowDays) {
            errors.add("window_days", .betweenIntegers(min: RiskTrigger.windowDays.lowerBound, max: RiskTrigger.windowDays.upperBound))
        }
        return errors
    }
}

// MARK: The seeds' typical risks

/// The typical risks the seeds name, with their controls by stage, as a
/// template for an empty register. Titles and controls are string keys
/// (`risks.template.<key>.title`, `….<stage>`), written in the reader's
/// language when the template is applied.
public enum RiskTemplate {
    public struct Item: Sendable, Equatable {
        public var key: String
        public var category: RiskCategory
        public var assessment: RiskAssessment
        /// A suggested trigger, when the store can watch the risk.
        public var trigger: RiskTrigger?
        /// Where the seeds name it.
        public var source: String
    }

    static func a(_ p: Int, _ b: Int, _ u: Int, _ s: Int) -> RiskAssessment {
        RiskAssessment(probability: p, impactBrand: b, impactUsers: u, impactBusiness: s)
    }

    /// Probabilities follow the seeds where they give one (S0 §7.2: content
    /// violation 15 % → 2, platform policy change 25 % → 3); the rest are
    /// our reading of how often the seeds' examples happen.
    public static let items: [Item] = [
        Item(
            key: "content_violation", category: .content, assessment: a(2, 5, 3, 4),
            trigger: .alert(minimumGrade: .orange, monitorID: nil), source: "S0 §7.1, §7.2; S4 六 6.2"),
        Item(
            key: "content_homogeneity", category: .content, assessment: a(4, 3, 4, 3),
            trigger: .metric(metric: .engagements, comparison: .below, threshold: 100, windowDays: 7), source: "S0 §7.1"),
        Item(key: "strategy_misaligned", category: .strategy, assessment: a(3, 2, 3, 4), trigger: nil, source: "S0 §7.1; S3 §7.1"),
        Item(
            key: "platform_algorithm", category: .platformRules, assessment: a(3, 2, 3, 4),
            trigger: .metric(metric: .impressions, comparison: .below, threshold: 1_000, windowDays: 7), source: "S0 §7.1, §7.2"),
        Item(key: "platform_policy", category: .platformRules, assessment: a(3, 4, 2, 4), trigger: nil, source: "S0 §7.1, §7.2"),
        Item(key: "platform_outage", category: .technical, assessment: a(2, 3, 4, 4), trigger: nil, source: "S4 六 6.1; S3 §7.3"),
        Item(key: "data_leak", category: .dataSecurity, assessment: a(1, 5, 5, 5), trigger: nil, source: "S4 六 6.1, 6.3"),
        Item(key: "budget_overrun", category: .financial, assessment: a(3, 1, 1, 4), trigger: nil, source: "S3 §7.4; S4 六 6.4"),
        Item(
            key: "public_opinion", category: .operational, assessment: a(3, 5, 4, 4),
            trigger: .alert(minimumGrade: .red, monitorID: nil), source: "S4 六 6.3; S0 §7.3"),
    ]
}
