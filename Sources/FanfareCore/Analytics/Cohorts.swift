import Foundation

/// Local calendar days as whole numbers (days since 1970-01-01), which SQL
/// can compute from an instant and a zone's offsets, and back.
public enum LocalDays {
    /// 1970-01-01 = 0.
    public static func number(_ day: String) -> Int? {
        MetricDay.parse(day).map { Int(($0.timeIntervalSince1970 / 86_400).rounded(.down)) }
    }

    public static func day(_ number: Int) -> String {
        MetricDay.of(Date(timeIntervalSince1970: Double(number) * 86_400), in: TimeZone(identifier: "UTC")!)
    }

    /// The Monday of the week of day `number` (1970-01-01 was a Thursday).
    public static func monday(_ number: Int) -> Int { number - ((number % 7 + 7 + 3) % 7) }

    /// The instant local day `day` starts in `zone`.
    public static func start(of day: String, in zone: TimeZone) -> Date? {
        guard let utc = MetricDay.parse(day) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: utc)
        return calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day))
    }

    /// The zone's offsets from UTC (seconds) between `from` and `to`: the
    /// first applies before `until` of the next, the last to the end. A
    /// zone without daylight saving has one. SQL turns an instant into a
    /// local day number with them: (seconds + offset) ÷ 86,400.
    public static func offsets(_ zone: TimeZone, from: Date, to: Date) -> [(since: Date?, offset: Int)] {
        var result: [(since: Date?, offset: Int)] = [(nil, zone.secondsFromGMT(for: from))]
        var cursor = from
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < to, result.count < 64 {
            result.append((next, zone.secondsFromGMT(for: next)))
            cursor = next
        }
        return result
    }
}

/// Retention cohorts: fans grouped by the week (Monday to Sunday, local)
/// of their first recorded interaction or event, and the share of each
/// cohort active again exactly 1, 7 and 30 days after their first day.
public enum Cohorts {
    /// The days after the first day that are measured.
    public static let offsets = [1, 7, 30]

    /// A week's cohort as counted by the database.
    public struct Counted: Sendable, Equatable {
        /// The week's Monday, as a local day number.
        public var monday: Int
        public var size: Int
        /// Fans active again on day 1, 7, 30 (in `offsets` order).
        public var active: [Int]

        public init(monday: Int, size: Int, active: [Int]) {
            self.monday = monday
            self.size = size
            self.active = active
        }
    }

    public struct Cell: Sendable, Equatable, Codable {
        public var active: Int
        public var share: Double

        public init(active: Int, share: Double) {
            self.active = active
            self.share = share
        }
    }

    public struct Row: Sendable, Equatable {
        /// The week's Monday, `YYYY-MM-DD`.
        public var week: String
        public var size: Int
        /// Day 1, 7, 30; nil while a member's day has not come yet (the
        /// week's Sunday + N is after `asOf`) or the cohort is empty.
        public var cells: [Cell?]
    }

    /// The rows for the weeks from `from`'s week to `to`'s, oldest first,
    /// empty weeks included (size 0), a cell only where every member's day
    /// N is on or before `asOf` (a local day number: the period's end or
    /// yesterday, whichever is earlier).
    public static func rows(_ counted: [Counted], fromDay: Int, toDay: Int, asOf: Int) -> [Row] {
        let byWeek = Dictionary(counted.map { ($0.monday, $0) }, uniquingKeysWith: { a, _ in a })
        var rows: [Row] = []
        var monday = LocalDays.monday(fromDay)
        while monday <= toDay {
            let found = byWeek[monday]
            let size = found?.size ?? 0
            let cells = offsets.enumerated().map { index, days -> Cell? in
                guard size > 0, monday + 6 + days <= asOf else { return nil }
                let active = found?.active[index] ?? 0
                return Cell(active: active, share: Double(active) / Double(size))
            }
            rows.append(Row(week: LocalDays.day(monday), size: size, cells: cells))
            monday += 7
        }
        return rows
    }
}

/// Community DAU / WAU / MAU from the database's deltas: each fan's active
/// days become intervals "active within the trailing W days" that do not
/// overlap (see docs/analytics.md), +1 where one starts and −1 the day
/// after it ends; a running sum gives the distinct fans per day.
public enum ActiveFans {
    public static let windows = [1, 7, 30]

    public struct Day: Sendable, Equatable {
        public var day: String
        public var dau: Int
        public var wau: Int
        public var mau: Int
        /// DAU ÷ MAU; nil when MAU is 0.
        public var stickiness: Double? { mau > 0 ? Double(dau) / Double(mau) : nil }
    }

    /// `deltas`: local day number → change of each window's count (in
    /// `windows` order), starting early enough that every interval open
    /// on `fromDay` began in it.
    public static func days(_ deltas: [Int: [Int]], fromDay: Int, toDay: Int) -> [Day] {
        var running = [0, 0, 0]
        var result: [Day] = []
        guard fromDay <= toDay else { return [] }
        for key in deltas.keys.sorted() where key < fromDay {
            for index in 0..<3 { running[index] += deltas[key]![index] }
        }
        for number in fromDay...toDay {
            if let change = deltas[number] { for index in 0..<3 { running[index] += change[index] } }
            result.append(Day(day: LocalDays.day(number), dau: running[0], wau: running[1], mau: running[2]))
        }
        return result
    }

    /// A point of a coarser granularity: the mean DAU of its days, WAU and
    /// MAU on its last day (a week's WAU is the distinct fans of that
    /// Monday-to-Sunday week), stickiness = mean DAU ÷ mean MAU.
    public struct Point: Sendable, Equatable {
        public var period: String
        public var dau: Double
        public var wau: Int
        public var mau: Int
        public var stickiness: Double?
    }

    public static func points(_ days: [Day], granularity: Granularity) -> [Point] {
        var groups: [(period: String, days: [Day])] = []
        for day in days {
            let period = granularity.period(of: day.day)
            if groups.last?.period == period { groups[groups.count - 1].days.append(day) } else { groups.append((period, [day])) }
        }
        return groups.map { group in
            let dau = Double(group.days.map(\.dau).reduce(0, +)) / Double(group.days.count)
            let mau = Double(group.days.map(\.mau).reduce(0, +)) / Double(group.days.count)
            return Point(
                period: group.period, dau: dau, wau: group.days.last!.wau, mau: group.days.last!.mau, stickiness: mau > 0 ? dau / mau : nil)
        }
    }

    /// The period's stickiness: mean DAU ÷ mean MAU; nil when no fan was active.
    public static func stickiness(_ days: [Day]) -> Double? {
        let mau = days.map(\.mau).reduce(0, +)
        return mau > 0 ? Double(days.map(\.dau).reduce(0, +)) / Double(mau) : nil
    }
}
