import ArgumentParser
import FanfareCore
import FanfareServer
import Foundation

/// `fanfare-bench experiments`: every read-out (sample-ratio check;
/// frequentist, sequential, Bayesian with a flat and with a proper prior;
/// relative and absolute) of generated experiments, on one core.
///
/// The second target is the goal pass: the analytics benchmark's
/// workspace is made as `fanfare-bench analytics` makes it (a `serve --demo`
/// stopped, then the same generators with the same seeds and defaults),
/// goals are written into it through the goal service until it has 1,000
/// (the demo's three-phase plan among them), and the
/// hourly check is timed over them (under 5 s).
struct ExperimentsBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "Read-outs of generated experiments on one core (every analysis, both differences).")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL, .accounts, .days]
    static let targetReadoutSeconds = 2.0
    static let targetGoalPassSeconds = 5.0

    /// What a run measures; `--part` picks some.
    enum Part: String, CaseIterable, ExpressibleByArgument {
        case readouts
        case goals
    }

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(name: .customLong("part"), help: "What to measure (repeatable): readouts. Default: all.")
    var parts: [Part] = Part.allCases

    @Option(help: "Generated experiments read out per run.")
    var experiments = 100_000

    @Option(help: "Seed of the generated experiments.")
    var seed: UInt64 = 1

    @Option(help: "Runs over all experiments; the best is reported.")
    var runs = 3

    @Option(help: "Goals the analytics benchmark's workspace has when the pass runs (the demo's plan and generated ones; the cap is 1,000).")
    var goals = 1_000

    @Option(help: "As `fanfare-bench analytics --posts`: published posts generated in the workspace.")
    var posts = 50_000

    @Option(help: "As `fanfare-bench analytics --post-days`.")
    var postDays = 30

    @Option(help: "As `fanfare-bench analytics --events`: conversion events generated.")
    var events = 10_000_000

    @Option(help: "As `fanfare-bench analytics --fans`.")
    var fans = 1_000_000

    var settings: [String: Any] {
        var settings: [String: Any] = ["parts": parts.map(\.rawValue), "experiments": experiments, "seed": seed, "runs": runs]
        if parts.contains(.goals) {
            settings["goals"] = goals
            settings["accounts"] = shared.accounts ?? AnalyticsBenchmark.defaultAccounts
            settings["days"] = shared.days ?? AnalyticsBenchmark.defaultDays
            (settings["posts"], settings["post_days"], settings["events"], settings["fans"]) = (posts, postDays, events, fans)
        }
        return settings
    }

    func validateOptions() throws {
        try requireAtLeast(1, experiments, "--experiments")
        try requireAtLeast(1, runs, "--runs")
        try requireAtLeast(1, goals, "--goals")
        if goals > 1_000 { throw ValidationError("--goals: must be at most 1000 (a workspace's cap)") }
        try requireAtLeast(0, posts, "--posts")
        try requireAtLeast(1, postDays, "--post-days")
        try requireAtLeast(0, events, "--events")
        try requireAtLeast(0, fans, "--fans")
    }

    func measure() async throws -> Measured {
        var measured = Measured(figures: [:])
        if parts.contains(.readouts) { measureReadouts(into: &measured) }
        if parts.contains(.goals) { try await measureGoalPass(into: &measured) }
        return measured
    }

    /// The analytics benchmark's workspace (generated with its seeds), then
    /// `--goals` goals through the goal service, then the hourly check
    /// three times: the first pass writes every goal's state (and tells
    /// the team of each goal off track), the later ones find nothing
    /// changed; the first is the target's figure, being the slowest.
    func measureGoalPass(into measured: inout Measured) async throws {
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        try server.emptyDatabase()
        try await server.start()
        try await server.timeUntilReady()
        server.stop()
        var environment = server.environment
        environment["LOG_LEVEL"] = "error"
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }
        let accounts = shared.accounts ?? AnalyticsBenchmark.defaultAccounts
        let days = shared.days ?? AnalyticsBenchmark.defaultDays
        let (posts, postDays, events, fans, goals) = (self.posts, self.postDays, self.events, self.fans, self.goals)
        // The analytics benchmark's seeds: the same workspace.
        var seconds: [String: Double] = [:]
        func clocked<T>(_ name: String, _ work: () async throws -> T) async throws -> T {
            let start = ContinuousClock.now
            let result = try await work()
            seconds[name] = rounded(secondsOf(start.duration(to: .now)), 10)
            FileHandle.standardError.write(Data("generated \(name) in \(seconds[name] ?? 0) s\n".utf8))
            return result
        }
        try await AnomalyLoad.withWorkspace(settings: settings, slug: "demo") { session in
            let through = MetricDay.adding(-1, to: MetricDay.of(Date(), in: session.zone))
            _ = try await clocked("accounts") { try await session.generate(accounts: accounts, days: days, through: through, seed: 18) }
            _ = try await clocked("posts") { try await session.posts(count: posts, snapshotDays: postDays, days: days, through: through, seed: 19) }
            let fanIDs = try await clocked("fans") { try await session.fans(count: fans, now: Date()) }
            _ = try await clocked("events") { try await session.events(count: events, days: days, through: through, fans: fanIDs, seed: 20) }
            try await clocked("analyze") { try await session.analyzeLoaded() }
        }
        let figures: [String: Any] = try await GoalScaleLoad.withWorkspace(settings: settings, slug: "demo") { session in
            let through = MetricDay.adding(-1, to: MetricDay.of(Date(), in: session.timeZone))
            let written = try await clocked("goals") { try await session.goals(count: goals, through: through, seed: 21) }
            var passes: [Double] = []
            var judged = 0
            var offTrack = 0
            for pass in 0..<3 {
                let start = ContinuousClock.now
                let outcome = try await session.goalPass(now: Date())
                passes.append(secondsOf(start.duration(to: .now)))
                if pass == 0 { (judged, offTrack) = (outcome.judged, outcome.wentOffTrack) }
            }
            return [
                "goals_written": written.written, "goals_in_workspace": written.inWorkspace, "goals_judged": judged,
                "went_off_track_first_pass": offTrack, "pass_seconds": passes.map { rounded($0, 1_000) }, "generate_seconds": seconds,
            ]
        }
        measured.figures["goal_pass"] = figures
        let first = (figures["pass_seconds"] as? [Double])?.first
        measured.targets.append(.below("goal_pass_seconds", Self.targetGoalPassSeconds, first))
    }

    /// Experiments as a team runs them: half conversions, half means (revenue
    /// per visitor), 100 to a million units an arm, splits of 50/50, 30/70
    /// and 80/20, effects up to ±20 %, a fifth lower-is-better; about one in
    /// fifty has an arm without conversions (an error read-out).
    static func generate(_ count: Int, seed: UInt64) -> [(control: ArmSample, variant: ArmSample, weights: [Double], inverse: Bool)] {
        var random = FanRandom(seed: seed)
        let splits: [[Double]] = [[0.5, 0.5], [0.3, 0.7], [0.8, 0.2]]
        return (0..<count).map { index in
            let weights = splits[random.below(splits.count)]
            let units = Int(pow(10, 2 + 4 * random.unit()))
            let variantUnits = max(2, Int(Double(units) * weights[1] / weights[0] * (0.97 + 0.06 * random.unit())))
            let lift = 0.4 * random.unit() - 0.2
            let inverse = random.below(5) == 0
            if index % 2 == 0 {
                let rate = random.below(50) == 0 ? 0 : pow(10, -2.5 + 2.3 * random.unit())
                let control = ArmSample.binomial(users: units, conversions: Int((Double(units) * rate).rounded()))
                let variant = ArmSample.binomial(
                    users: variantUnits, conversions: Int((Double(variantUnits) * min(rate * (1 + lift), 0.99)).rounded()))
                return (control, variant, weights, inverse)
            }
            let mean = pow(10, -1 + 4 * random.unit())
            let spread = mean * (0.2 + 4 * random.unit())
            return (
                .mean(n: units, mean: mean, stddev: spread), .mean(n: variantUnits, mean: mean * (1 + lift), stddev: spread), weights, inverse
            )
        }
    }

    func measureReadouts(into measured: inout Measured) {
        let generated = Self.generate(experiments, seed: seed)
        var best = Double.infinity
        var errors = 0
        var significant = 0
        for _ in 0..<runs {
            errors = 0
            significant = 0
            let start = DispatchTime.now()
            for experiment in generated {
                let readout = ExperimentStatistics.readout(
                    control: experiment.control, variant: experiment.variant, weights: experiment.weights, inverse: experiment.inverse)
                // Reading the results keeps the optimiser from dropping the work.
                switch readout.relative.frequentist {
                case .success(let result): if result.pValue < 0.05 { significant += 1 }
                case .failure: errors += 1
                }
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9)
        }
        measured.figures["readouts"] = [
            "experiments": generated.count,
            "analyses_per_experiment": 9,
            "seconds_best": rounded(best, 1_000),
            "microseconds_per_experiment": rounded(best / Double(generated.count) * 1e6, 100),
            "frequentist_errors": errors,
            "significant_relative_share": rounded(Double(significant) / Double(generated.count), 1_000),
        ]
        measured.targets.append(.atMost("readouts.seconds_best", Self.targetReadoutSeconds, best))
    }
}
