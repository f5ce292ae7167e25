import Foundation

/// The campaign's colour on the morning status board (SPEC §10; the seeds'
/// 三色看板). Green: on plan. Amber: something slipped but the plan can
/// absorb it. Red: the launch, the goal or the money is at risk.
public enum BoardColour: String, CaseIterable, Codable, Sendable, Comparable {
    case green, amber, red

    private var rank: Int {
        switch self {
        case .green: 0
        case .amber: 1
        case .red: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// The board's rules, each a reason with its colour, so the page can say
/// why and the docs can list them (docs/campaigns.md § The status board).
public enum CampaignBoard {
    public struct TaskState: Sendable, Equatable {
        public var key: String
        public var start: Int
        public var finish: Int
        public var done: Bool
        public var beforeLaunch: Bool

        public init(key: String, start: Int, finish: Int, done: Bool, beforeLaunch: Bool) {
            self.key = key
            self.start = start
            self.finish = finish
            self.done = done
            self.beforeLaunch = beforeLaunch
        }
    }

    public struct Input: Sendable, Equatable {
        /// Today, counted from the launch day like the schedule.
        public var today: Int
        public var tasks: [TaskState]
        /// The goal's value against where its path says it should be today
        /// (1 = on the path); nil without a goal or a reading.
        public var goalPace: Double?
        /// Spent ÷ planned of the campaign's budget lines; nil without a plan.
        public var budgetBurn: Double?
        /// Share of the campaign's days gone (0…1), against which the burn
        /// is read.
        public var elapsedShare: Double?

        public init(today: Int, tasks: [TaskState], goalPace: Double? = nil, budgetBurn: Double? = nil, elapsedShare: Double? = nil) {
            self.today = today
            self.tasks = tasks
            self.goalPace = goalPace
            self.budgetBurn = budgetBurn
            self.elapsedShare = elapsedShare
        }
    }

    public enum Reason: Sendable, Equatable {
        /// An open task whose last day has passed.
        case taskOverdue(key: String, days: Int)
        /// Open before-launch work that can no longer finish before the
        /// launch day: the buffer is gone; `days` is how far the launch
        /// would move.
        case launchAtRisk(key: String, days: Int)
        /// The goal's pace under the amber (0.95) or red (0.8) line.
        case goalBehind(pace: Double)
        /// Spending ahead of the calendar by more than 5 (amber) or 20 (red)
        /// points, or past the plan (red).
        case spendingAhead(burn: Double, elapsed: Double)
        case overBudget(burn: Double)

        public var colour: BoardColour {
            switch self {
            case .taskOverdue: .amber
            case .launchAtRisk, .overBudget: .red
            case .goalBehind(let pace): pace < CampaignBoard.goalRedPace ? .red : .amber
            // The lines are whole points: 5.0 points ahead is not yet over them.
            case .spendingAhead(let burn, let elapsed): burn - elapsed > CampaignBoard.burnRedLead + 1e-9 ? .red : .amber
            }
        }
    }

    public static let goalAmberPace = 0.95
    public static let goalRedPace = 0.8
    public static let burnAmberLead = 0.05
    public static let burnRedLead = 0.2

    public struct Reading: Sendable, Equatable {
        public var colour: BoardColour
        public var reasons: [Reason]

        public init(colour: BoardColour, reasons: [Reason]) {
            self.colour = colour
            self.reasons = reasons
        }
    }

    public static func read(_ input: Input) -> Reading {
        var reasons: [Reason] = []
        for task in input.tasks where !task.done && task.finish <= input.today {
            // Its last day was finish − 1, so on `finish` it is one day late.
            let late = input.today - task.finish + 1
            reasons.append(.taskOverdue(key: task.key, days: late))
        }
        for task in input.tasks where !task.done && task.beforeLaunch {
            // Open work needs today at least; finishing after day 0 moves
            // the launch by that many days.
            let projectedFinish = max(task.finish, input.today + 1)
            if projectedFinish > 0 { reasons.append(.launchAtRisk(key: task.key, days: projectedFinish)) }
        }
        if let pace = input.goalPace, pace < goalAmberPace { reasons.append(.goalBehind(pace: pace)) }
        if let burn = input.budgetBurn {
            if burn > 1 {
                reasons.append(.overBudget(burn: burn))
            } else if let elapsed = input.elapsedShare, burn - elapsed > burnAmberLead + 1e-9 {
                reasons.append(.spendingAhead(burn: burn, elapsed: elapsed))
            }
        }
        return Reading(colour: reasons.map(\.colour).max() ?? .green, reasons: reasons)
    }
}
