import ArgumentParser
import FanfareCore
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `fanfare-bench`: the benchmarks, each a subcommand that prints one JSON
/// report on standard output. Timed figures live here, never in tests.
struct FanfareBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanfare-bench",
        abstract: "Fanfare's benchmarks: each prints one JSON report on standard output.",
        discussion: """
            Every report has the same shape: {"name", "machine", "command", "settings", "figures", "targets", \
            "targets_met"}. "figures" holds what was measured; "targets" each target's goal and "targets_met" whether it \
            was met (null when it was not measured). Percentiles are nearest-rank (FanfareCore's Percentile): p99 is a \
            value some sample had. A bad value for any option is refused, naming the option, with exit status 2.
            """,
        subcommands: [
            ServeBenchmark.self, PublishBenchmark.self, IngestBenchmark.self, LexiconBenchmark.self, FansBenchmark.self,
            ModerationBenchmark.self, AnalyzeBenchmark.self, AnalyticsBenchmark.self, ListeningBenchmark.self,
            ExperimentsBenchmark.self, CampaignsBenchmark.self,
        ])
}

/// The options every benchmark shares. Each benchmark says which of them
/// apply to it; the others are refused rather than silently ignored.
struct BenchmarkOptions: ParsableArguments {
    enum Shared: String, CaseIterable {
        case binary = "--binary"
        case databaseURL = "--database-url"
        case accounts = "--accounts"
        case days = "--days"
    }

    @Option(help: "The fanfare binary to start (default: the one beside fanfare-bench).")
    var binary: String?

    @Option(name: .customLong("database-url"), help: "Run on this PostgreSQL database (postgres://…) instead of a fresh SQLite file.")
    var databaseURL: String?

    @Option(help: "Accounts in the generated workspace (analytics: 100, publish: 100 Sandbox accounts the posts are spread over).")
    var accounts: Int?

    @Option(help: "Days of daily history generated for each account (benchmarks of the metric store).")
    var days: Int?

    @Option(help: "Also write the report to this file.")
    var output: String?

    init() {}

    /// Refuses a shared option the benchmark has no use for.
    func check(_ uses: Set<Shared>, benchmark: String) throws {
        let given: [(Shared, Bool)] = [
            (.binary, binary != nil), (.databaseURL, databaseURL != nil), (.accounts, accounts != nil), (.days, days != nil),
        ]
        for (option, isGiven) in given where isGiven && !uses.contains(option) {
            throw ValidationError("\(option.rawValue): the \(benchmark) benchmark does not use it")
        }
        if binary != nil { _ = try fanfareBinary() }
        if let accounts { try requireAtLeast(1, accounts, "--accounts") }
        if let days { try requireAtLeast(8, days, "--days") }
        if let databaseURL, !["postgres", "postgresql", "postgres+uds", "postgresql+uds"].contains(URLComponents(string: databaseURL)?.scheme ?? "") {
            throw ValidationError("--database-url: must be a PostgreSQL URL such as postgres://user@localhost:5432/bench, not '\(databaseURL)'")
        }
    }

    /// The binary to start: `--binary`, or `fanfare` beside this executable.
    func fanfareBinary() throws -> String {
        let path =
            binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("fanfare").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw ValidationError("--binary: no fanfare binary at \(path); build it with `swift build -c release`")
        }
        return path
    }

    var database: String { databaseURL == nil ? "sqlite" : "postgresql" }
}

/// What one benchmark measured and what it aimed for.
struct Measured {
    var figures: [String: Any]
    var targets: [Target] = []
}

/// A goal for one figure: the figure must be at most, at least, or below
/// the goal. `measured` is nil when the run could not measure it.
struct Target {
    enum Kind { case atMost, atLeast, below }
    var name: String
    var goal: Double
    var kind: Kind
    var measured: Double?

    static func atMost(_ name: String, _ goal: Double, _ measured: Double?) -> Target {
        Target(name: name, goal: goal, kind: .atMost, measured: measured)
    }
    static func atLeast(_ name: String, _ goal: Double, _ measured: Double?) -> Target {
        Target(name: name, goal: goal, kind: .atLeast, measured: measured)
    }
    static func below(_ name: String, _ goal: Double, _ measured: Double?) -> Target {
        Target(name: name, goal: goal, kind: .below, measured: measured)
    }

    var met: Any {
        guard let measured, !measured.isNaN else { return NSNull() }
        switch kind {
        case .atMost: return measured <= goal
        case .atLeast: return measured >= goal
        case .below: return measured < goal
        }
    }
}

/// A benchmark subcommand: its own options, the shared ones it uses, and
/// a measurement; the report's shape is made here, once for all of them.
protocol Benchmark: AsyncParsableCommand {
    var shared: BenchmarkOptions { get }
    /// The shared options that mean something to this benchmark.
    static var sharedOptions: Set<BenchmarkOptions.Shared> { get }
    /// Its options as parsed (defaults included), for the report.
    var settings: [String: Any] { get }
    /// Checks of its own options beyond their types (a count of at least 1).
    func validateOptions() throws
    func measure() async throws -> Measured
}

extension Benchmark {
    func validateOptions() throws {}

    func validate() throws {
        try shared.check(Self.sharedOptions, benchmark: Self.configuration.commandName ?? "")
        try validateOptions()
    }

    func run() async throws {
        let data = try report(try await measure(), command: ["fanfare-bench"] + CommandLine.arguments.dropFirst())
        print(String(decoding: data, as: UTF8.self))
        if let output = shared.output { try (data + Data("\n".utf8)).write(to: URL(fileURLWithPath: output)) }
    }

    /// The report of one run, as JSON: the one shape every benchmark prints.
    func report(_ measured: Measured, command: [String]) throws -> Data {
        var settings = settings
        if Self.sharedOptions.contains(.databaseURL) { settings["database"] = shared.database }
        if Self.sharedOptions.contains(.binary) { settings["binary"] = try shared.fanfareBinary() }
        let report: [String: Any] = [
            "name": Self.configuration.commandName ?? "",
            "machine": Machine.description,
            "command": command.joined(separator: " "),
            "settings": settings,
            "figures": measured.figures,
            "targets": Dictionary(measured.targets.map { ($0.name, $0.goal) }) { $1 },
            "targets_met": Dictionary(measured.targets.map { ($0.name, $0.met) }) { $1 },
        ]
        return try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

/// A whole number of at least `minimum`, or a refusal naming the option.
func requireAtLeast(_ minimum: Int, _ value: Int, _ option: String) throws {
    guard value >= minimum else { throw ValidationError("\(option): must be a whole number of at least \(minimum), not \(value)") }
}

enum Machine {
    /// Cores, processor and memory, as every report states them.
    static var description: String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let gibibytes = Int((Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824).rounded())
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu), \(gibibytes) GiB"
    }
}

/// Rounds to 1 / `scale` (10 → one decimal).
func rounded(_ value: Double, _ scale: Double) -> Double { (value * scale).rounded() / scale }

/// Seconds in a `Duration`.
func secondsOf(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The nearest-rank percentile (FanfareCore's one definition) of values
/// sorted ascending; `empty` when there are none.
func nearestRank(_ p: Double, ofSorted sorted: [Double], empty: Double = -1) -> Double {
    Percentile.ofSorted(sorted, p) ?? empty
}
