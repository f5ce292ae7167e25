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
