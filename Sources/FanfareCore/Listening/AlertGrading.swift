import Foundation

/// The national emergency colours, least to most severe (蓝 < 黄 < 橙 < 红).
public enum AlertGrade: String, Sendable, Codable, CaseIterable, Comparable {
    case blue, yellow, orange, red

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
    /// One grade up, red staying red.
    public var raised: AlertGrade { Self.allCases[min(rank + 1, Self.allCases.count - 1)] }
}

/// What a monitor heard in the last window, beside what it usually hears.
public struct ListeningWindow: Sendable, Equatable {
    /// Mentions heard in the window.
    public var mentions: Int
    /// Of them, judged negative.
    public var negative: Int
    /// Mentions the baseline expects in a window like this one (the
    /// anomaly detector's seasonal median: same hour of the week).
    public var expected: Double
    /// The share of negative mentions over the baseline's history.
    public var usualNegativeShare: Double
    /// Mentions in the window before this one (speed).
    public var previous: Int

    public init(mentions: Int, negative: Int, expected: Double, usualNegativeShare: Double, previous: Int) {
        self.mentions = mentions
        self.negative = negative
        self.expected = expected
        self.usualNegativeShare = usualNegativeShare
        self.previous = previous
    }

    public var negativeShare: Double { mentions == 0 ? 0 : Double(negative) / Double(mentions) }
}

/// How a window is graded; a workspace may change every number.
///
/// A window reaches a grade when either
/// - its volume is at least `volumeRatio` × what the baseline expects
///   (never less than one mention expected) and at least `mentions`, or
/// - its negative share is at least `negativeShare`, at least
///   `shareRise` above the usual share, with at least `negatives` negative
///   mentions.
/// The highest grade reached counts; then speed raises it one grade when
/// the window holds at least `speedRatio` × the previous window's mentions
/// (a story doubling and more in a quarter of an hour spreads before the
/// team can read it). Below blue there is no alert.
///
/// Defaults (docs/listening.md): the seeds set the clocks (found in
/// 30 min) and the four colours, not the thresholds; these are chosen so
/// that blue means "look now", red "a story spreading nationally" for a
/// brand that usually hears tens of mentions an hour.
public struct AlertGradingRule: Sendable, Equatable, Codable {
    public struct Step: Sendable, Equatable, Codable {
        public var volumeRatio: Double
        public var mentions: Int
        public var negativeShare: Double
        public var negatives: Int

        public init(volumeRatio: Double, mentions: Int, negativeShare: Double, negatives: Int) {
            self.volumeRatio = volumeRatio
            self.mentions = mentions
            self.negativeShare = negativeShare
            self.negatives = negatives
        }
    }

    public var blue: Step
    public var yellow: Step
    public var orange: Step
    public var red: Step
    /// How far the negative share must rise above its usual level.
    public var shareRise: Double
    /// Window over previous window that raises the grade by one.
    public var speedRatio: Double
    /// Minutes a window covers.
    public var windowMinutes: Int

    public init(
        blue: Step = Step(volumeRatio: 2, mentions: 10, negativeShare: 0.4, negatives: 5),
        yellow: Step = Step(volumeRatio: 3, mentions: 30, negativeShare: 0.5, negatives: 15),
        orange: Step = Step(volumeRatio: 5, mentions: 100, negativeShare: 0.6, negatives: 40),
        red: Step = Step(volumeRatio: 10, mentions: 300, negativeShare: 0.7, negatives: 100),
        shareRise: Double = 0.15, speedRatio: Double = 3, windowMinutes: Int = 15
    ) {
        self.blue = blue
        self.yellow = yellow
        self.orange = orange
        self.red = red
        self.shareRise = shareRise
        self.speedRatio = speedRatio
        self.windowMinutes = windowMinutes
    }

    public func step(_ grade: AlertGrade) -> Step {
        switch grade {
        case .blue: blue
        case .yellow: yellow
        case .orange: orange
        case .red: red
        }
    }

    public static let windowRange = 5...60

    /// Every wrong value at once, each named by its JSON field
    /// (`yellow.mentions`); each grade's numbers must be at least the
    /// grade below's, so a higher colour is never easier to reach.
    public func validated() throws(ValidationErrors) -> AlertGradingRule {
        var errors = ValidationErrors()
        var below: Step?
        for grade in AlertGrade.allCases {
            let step = step(grade)
            let name = grade.rawValue
            if !(step.volumeRatio >= 1 && step.volumeRatio <= 1_000) {
                errors.add("\(name).volume_ratio", .decimalBetween(min: "1", max: "1000"))
            }
            if !(0...1_000_000).contains(step.mentions) {
                errors.add("\(name).mentions", .wholeNumberBetween(min: 0, max: 1_000_000))
            }
            if !(step.negativeShare > 0 && step.negativeShare <= 1) {
                errors.add("\(name).negative_share", .decimalBetween(min: "0.01", max: "1"))
            }
            if !(0...1_000_000).contains(step.negatives) {
                errors.add("\(name).negatives", .wholeNumberBetween(min: 0, max: 1_000_000))
            }
            if let below,
                step.volumeRatio < below.volumeRatio || step.mentions < below.mentions || step.negativeShare < below.negativeShare
                    || step.negatives < below.negatives
            {
                errors.add(name, .alertGradeOrder)
            }
            below = step
        }
        if !(shareRise >= 0 && shareRise <= 1) { errors.add("share_rise", .decimalBetween(min: "0", max: "1")) }
        if !(speedRatio >= 1.5 && speedRatio <= 100) { errors.add("speed_ratio", .decimalBetween(min: "1.5", max: "100")) }
        if !Self.windowRange.contains(windowMinutes) {
            errors.add("window_minutes", .wholeNumberBetween(min: Self.windowRange.lowerBound, max: Self.windowRange.upperBound))
        }
        try errors.throwIfAny()
        return self
    }

    /// Why a window got its grade, for the alert's page.
    public struct Reading: Sendable, Equatable {
        public var grade: AlertGrade
        /// Volume reached the grade (else the negative share did).
        public var byVolume: Bool
        public var byShare: Bool
        /// Speed raised it one grade.
        public var raisedBySpeed: Bool
    }

    /// How unlikely, by chance alone, a window's volume must be at the
    /// baseline's rate before it counts as a spike: a quiet brand that
    /// usually hears four or five mentions in a quarter of an hour hears
    /// ten in about one of every sixty such windows, which over a week of
    /// evenings would raise false alerts; at one in a thousand (Poisson)
    /// it takes fourteen. A new monitor (nothing expected) is not held back.
    public static let chance = 0.001

    /// P(X ≥ k) for X ~ Poisson(mean): summed term by term below 500 (no
    /// factorials), the normal approximation with continuity correction
    /// above (where e^-mean underflows).
    public static func poissonTail(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        if mean > 500 { return 0.5 * erfc((Double(k) - 0.5 - mean) / (2 * mean).squareRoot()) }
        var term = exp(-mean)
        var below = 0.0
        for i in 0..<k {
            below += term
            term *= mean / Double(i + 1)
        }
        return max(0, 1 - below)
    }

    /// The window's grade, or nil when it reaches none.
    public func grade(_ window: ListeningWindow) -> Reading? {
        let expected = max(window.expected, 1)
        let surprising = Self.poissonTail(atLeast: window.mentions, mean: window.expected) < Self.chance
        var reached: (grade: AlertGrade, volume: Bool, share: Bool)?
        for grade in AlertGrade.allCases {
            let step = step(grade)
            let volume =
                window.mentions >= step.mentions && Double(window.mentions) >= step.volumeRatio * expected && surprising
            let share =
                window.negative >= step.negatives && window.negativeShare >= step.negativeShare
                && window.negativeShare - window.usualNegativeShare >= shareRise
            if volume || share { reached = (grade, volume, share) }
        }
        guard let reached else { return nil }
        let fast = Double(window.mentions) >= speedRatio * Double(max(window.previous, 1)) && window.mentions >= blue.mentions
        return Reading(
            grade: fast ? reached.grade.raised : reached.grade, byVolume: reached.volume, byShare: reached.share,
            raisedBySpeed: fast && reached.grade != .red)
    }
}

/// One story raises one alert: what to do with a graded window given the
/// monitor's open alert, if any.
public enum AlertDecision: Sendable, Equatable {
    /// No open alert: raise a new one.
    case raise(AlertGrade)
    /// The open alert's grade rises: update it and notify again.
    case escalate(from: AlertGrade, to: AlertGrade)
    /// The open alert covers it (same or lower grade): record, do not notify.
    case absorb
    /// The open alert is snoozed: record, do not notify, even if it rises.
    case snoozed
    /// Nothing to do.
    case none

    /// An open alert stays the monitor's story until `quiet` passes with no
    /// graded window; a new spike after that is a new story.
    public static func decide(
        reading: AlertGradingRule.Reading?, open: (grade: AlertGrade, lastSpike: Date, snoozedUntil: Date?)?, now: Date,
        quiet: TimeInterval = 2 * 3600
    ) -> AlertDecision {
        guard let reading else { return .none }
        guard let open, now.timeIntervalSince(open.lastSpike) < quiet else { return .raise(reading.grade) }
        if let until = open.snoozedUntil, until > now { return .snoozed }
        return reading.grade > open.grade ? .escalate(from: open.grade, to: reading.grade) : .absorb
    }
}
