import Foundation

/// Extra points paid on the day a check-in streak reaches `days`.
public struct StreakMilestone: Sendable, Codable, Equatable {
    public var days: Int
    public var bonus: Int

    public init(days: Int, bonus: Int) {
        self.days = days
        self.bonus = bonus
    }
}

/// The streak bonuses of a workspace. A milestone is paid once per streak,
/// on the day the streak reaches it exactly; a streak that breaks and is
/// built up again earns it again.
public struct CheckInPolicy: Sendable, Codable, Equatable {
    public var milestones: [StreakMilestone]

    public init(milestones: [StreakMilestone]) {
        self.milestones = milestones
    }

    public static let standard = CheckInPolicy(milestones: [
        StreakMilestone(days: 3, bonus: 5),
        StreakMilestone(days: 7, bonus: 20),
        StreakMilestone(days: 30, bonus: 100),
    ])

    /// The bonus for a streak that has just reached `streak` days.
    public func bonus(forStreak streak: Int) -> Int {
        milestones.filter { $0.days == streak }.reduce(0) { $0 + $1.bonus }
    }

    /// Problems as (field, English message): days from 2 to 365 (a 1-day
    /// "streak" is every check-in), bonus from 1 to 10000, one milestone per
    /// day count.
    public func problems() -> [FieldIssue] {
        var problems: [FieldIssue] = []
        var seen: Set<Int> = []
        for (index, milestone) in milestones.enumerated() {
            let field = "milestones[\(index)]"
            if !(2...365).contains(milestone.days) {
                problems.append(FieldIssue(field: "\(field).days", .daysBetween(min: 2, max: 365)))
            } else if !seen.insert(milestone.days).inserted {
                problems.append(FieldIssue(field: "\(field).days", .milestoneRepeated(days: milestone.days)))
            }
            if !PointsPolicy.pointsRange.contains(milestone.bonus) {
                problems.append(FieldIssue(field: "\(field).bonus", .pointsBetween(min: 1, max: 10_000)))
            }
        }
        return problems
    }
}

/// Check-in streaks counted in local days of a time zone (the workspace's,
/// Asia/Shanghai for most): one check-in per local day; checking in on the
/// day after the last one continues the streak; missing a day starts again
/// at 1.
public enum CheckInStreak {
    public enum Result: Sendable, Equatable {
        /// Checked in: the streak now stands at `streak`; `bonus` is the
        /// milestone bonus earned today (0 if none); `day` is the local day
        /// as yyyy-MM-dd, the natural source key ("check_in:<fan>:<day>").
        case checkedIn(streak: Int, bonus: Int, day: String)
        /// Refused: the fan already checked in on this local day.
        case alreadyCheckedInToday(day: String, message: CodedMessage)
    }

    public static func next(
        after lastCheckIn: Date?, streak: Int, now: Date, zone: TimeZone, policy: CheckInPolicy = .standard
    ) -> Result {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        let day = dayString(now, calendar: calendar)
        guard let lastCheckIn else {
            return .checkedIn(streak: 1, bonus: policy.bonus(forStreak: 1), day: day)
        }
        let lastDay = calendar.startOfDay(for: lastCheckIn)
        let gap = calendar.dateComponents([.day], from: lastDay, to: today).day ?? 0
        if gap <= 0 {
            // Also a last check-in dated later than now (a clock running
            // ahead): never a second check-in for a day already counted.
            return .alreadyCheckedInToday(day: day, message: .alreadyCheckedIn(day: day, zone: zone.identifier))
        }
        let newStreak = gap == 1 ? max(0, streak) + 1 : 1
        return .checkedIn(streak: newStreak, bonus: policy.bonus(forStreak: newStreak), day: day)
    }

    /// The local day of `date` in `zone` as yyyy-MM-dd.
    public static func dayString(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return dayString(date, calendar: calendar)
    }

    static func dayString(_ date: Date, calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let year = parts.year ?? 0
        let month = parts.month ?? 0
        let day = parts.day ?? 0
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }
}
