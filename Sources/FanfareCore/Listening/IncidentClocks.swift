import Foundation

/// An incident's service-level clocks (S2 §3.4: found within 30 minutes,
/// first answer within 2 hours, resolved within 24; S0 §6.4: escalated
/// after 48 hours unresolved).
public enum IncidentClock: String, Sendable, Codable, CaseIterable {
    /// From the story's first mention to the incident (or its alert).
    case detection
    /// From detection to the first public answer (a holding statement or reply).
    case firstResponse = "first_response"
    /// From detection to resolved.
    case resolution
    /// Unresolved this long after detection: escalated to management.
    case escalation
}

public struct IncidentClockPolicy: Sendable, Equatable, Codable {
    public var detection: TimeInterval = 30 * 60
    public var firstResponse: TimeInterval = 2 * 3600
    public var resolution: TimeInterval = 24 * 3600
    public var escalation: TimeInterval = 48 * 3600

    public init() {}

    public func span(_ clock: IncidentClock) -> TimeInterval {
        switch clock {
        case .detection: detection
        case .firstResponse: firstResponse
        case .resolution: resolution
        case .escalation: escalation
        }
    }

    /// How long before a clock's due time its reminder goes out: a quarter
    /// of the span, at most four hours (30 min before a first answer is due,
    /// 4 h before resolution and escalation). Detection has none: when it
    /// can be measured, it has already ended.
    public func reminderLead(_ clock: IncidentClock) -> TimeInterval? {
        clock == .detection ? nil : min(span(clock) / 4, 4 * 3600)
    }

    /// How often the incident's status is written up, by grade: every
    /// hour on red, two on orange, four on yellow, eight on blue.
    public static func statusCadence(_ grade: AlertGrade) -> TimeInterval {
        switch grade {
        case .red: 3600
        case .orange: 2 * 3600
        case .yellow: 4 * 3600
        case .blue: 8 * 3600
        }
    }
}

/// The instants an incident's clocks read.
public struct IncidentTimes: Sendable, Equatable {
    /// The story's first mention (nil for an incident opened by hand with none attached).
    public var firstMention: Date?
    /// When the team knew: the alert's time, or the incident's opening.
    public var detected: Date
    public var firstResponse: Date?
    public var resolved: Date?

    public init(firstMention: Date?, detected: Date, firstResponse: Date? = nil, resolved: Date? = nil) {
        self.firstMention = firstMention
        self.detected = detected
        self.firstResponse = firstResponse
        self.resolved = resolved
    }
}

public struct IncidentClockReading: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Still running, due in the future.
        case running
        /// Stopped in time.
        case met
        /// Stopped late, or still running past its due time.
        case missed
        /// Escalation only: the incident was resolved before it came due.
        case notNeeded = "not_needed"
        /// Escalation only: came due unresolved.
        case escalated
    }

    public var clock: IncidentClock
    public var started: Date
    public var due: Date
    /// When it stopped (nil while running).
    public var stopped: Date?
    public var state: State
    /// Seconds left (negative: overdue), or taken when stopped.
    public var seconds: TimeInterval
}

public enum IncidentClocks {
    public static func read(_ times: IncidentTimes, policy: IncidentClockPolicy = IncidentClockPolicy(), now: Date) -> [IncidentClockReading] {
        IncidentClock.allCases.map { clock in
            let started = clock == .detection ? (times.firstMention.map { min($0, times.detected) } ?? times.detected) : times.detected
            let due = started.addingTimeInterval(policy.span(clock))
            let stopped: Date? =
                switch clock {
                case .detection: times.detected
                case .firstResponse: times.firstResponse
                case .resolution: times.resolved
                case .escalation: times.resolved.flatMap { $0 < due ? $0 : nil }
                }
            let state: IncidentClockReading.State
            if clock == .escalation {
                state = stopped != nil ? .notNeeded : (now >= due ? .escalated : .running)
            } else if let stopped {
                state = stopped <= due ? .met : .missed
            } else {
                state = now > due ? .missed : .running
            }
            let seconds = stopped.map { $0.timeIntervalSince(started) } ?? due.timeIntervalSince(now)
            return IncidentClockReading(clock: clock, started: started, due: due, stopped: stopped, state: state, seconds: seconds)
        }
    }

    /// Reminders owed at `now`: each running clock whose reminder time
    /// (due − lead) has passed and that is not yet due, plus each clock
    /// that has just come due (escalation's is the escalation itself).
    /// `sent` holds the keys already sent (`first_response.before`,
    /// `resolution.due`, …) so that each goes out once.
    public static func reminders(
        _ times: IncidentTimes, policy: IncidentClockPolicy = IncidentClockPolicy(), now: Date, sent: Set<String>
    ) -> [(clock: IncidentClock, key: String, overdue: Bool)] {
        var owed: [(clock: IncidentClock, key: String, overdue: Bool)] = []
        for reading in read(times, policy: policy, now: now) where reading.clock != .detection {
            guard reading.state == .running || reading.state == .missed || reading.state == .escalated, reading.stopped == nil else { continue }
            if reading.state == .running, let lead = policy.reminderLead(reading.clock), now >= reading.due.addingTimeInterval(-lead) {
                let key = "\(reading.clock.rawValue).before"
                if !sent.contains(key) { owed.append((reading.clock, key, false)) }
            }
            if now >= reading.due {
                let key = "\(reading.clock.rawValue).due"
                if !sent.contains(key) { owed.append((reading.clock, key, true)) }
            }
        }
        return owed
    }

    /// When the next status update is due: the cadence after the last one
    /// (or after detection); nil once resolved.
    public static func nextStatusUpdate(grade: AlertGrade, times: IncidentTimes, lastUpdate: Date?) -> Date? {
        guard times.resolved == nil else { return nil }
        return (lastUpdate ?? times.detected).addingTimeInterval(IncidentClockPolicy.statusCadence(grade))
    }
}
