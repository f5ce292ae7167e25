import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The charts' hand-written number and date writing gives what the general
/// paths it replaced give (DecimalText for coordinates, Foundation's
/// calendar and `Formats.day` of a "YYYY-MM-DD" text for table dates), so
/// a chart's output is unchanged byte for byte.
@Suite struct ChartFastPathTests {
    /// The general path `ChartScale.coordinate` took for every value before.
    static func generalCoordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return DecimalText.fixed(rounded, digits: 1)
    }

    @Test func coordinatesAsTheGeneralPathWritesThem() {
        var values: [Double] = [0, -0.0, 0.04, 0.05, 0.06, -0.04, -0.05, -0.06, 0.95, -0.95, 1.25, -1.25, 479.99, 12.345, -3.14159, 1e11, -1e11]
        values += [.nan, .infinity, -.infinity, 123_456_789.45, 0.1 + 0.2]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 { values.append(Double.random(in: -2_000...2_000, using: &generator)) }
        for step in -5_000...5_000 { values.append(Double(step) / 100) }
        for value in values { #expect(ChartScale.coordinate(value) == Self.generalCoordinate(value), "\(value)") }
        #expect(ChartScale.path([(1, 2.25), (3.04, -4.96)]) == "M1 2.3 L3 -5")
        #expect(ChartScale.path([]) == "")
    }

    @Test func daysAsTheTextPathWritesThem() {
        let now = Date(timeIntervalSince1970: 1_796_443_200)
        let thisYear = Formats.year(of: now)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        var day = utc.date(from: DateComponents(year: 1998, month: 12, day: 20))!
        let end = utc.date(from: DateComponents(year: 2031, month: 3, day: 10))!
        while day < end {
            let parts = utc.dateComponents([.year, .month, .day], from: day)
            let text = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            for locale in [UILocale.zhHans, .en] {
                #expect(
                    Formats.day(year: parts.year!, month: parts.month!, day: parts.day!, locale, thisYear: thisYear)
                        == Formats.day(text, locale, now: now))
            }
            day = day.addingTimeInterval(86_400 * 3)
        }
        #expect(Formats.day(year: 1500, month: 3, day: 1, .en, thisYear: thisYear) == Formats.day("1500-03-01", .en, now: now))
    }

    @Test func momentsAsTheCalendarReadsThem() {
        let zones = ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"].map {
            TimeZone(identifier: $0)!
        }
        for zone in zones {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            // Every 97 minutes for two years across daylight-saving changes, and a few instants far away.
            var instants = stride(from: 1_767_225_600.0, to: 1_830_297_600.0, by: 97 * 60 + 13.5).map { Date(timeIntervalSince1970: $0) }
            instants += [-5_000_000_000, -1, 0, 59.9, 86_399.9, 32_503_680_000, 300_000_000_000].map { Date(timeIntervalSince1970: $0) }
            for instant in instants {
                let parts = ChartTime.parts(instant, zone: zone, calendar: calendar)
                let expected = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
                let counted: [Int] = [parts.year, parts.month, parts.day, parts.hour, parts.minute]
                let asked: [Int] = [expected.year ?? -1, expected.month ?? -1, expected.day ?? -1, expected.hour ?? -1, expected.minute ?? -1]
                #expect(counted == asked, "\(instant) \(zone)")
            }
        }
    }

    /// The table label of a moment, as it was written before (through `String(format:)` and the text path).
    @Test func tableLabelsAsBefore() {
        let now = Date(timeIntervalSince1970: 1_796_443_200)
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        for offset in stride(from: -400 * 86_400.0, to: 400 * 86_400.0, by: 86_400 / 3 + 61) {
            let date = now.addingTimeInterval(offset)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
            let dayText = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            for locale in [UILocale.zhHans, .en] {
                let day = Formats.day(dayText, locale, now: now)
                #expect(ChartTime.tableLabel(date, hourly: false, zone: zone, locale: locale, now: now) == day)
                #expect(
                    ChartTime.tableLabel(date, hourly: true, zone: zone, locale: locale, now: now)
                        == day + String(format: " %02d:%02d", parts.hour ?? 0, parts.minute ?? 0))
            }
        }
    }

    /// The first instant of a day in a zone, as the calendar answers it, across daylight-saving changes.
    @Test func dayStartsAsTheCalendarAnswers() {
        let zones = ["Asia/Shanghai", "America/New_York", "America/Santiago", "Asia/Beirut", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
        for name in zones {
            let zone = TimeZone(identifier: name)!
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = zone
            for day in MetricDay.range("2025-01-01", "2027-12-31") + ["1500-03-01", "2026-1-5"] {
                let parts = day.split(separator: "-").compactMap { Int($0) }
                let expected = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
                #expect(DashboardQueries.start(of: day, in: zone) == expected, "\(day) \(name)")
            }
        }
    }
}
