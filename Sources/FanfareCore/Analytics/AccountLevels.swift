import Foundation

/// An account level's series (followers, following, posts; `last` and
/// `change`) from the database's per-day sums instead of every account's
/// every day. A year of followers for 100 accounts is 36,500 rows; read
/// one by one they cost a series request about 25 ms, while SQL sums them
/// by day in 4 ms. Sums alone are not the answer: `MetricSeries.aggregate`
/// carries an account's last total over days it did not report, so each
/// account's edges are needed too — its last total before the period and
/// its first and last day in it (an index lookup each). Between its first
/// and last day an account must have a row every day for the sums to hold;
/// the day counts tell whether that is so, and the accounts with holes are
/// read whole (`irregular`) and carried here as `aggregate` does.
public enum AccountLevels {
    /// One account's edges in the period.
    public struct Edges: Sendable, Equatable {
        public var entity: String
        /// Its last total before the period.
        public var before: Double?
        /// Its first and last day with a total in the period, and those totals.
        public var first: (day: String, value: Double)?
        public var last: (day: String, value: Double)?

        public init(entity: String, before: Double?, first: (day: String, value: Double)?, last: (day: String, value: Double)?) {
            self.entity = entity
            self.before = before
            self.first = first
            self.last = last
        }

        public static func == (lhs: Edges, rhs: Edges) -> Bool {
            lhs.entity == rhs.entity && lhs.before == rhs.before && lhs.first?.day == rhs.first?.day && lhs.first?.value == rhs.first?.value
                && lhs.last?.day == rhs.last?.day && lhs.last?.value == rhs.last?.value
        }
    }

    /// One day's stored totals summed over every account, and how many
    /// accounts had one.
    public struct DaySum: Sendable, Equatable {
        public var day: String
        public var sum: Double
        public var count: Int

        public init(day: String, sum: Double, count: Int) {
            self.day = day
            self.sum = sum
            self.count = count
        }
    }

    /// The series `MetricSeries.aggregate(totals, …, zeroStart: false)`
    /// gives for `last` (and `ratio`) or `change`, where `sums` are the
    /// per-day sums over every account, `edges` every account's edges, and
    /// `irregular` the whole totals of the accounts read because they have
    /// holes. Nil when the day counts show holes in an account not in
    /// `irregular` (the caller finds them and asks again).
    public static func series(
        sums: [DaySum], edges: [Edges], irregular: [DailyTotals], from: String, to: String, granularity: Granularity,
        aggregation: NormalisedMetric.Aggregation
    ) -> [SeriesPoint]? {
        precondition(aggregation != .average, "an account level is never averaged")
        let days = MetricDay.range(from, to)
        guard !days.isEmpty else { return [] }
        let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
        var total = [Double](repeating: 0, count: days.count)
        var rows = [Int](repeating: 0, count: days.count)
        for sum in sums {
            guard let i = index[sum.day] else { continue }
            total[i] += sum.sum
            rows[i] += sum.count
        }
        // Per day: accounts that have a total by then, and (`change`) the
        // first totals of those that start that day with none before.
        var starting = [Int](repeating: 0, count: days.count)
        var firstValues = [Double](repeating: 0, count: days.count)
        var baseBefore = 0.0
        // As differences over days (summed below): rows expected of the
        // regular accounts, and the totals they carry on days they have no
        // row (before their first day, after their last).
        var expected = [Int](repeating: 0, count: days.count + 1)
        var carried = [Double](repeating: 0, count: days.count + 1)
        let irregularIDs = Set(irregular.map(\.entity))
        for edge in edges where !irregularIDs.contains(edge.entity) {
            if let before = edge.before {
                baseBefore += before
                starting[0] += 1
            }
            guard let first = edge.first, let last = edge.last, let a = index[first.day], let b = index[last.day], a <= b else {
                if let before = edge.before { carried[0] += before }
                continue
            }
            if let before = edge.before {
                carried[0] += before
                carried[a] -= before
            } else {
                starting[a] += 1
                firstValues[a] += first.value
            }
            expected[a] += 1
            expected[b + 1] -= 1
            carried[b + 1] += last.value
        }
        for entity in irregular {
            if let before = entity.before {
                baseBefore += before
                starting[0] += 1
            }
            var current = entity.before
            var next = 0
            for (i, day) in days.enumerated() {
                while next < entity.days.count, entity.days[next].day <= day {
                    if entity.days[next].day == day {
                        total[i] -= entity.days[next].value
                        rows[i] -= 1
                    }
                    if current == nil {
                        starting[i] += 1
                        firstValues[i] += entity.days[next].value
                    }
                    current = entity.days[next].value
                    next += 1
                }
                if let current { total[i] += current }
            }
        }
        var expecting = 0
        var carrying = 0.0
        var startedBy = [Int](repeating: 0, count: days.count)
        var started = 0
        for i in days.indices {
            expecting += expected[i]
            carrying += carried[i]
            // A regular account without a row on a day between its first
            // and last: its total there is not in the sum, nor carried.
            guard rows[i] == expecting else { return nil }
            total[i] += carrying
            started += starting[i]
            startedBy[i] = started
        }
        var points: [SeriesPoint] = []
        var previousEnd: Int?
        for period in MetricSeries.periods(from: from, to: to, granularity: granularity) {
            let first = index[period.first]!
            let end = index[period.last]!
            defer { previousEnd = end }
            guard startedBy[end] > 0 else {
                points.append(SeriesPoint(period: period.period, value: nil))
                continue
            }
            switch aggregation {
            case .change:
                let base = previousEnd.map { total[$0] } ?? baseBefore
                let starts = firstValues[first...end].reduce(0, +)
                points.append(SeriesPoint(period: period.period, value: total[end] - base - starts))
            default:
                points.append(SeriesPoint(period: period.period, value: total[end]))
            }
        }
        return points
    }
}
