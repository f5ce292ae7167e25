import FanfareCore
import Foundation
import Testing

/// The fan funnel's counting rules, retention cohorts and DAU / WAU / MAU
/// from deltas, local days, and reading the question — without a database.
@Suite struct FanAnalyticsCoreTests {
    @Test func aRefundCancelsAPurchaseButAPartialOneDoesNotUndoBuying() {
        #expect(PurchaseCounting.kept(purchases: 1, refunds: 0, netFen: 100) == 1)
        // The only purchase refunded in full: no purchase.
        #expect(PurchaseCounting.kept(purchases: 1, refunds: 1, netFen: 0) == 0)
        // Refunded in part: money stayed, still a buyer.
        #expect(PurchaseCounting.kept(purchases: 1, refunds: 1, netFen: 4_000) == 1)
        #expect(PurchaseCounting.kept(purchases: 3, refunds: 1, netFen: 10) == 2)
        // A refund alone (of a purchase before the period) makes no buyer.
        #expect(PurchaseCounting.kept(purchases: 0, refunds: 1, netFen: -500) == 0)
        // A free purchase stands.
        #expect(PurchaseCounting.kept(purchases: 1, refunds: 0, netFen: 0) == 1)
    }

    @Test func stepsAreStrict() {
        #expect(PurchaseCounting.reached(followed: false, joined: true, kept: 3, referred: true) == nil)
        #expect(PurchaseCounting.reached(followed: true, joined: false, kept: 3, referred: true) == .follow)
        #expect(PurchaseCounting.reached(followed: true, joined: true, kept: 0, referred: true) == .joinCommunity)
        #expect(PurchaseCounting.reached(followed: true, joined: true, kept: 1, referred: true) == .firstPurchase)
        #expect(PurchaseCounting.reached(followed: true, joined: true, kept: 2, referred: false) == .repurchase)
        #expect(PurchaseCounting.reached(followed: true, joined: true, kept: 2, referred: true) == .referral)
    }

    @Test func conversionsAreSharesOfTheStepBeforeAndOfTheFirst() {
        let funnel = FanFunnel(counts: [200, 100, 20, 5, 0])
        #expect(funnel.steps.map(\.kind) == FunnelStepKind.allCases)
        #expect(funnel.steps[0].stepConversion == nil && funnel.steps[0].overallConversion == 1)
        #expect(funnel.steps[1].stepConversion == 0.5 && funnel.steps[2].stepConversion == 0.2 && funnel.steps[2].overallConversion == 0.1)
        #expect(funnel.steps[4].stepConversion == 0)
        let empty = FanFunnel(counts: [0, 0, 0, 0, 0])
        #expect(empty.isEmpty && empty.steps.allSatisfy { $0.stepConversion == nil && $0.overallConversion == nil })
        let summary = RepurchaseSummary(buyers: 4, repeatBuyers: 1, netSpendFen: 9_000, buyersNetSpendFen: 10_000)
        #expect(summary.repurchaseRate == 0.25 && summary.netSpendPerBuyerFen == 2_500)
        #expect(RepurchaseSummary(buyers: 0, repeatBuyers: 0, netSpendFen: -100, buyersNetSpendFen: 0).repurchaseRate == nil)
    }

    @Test func localDaysAndMondays() throws {
        let day = try #require(LocalDays.number("2026-12-07"))  // a Monday
        #expect(LocalDays.day(day) == "2026-12-07")
        #expect(LocalDays.monday(day) == day && LocalDays.monday(day + 6) == day && LocalDays.monday(day + 7) == day + 7)
        #expect(LocalDays.monday(0) == -3)  // 1970-01-01 was a Thursday
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        #expect(LocalDays.start(of: "2026-12-07", in: shanghai) == ISO8601DateFormatter().date(from: "2026-12-06T16:00:00Z"))
        #expect(LocalDays.offsets(shanghai, from: Date(), to: Date().addingTimeInterval(400 * 86_400)).count == 1)
        // Berlin changes twice a year: each change is a new offset.
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let from = try #require(ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z"))
        let offsets = LocalDays.offsets(berlin, from: from, to: from.addingTimeInterval(365 * 86_400))
        #expect(offsets.map(\.offset) == [3_600, 7_200, 3_600])
    }

    @Test func cohortCellsWaitUntilEveryMembersDayHasCome() throws {
        let monday = try #require(LocalDays.number("2026-11-02"))
        let counted = [Cohorts.Counted(monday: monday, size: 10, active: [5, 2, 1])]
        let rows = Cohorts.rows(counted, fromDay: monday + 2, toDay: monday + 8, asOf: monday + 14)
        #expect(rows.map(\.week) == ["2026-11-02", "2026-11-09"])
        #expect(rows[0].size == 10 && rows[0].cells[0] == Cohorts.Cell(active: 5, share: 0.5))
        #expect(rows[0].cells[1] == Cohorts.Cell(active: 2, share: 0.2))  // Sunday + 7 = asOf - 1
        #expect(rows[0].cells[2] == nil)  // day 30 not come
        #expect(rows[1].size == 0 && rows[1].cells == [nil, nil, nil])
    }

    @Test func activeFansAreARunningSumOfIntervals() throws {
        // Fan 1 active on days 0 and 2, fan 2 on day 1, as the database
        // sends them: per fan-day (d, previous day p) +1 at max(d, p + W), −1 at d + W.
        let deltas: [Int: [Int]] = [
            0: [1, 1, 1], 1: [0, 1, 1], 3: [-1, 0, 0], 7: [0, 0, 0], 8: [0, -1, 0], 9: [0, -1, 0], 31: [0, 0, -1], 32: [0, 0, -1],
        ]
        let days = ActiveFans.days(deltas, fromDay: 0, toDay: 9)
        #expect(days.map(\.dau) == [1, 1, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(days.map(\.wau) == [1, 2, 2, 2, 2, 2, 2, 2, 1, 0])
        #expect(days.map(\.mau) == [1, 2, 2, 2, 2, 2, 2, 2, 2, 2])
        #expect(days[0].stickiness == 1 && days[3].stickiness == 0)
        // An interval opened before the period counts on its first day.
        let early = ActiveFans.days([-3: [0, 1, 1], 4: [0, -1, 0]], fromDay: 0, toDay: 4)
        #expect(early.map(\.wau) == [1, 1, 1, 1, 0] && early.map(\.mau) == [1, 1, 1, 1, 1])
        let weeks = ActiveFans.points(
            ActiveFans.days(
                [try #require(LocalDays.number("2026-11-02")): [1, 1, 1]], fromDay: LocalDays.number("2026-11-02")!,
                toDay: LocalDays.number("2026-11-15")!),
            granularity: .week)
        #expect(weeks.map(\.period) == ["2026-11-02", "2026-11-09"])
        #expect(weeks[0].dau == 1 && weeks[0].wau == 1 && weeks[0].stickiness == 1)
        #expect(ActiveFans.stickiness([]) == nil)
    }

    @Test func theQuestionNamesEveryWrongValue() {
        let account = UUID()
        let read = { (values: [String: String]) in
            FanPeriodQuery.read(values, today: "2026-12-06", accounts: [account: "weibo"], platforms: ["sandbox", "weibo"])
        }
        let (plain, none) = read([:])
        #expect(none.issues.isEmpty && plain.from == "2026-09-08" && plain.to == "2026-12-06" && plain.granularity == .day)
        // Empty values are "all".
        #expect(read(["platform": "", "account": " ", "from": ""]).errors.issues.isEmpty)
        let (_, errors) = read(["from": "2026-13-01", "granularity": "hour", "platform": "myspace", "account": "nope"])
        #expect(Set(errors.issues.map(\.field)) == ["from", "granularity", "platform", "account"])
        #expect(read(["account": UUID().uuidString]).errors.issues.map(\.field) == ["account"])
        #expect(read(["from": "2026-12-07", "to": "2026-12-06"]).errors.issues.map(\.field) == ["to"])
        #expect(read(["from": "2020-01-01", "to": "2026-12-06"]).errors.issues.map(\.field) == ["to"])
        let weekly = FanPeriodQuery.read(["granularity": "day"], today: "2026-12-06", accounts: [:], platforms: [], granularities: [.week])
        #expect(weekly.errors.issues.map(\.field) == ["granularity"])
        let (good, _) = read(["from": "2026-11-01", "to": "2026-11-30", "platform": "weibo", "account": account.uuidString])
        #expect(good.platform == "weibo" && good.accountID == account)
        #expect(good.queryItems().map(\.0) == ["from", "to", "platform", "account"])
        // A segment: one of the workspace's, named when not; not read where the question takes none.
        let segment = UUID()
        func withSegments(_ raw: String) -> (query: FanPeriodQuery, errors: ValidationErrors) {
            FanPeriodQuery.read(["segment": raw], today: "2026-12-06", accounts: [:], platforms: [], segments: [segment])
        }
        #expect(withSegments(segment.uuidString.lowercased()).query.segmentID == segment)
        #expect(withSegments(segment.uuidString).query.queryItems().last?.1 == segment.uuidString.lowercased())
        #expect(withSegments("nope").errors.issues.map(\.field) == ["segment"])
        #expect(withSegments(UUID().uuidString).errors.issues.map(\.field) == ["segment"])
        #expect(withSegments(" ").errors.issues.isEmpty && withSegments(" ").query.segmentID == nil)
        let ignored = FanPeriodQuery.read(["segment": "nope"], today: "2026-12-06", accounts: [:], platforms: [])
        #expect(ignored.errors.issues.isEmpty && ignored.query.segmentID == nil)
    }
}
