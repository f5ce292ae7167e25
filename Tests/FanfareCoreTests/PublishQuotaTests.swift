import FanfareCore
import Foundation
import Testing

@Suite struct PublishQuotaTests {
    /// A moment given in UTC, so that the tests say which side of Beijing
    /// midnight (16:00 UTC) they are on.
    func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute))!
    }

    let subscription = PublishQuota.wechat(accountType: .subscription)
    let service = PublishQuota.wechat(accountType: .service)

    @Test func aSubscriptionAccountSendsOnceABeijingDay() {
        // 2026-11-23 10:00 Beijing time.
        let sent = utc(2026, 11, 23, 2)
        #expect(subscription.check(existing: [], proposed: sent) == .allowed)
        guard case .refused(let reason, let next) = subscription.check(existing: [sent], proposed: utc(2026, 11, 23, 15, 59)) else {
            Issue.record("a second send before Beijing midnight was allowed")
            return
        }
        #expect(
            reason.english == "WeChat subscription accounts can mass-send once a day; this account already has a send on 2026-11-23 (China time)")
        #expect(next == utc(2026, 11, 23, 16), "the next day starts at midnight Beijing time, 16:00 UTC")
    }

    @Test func beijingMidnightNotUTCMidnightStartsTheDay() {
        // 23:30 Beijing on the 23rd and 00:30 Beijing on the 24th are the same
        // UTC day but two China days.
        let lateEvening = utc(2026, 11, 23, 15, 30)
        #expect(subscription.check(existing: [lateEvening], proposed: utc(2026, 11, 23, 16, 30)) == .allowed)
        // 07:00 and 09:00 Beijing on the 24th straddle UTC midnight but are one China day.
        let morning = utc(2026, 11, 23, 23)
        guard case .refused(let reason, _) = subscription.check(existing: [morning], proposed: utc(2026, 11, 24, 1)) else {
            Issue.record("two sends on one Beijing day were allowed")
            return
        }
        #expect(reason.english.hasSuffix("a send on 2026-11-24 (China time)"))
    }

    @Test func aServiceAccountSendsFourTimesACalendarMonth() {
        let sends = [utc(2026, 11, 2, 2), utc(2026, 11, 9, 2), utc(2026, 11, 16, 2)]
        #expect(service.check(existing: sends, proposed: utc(2026, 11, 23, 2)) == .allowed, "the 4th send fits")
        guard case .refused(let reason, let next) = service.check(existing: sends + [utc(2026, 11, 23, 2)], proposed: utc(2026, 11, 28, 2))
        else {
            Issue.record("the 5th send in a month was allowed")
            return
        }
        #expect(
            reason.english
                == "WeChat service accounts can mass-send four times a calendar month; this account already has 4 sends in 2026-11 (China time: 2026-11-02, 2026-11-09, 2026-11-16, 2026-11-23)"
        )
        #expect(next == utc(2026, 11, 30, 16), "December starts at midnight Beijing time on 1 December")
    }

    @Test func theMonthTurnsAtBeijingMidnight() {
        // Four sends in November (China time), the last at 23:00 Beijing on the 30th.
        let november = [utc(2026, 11, 2, 2), utc(2026, 11, 9, 2), utc(2026, 11, 16, 2), utc(2026, 11, 30, 15)]
        // 00:30 Beijing on 1 December is still 30 November in UTC.
        #expect(service.check(existing: november, proposed: utc(2026, 11, 30, 16, 30)) == .allowed)
        if case .allowed = service.check(existing: november, proposed: utc(2026, 11, 30, 15, 30)) {
            Issue.record("23:30 Beijing on 30 November counted as December")
        }
        // Sends in other months do not count, whatever order they come in.
        let mixed = [utc(2026, 12, 5, 2), utc(2026, 10, 31, 2)] + november.prefix(3)
        #expect(service.check(existing: Array(mixed), proposed: utc(2026, 11, 20, 2)) == .allowed)
    }

    @Test func scheduledSendsLaterInThePeriodCountToo() {
        let laterToday = utc(2026, 11, 23, 12)
        if case .allowed = subscription.check(existing: [laterToday], proposed: utc(2026, 11, 23, 1)) {
            Issue.record("an earlier send was allowed although one is already scheduled that day")
        }
    }
}
