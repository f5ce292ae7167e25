import Foundation

/// How one task waits for another (SPEC §10). The names are the project
/// managers' ones; each is a bound on the successor's start once both
/// durations are known, which keeps every kind one longest-path edge.
public enum DependencyKind: String, CaseIterable, Codable, Sendable {
    /// The successor starts after the predecessor finishes (+ lag).
    case finishToStart = "fs"
    /// The successor starts once the predecessor has started (+ lag).
    case startToStart = "ss"
    /// The successor finishes once the predecessor has finished (+ lag).
    case finishToFinish = "ff"
    /// The successor finishes once the predecessor has started (+ lag).
    case startToFinish = "sf"
}

/// A campaign's tasks and dependencies as the scheduler reads them. Days
/// are whole days counted from the launch day (0); a task starting on day
/// `s` with a duration of `d` occupies days `s ..< s + d`, and a duration
/// of 0 is a milestone.
public struct CampaignPlan: Sendable, Equatable {
    public struct Task: Sendable, Equatable {
        /// The caller's stable key (a task's id).
        public var key: String
        /// The task's name, used to name the tasks of a refused cycle.
        public var name: String
        public var durationDays: Int
        /// Work that must be finished, with the buffer to spare, before the
        /// launch day: scheduled backwards from the launch. Every other task
        /// starts on the launch day at the earliest and runs forwards.
        public var beforeLaunch: Bool

        public init(key: String, name: String, durationDays: Int, beforeLaunch: Bool) {
            self.key = key
            self.name = name
            self.durationDays = durationDays
            self.beforeLaunch = beforeLaunch
        }
    }

    public struct Dependency: Sendable, Equatable {
        public var predecessor: String
        public var successor: String
        public var kind: DependencyKind
        /// Days added to the bound; negative is a lead (overlap).
        public var lagDays: Int

        public init(predecessor: String, successor: String, kind: DependencyKind = .finishToStart, lagDays: Int = 0) {
            self.predecessor = predecessor
            self.successor = successor
            self.kind = kind
            self.lagDays = lagDays
        }
    }

    public var tasks: [Task]
    public var dependencies: [Dependency]
    /// Days between the end of the last before-launch task and the launch.
    public var bufferDays: Int
    /// How a refused cycle names the launch when it runs through it.
    public var launchName: String

    public init(tasks: [Task], dependencies: [Dependency], bufferDays: Int, launchName: String = "launch") {
        self.tasks = tasks
        self.dependencies = dependencies
        self.bufferDays = bufferDays
        self.launchName = launchName
    }

    /// The bounds the form and the API hold every plan to.
    public static let durationRange = 0...365
    public static let lagRange = -365...365
    public static let bufferRange = 0...90
    /// The seeds' buffer (SPEC §10: at least 7 days); the default of every
    /// new campaign, and the line under which the page warns.
    public static let recommendedBufferDays = 7
}

public enum CampaignScheduleError: Error, Sendable, Equatable {
    /// The tasks of one cycle, in the order they wait for each other; the
    /// first task is repeated at the end so it reads as a loop.
    case cycle([String])
    case unknownTask(String)
    case selfDependency(String)
    case durationOutOfRange(String)
}

/// A scheduled campaign: each task's days, its total float and whether it
/// is on the critical path.
public struct CampaignSchedule: Sendable, Equatable {
    public struct Slot: Sendable, Equatable {
        public var key: String
        /// First day, counted from the launch day.
        public var start: Int
        /// The day after the last day (`start + duration`).
        public var finish: Int
        /// Days the task can slip without moving the launch (before-launch
        /// work) or the campaign's end (the rest).
        public var totalFloat: Int
        public var critical: Bool

        public init(key: String, start: Int, finish: Int, totalFloat: Int, critical: Bool) {
            self.key = key
            self.start = start
            self.finish = finish
            self.totalFloat = totalFloat
            self.critical = critical
        }
    }

    /// In the plan's task order.
    public var slots: [Slot]
    /// The first day of work (≤ 0 when anything comes before the launch).
    public var start: Int
    /// The day after the last day of work (≥ 0).
    public var end: Int
    /// The critical tasks, by start day.
    public var criticalPath: [String]

    public func slot(_ key: String) -> Slot? { slots.first { $0.key == key } }

    /// Schedules the plan: work before the launch as late as it can go and
    /// still leave the buffer (backward scheduling, so nothing is made
    /// early and then waits), everything else as early as its dependencies
    /// allow from the launch day. Linear in tasks plus dependencies.
    ///
    /// The critical path is the usual one with the launch pinned to its
    /// day: the tasks whose earliest and latest start agree when the first
    /// day of work is the schedule's first day and the last day is its
    /// last. Before the launch that is the chain that sets the start date;
    /// after it, the chain that sets the end.
    public static func make(_ plan: CampaignPlan) throws(CampaignScheduleError) -> CampaignSchedule {
        let graph = try Graph(plan)
        let order = try graph.topologicalOrder(plan)
        let count = graph.count
        let launch = count - 1

        // 1. Before the launch: the launch's ancestors, latest start.
        var leadsToLaunch = [Bool](repeating: false, count: count)
        leadsToLaunch[launch] = true
        for node in order.reversed() where node != launch {
            leadsToLaunch[node] = graph.out[node].contains { leadsToLaunch[$0.to] }
        }
        var start = [Int](repeating: 0, count: count)
        for node in order.reversed() where node != launch && leadsToLaunch[node] {
            var latest = Int.max
            for edge in graph.out[node] where leadsToLaunch[edge.to] { latest = min(latest, start[edge.to] - edge.weight) }
            start[node] = latest
        }
        // 2. The rest: earliest start, from the launch day on.
        for node in order where !leadsToLaunch[node] {
            var earliest = 0
            for edge in graph.into[node] { earliest = max(earliest, start[edge.from] + edge.weight) }
            start[node] = earliest
        }
        let first = start.min() ?? 0
        let last = (0..<count).map { start[$0] + graph.duration[$0] }.max() ?? 0

        // 3. Float: earliest start from the first day, latest from the last,
        // with the launch pinned to day 0 both ways.
        var earliest = [Int](repeating: first, count: count)
        for node in order {
            for edge in graph.into[node] { earliest[node] = max(earliest[node], earliest[edge.from] + edge.weight) }
            if node == launch { earliest[node] = 0 }
        }
        var latest = [Int](repeating: 0, count: count)
        for node in order.reversed() {
            var bound = last - graph.duration[node]
            for edge in graph.out[node] { bound = min(bound, latest[edge.to] - edge.weight) }
            latest[node] = node == launch ? 0 : bound
        }

        var slots: [Slot] = []
        slots.reserveCapacity(plan.tasks.count)
        for (index, task) in plan.tasks.enumerated() {
            let float = max(0, latest[index] - earliest[index])
            slots.append(
                Slot(key: task.key, start: start[index], finish: start[index] + task.durationDays, totalFloat: float, critical: float == 0))
        }
        let path = slots.enumerated().filter(\.element.critical).sorted { ($0.element.start, $0.offset) < ($1.element.start, $1.offset) }
            .map(\.element.key)
        return CampaignSchedule(slots: slots, start: min(first, 0), end: max(last, 0), criticalPath: path)
    }
}

/// The plan as a graph of indices: tasks 0..<n, the launch milestone n.
/// Every dependency becomes one edge `from → to` with a weight such that
/// `start[to] ≥ start[from] + weight`.
private struct Graph {
    struct Edge {
        var from: Int
        var to: Int
        var weight: Int
    }

    var duration: [Int]
    var out: [[Edge]]
    var into: [[Edge]]
    var count: Int { duration.count }

    init(_ plan: CampaignPlan) throws(CampaignScheduleError) {
        var index: [String: Int] = [:]
        index.reserveCapacity(plan.tasks.count)
        for (position, task) in plan.tasks.enumerated() {
            guard CampaignPlan.durationRange.contains(task.durationDays) else { throw .durationOutOfRange(task.name) }
            index[task.key] = position
        }
        let launch = plan.tasks.count
        duration = plan.tasks.map(\.durationDays) + [0]
        out = Array(repeating: [], count: launch + 1)
        into = Array(repeating: [], count: launch + 1)
        for dependency in plan.dependencies {
            guard let from = index[dependency.predecessor] else { throw .unknownTask(dependency.predecessor) }
            guard let to = index[dependency.successor] else { throw .unknownTask(dependency.successor) }
            guard from != to else { throw .selfDependency(plan.tasks[from].name) }
            let weight: Int =
                switch dependency.kind {
                case .finishToStart: duration[from] + dependency.lagDays
                case .startToStart: dependency.lagDays
                case .finishToFinish: duration[from] + dependency.lagDays - duration[to]
                case .startToFinish: dependency.lagDays - duration[to]
                }
            add(Edge(from: from, to: to, weight: weight))
        }
        // The launch's own edges: before-launch work finishes the buffer
        // ahead of it; other work starts on it at the earliest.
        for (position, task) in plan.tasks.enumerated() {
            if task.beforeLaunch {
                add(Edge(from: position, to: launch, weight: task.durationDays + plan.bufferDays))
            } else {
                add(Edge(from: launch, to: position, weight: 0))
            }
        }
    }

    private mutating func add(_ edge: Edge) {
        out[edge.from].append(edge)
        into[edge.to].append(edge)
    }

    /// Kahn's order; a cycle is refused with the names of one of its loops.
    func topologicalOrder(_ plan: CampaignPlan) throws(CampaignScheduleError) -> [Int] {
        var waiting = into.map(\.count)
        var ready = (0..<count).filter { waiting[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(count)
        while let node = ready.popLast() {
            order.append(node)
            for edge in out[node] {
                waiting[edge.to] -= 1
                if waiting[edge.to] == 0 { ready.append(edge.to) }
            }
        }
        guard order.count < count else { return order }
        let loop = findLoop(among: Set((0..<count).filter { waiting[$0] > 0 }))
        throw .cycle(loop.map { $0 == plan.tasks.count ? plan.launchName : plan.tasks[$0].name })
    }

    /// A loop inside the nodes Kahn could not order. Every one of them
    /// has a predecessor among them, so walking predecessors must repeat.
    private func findLoop(among stuck: Set<Int>) -> [Int] {
        guard var node = stuck.min() else { return [] }
        var seenAt: [Int: Int] = [:]
        var walk: [Int] = []
        while seenAt[node] == nil {
            seenAt[node] = walk.count
            walk.append(node)
            node = into[node].first { stuck.contains($0.from) }!.from
        }
        // The walk follows predecessors; reverse it so the loop reads in
        // the order the tasks wait for each other, and close it.
        // Start it at its first task in the plan's order, so the same loop
        // is always named the same way.
        let loop = Array(walk[seenAt[node]!...].reversed())
        let first = loop.firstIndex(of: loop.min()!)!
        let rotated = Array(loop[first...] + loop[..<first])
        return rotated + [rotated[0]]
    }
}
