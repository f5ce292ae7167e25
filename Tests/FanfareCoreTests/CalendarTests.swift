import FanfareCore
import Foundation
import Testing

private let newYork = TimeZone(identifier: "America/New_York")!
private let shanghai = TimeZone(identifier: "Asia/Shanghai")!

private func instant(_ iso: String) -> Date {
    ISO8601DateFormatter().date(from: iso)!
}

@Suite struct CalendarDateTests {
    @Test func onlyRealDatesAreAccepted() throws {
        #expect(try CalendarDate(parsing: "2024-02-29").description == "2024-02-29")
        for bad in ["2025-02-29", "2025-13-01", "2025-00-10", "2025-3-1", "20250301", "", "2025-04-31", "abcd-ef-gh"] {
            #expect(throws: ValidationErrors.self, "\(bad)") { try CalendarDate(parsing: bad) }
        }
        #expect(try CalendarDate(parsing: "2025-03-10").isoWeekday == 1)
        #expect(try CalendarDate(parsing: "2025-03-16").isoWeekday == 7)
        #expect(try CalendarDate(parsing: "2024-12-31").adding(days: 1) == CalendarDate(parsing: "2025-01-01"))
        let json = try JSONEncoder().encode([try CalendarDate(parsing: "2025-03-10")])
        #expect(String(decoding: json, as: UTF8.self) == #"["2025-03-10"]"#)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CalendarDate].self, from: Data(#"["2025-02-30"]"#.utf8)) }
    }

    @Test func anInstantFallsOnDifferentDaysInDifferentZones() {
        let at = instant("2025-03-09T20:00:00Z")
        #expect(CalendarDate(at, in: shanghai).description == "2025-03-10")
        #expect(CalendarDate(at, in: newYork).description == "2025-03-09")
    }
}

@Suite struct CalendarGridTests {
    @Test func aWeekStartsOnMondayAndKnowsItsMonth() {
        // Wednesday 2025-04-02; the week starts on Monday 31 March.
        let week = CalendarGrid.week(containing: instant("2025-04-02T04:00:00Z"), timeZone: shanghai)
        #expect(
            week.map(\.date.description) == [
                "2025-03-31", "2025-04-01", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-05", "2025-04-06",
            ])
        #expect(week.map(\.inMonth) == [false, true, true, true, true, true, true])
        #expect(week[0].start == instant("2025-03-30T16:00:00Z"))
        for (day, next) in zip(week, week.dropFirst()) {
            #expect(day.end == next.start)
            #expect(day.end.timeIntervalSince(day.start) == 86_400, "Shanghai has no summer time")
        }
        // A Sunday belongs to the week that started six days before.
        let sunday = CalendarGrid.week(containing: instant("2025-04-06T15:59:59Z"), timeZone: shanghai)
        #expect(sunday.first?.date.description == "2025-03-31")
        #expect(CalendarGrid.week(containing: instant("2025-04-06T16:00:00Z"), timeZone: shanghai).first?.date.description == "2025-04-07")
    }

    @Test func daysAre23And25HoursLongWhenSummerTimeChanges() throws {
        let spring = CalendarGrid.week(containing: instant("2025-03-09T12:00:00Z"), timeZone: newYork)
        let march9 = try #require(spring.first { $0.date.description == "2025-03-09" })
        #expect(march9.start == instant("2025-03-09T05:00:00Z"))
        #expect(march9.end == instant("2025-03-10T04:00:00Z"))
        #expect(march9.end.timeIntervalSince(march9.start) == 23 * 3600)
        #expect(march9.contains(instant("2025-03-10T03:59:59Z")))
        #expect(!march9.contains(march9.end))

        let autumn = CalendarGrid.week(containing: instant("2025-11-02T12:00:00Z"), timeZone: newYork)
        let november2 = try #require(autumn.first { $0.date.description == "2025-11-02" })
        #expect(november2.end.timeIntervalSince(november2.start) == 25 * 3600)
        #expect(november2.start == instant("2025-11-02T04:00:00Z"))
        // Every day starts at local midnight and the days tile without gaps.
        for (day, next) in zip(autumn, autumn.dropFirst()) { #expect(day.end == next.start) }
    }

    @Test func aMonthIsWholeWeeksWithTheNeighboursFlagged() throws {
        // March 2025 starts on a Saturday and ends on a Monday: six rows.
        let march = try CalendarGrid.month(year: 2025, month: 3, timeZone: newYork)
        #expect(march.count == 6)
        #expect(march.allSatisfy { $0.count == 7 && $0.first?.date.isoWeekday == 1 })
        #expect(march[0][0].date.description == "2025-02-24")
        #expect(march[5][6].date.description == "2025-04-06")
        let flat = march.flatMap { $0 }
        #expect(flat.filter(\.inMonth).count == 31)
        #expect(flat.filter(\.inMonth).map(\.day) == Array(1...31))
        #expect(!flat[0].inMonth && !flat.last!.inMonth)
        for (day, next) in zip(flat, flat.dropFirst()) { #expect(day.end == next.start) }
        // February 2021 starts on a Monday and ends on a Sunday: four rows.
        #expect(try CalendarGrid.month(year: 2021, month: 2, timeZone: shanghai).count == 4)
        // December runs into the next year.
        let december = try CalendarGrid.month(year: 2025, month: 12, timeZone: shanghai)
        #expect(december.last?.last?.date.description == "2026-01-04")
        // The instant-based variant picks the month in the workspace zone.
        let newYearsEveInNewYork = instant("2026-01-01T03:00:00Z")
        #expect(
            CalendarGrid.month(containing: newYearsEveInNewYork, timeZone: newYork)
                == december.map { row in
                    row.map {
                        CalendarDay(
                            date: $0.date, start: $0.date.start(in: newYork), end: $0.date.adding(days: 1).start(in: newYork), inMonth: $0.inMonth)
                    }
                })
        #expect(throws: ValidationErrors.self) { try CalendarGrid.month(year: 2025, month: 13, timeZone: shanghai) }
    }
}

@Suite struct ScheduleWarningsTests {
    let base = instant("2025-03-10T02:00:00Z")
    func entry(_ id: String, _ account: String, minutes: Double, _ text: String, content: String? = nil) -> ScheduleEntry {
        ScheduleEntry(id: id, accountID: account, at: base.addingTimeInterval(minutes * 60), text: text, contentID: content)
    }

    @Test func postsToOneAccountNeedAnHourBetweenThem() {
        let warnings = ScheduleWarnings.check(entries: [
            entry("c", "weibo", minutes: 100, "三"),
            entry("a", "weibo", minutes: 0, "一"),
            entry("b", "weibo", minutes: 59, "二"),
            entry("d", "wechat", minutes: 10, "四"),
            entry("e", "weibo", minutes: 160, "五"),
        ])
        #expect(warnings.map(\.code) == ["account.too_close", "account.too_close"])
        #expect(warnings.map(\.entryIDs) == [["a", "b"], ["b", "c"]])
        #expect(warnings[0].message.contains("59 minute(s)"))
        #expect(warnings.allSatisfy { $0.level == .warning })
        // Exactly 60 minutes apart is fine: "e" is 60 minutes after "c".
    }

    @Test func theSameTextTwiceOnOneAccountIsAnError() throws {
        let warnings = ScheduleWarnings.check(entries: [
            entry("a", "weibo", minutes: 0, "春季新品  今天开售 Sale"),
            entry("b", "weibo", minutes: 300, " 春季新品 今天开售\nSALE "),
            entry("c", "weibo", minutes: 600, "春季新品今天开售 sale"),
        ])
        let duplicate = try #require(warnings.first)
        #expect(warnings.count == 1)
        #expect(duplicate.code == "text.duplicate_same_account")
        #expect(duplicate.level == .error)
        #expect(duplicate.entryIDs == ["a", "b"], "white space is collapsed, not removed")
    }

    @Test func crossPostingOneItemIsFineButTwoItemsWithOneTextWarn() throws {
        let crossPost = ScheduleWarnings.check(entries: [
            entry("a", "weibo", minutes: 0, "Launch day", content: "item1"),
            entry("b", "mastodon", minutes: 0, "launch day", content: "item1"),
        ])
        #expect(crossPost == [])

        let slip = ScheduleWarnings.check(entries: [
            entry("a", "weibo", minutes: 0, "Launch day", content: "item1"),
            entry("b", "mastodon", minutes: 0, "launch day", content: "item1"),
            entry("c", "bluesky", minutes: 90, "Launch  day", content: "item2"),
        ])
        let warning = try #require(slip.first)
        #expect(slip.count == 1)
        #expect(warning.code == "text.duplicate_across_accounts" && warning.level == .warning)
        #expect(warning.entryIDs == ["a", "b", "c"])

        // Without content ids every entry counts as its own item.
        let unknown = ScheduleWarnings.check(entries: [entry("a", "weibo", minutes: 0, "Hi"), entry("b", "bluesky", minutes: 0, "hi")])
        #expect(unknown.map(\.code) == ["text.duplicate_across_accounts"])
        // Media-only posts are never duplicates.
        #expect(ScheduleWarnings.check(entries: [entry("a", "weibo", minutes: 0, " "), entry("b", "weibo", minutes: 90, "")]) == [])
    }
}

@Suite struct SlotPlanTests {
    let day = CalendarDate(instant("2025-03-10T04:00:00Z"), in: shanghai)

    @Test func thirtyPercentOfSlotsStayFreeForHotTopics() throws {
        let plan = try SlotPlan(validating: 10)
        #expect(plan.regularSlots == 7)
        #expect(try SlotPlan(validating: 3).regularSlots == 2)
        #expect(try SlotPlan(validating: 1).regularSlots == 0)
        #expect(try SlotPlan(validating: 4, reservedShare: 0.25).regularSlots == 3, "exactly 75 % is not rounded below")
        #expect(plan.usage([SlotBooking(accountID: "weibo", day: day, regular: 7, hotTopics: 3)]) == [])
        let reserve = plan.usage([SlotBooking(accountID: "weibo", day: day, regular: 8)])
        #expect(reserve.map(\.code) == ["slots.reserve_used"])
        #expect(reserve.first?.booked == 8 && reserve.first?.limit == 7)
        #expect(reserve.first?.message.contains("keep 3 of its 10 daily slots free") == true)
        let over = plan.usage([
            SlotBooking(accountID: "weibo", day: day.adding(days: 1), regular: 5, hotTopics: 6),
            SlotBooking(accountID: "wechat", day: day, regular: 2),
        ])
        #expect(over.map(\.code) == ["slots.over_capacity"])
        #expect(over.first?.booked == 11 && over.first?.day == day.adding(days: 1))
    }

    @Test func badPlansAreRefused() {
        #expect(throws: ValidationErrors.self) { try SlotPlan(validating: 0) }
        #expect(throws: ValidationErrors.self) { try SlotPlan(validating: 49) }
        #expect(throws: ValidationErrors.self) { try SlotPlan(validating: 5, reservedShare: 1) }
        #expect(throws: ValidationErrors.self) { try SlotPlan(validating: 5, reservedShare: -0.1) }
        #expect(throws: ValidationErrors.self) { try SlotPlan(validating: 5, reservedShare: .nan) }
    }
}

@Suite struct WeeklyThemeTests {
    @Test func aThemeNeedsAMondayAndAShortLine() throws {
        let theme = try WeeklyTheme(validating: "2025-03-10", theme: "  春季上新周 ")
        #expect(theme.theme == "春季上新周")
        #expect(theme.weekStart.description == "2025-03-10")
        do {
            _ = try WeeklyTheme(validating: "2025-03-12", theme: "")
            Issue.record("accepted a Wednesday and an empty theme")
        } catch {
            #expect(error.issues.map(\.field) == ["week_start", "theme"])
            #expect(error.issues[0].message.contains("2025-03-10"))
        }
        #expect(throws: ValidationErrors.self) { try WeeklyTheme(validating: "2025-03-10", theme: String(repeating: "春", count: 61)) }
        _ = try WeeklyTheme(validating: "2025-03-10", theme: String(repeating: "春", count: 60))
        #expect(throws: ValidationErrors.self) { try WeeklyTheme(validating: "2025-03-10", theme: "two\nlines") }
        do {
            _ = try WeeklyTheme(validating: "next monday", theme: " ")
            Issue.record("accepted a bad date")
        } catch {
            #expect(error.issues.map(\.field) == ["week_start", "theme"])
        }
    }

    @Test func theWeekOfAnInstantDependsOnTheZone() {
        // Sunday 2025-03-16 20:00 in New York is Monday 08:00 in Shanghai.
        let at = instant("2025-03-17T00:00:00Z")
        #expect(WeeklyTheme.weekStart(containing: at, timeZone: newYork).description == "2025-03-10")
        #expect(WeeklyTheme.weekStart(containing: at, timeZone: shanghai).description == "2025-03-17")
    }
}
