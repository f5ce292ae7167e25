import FanfareCore
import Foundation
import Testing

@Suite struct ReportScheduleTests {
    @Test func theWeeklyReportCoversTheLastWholeMondayToSunday() {
        // 2026-01-12 is a Monday, 2026-01-11 a Sunday.
        #expect(ReportSchedule.lastWeek(before: "2026-01-12") == DashboardPeriod(from: "2026-01-05", to: "2026-01-11"))
        #expect(ReportSchedule.lastWeek(before: "2026-01-18") == DashboardPeriod(from: "2026-01-05", to: "2026-01-11"))
        #expect(ReportSchedule.lastWeek(before: "2026-01-11") == DashboardPeriod(from: "2025-12-29", to: "2026-01-04"), "across the year")
    }

    @Test func theMonthlyReportCoversTheLastWholeCalendarMonth() {
        #expect(ReportSchedule.lastMonth(before: "2026-03-01") == DashboardPeriod(from: "2026-02-01", to: "2026-02-28"))
        #expect(ReportSchedule.lastMonth(before: "2024-03-31") == DashboardPeriod(from: "2024-02-01", to: "2024-02-29"), "a leap year")
        #expect(ReportSchedule.lastMonth(before: "2026-01-01") == DashboardPeriod(from: "2025-12-01", to: "2025-12-31"))
    }

    @Test func noReportIsDueForAPeriodThatEndedBeforeTheWorkspaceExisted() {
        let due = ReportSchedule.due(today: "2026-01-12", createdOn: "2026-01-08")
        #expect(due.map(\.kind) == [.weekly], "the week ending the 11th is due; December ended before the 8th")
        #expect(ReportSchedule.due(today: "2026-01-12", createdOn: "2025-06-01").map(\.kind) == [.weekly, .monthly])
        #expect(ReportSchedule.due(today: "2026-01-12", createdOn: "2026-01-12").isEmpty)
        #expect(
            ReportSchedule.due(today: "2026-01-12", createdOn: "2026-01-12", firstDataDay: "2025-09-01").map(\.kind) == [.weekly, .monthly],
            "backfilled history makes the last week and month worth reporting, and only those")
    }

    @Test func theCSVKeepsNumbersRawAndNeutralisesFormulas() throws {
        let post = UUID()
        let content = ReportContent(
            kpis: [
                .init(key: "followers", unit: "count", value: 125, previous: 100),
                .init(key: "engagement_rate", unit: "ratio", value: 0.05, previous: nil),
            ],
            basis: "impressions",
            top: [.init(postID: post, title: "=HYPERLINK(\"x\")", platform: "weibo", engagements: 40, rate: 0.05, basis: "impressions")],
            bottom: [], anomalies: [.init(series: "followers_net", day: "2026-01-08", value: 13)],
            quality: [.init(platform: "sandbox", handle: "brand", missingDays: 2, jumps: 0, duplicatesReplaced: 1)], postsCounted: 1)
        let csv = content.csv(
            kind: .weekly, period: DashboardPeriod(from: "2026-01-05", to: "2026-01-11"),
            comparison: DashboardPeriod(from: "2025-12-29", to: "2026-01-04"))
        #expect(csv.hasPrefix("\u{FEFF}report,from,to,compared_from,compared_to\r\nweekly,2026-01-05,2026-01-11,2025-12-29,2026-01-04\r\n"))
        #expect(csv.contains("\r\nfollowers,count,125,100,0.25\r\n"), "change as a ratio: (125 − 100) ÷ 100")
        #expect(csv.contains("\r\nengagement_rate,ratio,0.05,,\r\n"), "nothing to compare with: empty cells, not 0")
        #expect(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\",weibo,40,0.05,impressions\r\n"), "a title that is a formula stays text")
        #expect(csv.contains("\r\nfollowers_net,2026-01-08,13\r\n"))
        #expect(csv.contains("\r\nsandbox,brand,2,0,1\r\n"))
    }

    @Test func contentSurvivesTheArchive() throws {
        let content = ReportContent(
            kpis: [.init(key: "followers", unit: "count", value: 125, previous: nil, daily: [110, nil, 125])], basis: "followers", top: [],
            bottom: [], anomalies: [], quality: [], postsCounted: 0)
        let stored = try JSONEncoder().encode(content)
        #expect(try JSONDecoder().decode(ReportContent.self, from: stored) == content)
    }
}
