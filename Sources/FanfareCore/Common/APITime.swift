import Foundation

/// Times as the API reads and writes them: RFC 3339 (`2026-11-23T08:00:00Z`,
/// or with an offset, optionally with fractions of a second), years 1 to
/// 9999 in UTC.
///
/// Why the range: RFC 3339 writes a year in exactly four digits, so an
/// instant outside it cannot be written back (a year-99999 time came back
/// as `99999-01-01T00:00:00Z`, which no RFC 3339 reader accepts), and
/// year 0 and earlier mean different things to different calendars. The
/// check is on the instant in UTC, since that is how it is written back:
/// `9999-12-31T23:00:00-05:00` is in year 10000 there.
public enum APITime {
    // What to tell someone who sent something else is the coded message
    // `.typeTime`.

    /// 0001-01-01T00:00:00Z, the first instant accepted.
    public static let earliest: Date = utc.date(from: DateComponents(year: 1, month: 1, day: 1))!
    /// 10000-01-01T00:00:00Z, the first instant refused.
    public static let end: Date = utc.date(from: DateComponents(year: 10_000, month: 1, day: 1))!

    private static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Whether `date` can be written as RFC 3339 (its UTC year is 1–9999).
    public static func isWritable(_ date: Date) -> Bool { date >= earliest && date < end }

    /// The instant `text` names, or nil when it is not RFC 3339 or its year
    /// is out of range. `T` or a space between date and time; `Z` or an
    /// offset of at most 23:59.
    public static func parse(_ text: String) -> Date? {
        let scalars = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[from..<(from + count)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        func byte(_ at: Int) -> UInt8? { at < scalars.count ? scalars[at] : nil }
        guard scalars.count >= 20, let year = number(0, 4), byte(4) == UInt8(ascii: "-"), let month = number(5, 2),
            byte(7) == UInt8(ascii: "-"), let day = number(8, 2), [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(byte(10)),
            let hour = number(11, 2), byte(13) == UInt8(ascii: ":"), let minute = number(14, 2), byte(16) == UInt8(ascii: ":"),
            let second = number(17, 2)
        else { return nil }
        var index = 19
        var nanoseconds = 0
        if byte(index) == UInt8(ascii: ".") {
            index += 1
            var digits = 0
            while let next = byte(index), (48...57).contains(next) {
                if digits < 9 { nanoseconds = nanoseconds * 10 + Int(next - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }
        var offset = 0
        switch byte(index) {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let hours = number(index + 1, 2), byte(index + 3) == UInt8(ascii: ":"), let minutes = number(index + 4, 2), hours < 24,
                minutes < 60
            else { return nil }
            offset = (hours * 60 + minutes) * 60 * (byte(index) == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == scalars.count, (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second < 60
        else { return nil }
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let local = utc.date(from: components), utc.component(.day, from: local) == day else { return nil }
        let date = local.addingTimeInterval(TimeInterval(-offset) + TimeInterval(nanoseconds) / 1e9)
        return isWritable(date) ? date : nil
    }
}
