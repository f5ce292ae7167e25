import Foundation

/// The one percentile of Fanfare: reports (first-response and resolution
/// times) and every benchmark's p50, p99 and max use it, so two figures
/// called p99 are always the same statistic.
///
/// It is the nearest rank: the smallest value such that at least p % of the
/// values are at or below it, i.e. the value at rank ⌈p/100 × n⌉ (1-based)
/// of the sorted values. Nearest rank always answers with a value that
/// occurred, so "90 % of first responses took at most 2 h 10 min" names a
/// real conversation and a benchmark's p99 is a latency some request had;
/// p 100 is the maximum and p 0 the minimum. (Interpolating between ranks
/// would invent values and, for a p99 of a few hundred samples, pull the
/// worst ones down.)
public enum Percentile {
    /// Nearest-rank percentile (p in 0...100) of unsorted values; nil for none.
    ///
    /// NaN values are ignored; p is clamped to 0...100.
    public static func of(_ values: [Double], _ p: Double) -> Double? {
        ofSorted(values.filter { !$0.isNaN }.sorted(), p)
    }

    /// The same of values already sorted ascending and free of NaN: a
    /// report that reads several percentiles of one large sample sorts it
    /// once.
    public static func ofSorted(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty, !p.isNaN else { return nil }
        return sorted[rank(p, count: sorted.count) - 1]
    }

    /// The 1-based rank that percentile p (0...100, clamped) picks among
    /// `count` sorted values (count ≥ 1).
    public static func rank(_ p: Double, count: Int) -> Int {
        let share = min(max(p, 0), 100)
        // Multiplying before dividing keeps whole ranks exact: 7 / 100 × 100
        // is 7.000000000000001, a rank too high once rounded up.
        let rank = Int((share * Double(count) / 100).rounded(.up))
        return min(max(rank, 1), count)
    }
}
