import Foundation

/// A day on the wall calendar (year, month, day), independent of any time
/// zone. Encoded as `"2025-03-10"`.
public struct CalendarDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Accepts only a real Gregorian date.
    public init(year: Int, month: Int, day: Int, field: String = "date") throws(ValidationErrors) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard (1...9999).contains(year), (1...12).contains(month), (1...31).contains(day),
            let date = calendar.date(from: components),
            calendar.component(.day, from: date) == day
        else {
            throw ValidationErrors(field, .notARealDate)
        }
        self.init(unchecked: year, month, day)
    }

    /// Parses `YYYY-MM-DD`.
    public init(parsing text: String, field: String = "date") throws(ValidationErrors) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw ValidationErrors(field, .dateFormat(value: text))
        }
        try self.init(year: year, month: month, day: day, field: field)
    }

    /// The day `date` falls on in `timeZone`.
    public init(_ date: Date, in timeZone: TimeZone) {
        let parts = Calendar.mondayFirst(timeZone).dateComponents([.year, .month, .day], from: date)
        self.init(unchecked: parts.year!, parts.month!, parts.day!)
    }

    init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// 1 = Monday … 7 = Sunday.
    public var isoWeekday: Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let weekday = calendar.component(.weekday, from: calendar.date(from: components)!)
        return (weekday + 5) % 7 + 1
    }

    /// The first instant of this day in `timeZone` (not always 00:00: some
    /// zones skip midnight when summer time starts).
    public func start(in timeZone: TimeZone) -> Date {
        let calendar = Calendar.mondayFirst(timeZone)
        return calendar.startOfDay(for: calendar.date(from: components.with(hour: 12))!)
    }

    public func adding(days: Int) -> CalendarDate {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let date = calendar.date(byAdding: .day, value: days, to: calendar.date(from: components)!)!
        return CalendarDate(date, in: calendar.timeZone)
    }

    var components: DateComponents { DateComponents(year: year, month: month, day: day) }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.coded(error.issues.first?.coded ?? .dateFormat(value: text), at: container.codingPath)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension DateComponents {
    fileprivate func with(hour: Int) -> DateComponents {
        var copy = self
        copy.hour = hour
        return copy
    }
}

/// One cell of the calendar: a day and the instants it spans in the
/// workspace time zone. A day is 23 or 25 hours long when summer time
/// starts or ends.
public struct CalendarDay: Sendable, Equatable, Codable {
    public var date: CalendarDate
    public var start: Date
    /// The start of the next day (exclusive).
    public var end: Date
    /// False for the leading and trailing days of the neighbouring months.
    public var inMonth: Bool

    public init(date: CalendarDate, start: Date, end: Date, inMonth: Bool) {
        self.date = date
        self.start = start
        self.end = end
        self.inMonth = inMonth
    }

    public var year: Int { date.year }
    public var month: Int { date.month }
    public var day: Int { date.day }

    public func contains(_ instant: Date) -> Bool {
        start <= instant && instant < end
    }
}

/// Calendar pages, Monday first (the week of the seeds' weekly themes and
/// of ISO 8601).
public enum CalendarGrid {
    /// The seven days of the week containing `date`. `inMonth` is relative
    /// to the month `date` falls in, so a week view can grey out the days of
    /// the neighbouring month.
    public static func week(containing date: Date, timeZone: TimeZone) -> [CalendarDay] {
        let today = CalendarDate(date, in: timeZone)
        let monday = today.adding(days: 1 - today.isoWeekday)
        return days(from: monday, count: 7, month: (today.year, today.month), timeZone: timeZone)
    }

    /// The weeks (rows of seven days, Monday first) covering the month of
    /// `date`: 4 to 6 rows, with the neighbouring months' days flagged.
    public static func month(containing date: Date, timeZone: TimeZone) -> [[CalendarDay]] {
        let today = CalendarDate(date, in: timeZone)
        return grid(year: today.year, month: today.month, timeZone: timeZone)
    }

    /// The same for a month named by number, as a page's query gives it.
    public static func month(year: Int, month: Int, timeZone: TimeZone) throws(ValidationErrors) -> [[CalendarDay]] {
        guard (1...12).contains(month) else { throw ValidationErrors("month", .monthNumber(value: month)) }
        _ = try CalendarDate(year: year, month: month, day: 1, field: "year")
        return grid(year: year, month: month, timeZone: timeZone)
    }

    private static func grid(year: Int, month: Int, timeZone: TimeZone) -> [[CalendarDay]] {
        let first = CalendarDate(unchecked: year, month, 1)
        let firstOfNext = month == 12 ? CalendarDate(unchecked: year + 1, 1, 1) : CalendarDate(unchecked: year, month + 1, 1)
        let last = firstOfNext.adding(days: -1)
        let gridStart = first.adding(days: 1 - first.isoWeekday)
        let gridEnd = last.adding(days: 7 - last.isoWeekday)
        var count = 0
        while gridStart.adding(days: count) <= gridEnd { count += 1 }
        let all = days(from: gridStart, count: count, month: (year, month), timeZone: timeZone)
        return stride(from: 0, to: all.count, by: 7).map { Array(all[$0..<$0 + 7]) }
    }

    private static func days(from first: CalendarDate, count: Int, month: (Int, Int), timeZone: TimeZone) -> [CalendarDay] {
        (0..<count).map { offset in
            let date = first.adding(days: offset)
            return CalendarDay(
                date: date, start: date.start(in: timeZone), end: date.adding(days: 1).start(in: timeZone),
                inMonth: date.year == month.0 && date.month == month.1)
        }
    }
}
