import Foundation

/// Percentiles of service times and other samples for reports.
public enum Percentile {
    /// Nearest-rank percentile (p in 0...100) of unsorted values; nil for none.
    ///
    /// Nearest rank always answers with a value that occurred, so "90 % of
    /// first responses took at most 2 h 10 min" names a real conversation.
    /// NaN values are ignored; p is clamped to 0...100.
    public static func of(_ values: [Double], _ p: Double) -> Double? {
        let sorted = values.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty, !p.isNaN else { return nil }
        let share = min(max(p, 0), 100)
        // Multiplying before dividing keeps whole ranks exact: 7 / 100 × 100 is 7.000000000000001, a rank too high once rounded up.
        let rank = Int((share * Double(sorted.count) / 100).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
