import Foundation

/// Which notices reach one outbound channel (issue 20, scope 3): kept as
/// fields of the channel, so a person sets a channel up in one form.
public struct NotifyRoute: Sendable, Equatable, Codable {
    /// The kinds of notice the channel takes (`alert`, `incident`,
    /// `service_level_breach`, `publish_failed`, `anomaly`).
    public var kinds: Set<String>
    /// Alerts and incidents below this grade stay off the channel; nil:
    /// every grade. Notices without a grade are not held back by it.
    public var minimumGrade: AlertGrade?
    /// Only alerts and incidents of these monitors; empty: all monitors.
    /// A notice that comes from no monitor (a failed publish) passes.
    public var monitorIDs: Set<UUID>

    public init(kinds: Set<String>, minimumGrade: AlertGrade? = nil, monitorIDs: Set<UUID> = []) {
        self.kinds = kinds
        self.minimumGrade = minimumGrade
        self.monitorIDs = monitorIDs
    }

    public func matches(kind: String, grade: AlertGrade?, monitorID: UUID?) -> Bool {
        guard kinds.contains(kind) else { return false }
        if let minimumGrade, let grade, grade < minimumGrade { return false }
        if !monitorIDs.isEmpty, let monitorID, !monitorIDs.contains(monitorID) { return false }
        return true
    }
}

/// When a delivery that failed for a passing reason is tried again: 30 s,
/// 2 min, 10 min, 1 h after the first four failures; after the fifth
/// attempt it is given up. A refusal (4xx, a robot's error code other than
/// "too fast") is given up at once: sending the same again gets the same.
public enum NotifyRetry {
    public static let delays: [TimeInterval] = [30, 120, 600, 3_600]
    public static var maxAttempts: Int { delays.count + 1 }

    /// The wait before the next attempt after `attempts` attempts failed;
    /// nil when there is none left. A platform's own `retryAfter` (a robot
    /// that says "too fast") is waited for when it is longer.
    public static func delay(afterAttempts attempts: Int, retryAfter: TimeInterval? = nil) -> TimeInterval? {
        guard attempts >= 1, attempts <= delays.count else { return nil }
        return max(delays[attempts - 1], retryAfter ?? 0)
    }
}
