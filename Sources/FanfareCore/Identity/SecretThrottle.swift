import Foundation

/// Who may try a secret (a password, a setup or invitation link) right now.
///
/// Two limits, each a `LoginThrottle`:
/// - per account: 10 wrong passwords for one account in 15 minutes pause
///   that account's password checks for 15 minutes, wherever they come from
///   (sign-in, password change, confirming a token);
/// - per address: only a much higher bar (100 failures of any secret in 15
///   minutes) pauses an address. An office behind one NAT shares an
///   address: one colleague's typos, or one attacked account, must not lock
///   the others out, so below that bar an address's failures only count
///   against the accounts they were aimed at.
/// Pure: the caller passes the recent failure times and `now`.
public struct SecretThrottle: Sendable, Equatable {
    public var perAccount: LoginThrottle
    public var perAddress: LoginThrottle

    public init(
        perAccount: LoginThrottle = LoginThrottle(maxFailures: 10, window: 15 * 60, lockout: 15 * 60),
        perAddress: LoginThrottle = LoginThrottle(maxFailures: 100, window: 15 * 60, lockout: 15 * 60)
    ) {
        self.perAccount = perAccount
        self.perAddress = perAddress
    }

    /// How far back the caller must look for failures to decide.
    public var lookBack: TimeInterval { max(perAccount.lookBack, perAddress.lookBack) }

    /// The instant until which a try is refused, or nil when it is allowed.
    /// `accountFailures` is nil for secrets that belong to no account (a
    /// setup link), which only the address limit guards.
    public func lockedUntil(accountFailures: [Date]?, addressFailures: [Date], now: Date) -> Date? {
        let locks = [
            accountFailures.flatMap { perAccount.lockedUntil(failures: $0, now: now) },
            perAddress.lockedUntil(failures: addressFailures, now: now),
        ]
        return locks.compactMap { $0 }.max()
    }
}

/// At most `maxEvents` in any `window`: public forms (feedback) accept a
/// few sends per address and a few more per workspace, then ask to wait.
public struct RateLimit: Sendable, Equatable {
    public var maxEvents: Int
    public var window: TimeInterval

    public init(maxEvents: Int, window: TimeInterval) {
        self.maxEvents = maxEvents
        self.window = window
    }

    /// Seconds to wait before one more event fits, or nil when it fits now.
    public func retryAfter(events: [Date], now: Date) -> TimeInterval? {
        let recent = events.filter { $0 > now.addingTimeInterval(-window) && $0 <= now }.sorted()
        guard recent.count >= maxEvents else { return nil }
        // The oldest event that must leave the window before one more fits.
        let leaving = recent[recent.count - maxEvents]
        return max(1, leaving.addingTimeInterval(window).timeIntervalSince(now))
    }
}
