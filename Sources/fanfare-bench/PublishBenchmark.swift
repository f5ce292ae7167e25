import FanfareServer
import Foundation

/// `fanfare-bench publish`: many variants due in the same minute, published
/// by real `fanfare worker` processes; reports the lag after the due time,
/// throughput and duplicates. `--kill-after N` SIGKILLs one worker after N
/// posts are out and starts it again, to show nothing is lost or doubled.
struct PublishBenchmark {
    var binary: String
    var posts = 10_000
    var accounts = 100
    var workers = 1
    var concurrency = 2
    var batch = 1_000
    var databaseURL: String?
    var killAfter: Int?
    var timeout: TimeInterval = 900

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(options: [String]) throws {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        binary = here.appendingPathComponent("fanfare").path
        var index = 0
        while index < options.count {
            let value = index + 1 < options.count ? options[index + 1] : ""
            switch options[index] {
            case "--binary": binary = value
            case "--posts": posts = Int(value) ?? posts
            case "--accounts": accounts = Int(value) ?? accounts
            case "--workers": workers = Int(value) ?? workers
            case "--concurrency": concurrency = Int(value) ?? concurrency
            case "--batch": batch = Int(value) ?? batch
            case "--database-url": databaseURL = value
            case "--kill-after": killAfter = Int(value)
            case "--timeout": timeout = TimeInterval(value) ?? timeout
            default: throw Failure(description: "unknown option \(options[index])")
            }
            index += 2
        }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "no fanfare binary at \(binary); build it with `swift build -c release`")
        }
    }

    func run() async throws -> [String: Any] {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: data) }
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["LOG_LEVEL"] = "error"
        environment["FANFARE_SANDBOX_FAILURE_RATE"] = "0"
        environment["FANFARE_WORKER_CONCURRENCY"] = String(concurrency)
        environment["FANFARE_WORKER_BATCH"] = String(batch)
        if let databaseURL { environment["DATABASE_URL"] = databaseURL } else { environment.removeValue(forKey: "DATABASE_URL") }
        let settings: Settings
        switch Settings.parse(environment: environment, arguments: []) {
        case .success(let parsed): settings = parsed.settings
        case .failure(let problems): throw Failure(description: problems.description)
        }

        let seedStart = Date()
        try await PublishLoad.seed(settings: settings, posts: posts, accounts: accounts)
        let seedSeconds = Date().timeIntervalSince(seedStart)
        var processes = try (0..<workers).map { _ in try launch(environment: environment) }
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
                processes[0] = try launch(environment: environment)
                killed = true
            }
            return published < posts && Date() < deadline
        }
        for process in processes where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        let outcome = try await PublishLoad.measure(settings: settings)
        func percentile(_ p: Double) -> Double {
            guard !outcome.lags.isEmpty else { return -1 }
            let index = min(outcome.lags.count - 1, Int((p * Double(outcome.lags.count)).rounded(.up)) - 1)
            return (outcome.lags[max(0, index)] * 1_000).rounded() / 1_000
        }
        let span = outcome.firstPublished.flatMap { first in outcome.lastPublished.map { $0.timeIntervalSince(first) } } ?? 0
        return [
            "benchmark": "publish",
            "database": databaseURL == nil ? "sqlite" : "postgresql",
            "posts": posts, "accounts": accounts, "worker_processes": workers, "concurrency_per_worker": concurrency, "batch": batch,
            "seed_seconds": (seedSeconds * 10).rounded() / 10,
            "published": outcome.published, "lost": outcome.variants - outcome.published, "duplicates": outcome.duplicates,
            "attempts": outcome.attempts,
            "lag_seconds": ["p50": percentile(0.50), "p99": percentile(0.99), "max": percentile(1.0)],
            "posts_per_second": span > 0 ? (Double(outcome.published) / span).rounded() : Double(outcome.published),
            "killed_a_worker": killed,
        ]
    }

    private func launch(environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["worker"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
