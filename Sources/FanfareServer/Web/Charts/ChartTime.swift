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
                let time = Formats.twoDigits(parts.hour ?? 0) + ":" + Formats.twoDigits(parts.minute ?? 0)
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
        var labels = TableLabels(hourly: hourly, zone: zone, locale: locale, now: now)
        return labels(date)
    }

    /// `tableLabel` for the many moments of one chart: the calendar and the
    /// current year made once, each moment written once (a line chart
    /// names a moment in a dot's tooltip and again in its table row).
    struct TableLabels {
        let hourly: Bool
        let zone: TimeZone
        let locale: UILocale
        let calendar: Calendar
        let thisYear: Int
        private var written: [Date: String] = [:]

        init(hourly: Bool, zone: TimeZone, locale: UILocale, now: Date) {
            self.hourly = hourly
            self.zone = zone
            self.locale = locale
            calendar = ChartTime.calendar(zone)
            thisYear = Formats.year(of: now)
        }

        mutating func callAsFunction(_ date: Date) -> String {
            if let known = written[date] { return known }
            let parts = ChartTime.parts(date, zone: zone, calendar: calendar)
            let day = Formats.day(year: parts.year, month: parts.month, day: parts.day, locale, thisYear: thisYear)
            let text = hourly ? day + " " + Formats.twoDigits(parts.hour) + ":" + Formats.twoDigits(parts.minute) : day
            written[date] = text
            return text
        }
    }

    /// The day and the time of `date` in `zone`, as `calendar` (a Gregorian
    /// one in `zone`) reads them: counted from the zone's offset at that
    /// instant for the years Foundation's Gregorian calendar counts
    /// proleptically (1600 on), asked of the calendar otherwise.
    static func parts(_ date: Date, zone: TimeZone, calendar: Calendar) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        let local = date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))
        let days = (local / 86_400).rounded(.down)
        if local.isFinite, abs(days) < 10_000_000 {
            let civil = MetricDay.civilFromDays(Int(days))
            if (1600...9999).contains(civil.year) {
                let seconds = Int((local - days * 86_400).rounded(.down))
                return (civil.year, civil.month, civil.day, seconds / 3_600, seconds % 3_600 / 60)
            }
        }
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
}
