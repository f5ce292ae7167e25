import Foundation

/// A goal's target within one quarter or month.
public struct PeriodTarget: Sendable, Equatable {
    /// `YYYY-Qn` or `YYYY-MM`.
    public var period: String
    /// The goal's first and last day in the period.
    public var from: String
    public var to: String
    /// Cumulative: what the period itself should count; level: the level
    /// to reach by the period's last day. Nil for a level goal without a
    /// baseline yet (or a rise target without one).
    public var target: Double?
    /// Where the goal should be at the period's end (cumulative: the
    /// running total; level: the same as `target`).
    public var toDate: Double?
}

/// Splits a long goal (a year) into quarters and months (SPEC §1, S1 策略规划
/// "季度目标细化为月度运营计划"), on the same path the chart draws:
/// cumulative targets by the share of the goal's weight in each period
/// (even by days unless month weights are given), level targets as
/// milestones on the way from the baseline to the target.
public enum GoalDecomposition {
    public enum Period: String, Sendable, CaseIterable, Codable {
        case quarter, month
    }

    public static func split(_ goal: GoalDefinition, by period: Period, target: Double?, baseline: Double?) -> [PeriodTarget] {
        func name(_ day: String) -> String { period == .quarter ? GoalCalendar.quarter(of: day) : GoalCalendar.month(of: day) }
        var groups: [(name: String, from: String, to: String)] = []
        for month in goal.months {
            let (first, last) = GoalPath.daysOf(month, goal)
            let key = name(first)
            if let index = groups.lastIndex(where: { $0.name == key }) {
                groups[index].to = last
            } else {
                groups.append((key, first, last))
            }
        }
        return groups.map { group in
            guard let target else { return PeriodTarget(period: group.name, from: group.from, to: group.to, target: nil, toDate: nil) }
            switch goal.metric.kind {
            case .cumulative:
                let before = GoalPath.share(goal, through: MetricDay.adding(-1, to: group.from))
                let through = GoalPath.share(goal, through: group.to)
                return PeriodTarget(period: group.name, from: group.from, to: group.to, target: target * (through - before), toDate: target * through)
            case .level:
                let level = GoalPath.expected(goal, target: target, baseline: baseline, on: group.to)
                return PeriodTarget(period: group.name, from: group.from, to: group.to, target: level, toDate: level)
            }
        }
    }
}
