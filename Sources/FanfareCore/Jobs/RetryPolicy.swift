import Foundation

/// When a failed background job runs again: exponential back-off with a
/// cap, and a last attempt after which the job is marked failed for a
/// person to look at.
public struct RetryPolicy: Sendable, Equatable {
    public var base: TimeInterval
    public var cap: TimeInterval

    public init(base: TimeInterval = 15, cap: TimeInterval = 3_600) {
        self.base = base
        self.cap = cap
    }

    /// Delay before attempt `attempt + 1`, given `attempt` (1-based) failed.
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = Double(max(0, min(attempt - 1, 30)))
        return min(cap, base * pow(2, exponent))
    }

    /// The start of the period an instant falls in, used to give a periodic
    /// task one unique key per period so that many nodes enqueue it once.
    public static func periodStart(of date: Date, every period: TimeInterval) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 / period).rounded(.down) * period)
    }
}
