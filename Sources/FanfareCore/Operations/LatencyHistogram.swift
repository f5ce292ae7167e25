import Foundation

/// A Prometheus-style cumulative histogram of durations in seconds.
public struct LatencyHistogram: Sendable, Equatable {
    /// Bucket upper bounds in seconds, from 1 ms to 10 s.
    public static let defaultBounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public let bounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var sum: Double = 0

    public init(bounds: [Double] = LatencyHistogram.defaultBounds) {
        self.bounds = bounds
        self.counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ seconds: Double) {
        count += 1
        sum += seconds
        if let index = bounds.firstIndex(where: { seconds <= $0 }) { counts[index] += 1 }
    }

    /// Cumulative counts per bound, as the `le` buckets of the text format.
    public var cumulative: [(bound: Double, count: UInt64)] {
        var running: UInt64 = 0
        return zip(bounds, counts).map { bound, n in
            running += n
            return (bound, running)
        }
    }
}
