import FanfareCore
import Foundation

/// Dates on a time axis and in a chart's table, written as UI.md says:
/// 12月5日 / 5 Dec, 24-hour times, the year when it changes along the axis
/// or is not the current one.
enum ChartTime {
    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The labels for the ticks of a time axis: a tick names its year when
    /// it is the first and not in `now`'s year, or when the year changed
    /// since the tick before (a period across New Year reads 12月28日 …
    /// 2027年1月4日).
    static func axisLabels(_ ticks: [Date], unit: ChartScale.TimeUnit, zone: TimeZone, locale: UILocale, now: Date) -> [String] {
        let calendar = calendar(zone)
        let thisYear = calendar.component(.year, from: now)
        var previous: (year: Int, day: Int)?
        return ticks.map { tick in
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: tick)
            let year = parts.year ?? thisYear
            let dayNumber = year * 10_000 + (parts.month ?? 0) * 100 + (parts.day ?? 0)
            let withYear = previous.map { $0.year != year } ?? (year != thisYear)
            let newDay = previous.map { $0.day != dayNumber } ?? true
            previous = (year, dayNumber)
            let month = parts.month ?? 1
            let day = parts.day ?? 1
            switch unit {
            case .hour:
                let time = String(format: "%02d:%02d", parts.hour ?? 0, parts.minute ?? 0)
                // The first tick and each midnight name their day, so hours across days stay placed.
                return newDay || (parts.hour == 0) ? short(year: withYear ? year : nil, month: month, day: day, locale) + " " + time : time
            case .day: return short(year: withYear ? year : nil, month: month, day: day, locale)
            case .month:
                if locale == .zhHans { return (withYear ? "\(year)年" : "") + "\(month)月" }
                return months[month - 1] + (withYear ? " \(year)" : "")
            case .year: return locale == .zhHans ? "\(year)年" : "\(year)"
            }
        }
    }

    /// 12月5日 / 5 Dec, with the year in front (2027年1月4日) or behind (4 Jan 2027) when given.
    static func short(year: Int?, month: Int, day: Int, _ locale: UILocale) -> String {
        if locale == .zhHans { return (year.map { "\($0)年" } ?? "") + "\(month)月\(day)日" }
        return "\(day) \(months[month - 1])" + (year.map { " \($0)" } ?? "")
    }

    /// A moment in the data table: the full day (with its weekday, as the
    /// pages write days), and the time when the series is finer than a day.
    static func tableLabel(_ date: Date, hourly: Bool, zone: TimeZone, locale: UILocale, now: Date) -> String {
        let calendar = calendar(zone)
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let dayText = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        let day = Formats.day(dayText, locale, now: now)
        return hourly ? day + String(format: " %02d:%02d", parts.hour ?? 0, parts.minute ?? 0) : day
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
