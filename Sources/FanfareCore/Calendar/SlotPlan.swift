import Foundation

/// How many posts an account takes a day, and the share of them kept free
/// for hot topics (S0 §4.2: 预留30%的内容用于突发热点).
///
/// A plan is per account: a Weibo account may carry five posts a day and a
/// WeChat Official Account one, so a workspace-wide number would mean
/// nothing for either. The server keeps a workspace default and lets an
/// account override it.
public struct SlotPlan: Sendable, Equatable, Codable {
    public var slotsPerDay: Int
    public var reservedShare: Double

    public init(validating slotsPerDay: Int, reservedShare: Double = 0.30) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if !(1...48).contains(slotsPerDay) {
            errors.add("slots_per_day", .slotsPerDay(value: slotsPerDay))
        }
        if !(reservedShare >= 0 && reservedShare < 1) {
            errors.add("reserved_share", .reservedShare)
        }
        try errors.throwIfAny()
        self.slotsPerDay = slotsPerDay
        self.reservedShare = reservedShare
    }

    /// Regular posts an account may book on one day before it eats into the
    /// hot-topic reserve: (1 − reserved share) × slots, rounded down. With
    /// few slots this is strict on purpose: 3 slots leave 2 regular ones.
    public var regularSlots: Int {
        Int((Double(slotsPerDay) * (1 - reservedShare) + 1e-9).rounded(.down))
    }

    /// Warnings for each account-day whose bookings use the reserve
    /// (`slots.reserve_used`: regular posts beyond `regularSlots`) or exceed
    /// the day (`slots.over_capacity`: all posts beyond `slotsPerDay`; hot
    /// topics may use the reserve, not more). Days within the plan yield
    /// nothing.
    public func usage(_ bookings: [SlotBooking]) -> [SlotWarning] {
        var found: [SlotWarning] = []
        for booking in bookings.sorted(by: { ($0.day, $0.accountID) < ($1.day, $1.accountID) }) {
            let total = booking.regular + booking.hotTopics
            if total > slotsPerDay {
                found.append(
                    SlotWarning(
                        code: "slots.over_capacity", accountID: booking.accountID, day: booking.day, booked: total, limit: slotsPerDay,
                        .slotsOverCapacity(day: booking.day.description, count: total, max: slotsPerDay)))
            } else if booking.regular > regularSlots {
                let reserved = slotsPerDay - regularSlots
                found.append(
                    SlotWarning(
                        code: "slots.reserve_used", accountID: booking.accountID, day: booking.day, booked: booking.regular,
                        limit: regularSlots,
                        .slotsReserveUsed(
                            day: booking.day.description, count: booking.regular, reserved: reserved, slots: slotsPerDay, max: regularSlots)
                    ))
            }
        }
        return found
    }
}

/// What one account has booked on one day.
public struct SlotBooking: Sendable, Equatable, Codable {
    public var accountID: String
    public var day: CalendarDate
    public var regular: Int
    /// Posts on the hot-topic fast track, which may use the reserve.
    public var hotTopics: Int

    public init(accountID: String, day: CalendarDate, regular: Int, hotTopics: Int = 0) {
        self.accountID = accountID
        self.day = day
        self.regular = regular
        self.hotTopics = hotTopics
    }

    private enum CodingKeys: String, CodingKey {
        case day, regular, hotTopics
        case accountID = "accountId"
    }
}

/// An account-day that breaks its slot plan.
public struct SlotWarning: Sendable, Equatable, Codable {
    /// `slots.reserve_used` or `slots.over_capacity`.
    public var code: String
    public var accountID: String
    public var day: CalendarDate
    public var booked: Int
    public var limit: Int
    public var coded: CodedMessage
    /// The warning in English.
    public var message: String { coded.english }

    public init(code: String, accountID: String, day: CalendarDate, booked: Int, limit: Int, _ coded: CodedMessage) {
        self.code = code
        self.accountID = accountID
        self.day = day
        self.booked = booked
        self.limit = limit
        self.coded = coded
    }

    private enum CodingKeys: String, CodingKey {
        case code, day, booked, limit, message, messageCode, messageArguments
        case accountID = "accountId"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        accountID = try container.decode(String.self, forKey: .accountID)
        day = try container.decode(CalendarDate.self, forKey: .day)
        booked = try container.decode(Int.self, forKey: .booked)
        limit = try container.decode(Int.self, forKey: .limit)
        coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(accountID, forKey: .accountID)
        try container.encode(day, forKey: .day)
        try container.encode(booked, forKey: .booked)
        try container.encode(limit, forKey: .limit)
        try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
    }
}

/// The theme of a calendar week (S0 §4.2: 周主题规划).
public struct WeeklyTheme: Sendable, Equatable, Codable {
    /// The Monday the week starts on.
    public var weekStart: CalendarDate
    public var theme: String

    public static let maximumLength = 60

    /// Accepts a Monday and a theme of 1 to 60 characters on one line; the
    /// theme is trimmed.
    public init(validating weekStart: CalendarDate, theme: String) throws(ValidationErrors) {
        var errors = ValidationErrors()
        if weekStart.isoWeekday != 1 {
            let monday = weekStart.adding(days: 1 - weekStart.isoWeekday)
            errors.add("week_start", .notAMonday(date: weekStart.description, monday: monday.description))
        }
        let trimmed = theme.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            errors.add("theme", .themeEmpty(max: Self.maximumLength))
        } else if trimmed.count > Self.maximumLength {
            errors.add("theme", .lengthIsAtMost(count: trimmed.count, max: Self.maximumLength))
        } else if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            errors.add("theme", .singleLine)
        }
        try errors.throwIfAny()
        self.weekStart = weekStart
        self.theme = trimmed
    }

    /// The same, for a week start typed as `YYYY-MM-DD`.
    public init(validating weekStart: String, theme: String) throws(ValidationErrors) {
        var errors = ValidationErrors()
        let date = errors.collect { () throws(ValidationErrors) in try CalendarDate(parsing: weekStart, field: "week_start") }
        if let date {
            try self.init(validating: date, theme: theme)
            return
        }
        _ = errors.collect { () throws(ValidationErrors) in try WeeklyTheme(validating: CalendarDate(unchecked: 2024, 1, 1), theme: theme) }
        throw errors
    }

    /// The Monday of the week `date` falls in, in the workspace time zone:
    /// a Sunday-evening post in Shanghai belongs to a different week than
    /// the same instant in New York.
    public static func weekStart(containing date: Date, timeZone: TimeZone) -> CalendarDate {
        let day = CalendarDate(date, in: timeZone)
        return day.adding(days: 1 - day.isoWeekday)
    }
}
