import Foundation

/// The per-fan counter of "interactions in the last 30 days" (SPEC §2 activity tier), kept as
/// 30 daily buckets so the server can update it on every interaction and read the tier at once.
///
/// Days are local days in the workspace time zone, numbered from 1970-01-01. The window as of a
/// day D is D and the 29 days before it. The buckets cover the 30 days ending on the newest day
/// recorded: a newer interaction moves the window (clearing at most 30 buckets, so recording is
/// O(1)); a late one inside the window is added to its day; one older than the window is ignored
/// (`record` returns false), it could not count any more.
///
/// `count(asOf:)` is exact — equal to counting the stored interactions whose local day is in the
/// window — whenever `asOf` is on or after the newest recorded day, which is how the server reads
/// it ("now"). The nightly recomputation counts interactions at or after `windowStart(asOf:zone:)`
/// and compares.
///
/// JSON form: a compact string, "20154:5,0,2" = newest day 20154 (2025-03-07) had 5 interactions,
/// the day before none, the day before that 2; trailing zero days left out; "" when empty.
public struct RollingActivity: Equatable, Sendable {
    public static let days = 30

    /// counts[day mod 30]; only days in newestDay-29 ... newestDay are meaningful.
    private var buckets: [Int32]
    /// Local day of the newest interaction recorded; nil when none was.
    public private(set) var newestDay: Int?

    public init() {
        buckets = Array(repeating: 0, count: Self.days)
        newestDay = nil
    }

    /// The local day of an instant: days since 1970-01-01 in `zone`.
    /// Clamped to ±10 million days so that no date, however absurd, can overflow the arithmetic.
    public static func day(of date: Date, in zone: TimeZone) -> Int {
        let local = date.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: date))
        let day = (local / 86_400).rounded(.down)
        guard day.isFinite else { return 0 }
        return Int(min(max(day, -Double(dayLimit)), Double(dayLimit)))
    }

    static let dayLimit = 10_000_000

    /// The first instant counted in the window as of `asOf`: local midnight 29 days before asOf's day.
    public static func windowStart(asOf date: Date, zone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: date)
        let back = calendar.date(byAdding: .day, value: -(days - 1), to: today) ?? today.addingTimeInterval(-Double(days - 1) * 86_400)
        return calendar.startOfDay(for: back)
    }

    /// Counts one interaction. False when it is older than the window and was ignored.
    @discardableResult
    public mutating func record(at date: Date, zone: TimeZone) -> Bool {
        record(day: Self.day(of: date, in: zone))
    }

    @discardableResult
    public mutating func record(day rawDay: Int) -> Bool {
        let day = Self.clamped(rawDay)
        if let newest = newestDay {
            if day > newest {
                advance(from: newest, to: day)
            } else if day <= newest - Self.days {
                return false
            }
        } else {
            newestDay = day
        }
        let slot = Self.slot(day)
        // Saturates rather than trapping: two billion interactions a day is not a fan.
        if buckets[slot] < Int32.max { buckets[slot] += 1 }
        return true
    }

    private mutating func advance(from newest: Int, to day: Int) {
        if day - newest >= Self.days {
            for index in buckets.indices { buckets[index] = 0 }
        } else {
            for cleared in (newest + 1)...day { buckets[Self.slot(cleared)] = 0 }
        }
        newestDay = day
    }

    /// Interactions in the 30 local days ending on asOf's day.
    public func count(asOf date: Date, zone: TimeZone) -> Int { count(asOfDay: Self.day(of: date, in: zone)) }

    public func count(asOfDay rawToday: Int) -> Int {
        guard let newest = newestDay else { return 0 }
        let today = Self.clamped(rawToday)
        let low = max(today, newest) - (Self.days - 1)
        let high = min(today, newest)
        guard low <= high else { return 0 }
        return (low...high).reduce(0) { $0 + Int(buckets[Self.slot($1)]) }
    }

    /// Interactions on one local day; 0 for a day outside the buckets.
    public func count(onDay day: Int) -> Int {
        guard let newest = newestDay, day <= newest, day > newest - Self.days else { return 0 }
        return Int(buckets[Self.slot(day)])
    }

    /// Of the last `weeks` rolling weeks (7 local days each, the first ending on today), how many
    /// had an interaction; `weeks` is capped at 4, the whole weeks the buckets hold.
    public func activeWeeks(asOfDay rawToday: Int, weeks: Int) -> Int {
        let today = Self.clamped(rawToday)
        return (0..<max(0, min(weeks, Self.days / 7))).filter { week in
            (0..<7).contains { offset in count(onDay: today - week * 7 - offset) > 0 }
        }.count
    }

    /// Days since the newest interaction (0 = today); nil when none was recorded.
    public func daysSinceLastInteraction(asOfDay today: Int) -> Int? {
        newestDay.map { max(0, Self.clamped(today) - $0) }
    }

    private static func clamped(_ day: Int) -> Int { min(max(day, -dayLimit), dayLimit) }

    private static func slot(_ day: Int) -> Int {
        let remainder = day % days
        return remainder < 0 ? remainder + days : remainder
    }
}

extension RollingActivity: Codable {
    /// "newest:count,count,…", newest day first, trailing zero days left out; "" when empty.
    public var compact: String {
        guard let newest = newestDay else { return "" }
        var counts = (0..<Self.days).map { count(onDay: newest - $0) }
        while counts.count > 1, counts.last == 0 { counts.removeLast() }
        return "\(newest):" + counts.map(String.init).joined(separator: ",")
    }

    /// Reads the compact form; a malformed string names the form it expects.
    public init(compact text: String) throws(ValidationErrors) {
        self.init()
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return }
        let expected = CodedMessage.activityCounter(days: Self.days)
        let halves = trimmed.split(separator: ":", omittingEmptySubsequences: false)
        guard halves.count == 2, let newest = Int(halves[0]), abs(newest) <= Self.dayLimit else { throw ValidationErrors("activity", expected) }
        let counts = halves[1].split(separator: ",", omittingEmptySubsequences: false).map { Int32($0) }
        guard (1...Self.days).contains(counts.count) else { throw ValidationErrors("activity", expected) }
        newestDay = newest
        for (offset, count) in counts.enumerated() {
            guard let count, count >= 0 else { throw ValidationErrors("activity", .activityCounterCounts(days: Self.days)) }
            buckets[Self.slot(newest - offset)] = count
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(compact: text)
        } catch {
            throw DecodingError.coded(error.issues.first?.coded ?? .activityCounter(days: Self.days), at: container.codingPath)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(compact)
    }
}

extension LifecycleFacts {
    /// The activity part from the counter as of a day, the purchase part from the caller.
    public init(
        activity: RollingActivity, asOfDay today: Int, rule: LifecycleRule = .standard, spend: Decimal = 0, purchases: Int = 0,
        redemptions: Int = 0
    ) {
        self.init(
            interactions30d: activity.count(asOfDay: today), activeWeeks: activity.activeWeeks(asOfDay: today, weeks: rule.windowWeeks),
            spend: spend, purchases: purchases, redemptions: redemptions)
    }
}
