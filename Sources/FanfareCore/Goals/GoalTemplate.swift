import Foundation

/// The seeds' three-phase plan (S0 §4.1 阶段性目标体系构建; SPEC §1) as a
/// template: three objectives in OKR form, one per phase, each with its
/// seed's numbers as key results. Applying it writes ordinary goals the
/// user may change before (edits) and after.
public enum ThreePhasePlan {
    public enum Phase: String, Sendable, CaseIterable, Codable {
        /// Months 1–3: 用户基础建设.
        case foundation
        /// Months 4–6: 用户深度运营.
        case deepOperation = "deep_operation"
        /// Months 7–12: 商业转化.
        case monetisation

        /// The phase's months from the plan's start (first, last; 0-based).
        public var months: (first: Int, last: Int) {
            switch self {
            case .foundation: (0, 2)
            case .deepOperation: (3, 5)
            case .monetisation: (6, 11)
            }
        }
    }

    /// One key result of the template.
    public struct Item: Sendable, Equatable {
        /// Stable name, also the strings' key (`goals.template.<key>`).
        public var key: String
        public var phase: Phase
        public var metric: GoalMetric
        public var target: Double
        public var targetMode: GoalTargetMode
        /// Where the number comes from, for docs/goals.md and the form.
        public var source: String
    }

    /// The seeds' numbers. Where the store has the metric the goal is
    /// tracked; the others (VIP share, ROI, repurchase, brand search index,
    /// content pillars) are written down as untracked.
    public static let items: [Item] = [
        Item(
            key: "follower_growth", phase: .foundation, metric: .store(.followersNet), target: 150_000, targetMode: .absolute,
            source: "S0 §4.1: 月均增长5万粉丝 (50,000 a month × 3 months)"),
        Item(
            key: "comment_rate", phase: .foundation, metric: .rate(.comments, per: .impressions), target: 0.10, targetMode: .absolute,
            source: "S0 §4.1: 达到10%的评论率"),
        Item(
            key: "content_pillars", phase: .foundation, metric: .untracked(.contentPillars), target: 3, targetMode: .absolute,
            source: "S0 §4.1: 建立3大内容板块"),
        Item(
            key: "vip_share", phase: .deepOperation, metric: .untracked(.vipShare), target: 0.25, targetMode: .absolute,
            source: "S0 §4.1: VIP用户占比提升至25%"),
        Item(
            key: "content_conversion", phase: .deepOperation, metric: .conversionRate(event: nil), target: 0.08, targetMode: .absolute,
            source: "S0 §4.1: 达到8%的转化率"),
        Item(
            key: "community_interactions", phase: .deepOperation, metric: .store(.engagements), target: 40, targetMode: .increasePercent,
            source: "S0 §4.1: 社群月均互动量提升40%"),
        Item(
            key: "roi", phase: .monetisation, metric: .untracked(.roi), target: 3, targetMode: .absolute,
            source: "S0 §4.1: 达到3:1的ROI"),
        Item(
            key: "repurchase", phase: .monetisation, metric: .untracked(.repurchaseRate), target: 0.35, targetMode: .absolute,
            source: "S0 §4.1: 复购率提升至35%"),
        Item(
            key: "brand_search", phase: .monetisation, metric: .untracked(.brandSearchIndex), target: 50, targetMode: .increasePercent,
            source: "S0 §4.1: 品牌搜索指数提升50%"),
    ]

    /// A change to one item before the plan is applied.
    public struct Edit: Sendable, Equatable {
        /// False leaves the item out.
        public var include: Bool
        /// A different target (in the item's own form: a share for a ratio,
        /// a percent for a rise).
        public var target: Double?

        public init(include: Bool = true, target: Double? = nil) {
            self.include = include
            self.target = target
        }
    }

    /// One objective the plan writes.
    public struct Objective: Sendable, Equatable {
        public var phase: Phase
        public var startDay: String
        public var deadline: String
        public var keyResults: [(key: String, goal: GoalDefinition)]

        public static func == (a: Objective, b: Objective) -> Bool {
            a.phase == b.phase && a.startDay == b.startDay && a.deadline == b.deadline
                && a.keyResults.map(\.key) == b.keyResults.map(\.key) && a.keyResults.map(\.goal) == b.keyResults.map(\.goal)
        }
    }

    /// The phases' objectives from `start` (month 1's first day), with the
    /// edits applied; `title` names an item in the page's language. An
    /// objective whose items are all left out is left out.
    public static func apply(
        start: String, edits: [String: Edit] = [:], ownerID: UUID? = nil, platform: String? = nil, title: (Item) -> String
    ) -> [Objective] {
        Phase.allCases.compactMap { phase in
            let first = GoalCalendar.adding(months: phase.months.first, to: start)
            let deadline = MetricDay.adding(-1, to: GoalCalendar.adding(months: phase.months.last + 1, to: start))
            let results = items.filter { $0.phase == phase && edits[$0.key]?.include != false }.map { item in
                (
                    key: item.key,
                    goal: GoalDefinition(
                        title: title(item), metric: item.metric, target: edits[item.key]?.target ?? item.target, targetMode: item.targetMode,
                        startDay: first, deadline: deadline, ownerID: ownerID, platform: platform)
                )
            }
            return results.isEmpty ? nil : Objective(phase: phase, startDay: first, deadline: deadline, keyResults: results)
        }
    }
}

extension GoalCalendar {
    /// `day` moved by whole months, the day of the month kept or, past the
    /// month's end, its last day (Jan 31 + 1 month = Feb 28/29).
    public static func adding(months: Int, to day: String) -> String {
        guard let year = Int(day.prefix(4)), let month = Int(day.dropFirst(5).prefix(2)), let dayOfMonth = Int(day.suffix(2)) else { return day }
        let index = year * 12 + (month - 1) + months
        let first = String(format: "%04d-%02d-01", index / 12, index % 12 + 1)
        let last = MetricDay.adding(-1, to: String(MetricDay.adding(32, to: first).prefix(7)) + "-01")
        return min(MetricDay.adding(dayOfMonth - 1, to: first), last)
    }
}
