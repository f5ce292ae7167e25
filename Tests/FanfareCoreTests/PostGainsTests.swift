import Testing

@testable import FanfareCore

/// Gains kept on write (`PostGainChange`) agree with gains read back from
/// the totals, whatever order the days are written in, and a series made
/// from them is the one `MetricSeries.aggregate` makes from the totals.
@Suite struct PostGainsTests {
    /// A small deterministic generator (no seeds from the clock).
    struct Mix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// One post's days written one at a time, in the given order, some
    /// twice, keeping gains and the day sums as `PostGainStore` does.
    static func write(_ writes: [(day: Int, value: Int?)]) -> (totals: [Int: Int?], gains: [Int: Int], sums: [Int: Int?]) {
        var totals: [Int: Int?] = [:]
        var gains: [Int: Int] = [:]
        var sums: [Int: Int?] = [:]
        func add(_ day: Int, _ delta: Int?) {
            guard let delta else { return }
            sums[day] = ((sums[day] ?? nil) ?? 0) + delta
        }
        for write in writes {
            let previous = totals.keys.filter { $0 < write.day }.max()
            let next = totals.keys.filter { $0 > write.day }.min()
            let result = PostGainChange.writing(
                write.value,
                around: PostGainChange.Around(
                    existed: totals[write.day] != nil, old: totals[write.day] ?? nil, previous: previous.flatMap { totals[$0] ?? nil },
                    hasNext: next != nil, next: next.flatMap { totals[$0] ?? nil }))
            totals[write.day] = .some(write.value)
            gains[write.day] = result.dayGain
            if let next { gains[next] = result.nextGain! }
            add(write.day, result.delta)
            if let next { add(next, result.delta.map { -$0 }) }
        }
        return (totals, gains, sums)
    }

    @Test func writingInAnyOrderKeepsTheGainsOfTheTotals() {
        var mix = Mix(state: 7)
        for _ in 0..<300 {
            let days = 1 + mix.below(12)
            var writes: [(day: Int, value: Int?)] = []
            for _ in 0..<(days + mix.below(6)) {
                let value: Int? = mix.below(8) == 0 ? nil : mix.below(1_000)
                writes.append((mix.below(days), value))
            }
            let kept = Self.write(writes)
            let ordered = kept.totals.keys.sorted()
            let expected = PostGainChange.gains(ordered.map { kept.totals[$0]! })
            #expect(ordered.map { kept.gains[$0]! } == expected, "\(writes)")
            // The day sums are the gains (a sum never touched reads as 0).
            for (index, day) in ordered.enumerated() {
                #expect(((kept.sums[day] ?? nil) ?? 0) == expected[index], "\(writes) day \(day)")
            }
            #expect(kept.sums.values.compactMap { $0 }.reduce(0, +) == expected.reduce(0, +))
        }
    }

    @Test func aDayWrittenBetweenTwoMovesTheNextDaysGain() {
        // Days 1 and 3 stored (10, 30); writing day 2 as 25 takes 15 from day 3's gain.
        let around = PostGainChange.Around(existed: false, old: nil, previous: 10, hasNext: true, next: 30)
        #expect(PostGainChange.writing(25, around: around) == .init(dayGain: 15, nextGain: 5, delta: 15))
        // Writing it again as 20 moves 5 back.
        let again = PostGainChange.Around(existed: true, old: 25, previous: 10, hasNext: true, next: 30)
        #expect(PostGainChange.writing(20, around: again) == .init(dayGain: 10, nextGain: 10, delta: -5))
        // Nothing reported on either side changes no sum.
        #expect(PostGainChange.writing(nil, around: .init(existed: false, old: nil, previous: nil, hasNext: false, next: nil)).delta == nil)
        #expect(PostGainChange.reportingChange(new: 5, existed: true, old: nil) == 1)
        #expect(PostGainChange.reportingChange(new: nil, existed: true, old: 5) == -1)
        #expect(PostGainChange.reportingChange(new: 5, existed: true, old: 4) == 0)
    }

    @Test func aSeriesFromGainsIsTheSeriesOfTheTotals() {
        var mix = Mix(state: 11)
        let start = "2026-01-01"
        for _ in 0..<100 {
            var totals: [DailyTotals] = []
            var gained: [String: Double] = [:]
            var first: String?
            for entity in 0..<(1 + mix.below(5)) {
                var value = 0
                var days: [(day: String, value: Double)] = []
                for offset in 0..<60 where mix.below(3) != 0 {
                    value += mix.below(50)
                    days.append((MetricDay.adding(offset, to: start), Double(value)))
                }
                let gains = PostGainChange.gains(days.map { Int($0.value) })
                for (day, gain) in zip(days, gains) { gained[day.day, default: 0] += Double(gain) }
                if let day = days.first?.day { first = min(first ?? day, day) }
                totals.append(DailyTotals(entity: "\(entity)", before: nil, days: days))
            }
            // A window inside the history: days before it carry in through their gains.
            let from = MetricDay.adding(mix.below(20), to: start)
            let to = MetricDay.adding(20 + mix.below(40), to: start)
            let inWindow = totals.map { entity in
                DailyTotals(
                    entity: entity.entity, before: entity.days.last { $0.day < from }?.value,
                    days: entity.days.filter { $0.day >= from && $0.day <= to })
            }
            for granularity in Granularity.allCases {
                let expected = MetricSeries.aggregate(inWindow, from: from, to: to, granularity: granularity, aggregation: .change, zeroStart: true)
                let days = gained.filter { $0.key >= from && $0.key <= to }.map { (day: $0.key, value: $0.value) }
                let series = MetricSeries.fromGains(days, first: first, from: from, to: to, granularity: granularity)
                #expect(series == expected, "\(granularity) \(from)…\(to)")
            }
        }
    }
}
