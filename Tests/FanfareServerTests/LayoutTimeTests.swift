import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The hand-written time on every page equals what Foundation writes
/// (Layout.timeText / iso8601), across zones, daylight-saving changes,
/// both languages and instants before 1970.
@Suite struct LayoutTimeTests {
    static let zones = ["Asia/Shanghai", "UTC", "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]

    func foundation(_ date: Date, zone: TimeZone, locale: UILocale) -> String {
        var style = Date.FormatStyle(date: .numeric, time: .shortened)
        style.timeZone = zone
        style.locale = Locale(identifier: locale == .en ? "en_GB" : "zh_Hans_CN")
        return date.formatted(style)
    }

    @Test func timesMatchFoundation() throws {
        // 1906 to 2096 by a fixed odd stride (fractions of a second included),
        // so every run checks the same instants and a failure can be repeated.
        var instants: [Date] = (0..<400).map { Date(timeIntervalSince1970: -2_000_000_000 + Double($0) * 15_000_017.3) }
        // Around New York's and London's daylight-saving changes in 2026, minute by minute.
        for start in [1_773_558_000.0, 1_774_746_000, 1_792_990_800] {
            instants += (0..<180).map { Date(timeIntervalSince1970: start + Double($0) * 60 + 0.75) }
        }
        for name in Self.zones {
            let zone = try #require(TimeZone(identifier: name))
            for date in instants {
                for locale in UILocale.allCases {
                    #expect(Layout.timeText(date, zone: zone, locale: locale) == foundation(date, zone: zone, locale: locale), "\(date) \(name)")
                }
            }
        }
        for date in instants { #expect(Layout.iso8601(date) == date.formatted(.iso8601)) }
    }
}
