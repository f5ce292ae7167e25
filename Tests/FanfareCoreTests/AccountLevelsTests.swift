import Testing

@testable import FanfareCore

/// An account level's series from per-day sums and edges is the one
/// `MetricSeries.aggregate` makes from every account's every day.
@Suite struct AccountLevelsTests {
    /// The database's side, done by hand: sums by day, each account's edges.
    static func read(_ totals: [DailyTotals], from: String, to: String) -> (sums: [AccountLevels.DaySum], edges: [AccountLevels.Edges]) {
        var sums: [String: AccountLevels.DaySum] = [:]
        var edges: [AccountLevels.Edges] = []
        for entity in totals {
            let inside = entity.days.filter { $0.day >= from && $0.day <= to }
            for day in inside {
                sums[day.day, default: AccountLevels.DaySum(day: day.day, sum: 0, count: 0)].sum += day.value
                sums[day.day]!.count += 1
            }
            edges.append(AccountLevels.Edges(entity: entity.entity, before: entity.before, first: inside.first, last: inside.last))
        }
        return (sums.values.sorted { $0.day < $1.day }, edges)
    }

    /// Whether an account misses a day between its first and last in the period.
    static func hasHoles(_ entity: DailyTotals) -> Bool {
        guard let first = entity.days.first, let last = entity.days.last else { return false }
        return MetricDay.distance(from: first.day, to: last.day) + 1 != entity.days.count
    }

    @Test func sumsAndEdgesGiveTheSeriesOfEveryDay() {
        var mix = PostGainsTests.Mix(state: 11)
        let from = "2026-01-25"
        var holesSeen = 0
        for round in 0..<300 {
            let length = 1 + mix.below(70)
            let to = MetricDay.adding(length - 1, to: from)
            var totals: [DailyTotals] = []
            for entity in 0..<(mix.below(6)) {
                let before: Double? = mix.below(3) == 0 ? nil : Double(mix.below(10_000))
                // Contiguous from a random start to a random end, sometimes
                // with holes, sometimes nothing in the period.
                let start = mix.below(length + 1)
                let end = start + mix.below(length - start + 1)
                var days: [(day: String, value: Double)] = []
                var value = Double(mix.below(10_000))
                let holey = mix.below(4) == 0
                for offset in start..<end where !(holey && mix.below(5) == 0) {
                    value += Double(mix.below(200)) - 80
                    days.append((MetricDay.adding(offset, to: from), value))
                }
                totals.append(DailyTotals(entity: "e\(entity)", before: before, days: days))
            }
            let (sums, edges) = Self.read(totals, from: from, to: to)
            let irregular = totals.filter(Self.hasHoles)
            holesSeen += irregular.isEmpty ? 0 : 1
            for granularity in Granularity.allCases {
                for aggregation in [NormalisedMetric.Aggregation.last, .change, .ratio] {
                    let expected = MetricSeries.aggregate(
                        totals, from: from, to: to, granularity: granularity, aggregation: aggregation, zeroStart: false)
                    let made = AccountLevels.series(
                        sums: sums, edges: edges, irregular: irregular, from: from, to: to, granularity: granularity, aggregation: aggregation)
                    #expect(made == expected, "round \(round) \(granularity) \(aggregation)")
                    if !irregular.isEmpty {
                        // Without being told of the holes, the counts give them away.
                        #expect(
                            AccountLevels.series(
                                sums: sums, edges: edges, irregular: [], from: from, to: to, granularity: granularity, aggregation: aggregation)
                                == nil)
                    }
                }
            }
        }
        #expect(holesSeen > 30)
    }

    @Test func anAccountWithNothingInThePeriodCarriesItsTotalBefore() {
        let from = "2026-03-01"
        let to = "2026-03-03"
        let edges = [
            AccountLevels.Edges(entity: "a", before: 100, first: nil, last: nil),
            AccountLevels.Edges(entity: "b", before: nil, first: ("2026-03-02", 7), last: ("2026-03-03", 9)),
        ]
        let sums = [AccountLevels.DaySum(day: "2026-03-02", sum: 7, count: 1), AccountLevels.DaySum(day: "2026-03-03", sum: 9, count: 1)]
        let last = AccountLevels.series(sums: sums, edges: edges, irregular: [], from: from, to: to, granularity: .day, aggregation: .last)
        #expect(last?.map(\.value) == [100, 107, 109])
        let change = AccountLevels.series(sums: sums, edges: edges, irregular: [], from: from, to: to, granularity: .day, aggregation: .change)
        #expect(change?.map(\.value) == [0, 0, 2])
    }
}
