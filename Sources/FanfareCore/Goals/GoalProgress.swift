import Foundation

// Progress, projection, state and the target path of a goal, computed from
// a daily series the server reads from the metric store (never typed in).
// The method is written for people in docs/goals.md.

/// A workspace's settings for judging goals.
public struct GoalSettings: Sendable, Equatable {
    /// A goal is off track when its projection misses the target by more
    /// than this share of the target (0.2 = 20 %, SPEC §1).
    public var tolerance: Double
    /// Days of recent data the projection is fitted to.
    public var window: Int
    /// Days a goal must have run before it can be flagged off track: a
    /// projection from two days of data says little.
    public var minimumDays: Int
    /// Values a level's trend needs in the window: a line through three
    /// days of a noisy rate can point anywhere (the demo's comment rate,
    /// 0 % → 0.3 % → 0.75 %, read at 12 % a month later), so with fewer
    /// the current value is held instead.
    public var minimumTrendPoints: Int

    public init(tolerance: Double = GoalRules.defaultTolerance, window: Int = 28, minimumDays: Int = 7, minimumTrendPoints: Int = 7) {
        self.tolerance = tolerance
        self.window = window
        self.minimumDays = minimumDays
        self.minimumTrendPoints = minimumTrendPoints
    }
}

/// Where a goal stands.
public enum GoalState: String, Sendable, CaseIterable, Codable {
    /// Before its start day.
    case notStarted = "not_started"
    /// Running, but too few days to judge (`GoalSettings.minimumDays`).
    case tooEarly = "too_early"
    case onTrack = "on_track"
    case offTrack = "off_track"
    /// The deadline has passed and the target was met.
    case achieved
    /// The deadline has passed and the target was not met.
    case missed
    /// No value in the store for the goal's metric and scope (or no
    /// baseline for a rise target).
    case noData = "no_data"
    /// A metric with no live source in Fanfare.
    case untracked

    /// Most urgent first: how an objective's key results combine.
    static let severity: [GoalState] = [.offTrack, .missed, .noData, .tooEarly, .onTrack, .notStarted, .achieved, .untracked]
}

/// How the projection was made.
public enum GoalProjectionMethod: String, Sendable, Codable {
    /// Cumulative metrics: what is counted so far plus the recent daily
    /// average for each day left.
    case runRate = "run_rate"
    /// Levels: the least-squares line through the recent window's daily
    /// values, read at the deadline.
    case trend
    /// Levels with fewer than `GoalSettings.minimumTrendPoints` values in
    /// the window: the current value, held to the deadline.
    case held
}

/// A goal's computed standing on one day.
public struct GoalProgress: Sendable, Equatable {
    public var asOf: String
    public var state: GoalState
    /// The target as a value (a rise target resolved against the baseline).
    public var target: Double?
    /// Cumulative: the sum over as many days before the start (for rise
    /// targets); level: the value on the start day or the last before it.
    public var baseline: Double?
    /// Cumulative: counted from the start to `asOf`; level: the current level.
    public var actual: Double?
    /// Share of the way to the target (may pass 1; nil without a target).
    public var fraction: Double?
    /// Where the target path says the goal should be on `asOf`.
    public var expected: Double?
    /// The projected value at the deadline.
    public var projected: Double?
    public var method: GoalProjectionMethod
    /// How far the projection falls short of the target, as a share of the
    /// target (negative when it passes it).
    public var shortfall: Double?

    public init(
        asOf: String, state: GoalState, target: Double?, baseline: Double?, actual: Double?, fraction: Double?, expected: Double?,
        projected: Double?, method: GoalProjectionMethod, shortfall: Double?
    ) {
        self.asOf = asOf
        self.state = state
        self.target = target
        self.baseline = baseline
        self.actual = actual
        self.fraction = fraction
        self.expected = expected
        self.projected = projected
        self.method = method
        self.shortfall = shortfall
    }
}

public enum GoalProgressRule {
    /// The first day the server must read for a goal: the baseline's days
    /// before the start and the projection's window.
    public static func readFrom(_ goal: GoalDefinition, settings: GoalSettings = GoalSettings()) -> String {
        let back = goal.metric.kind == .cumulative && goal.targetMode == .increasePercent ? goal.days : settings.window
        return MetricDay.adding(-back, to: goal.startDay)
    }

    /// The last day to read on `today`: the deadline once it has passed.
    public static func readTo(_ goal: GoalDefinition, today: String) -> String { min(today, goal.deadline) }

    /// The baseline from the daily series (see `GoalProgress.baseline`).
    public static func baseline(_ goal: GoalDefinition, series: [String: Double]) -> Double? {
        switch goal.metric.kind {
        case .cumulative:
            let from = MetricDay.adding(-goal.days, to: goal.startDay)
            let before = series.filter { $0.key >= from && $0.key < goal.startDay }
            return before.isEmpty ? nil : before.values.reduce(0, +)
        case .level:
            if let last = series.filter({ $0.key <= goal.startDay }).max(by: { $0.key < $1.key }) { return last.value }
            return series.filter { $0.key > goal.startDay && $0.key <= goal.deadline }.min(by: { $0.key < $1.key })?.value
        }
    }

    /// The target as a value: itself, or the baseline raised by the percent
    /// (nil when a rise has no positive baseline to start from).
    public static func resolvedTarget(_ goal: GoalDefinition, baseline: Double?) -> Double? {
        switch goal.targetMode {
        case .absolute: return goal.target
        case .increasePercent:
            guard let baseline, baseline > 0 else { return nil }
            return baseline * (1 + goal.target / 100)
        }
    }

    /// Whether `value` meets `target` in the goal's direction.
    public static func meets(_ value: Double, _ target: Double, _ direction: GoalDirection) -> Bool {
        direction == .atLeast ? value >= target : value <= target
    }

    /// The goal's standing on `today` from its daily series (cumulative:
    /// each day's gain; level: each day's value; days without a value are
    /// absent). The series may hold days from `readFrom` on.
    public static func progress(
        _ goal: GoalDefinition, series: [String: Double], today: String, settings: GoalSettings = GoalSettings()
    ) -> GoalProgress {
        let kind = goal.metric.kind
        let method: GoalProjectionMethod = kind == .cumulative ? .runRate : .trend
        let asOf = readTo(goal, today: today)
        var result = GoalProgress(
            asOf: asOf, state: .noData, target: nil, baseline: nil, actual: nil, fraction: nil, expected: nil, projected: nil, method: method,
            shortfall: nil)
        guard goal.metric.isTracked else {
            result.state = .untracked
            return result
        }
        let baseline = Self.baseline(goal, series: series)
        let target = resolvedTarget(goal, baseline: baseline)
        result.baseline = baseline
        result.target = target
        if let target { result.expected = GoalPath.expected(goal, target: target, baseline: baseline, on: asOf) }
        if today < goal.startDay {
            result.state = .notStarted
            return result
        }
        let counted = series.filter { $0.key >= goal.startDay && $0.key <= asOf }
        let recentFrom = MetricDay.adding(-(settings.window - 1), to: asOf)
        switch kind {
        case .cumulative:
            guard !counted.isEmpty else { return result }
            let actual = counted.values.reduce(0, +)
            // The run-rate's window starts no earlier than the goal: days
            // before it were not part of the count.
            let windowFrom = max(recentFrom, goal.startDay)
            let windowDays = MetricDay.distance(from: windowFrom, to: asOf) + 1
            let rate = counted.filter { $0.key >= windowFrom }.values.reduce(0, +) / Double(windowDays)
            result.actual = actual
            result.projected = max(0, actual + rate * Double(MetricDay.distance(from: asOf, to: goal.deadline)))
        case .level:
            let recent = series.filter { $0.key >= recentFrom && $0.key <= asOf }.sorted { $0.key < $1.key }
            guard let last = recent.last else { return result }
            // A rate moves from day to day with the day's few posts: its
            // current value is the last week's mean; a count's is its last.
            if goal.metric.unit == "ratio" {
                let week = recent.filter { $0.key >= MetricDay.adding(-6, to: asOf) }
                result.actual = week.isEmpty ? last.value : week.map(\.value).reduce(0, +) / Double(week.count)
            } else {
                result.actual = last.value
            }
            let points = recent.map { (x: Double(MetricDay.distance(from: asOf, to: $0.key)), y: $0.value) }
            let atDeadline = Double(MetricDay.distance(from: asOf, to: goal.deadline))
            var projected = result.actual!
            if points.count >= settings.minimumTrendPoints, let line = LeastSquares.fit(points) {
                projected = line.intercept + line.slope * atDeadline
            } else {
                result.method = .held
            }
            projected = max(0, projected)
            if goal.metric.unit == "ratio" { projected = min(1, projected) }
            result.projected = projected
        }
        guard let target, let actual = result.actual, let projected = result.projected else { return result }
        result.fraction = fraction(goal, actual: actual, target: target, baseline: baseline)
        let scale = abs(target) > 0 ? abs(target) : 1
        result.shortfall = (goal.direction == .atLeast ? target - projected : projected - target) / scale
        if today > goal.deadline {
            result.state = meets(actual, target, goal.direction) ? .achieved : .missed
        } else if MetricDay.distance(from: goal.startDay, to: today) + 1 < settings.minimumDays {
            result.state = .tooEarly
        } else {
            result.state = result.shortfall! > settings.tolerance ? .offTrack : .onTrack
        }
        return result
    }

    /// Share of the way: cumulative counts against the target; a level
    /// from its baseline to the target; for `at_most`, 1 while within.
    static func fraction(_ goal: GoalDefinition, actual: Double, target: Double, baseline: Double?) -> Double? {
        if goal.direction == .atMost { return actual <= target ? 1 : (actual > 0 ? target / actual : nil) }
        switch goal.metric.kind {
        case .cumulative: return target > 0 ? actual / target : nil
        case .level:
            if let baseline, target != baseline, baseline < target { return (actual - baseline) / (target - baseline) }
            return target > 0 ? actual / target : nil
        }
    }

    /// An objective's standing from its key results: the mean of their
    /// shares (each held to 0…1) and the most urgent state.
    public static func combine(_ keyResults: [GoalProgress]) -> (fraction: Double?, state: GoalState) {
        let fractions = keyResults.compactMap(\.fraction).map { min(1, max(0, $0)) }
        let states = Set(keyResults.map(\.state))
        let state = GoalState.severity.first { states.contains($0) } ?? .noData
        return (fractions.isEmpty ? nil : fractions.reduce(0, +) / Double(fractions.count), state)
    }

    /// Whether a pass should notify: a goal notifies once when it goes off
    /// track, and again only after it was on track (or anything else) in
    /// between.
    public static func notifies(previous: GoalState?, current: GoalState) -> Bool {
        current == .offTrack && previous != .offTrack
    }
}

/// Where a goal should be on each day: the share of its (weighted) days
/// elapsed, applied to the target (cumulative) or to the way from the
/// baseline to the target (level).
public enum GoalPath {
    /// The share of the goal's weight in the days up to `day`, included.
    public static func share(_ goal: GoalDefinition, through day: String) -> Double {
        if day < goal.startDay { return 0 }
        if day >= goal.deadline { return 1 }
        guard let weights = goal.monthWeights, weights.count == goal.months.count, weights.reduce(0, +) > 0 else {
            return Double(MetricDay.distance(from: goal.startDay, to: day) + 1) / Double(goal.days)
        }
        let months = goal.months
        let total = weights.reduce(0, +)
        var sum = 0.0
        for (index, month) in months.enumerated() {
            let (first, last) = daysOf(month, goal)
            if day >= last {
                sum += weights[index]
            } else if day >= first {
                let inMonth = Double(MetricDay.distance(from: first, to: last) + 1)
                sum += weights[index] * Double(MetricDay.distance(from: first, to: day) + 1) / inMonth
            }
        }
        return sum / total
    }

    /// The goal's first and last day within `month`.
    static func daysOf(_ month: String, _ goal: GoalDefinition) -> (String, String) {
        let first = max(goal.startDay, month + "-01")
        let nextMonth = MetricDay.adding(32, to: month + "-01").prefix(7) + "-01"
        return (first, min(goal.deadline, MetricDay.adding(-1, to: String(nextMonth))))
    }

    /// The expected value on `day` (nil for a level without a baseline).
    public static func expected(_ goal: GoalDefinition, target: Double, baseline: Double?, on day: String) -> Double? {
        let share = share(goal, through: day)
        switch goal.metric.kind {
        case .cumulative: return target * share
        case .level: return baseline.map { $0 + (target - $0) * share }
        }
    }

    /// One point a day from the start to the deadline, for charts.
    public static func points(_ goal: GoalDefinition, target: Double, baseline: Double?) -> [(day: String, value: Double)] {
        MetricDay.range(goal.startDay, goal.deadline).compactMap { day in
            expected(goal, target: target, baseline: baseline, on: day).map { (day, $0) }
        }
    }

    /// The daily series as the chart's actual line: the running sum from
    /// the start (cumulative) or the values themselves (level).
    public static func actualLine(_ goal: GoalDefinition, series: [String: Double], through day: String) -> [(day: String, value: Double)] {
        let days = series.filter { $0.key >= goal.startDay && $0.key <= min(day, goal.deadline) }.sorted { $0.key < $1.key }
        guard goal.metric.kind == .cumulative else { return days.map { ($0.key, $0.value) } }
        var sum = 0.0
        return days.map { item in
            sum += item.value
            return (item.key, sum)
        }
    }
}

/// Ordinary least squares of y on x.
public enum LeastSquares {
    /// The line through `points`; nil with fewer than two distinct x.
    public static func fit(_ points: [(x: Double, y: Double)]) -> (slope: Double, intercept: Double)? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let meanX = points.map(\.x).reduce(0, +) / n
        let meanY = points.map(\.y).reduce(0, +) / n
        let sxx = points.reduce(0) { $0 + ($1.x - meanX) * ($1.x - meanX) }
        guard sxx > 0 else { return nil }
        let sxy = points.reduce(0) { $0 + ($1.x - meanX) * ($1.y - meanY) }
        let slope = sxy / sxx
        return (slope, meanY - slope * meanX)
    }
}
