import Foundation

/// Refuses sign-in attempts after too many failures, per account and per
/// address (issue 2: 10 failures within 15 minutes lock further tries for
/// 15 minutes). Pure: the caller passes the recent failure times and `now`.
public struct LoginThrottle: Sendable, Equatable {
    public var maxFailures: Int
    public var window: TimeInterval
    public var lockout: TimeInterval

    public init(maxFailures: Int = 10, window: TimeInterval = 15 * 60, lockout: TimeInterval = 15 * 60) {
        self.maxFailures = maxFailures
        self.window = window
        self.lockout = lockout
    }

    /// How far back the caller must look for failures to decide.
    public var lookBack: TimeInterval { window + lockout }

    /// The instant until which tries are refused, or nil when a try is allowed.
    ///
    /// A lock starts at the failure that completes `maxFailures` failures
    /// inside one `window`, and lasts `lockout` from there. Refused tries are
    /// not failures (they are never recorded), so waiting out the lock works.
    public func lockedUntil(failures: [Date], now: Date) -> Date? {
        let recent = failures.filter { $0 > now.addingTimeInterval(-lookBack) && $0 <= now }.sorted()
        guard recent.count >= maxFailures else { return nil }
        var latestLockEnd: Date?
        for end in (maxFailures - 1)..<recent.count {
            let start = recent[end - (maxFailures - 1)]
            if recent[end].timeIntervalSince(start) <= window {
                latestLockEnd = recent[end].addingTimeInterval(lockout)
            }
        }
        guard let until = latestLockEnd, until > now else { return nil }
        return until
    }
}
