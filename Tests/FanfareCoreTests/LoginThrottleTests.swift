import FanfareCore
import Foundation
import Testing

@Suite struct LoginThrottleTests {
    let throttle = LoginThrottle()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int, every seconds: TimeInterval) -> [Date] {
        (0..<count).map { t0.addingTimeInterval(Double($0) * seconds) }
    }

    @Test func nineFailuresDoNotLock() {
        #expect(throttle.lockedUntil(failures: failures(9, every: 10), now: t0.addingTimeInterval(100)) == nil)
    }

    @Test func theTenthFailureWithinFifteenMinutesLocksForFifteenMinutes() {
        let list = failures(10, every: 60)  // last at t0 + 9 min
        let tenth = list.last!
        #expect(throttle.lockedUntil(failures: list, now: tenth.addingTimeInterval(1)) == tenth.addingTimeInterval(900))
        #expect(throttle.lockedUntil(failures: list, now: tenth.addingTimeInterval(899)) == tenth.addingTimeInterval(900))
        #expect(throttle.lockedUntil(failures: list, now: tenth.addingTimeInterval(900)) == nil)
    }

    @Test func failuresSpreadOverMoreThanTheWindowDoNotLock() {
        // 10 failures, 2 minutes apart: 18 minutes from first to tenth.
        let list = failures(10, every: 120)
        #expect(throttle.lockedUntil(failures: list, now: list.last!.addingTimeInterval(1)) == nil)
    }

    @Test func failuresInTheFutureOrLongAgoAreIgnored() {
        let list = failures(10, every: 1)
        #expect(throttle.lockedUntil(failures: list, now: t0.addingTimeInterval(-1)) == nil)
        #expect(throttle.lockedUntil(failures: list, now: t0.addingTimeInterval(3_600)) == nil)
    }
}

@Suite struct SecretThrottleTests {
    let throttle = SecretThrottle()
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func failures(_ count: Int) -> [Date] { (0..<count).map { t0.addingTimeInterval(Double($0)) } }

    @Test func anAccountsFailuresPauseThatAccountOnly() {
        let now = t0.addingTimeInterval(60)
        // Ten failures for one account, all from one office address.
        #expect(throttle.lockedUntil(accountFailures: failures(10), addressFailures: failures(10), now: now) != nil)
        // A colleague behind the same address: their account has none.
        #expect(throttle.lockedUntil(accountFailures: [], addressFailures: failures(10), now: now) == nil)
        #expect(throttle.lockedUntil(accountFailures: [], addressFailures: failures(99), now: now) == nil)
    }

    @Test func anAddressIsPausedAtAHundredFailures() {
        let now = t0.addingTimeInterval(120)
        let until = throttle.lockedUntil(accountFailures: [], addressFailures: failures(100), now: now)
        #expect(until == t0.addingTimeInterval(99 + 900))
        // Links belong to no account: only the address limit applies.
        #expect(throttle.lockedUntil(accountFailures: nil, addressFailures: failures(100), now: now) == until)
        #expect(throttle.lockedUntil(accountFailures: nil, addressFailures: failures(99), now: now) == nil)
    }
}

@Suite struct RateLimitTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func fitsUntilFullThenSaysHowLongToWait() {
        let limit = RateLimit(maxEvents: 3, window: 600)
        let events = [t0, t0.addingTimeInterval(100), t0.addingTimeInterval(200)]
        #expect(limit.retryAfter(events: Array(events.prefix(2)), now: t0.addingTimeInterval(300)) == nil)
        // Full: the first of the three must leave the window.
        #expect(limit.retryAfter(events: events, now: t0.addingTimeInterval(300)) == 300)
        #expect(limit.retryAfter(events: events, now: t0.addingTimeInterval(600)) == nil)
        // Events in the future or long ago do not count.
        #expect(limit.retryAfter(events: events, now: t0.addingTimeInterval(-1)) == nil)
    }
}
