import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare-bench campaigns`: the schedule and critical path of a generated
/// campaign (2,000 tasks, 5,000 dependencies by default; target under
/// 50 ms), and that a dependency closing a loop in it is refused naming the
/// loop's tasks. On one core, in process: the scheduler is Core's pure
/// function, the same the API calls on every change to a plan.
struct CampaignsBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Schedule and critical path of a generated campaign; a loop refused by name.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = []
    static let targetScheduleMilliseconds = 50.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Tasks in the generated campaign.")
    var tasks = 2_000

    @Option(help: "Dependencies between them.")
    var dependencies = 5_000

    @Option(help: "Seed of the generated campaign.")
    var seed: UInt64 = 1

    @Option(help: "Times the plan is scheduled; the p99 and the median are reported.")
    var runs = 200

    var settings: [String: Any] { ["tasks": tasks, "dependencies": dependencies, "seed": seed, "runs": runs] }

    func validateOptions() throws {
        try requireAtLeast(2, tasks, "--tasks")
        try requireAtLeast(0, dependencies, "--dependencies")
        if dependencies > tasks * (tasks - 1) / 2 {
            throw ValidationError("--dependencies: must be at most \(tasks * (tasks - 1) / 2) for \(tasks) tasks (each pair once)")
        }
        try requireAtLeast(1, runs, "--runs")
    }

    func measure() async throws -> Measured {
        let plan = CampaignScheduleFixture.plan(tasks: tasks, dependencies: dependencies, seed: seed)
        var times: [Double] = []
        var schedule: CampaignSchedule?
        for _ in 0..<runs {
            let start = ContinuousClock.now
            schedule = try CampaignSchedule.make(plan)
            times.append(secondsOf(start.duration(to: .now)) * 1_000)
        }
        let sorted = times.sorted()
        // A loop: a chain of dependencies followed from the first task that
        // has a successor, as far as it goes, then its end made to come
        // before its start; refused, with the chain's tasks named in order.
        var successors: [String: [String]] = [:]
        for dependency in plan.dependencies { successors[dependency.predecessor, default: []].append(dependency.successor) }
        var loopRefused = false
        var loopLength = 0
        if let first = plan.tasks.first(where: { successors[$0.key] != nil })?.key {
            var chain = [first]
            while let next = successors[chain.last!]?.first, chain.count < 1_000 { chain.append(next) }
            var looped = plan
            looped.dependencies.append(CampaignPlan.Dependency(predecessor: chain.last!, successor: first))
            do {
                _ = try CampaignSchedule.make(looped)
            } catch {
                if case .cycle(let names) = error {
                    loopLength = names.count - 1
                    loopRefused = names.first == names.last && loopLength >= 2
                }
            }
        }
        let p99 = Percentile.ofSorted(sorted, 99).map { rounded($0, 1_000) }
        var measured = Measured(figures: [
            "schedule_ms_p50": Percentile.ofSorted(sorted, 50).map { rounded($0, 1_000) } as Any,
            "schedule_ms_p99": p99 as Any,
            "critical_tasks": schedule?.criticalPath.count ?? 0,
            "span_days": schedule.map { $0.end - $0.start } ?? 0,
            "loop_refused": loopRefused,
            "loop_tasks_named": loopLength,
        ])
        measured.targets.append(.below("schedule_ms_p99", Self.targetScheduleMilliseconds, p99))
        measured.targets.append(.atLeast("loop_refused", 1, loopRefused ? 1 : 0))
        return measured
    }
}
