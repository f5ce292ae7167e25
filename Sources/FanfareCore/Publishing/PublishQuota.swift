import Foundation

/// Whether one more send fits a platform's quota, and if not, why and when
/// the next one would.
public enum QuotaDecision: Sendable, Equatable {
    case allowed
    /// `reason` says why, for a person; `nextAllowed` is the start of the
    /// next period, where the scheduler can propose to move the send.
    case refused(reason: CodedMessage, nextAllowed: Date)
}

/// A limit on how many sends an account may make per calendar period, as
/// the platform counts it (in its own time zone, not the server's).
public struct PublishQuota: Sendable, Equatable {
    public enum Period: String, Sendable, Codable {
        case day
        case month
    }

    public var limit: Int
    public var period: Period
    public var timeZone: TimeZone
    /// The rule in words, the start of the refusal ("WeChat subscription
    /// accounts can mass-send once a day").
    public var rule: CodedMessage
    /// How the time zone is named to a person ("China time").
    public var zoneName: CodedMessage

    public init(limit: Int, period: Period, timeZone: TimeZone, rule: CodedMessage, zoneName: CodedMessage) {
        self.limit = limit
        self.period = period
        self.timeZone = timeZone
        self.rule = rule
        self.zoneName = zoneName
    }

    /// WeChat Official Account account types, as the person picks them.
    public enum WeChatAccountType: String, Sendable, Codable, CaseIterable {
        case subscription
        case service
    }

    /// Beijing time. China has kept UTC+8 without daylight saving since
    /// 1991, so the fixed offset stands in if the zone database is missing.
    public static let chinaTime = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3_600)!

    /// WeChat's mass-send (群发) quota: a subscription account once a day, a
    /// service account four times a calendar month, both reset at midnight
    /// Beijing time.
    public static func wechat(accountType: WeChatAccountType) -> PublishQuota {
        switch accountType {
        case .subscription:
            PublishQuota(limit: 1, period: .day, timeZone: chinaTime, rule: .quotaRuleWechatSubscription, zoneName: .zoneChina)
        case .service:
            PublishQuota(limit: 4, period: .month, timeZone: chinaTime, rule: .quotaRuleWechatService, zoneName: .zoneChina)
        }
    }

    /// Whether a send at `proposed` fits, given the account's other sends
    /// (done or scheduled, in any order) at `existing`.
    public func check(existing: [Date], proposed: Date) -> QuotaDecision {
        let calendar = self.calendar
        let period = interval(containing: proposed, calendar)
        let same = existing.filter { period.contains($0) }.sorted()
        guard same.count >= limit else { return .allowed }
        let reason: CodedMessage
        switch self.period {
        case .day:
            reason = .quotaDayTaken(rule: rule, day: day(same[0], calendar), zone: zoneName)
        case .month:
            reason = .quotaMonthTaken(
                rule: rule, count: same.count, month: month(proposed, calendar), zone: zoneName, days: same.map { day($0, calendar) })
        }
        return .refused(reason: reason, nextAllowed: period.end)
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    func interval(containing date: Date, _ calendar: Calendar) -> DateInterval {
        let component: Calendar.Component = period == .day ? .day : .month
        // Always defined for the Gregorian calendar and these components.
        return calendar.dateInterval(of: component, for: date)!
    }

    private func day(_ date: Date, _ calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    private func month(_ date: Date, _ calendar: Calendar) -> String {
        let parts = calendar.dateComponents([.year, .month], from: date)
        return String(format: "%04d-%02d", parts.year!, parts.month!)
    }
}

/// A platform whose accounts have a send quota. The scheduler asks the
/// connector kind (`kind as? any PublishQuotaProviding`) with the account's
/// stored settings; nil means no quota for that account.
public protocol PublishQuotaProviding: Sendable {
    func publishQuota(settings: [String: String]) -> PublishQuota?
}
