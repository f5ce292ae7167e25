import ArgumentParser
import FanfareCore
import FanfareServer
import Foundation

/// `fanfare-bench publish`: many variants due in the same minute, published
/// by real `fanfare worker` processes; reports the lag after the due time,
/// throughput and duplicates. `--kill-after N` SIGKILLs one worker after N
/// posts are out and starts it again, to show nothing is lost or doubled.
struct PublishBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "N variants due at the same second, published by real worker processes: lag p50/p99/max, posts/s, lost, duplicates.",
        discussion: "--kill-after N SIGKILLs a worker once N posts are out and starts it again (nothing may be lost or doubled).")
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL, .accounts]
    /// The target: p99 under 2 s (on SQLite; PostgreSQL is reported against it too).
    static let targetLagP99Seconds = 2.0

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Approved variants due at the same second.")
    var posts = 10_000

    /// Sandbox accounts the posts are spread over: the shared `--accounts` (default 100).
    var accounts: Int { shared.accounts ?? 100 }

    @Option(help: "Worker processes.")
    var workers = 1

    @Option(help: "Claim loops per worker (FANFARE_WORKER_CONCURRENCY).")
    var concurrency = 2

    @Option(help: "Due jobs one loop claims at a time (FANFARE_WORKER_BATCH).")
    var batch = 1_000

    @Option(name: .customLong("kill-after"), help: "SIGKILL a worker once this many posts are out, and start it again.")
    var killAfter: Int?

    @Option(help: "Seconds to wait for every post before giving up.")
    var timeout: Double = 900

    var settings: [String: Any] {
        [
            "posts": posts, "accounts": accounts, "worker_processes": workers, "concurrency_per_worker": concurrency, "batch": batch,
            "kill_after": killAfter.map { $0 as Any } ?? NSNull(), "timeout_seconds": timeout,
        ]
    }

    func validateOptions() throws {
        try requireAtLeast(1, posts, "--posts")
        try requireAtLeast(1, workers, "--workers")
        try requireAtLeast(1, concurrency, "--concurrency")
        try requireAtLeast(1, batch, "--batch")
        if let killAfter { try requireAtLeast(1, killAfter, "--kill-after") }
        guard timeout > 0 else { throw ValidationError("--timeout: must be a number of seconds above 0, not \(timeout)") }
    }

    func measure() async throws -> Measured {
        let binary = try shared.fanfareBinary()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["LOG_LEVEL"] = "error"
        environment["FANFARE_SANDBOX_FAILURE_RATE"] = "0"
        environment["FANFARE_WORKER_CONCURRENCY"] = String(concurrency)
        environment["FANFARE_WORKER_BATCH"] = String(batch)
        if let databaseURL = shared.databaseURL { environment["DATABASE_URL"] = databaseURL } else { environment.removeValue(forKey: "DATABASE_URL") }
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw ServerUnderTest.Failure(description: problems.description)
        }

        let seedStart = Date()
        try await PublishLoad.seed(settings: settings, posts: posts, accounts: accounts)
        let seedSeconds = Date().timeIntervalSince(seedStart)
        var processes = try (0..<workers).map { _ in try launch(binary, environment: environment) }
        defer { processes.forEach { if $0.isRunning { $0.terminate() } } }
        try await Task.sleep(for: .seconds(3))
        let due = Date().addingTimeInterval(2)
        try await PublishLoad.release(settings: settings, at: due)

        var killed = false
        let deadline = Date().addingTimeInterval(timeout)
        try await PublishLoad.watch(settings: settings, every: .milliseconds(500)) { published in
            if let killAfter, !killed, published >= killAfter {
                // A crash in the middle of the batch: no shutdown, no
                // cleanup; a new process takes its place.
                kill(processes[0].processIdentifier, SIGKILL)
                processes[0].waitUntilExit()
                processes[0] = try launch(binary, environment: environment)
                killed = true
            }
            return published < posts && Date() < deadline
        }
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        let outcome = try await PublishLoad.measure(settings: settings)
        let lags = outcome.lags.sorted()
        func lag(_ p: Double) -> Double { lags.isEmpty ? -1 : rounded(nearestRank(p, ofSorted: lags), 1_000) }
        let span = outcome.firstPublished.flatMap { first in outcome.lastPublished.map { $0.timeIntervalSince(first) } } ?? 0
        let lost = outcome.variants - outcome.published
        return Measured(
            figures: [
                "seed_seconds": rounded(seedSeconds, 10),
                "published": outcome.published, "lost": lost, "duplicates": outcome.duplicates,
                "attempts": outcome.attempts,
                "lag_seconds": ["p50": lag(50), "p99": lag(99), "max": lag(100)],
                "posts_per_second": span > 0 ? (Double(outcome.published) / span).rounded() : Double(outcome.published),
                "killed_a_worker": killed,
            ],
            targets: [
                .below("lag_p99_seconds", Self.targetLagP99Seconds, lags.isEmpty ? nil : lag(99)),
                .atMost("lost", 0, Double(lost)), .atMost("duplicates", 0, Double(outcome.duplicates)),
            ])
    }

    private func launch(_ binary: String, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["worker"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
