import ArgumentParser
import FanfareCore
import Foundation

/// `fanfare-bench experiments`: every read-out (sample-ratio check;
/// frequentist, sequential, Bayesian with a flat and with a proper prior;
/// relative and absolute) of generated experiments, on one core.
///
/// The second target, the goal pass over the analytics benchmark's
/// 1,000 goals (under 5 s), comes with goals: it is a new `Part`, measured
/// in `measure()` beside the read-outs with its own figures and target.
struct ExperimentsBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "experiments",
        abstract: "Read-outs of generated experiments on one core (every analysis, both differences).")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = []
    static let targetReadoutSeconds = 2.0

    /// What a run measures; `--part` picks some.
    enum Part: String, CaseIterable, ExpressibleByArgument {
        case readouts
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

    var settings: [String: Any] {
        ["parts": parts.map(\.rawValue), "experiments": experiments, "seed": seed, "runs": runs]
    }

    func validateOptions() throws {
        try requireAtLeast(1, experiments, "--experiments")
        try requireAtLeast(1, runs, "--runs")
    }

    func measure() async throws -> Measured {
        var measured = Measured(figures: [:])
        if parts.contains(.readouts) { measureReadouts(into: &measured) }
        return measured
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
