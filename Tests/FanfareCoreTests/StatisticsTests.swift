import FanfareCore
import Testing

/// The one percentile (Statistics/Percentile.swift): service-level reports
/// and every benchmark read their p50, p90, p99 and max through it.
@Suite struct PercentileTests {
    @Test func nearestRankPicksARealValue() {
        let values = (1...10).map(Double.init).shuffled()
        #expect(Percentile.of(values, 50) == 5)
        #expect(Percentile.of(values, 90) == 9)
        #expect(Percentile.of(values, 91) == 10)
        #expect(Percentile.of(values, 100) == 10)
        #expect(Percentile.of(values, 0) == 1)
        #expect(Percentile.of([], 50) == nil)
        #expect(Percentile.of([42], 99) == 42)
        #expect(Percentile.of((1...100).map(Double.init), 7) == 7, "no floating-point drift into the next rank")
        #expect(Percentile.of([3, .nan, 1, 2], 100) == 3)
        #expect(Percentile.of([1, 2], .nan) == nil)
    }

    /// Every benchmark reads its p50 / p99 / max here (issue 17): on 200
    /// sorted latencies the p99 is the 198th, not the 199th (an index of
    /// n × 0.99, as the ingest bench had it) and the median of an even
    /// count is the lower middle (not n / 2 as the lexicon bench had it).
    @Test func sortedSamplesGiveTheSameRanks() {
        let sorted = (1...200).map(Double.init)
        #expect(Percentile.ofSorted(sorted, 99) == 198)
        #expect(Percentile.ofSorted(sorted, 50) == 100)
        #expect(Percentile.ofSorted(sorted, 100) == 200)
        #expect(Percentile.ofSorted([], 50) == nil)
        #expect(Percentile.rank(99, count: 1) == 1)
        for p in [0.0, 12.5, 50, 90, 99, 99.9, 100] {
            #expect(Percentile.ofSorted(sorted, p) == Percentile.of(sorted.shuffled(), p))
        }
    }
}
