import FanfareCore
import Foundation

/// Numbers, money and days as /work/shared/UI.md writes them: large counts
/// by 万 and 亿 on Chinese pages and K / M on English ones (the exact value
/// on hover), money as ¥1,234.56, days as 12月5日 周六 / Sat 5 Dec with the
/// year when it is not this year.
enum Formats {
    /// 1,234 as it is; 12,345 → 1.2万 / 12.3K; 123,456,789 → 1.23亿 / 123.5M.
    static func count(_ value: Int, _ locale: UILocale) -> String {
        let magnitude = abs(value)
        guard magnitude >= 10_000 else { return grouped(value) }
        let sign = value < 0 ? "-" : ""
        // The largest unit the value reaches once rounded (99,999,999 is 1亿, not 10000万).
        let units: [(size: Double, digits: Int, name: String)] =
            locale == .zhHans
            ? [(100_000_000, 2, "亿"), (10_000, 1, "万")] : [(1_000_000_000, 1, "B"), (1_000_000, 1, "M"), (1_000, 1, "K")]
        for unit in units {
            let scale = pow(10, Double(unit.digits))
            let shown = (Double(magnitude) / unit.size * scale).rounded() / scale
            if shown >= 1 { return sign + trimmed(shown, digits: unit.digits) + unit.name }
        }
        return grouped(value)
    }

    /// A count for a page: short, with the exact value on hover when shortened.
    static func countHTML(_ value: Int, _ locale: UILocale) -> HTML {
        let short = count(value, locale)
        return short == grouped(value) ? "\(short)" : "<span title=\"\(grouped(value))\">\(short)</span>"
    }

    /// 12345 → "12,345".
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// ¥1,234.56 (rounded to the fen).
    static func yuan(_ value: Double) -> String {
        let fen = Int((abs(value) * 100).rounded())
        return (value < 0 && fen > 0 ? "-" : "") + "¥" + grouped(fen / 100) + "." + String(format: "%02d", fen % 100)
    }

    /// A calendar day ("2026-12-05") as 12月5日 周六 / Sat 5 Dec, with the
    /// year when it is not the year of `now`; a text that is not a day stays as it is.
    static func day(_ text: String, _ locale: UILocale, now: Date = Date()) -> String {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let date = DateComponents(calendar: gregorian, year: parts[0], month: parts[1], day: parts[2]).date else {
            return text
        }
        let weekday = gregorian.component(.weekday, from: date) - 1
        return written(year: parts[0], month: parts[1], day: parts[2], weekday: weekday, locale, thisYear: year(of: now))
    }

    /// `day(_:_:now:)` of a day given by its numbers (a real day), for a
    /// chart's table writing one per row: no text to split, no calendar
    /// asked for the weekday from 1600 on (the Gregorian rule Foundation's
    /// calendar follows there). `thisYear`: `year(of: now)`.
    static func day(year: Int, month: Int, day: Int, _ locale: UILocale, thisYear: Int) -> String {
        guard (1600...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else {
            let date = DateComponents(calendar: gregorian, year: year, month: month, day: day).date
            let weekday = date.map { gregorian.component(.weekday, from: $0) - 1 } ?? 0
            return written(year: year, month: month, day: day, weekday: weekday, locale, thisYear: thisYear)
        }
        // Sakamoto's method: 0 is Sunday, as `.weekday` - 1.
        let offsets = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let y = month < 3 ? year - 1 : year
        let weekday = (y + y / 4 - y / 100 + y / 400 + offsets[month - 1] + day) % 7
        return written(year: year, month: month, day: day, weekday: weekday, locale, thisYear: thisYear)
    }

    /// The year of `now` as `day(_:_:now:)` compares it (UTC).
    static func year(of now: Date) -> Int { gregorian.component(.year, from: now) }

    /// "05" for 5: two digits at least.
    static func twoDigits(_ value: Int) -> String { value >= 0 && value < 10 ? "0" + String(value) : String(value) }

    private static func written(year: Int, month: Int, day: Int, weekday: Int, _ locale: UILocale, thisYear: Int) -> String {
        let sameYear = thisYear == year
        if locale == .zhHans {
            return (sameYear ? "" : "\(year)年") + "\(month)月\(day)日 " + ["周日", "周一", "周二", "周三", "周四", "周五", "周六"][weekday]
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][weekday] + " \(day) \(months[month - 1])" + (sameYear ? "" : " \(year)")
    }

    private static let gregorian: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private static func trimmed(_ value: Double, digits: Int) -> String {
        var text = DecimalText.fixed(value, digits: digits)
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
