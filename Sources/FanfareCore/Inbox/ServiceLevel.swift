import Foundation

/// Working hours when a workspace counts service time only then. Minutes after local midnight; weekdays as Calendar weekday numbers 1 (Sunday) … 7.
public struct BusinessHours: Codable, Equatable, Sendable {
    public var start: Int
    public var end: Int
    public var weekdays: [Int]

    public init(start: Int, end: Int, weekdays: [Int]) {
        self.start = start
        self.end = end
        self.weekdays = weekdays
    }

    var isUsable: Bool { 0 <= start && start < end && end <= 1_440 && weekdays.contains(where: { (1...7).contains($0) }) }

    /// Calls `body` with each day's open interval, in order, from the day
    /// containing `from` on, until it returns false. Every local time is
    /// built from calendar fields, so a day of 23 or 25 hours still opens
    /// at its own 9:00.
    func forEachWindow(from: Date, calendar: Calendar, _ body: (DateInterval) -> Bool) {
        var day = calendar.startOfDay(for: from)
        // About 1,100 years of days: only a nonsensical policy could need more.
        for _ in 0..<400_000 {
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return }
            if weekdays.contains(calendar.component(.weekday, from: day)), let open = time(start, on: day, next: next, calendar: calendar),
                let close = time(end, on: day, next: next, calendar: calendar), open < close
            {
                guard body(DateInterval(start: open, end: close)) else { return }
            }
            day = next
        }
    }

    private func time(_ minutes: Int, on day: Date, next: Date, calendar: Calendar) -> Date? {
        if minutes >= 1_440 { return next }
        var components = calendar.dateComponents([.era, .year, .month, .day], from: day)
        components.hour = minutes / 60
        components.minute = minutes % 60
        return calendar.date(from: components)
    }
}

/// How fast a workspace promises to answer and resolve (SPEC §5, S4 §3.2).
public struct ServiceLevelPolicy: Codable, Equatable, Sendable {
    /// Default 3 h.
    public var firstResponse: TimeInterval
    /// Default 24 h.
    public var resolution: TimeInterval
    /// Share of a clock after which it warns (0.8).
    public var warningFraction: Double
    public var businessHours: BusinessHours?

    public static let standard = ServiceLevelPolicy(firstResponse: 3 * 3_600, resolution: 24 * 3_600)

    public init(firstResponse: TimeInterval, resolution: TimeInterval, warningFraction: Double = 0.8, businessHours: BusinessHours? = nil) {
        self.firstResponse = firstResponse
        self.resolution = resolution
        self.warningFraction = warningFraction
        self.businessHours = businessHours
    }

    /// The instant when `duration` of service time has passed since `start` (wall time, or business time only when businessHours is set, in `zone`, DST-safe via Calendar).
    public func deadline(from start: Date, after duration: TimeInterval, zone: TimeZone) -> Date {
        guard let hours = businessHours, hours.isUsable, duration > 0 else { return start.addingTimeInterval(max(duration, 0)) }
        var remaining = duration
        var deadline: Date?
        hours.forEachWindow(from: start, calendar: Self.calendar(zone)) { window in
            let begin = max(window.start, start)
            guard begin < window.end else { return true }
            let available = window.end.timeIntervalSince(begin)
            if remaining <= available {
                deadline = begin.addingTimeInterval(remaining)
                return false
            }
            remaining -= available
            return true
        }
        // Only reached past the window search's horizon; wall time is the least surprising answer.
        return deadline ?? start.addingTimeInterval(duration)
    }

    /// Service time between two instants (business time only when set).
    public func serviceTime(from start: Date, to end: Date, zone: TimeZone) -> TimeInterval {
        guard end > start else { return 0 }
        guard let hours = businessHours, hours.isUsable else { return end.timeIntervalSince(start) }
        var total: TimeInterval = 0
        hours.forEachWindow(from: start, calendar: Self.calendar(zone)) { window in
            guard window.start < end else { return false }
            let overlap = min(window.end, end).timeIntervalSince(max(window.start, start))
            if overlap > 0 { total += overlap }
            return true
        }
        return total
    }

    /// first_response between 1 minute and 30 days, resolution ≥ first response, warningFraction in 0.5..<1, business hours start < end within 0...1440 and weekdays non-empty in 1...7.
    public var problems: [FieldIssue] {
        var problems: [FieldIssue] = []
        let allowed: ClosedRange<TimeInterval> = 60...(30 * 86_400)
        if !allowed.contains(firstResponse) { problems.append(FieldIssue(field: "first_response", .serviceTimeRange)) }
        if !allowed.contains(resolution) {
            problems.append(FieldIssue(field: "resolution", .serviceTimeRange))
        } else if resolution < firstResponse {
            problems.append(FieldIssue(field: "resolution", .resolutionBeforeFirstResponse))
        }
        if !(0.5..<1).contains(warningFraction) {
            problems.append(FieldIssue(field: "warning_fraction", .atLeastHalfBelowOne))
        }
        if let hours = businessHours {
            if !(0 <= hours.start && hours.start < hours.end && hours.end <= 1_440) {
                problems.append(FieldIssue(field: "business_hours", .businessHours))
            }
            if hours.weekdays.isEmpty || hours.weekdays.contains(where: { !(1...7).contains($0) }) {
                problems.append(FieldIssue(field: "business_hours.weekdays", .weekdays))
            }
        }
        return problems
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}

/// Where a service clock stands.
public enum ServiceClockState: String, Codable, Sendable { case running, warning, breached, met, missed }

/// One service-level clock: its state, when it is due and when it starts warning.
public struct ServiceClock: Equatable, Sendable {
    public var state: ServiceClockState
    public var due: Date
    public var warnAt: Date

    public init(state: ServiceClockState, due: Date, warnAt: Date) {
        self.state = state
        self.due = due
        self.warnAt = warnAt
    }

    /// A clock that started at `start`, runs for `duration` of service time, and stopped at `stoppedAt` (nil: still running).
    ///
    /// Reaching `due` exactly is already a breach (the alert fires "at
    /// breach"), while stopping exactly at `due` still meets it.
    public static func make(
        start: Date, duration: TimeInterval, stoppedAt: Date?, now: Date, policy: ServiceLevelPolicy, zone: TimeZone
    ) -> ServiceClock {
        let due = policy.deadline(from: start, after: duration, zone: zone)
        let warnAt = policy.deadline(from: start, after: duration * policy.warningFraction, zone: zone)
        let state: ServiceClockState
        if let stoppedAt {
            state = stoppedAt <= due ? .met : .missed
        } else if now >= due {
            state = .breached
        } else if now >= warnAt {
            state = .warning
        } else {
            state = .running
        }
        return ServiceClock(state: state, due: due, warnAt: warnAt)
    }
}

/// The badge a conversation shows: the first-response clock until the first answer, then the resolution clock; done once resolved.
public enum ServiceBadge: String, Codable, Sendable { case ok, warning, breached, done }

/// Both service clocks of a conversation and the badge they give it.
public struct ConversationClocks: Equatable, Sendable {
    public var firstResponse: ServiceClock
    public var resolution: ServiceClock
    public var badge: ServiceBadge

    public init(firstResponse: ServiceClock, resolution: ServiceClock, badge: ServiceBadge) {
        self.firstResponse = firstResponse
        self.resolution = resolution
        self.badge = badge
    }

    public static func make(
        openedAt: Date, firstResponseAt: Date?, resolvedAt: Date?, now: Date, policy: ServiceLevelPolicy, zone: TimeZone
    ) -> ConversationClocks {
        // Resolving a conversation answers it, so a resolution without a
        // recorded reply still stops the first-response clock.
        let first = ServiceClock.make(
            start: openedAt, duration: policy.firstResponse, stoppedAt: firstResponseAt ?? resolvedAt, now: now, policy: policy, zone: zone)
        let resolution = ServiceClock.make(
            start: openedAt, duration: policy.resolution, stoppedAt: resolvedAt, now: now, policy: policy, zone: zone)
        let badge: ServiceBadge
        if resolvedAt != nil {
            badge = .done
        } else {
            switch (firstResponseAt == nil ? first : resolution).state {
            case .running, .met: badge = .ok
            case .warning: badge = .warning
            case .breached, .missed: badge = .breached
            }
        }
        return ConversationClocks(firstResponse: first, resolution: resolution, badge: badge)
    }
}
