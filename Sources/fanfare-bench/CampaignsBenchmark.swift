import ArgumentParser
import FanfareCore
import FanfareServer
import Foundation

/// `fanfare-bench campaigns`, two parts (`--part`, both by default):
/// - schedule: the schedule and critical path of a generated campaign
///   (2,000 tasks, 5,000 dependencies by default; target under 50 ms), and
///   that a dependency closing a loop in it is refused naming the loop's
///   tasks. On one core, in process: the scheduler is Core's pure function,
///   the same the API calls on every change to a plan.
/// - search: the knowledge base filled with 100,000 generated documents
///   (half Chinese) through `KnowledgeBase.index`, searched with the written
///   query set of `KnowledgeSearchPart` (target p99 under 50 ms on SQLite;
///   recall of the planted terms and precision of every answer, judged with
///   plain string operations).
struct CampaignsBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "campaigns",
        abstract: "Schedule and critical path of a generated campaign; a loop refused by name; knowledge-base search.")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.databaseURL]
    static let targetScheduleMilliseconds = 50.0
    static let targetSearchMilliseconds = 50.0

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case all, schedule, search
    }

    @Option(help: "Which part to run: all, schedule or search.")
    var part = Part.all

    @Option(help: "Documents in the knowledge base (search part; half Chinese).")
    var documents = 100_000

    @Option(help: "Timed searches (search part), cycling through the query set.")
    var searches = 400

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

    var settings: [String: Any] {
        [
            "part": part.rawValue, "tasks": tasks, "dependencies": dependencies, "seed": seed, "runs": runs, "documents": documents,
            "searches": searches,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(2, tasks, "--tasks")
        try requireAtLeast(0, dependencies, "--dependencies")
        if dependencies > tasks * (tasks - 1) / 2 {
            throw ValidationError("--dependencies: must be at most \(tasks * (tasks - 1) / 2) for \(tasks) tasks (each pair once)")
        }
        try requireAtLeast(1, runs, "--runs")
        try requireAtLeast(KnowledgeSearchPart.plantedPerTerm * 2, documents, "--documents")
        try requireAtLeast(1, searches, "--searches")
    }

    func measure() async throws -> Measured {
        var measured = Measured(figures: [:])
        if part != .search { measured = try measureSchedule() }
        if part != .schedule { try await measureSearch(into: &measured) }
        return measured
    }

    func measureSchedule() throws -> Measured {
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

extension CampaignsBenchmark {
    func measureSearch(into measured: inout Measured) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-knowledge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["LOG_LEVEL"] = "error"
        if let databaseURL = shared.databaseURL { environment["DATABASE_URL"] = databaseURL } else { environment.removeValue(forKey: "DATABASE_URL") }
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }
        let generated = KnowledgeSearchPart.documents(count: documents, seed: seed)
        let figures = try await KnowledgeLoad.withSession(settings: settings) { session -> [String: Any] in
            let indexStart = ContinuousClock.now
            var ids: [UUID] = []
            ids.reserveCapacity(generated.count)
            for start in stride(from: 0, to: generated.count, by: 1_000) {
                ids += try await session.index(Array(generated[start..<min(generated.count, start + 1_000)]), now: Date())
            }
            let indexSeconds = secondsOf(indexStart.duration(to: .now))
            let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            // Recall: every document holding a planted term, found among the first 100.
            var expected = 0
            var recalled = 0
            for term in KnowledgeSearchPart.rareChinese + KnowledgeSearchPart.rareEnglish {
                let truth = Set(generated.indices.filter { KnowledgeSearchPart.matches(generated[$0], term) })
                let found = Set(try await session.search(term, limit: 100).compactMap { position[$0] })
                expected += truth.count
                recalled += truth.intersection(found).count
            }
            // Precision: every answer of every query holds what was asked.
            let queries = KnowledgeSearchPart.rareChinese + KnowledgeSearchPart.rareEnglish + KnowledgeSearchPart.commonQueries
            var answers = 0
            var right = 0
            for query in queries {
                for index in try await session.search(query).compactMap({ position[$0] }) {
                    answers += 1
                    if KnowledgeSearchPart.matches(generated[index], query) { right += 1 }
                }
            }
            var times: [Double] = []
            for run in 0..<searches {
                let start = ContinuousClock.now
                _ = try await session.search(queries[run % queries.count])
                times.append(secondsOf(start.duration(to: .now)) * 1_000)
            }
            times.sort()
            return [
                "index_seconds": rounded(indexSeconds, 10), "documents": generated.count,
                "search_ms_p50": Percentile.ofSorted(times, 50).map { rounded($0, 1_000) } as Any,
                "search_ms_p99": Percentile.ofSorted(times, 99).map { rounded($0, 1_000) } as Any,
                "recall_expected": expected, "recall_found": recalled, "recall": expected == 0 ? 0 : Double(recalled) / Double(expected),
                "precision_answers": answers, "precision": answers == 0 ? 1 : Double(right) / Double(answers), "queries": queries,
            ]
        }
        for (key, value) in figures { measured.figures[key] = value }
        if shared.databaseURL == nil { measured.figures["sqlite_file_system"] = FansBenchmark.fileSystem(of: data.path) }
        measured.targets.append(.below("search_ms_p99", Self.targetSearchMilliseconds, figures["search_ms_p99"] as? Double))
        measured.targets.append(.atLeast("recall", 1, figures["recall"] as? Double))
        measured.targets.append(.atLeast("precision", 1, figures["precision"] as? Double))
    }
}
