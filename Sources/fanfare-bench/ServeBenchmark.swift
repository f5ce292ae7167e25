import ArgumentParser
import FanfareCore
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `fanfare-bench serve`: starts the real `fanfare serve --demo` on a fresh
/// data directory and measures it from the outside, as an operator would:
/// start-up (fresh and restart; the demo's preparation), idle memory, and
/// wrk's requests/s and latency for `/healthz`, an authenticated list, and
/// every page of the demo workspace signed in as its administrator.
struct ServeBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start-up time, idle memory, and requests/s and latency under wrk for /healthz, an authenticated list and the demo's pages.",
        discussion: """
            wrk (apt-get install wrk) runs 2 threads and hands its whole latency histogram (microseconds) to the \
            benchmark, which takes the percentiles with FanfareCore's Percentile, as every other report does. The pages \
            are read signed in as the demo administrator, through the sign-in form, with the session cookie it sets. \
            With --database-url the PostgreSQL database must be empty (the demo is made in it).
            """)
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary, .databaseURL]

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Seconds each wrk run lasts.")
    var seconds = 10

    @Option(help: "Connections wrk keeps open.")
    var connections = 32

    @Option(help: "Seconds each page's wrk run lasts (0: no pages).")
    var pageSeconds = 5

    var settings: [String: Any] {
        ["seconds": seconds, "connections": connections, "page_seconds": pageSeconds, "wrk_threads": 2, "load_average": Self.loadAverage]
    }

    func validateOptions() throws {
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, connections, "--connections")
        try requireAtLeast(0, pageSeconds, "--page-seconds")
    }

    /// The authenticated list's share of /healthz's rate, measured in the same run.
    static let listShareGoal = 0.2
    static let listP99Goal = 20.0
    static let pageP99Goal = 50.0

    func measure() async throws -> Measured {
        _ = Self.loadAverage  // read before the run loads the machine
        let server = try ServerUnderTest(binary: try shared.fanfareBinary(), databaseURL: shared.databaseURL)
        // Fresh start: migrations, secret key; then the demo, made in the
        // background once the server answers.
        let coldStart = try await server.start()
        let demoReady = try await server.timeUntilReady()
        server.stop()
        // Restart on the same data: what an operator waits for after a deploy.
        let warmStart = try await server.start()
        try await server.timeUntilReady()
        try await Task.sleep(for: .seconds(5))
        let idleRSS = server.statusKilobytes("VmRSS:")
        let token = try server.token(name: "bench")

        var figures: [String: Any] = [
            "startup_fresh_ms": coldStart,
            "demo_ready_fresh_ms": demoReady,
            "startup_restart_ms": warmStart,
            "idle_rss_mib": Double(idleRSS) / 1024,
        ]
        var failedResponses: Double?
        var targets: [Target] = []
        if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) {
            let script = server.dataDirectory.appendingPathComponent("histogram.lua")
            try Data(Self.histogramScript.utf8).write(to: script)
            let health = try load(wrk, script: script, url: server.base + "/healthz", headers: [], seconds: seconds)
            let members = try load(
                wrk, script: script, url: server.base + "/api/v1/workspaces/demo/members", headers: ["Authorization: Bearer \(token)"],
                seconds: seconds)
            figures["healthz"] = health
            figures["members_list_authenticated"] = members
            let share = (members["requests_per_second"] as? Double).flatMap { list in
                (health["requests_per_second"] as? Double).map { list / $0 }
            }
            figures["members_list_share_of_healthz"] = share.map { rounded($0, 1000) as Any } ?? NSNull()
            targets.append(.atLeast("members_list_share_of_healthz", Self.listShareGoal, share))
            targets.append(.below("members_list_p99_ms", Self.listP99Goal, members["p99_ms"] as? Double))
            var runs = [health, members]
            if pageSeconds > 0 {
                let pages = try await SignedInPages.open(server)
                var measured: [String: Any] = [:]
                var worst: Double?
                var unmeasured: [String] = []
                for (name, path) in pages.paths {
                    let page = try load(wrk, script: script, url: server.base + path, headers: ["Cookie: \(pages.cookie)"], seconds: pageSeconds)
                    var figure = page
                    figure["path"] = path
                    measured[name] = figure
                    runs.append(page)
                    if let p99 = page["p99_ms"] as? Double { worst = max(worst ?? 0, p99) } else { unmeasured.append(name) }
                }
                // A page with no answer in its run has no p99: the target is
                // then unmeasured (null), never met by leaving it out.
                figures["pages_without_answers"] = unmeasured
                if !unmeasured.isEmpty { worst = nil }
                // The session must still be good after the runs: a page that
                // answered with a redirect to the sign-in form was not measured.
                try await pages.check(server)
                figures["pages"] = measured
                figures["pages_worst_p99_ms"] = worst.map { $0 as Any } ?? NSNull()
                targets.append(.below("pages_p99_ms_every_page", Self.pageP99Goal, worst))
            }
            figures["busy_rss_mib"] = Double(server.statusKilobytes("VmRSS:")) / 1024
            failedResponses = runs.reduce(0) { $0 + Double(($1["non_2xx"] as? Int) ?? 0) + Double(($1["socket_errors"] as? Int) ?? 0) }
        } else {
            figures["wrk"] = "not installed (apt-get install wrk)"
        }
        server.stop()
        // Under load nothing may be refused or dropped; the list and the
        // pages have the targets (issue 17).
        return Measured(figures: figures, targets: [.atMost("failed_responses_under_load", 0, failedResponses)] + targets)
    }

    /// The 1-, 5- and 15-minute load averages when the run started: on a
    /// shared machine the figures mean little without them.
    static let loadAverage: String =
        (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "unknown"

    /// wrk's `done` hook: the run's totals and every populated bucket of its
    /// latency histogram (microseconds, count).
    static let histogramScript = """
        done = function(summary, latency, requests)
          local e = summary.errors
          io.write(string.format("fanfare-summary %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
            e.connect, e.read, e.write, e.status, e.timeout))
          for i = 1, #latency do
            local value, count = latency(i)
            io.write(string.format("fanfare-latency %d %d\\n", value, count))
          end
        end
        """

    /// Runs wrk and reads requests/s from its totals and latency
    /// percentiles from its histogram.
    private func load(_ wrk: String, script: URL, url: String, headers: [String], seconds: Int) throws -> [String: Any] {
        try Self.load(wrk, script: script, url: url, headers: headers, seconds: seconds, connections: connections)
    }

    /// One wrk run (2 threads): requests/s, failures and latency percentiles.
    static func load(_ wrk: String, script: URL, url: String, headers: [String], seconds: Int, connections: Int) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        // wrk leaves out an answer slower than its timeout (2 s unless
        // told); 10 s keeps slow pages measured rather than dropped.
        process.arguments =
            ["-t2", "-c\(connections)", "-d\(seconds)s", "--timeout", "10s", "-s", script.path] + headers.flatMap { ["-H", $0] } + [url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result: [String: Any] = ["connections": connections, "seconds": seconds]
        var histogram: [(microseconds: Double, count: Int)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            if fields.first == "fanfare-latency", fields.count == 3, let value = Double(fields[1]), let count = Int(fields[2]) {
                histogram.append((value, count))
            }
            if fields.first == "fanfare-summary", fields.count == 8 {
                let numbers = fields.dropFirst().map { Int($0) ?? 0 }
                let requests = numbers[0], microseconds = numbers[1]
                result["requests"] = requests
                result["requests_per_second"] = microseconds > 0 ? rounded(Double(requests) / (Double(microseconds) / 1e6), 10) : 0
                result["non_2xx"] = numbers[5]
                result["socket_errors"] = numbers[2] + numbers[3] + numbers[4] + numbers[6]
            }
        }
        for (name, p) in [("p50_ms", 50.0), ("p90_ms", 90.0), ("p99_ms", 99.0), ("max_ms", 100.0)] {
            if let value = Self.percentile(p, of: histogram) { result[name] = rounded(value / 1000, 100) }
        }
        return result
    }

    /// The nearest-rank percentile (FanfareCore's `Percentile.rank`) of a
    /// histogram of (value, count) sorted by value; nil when it is empty.
    static func percentile(_ p: Double, of histogram: [(microseconds: Double, count: Int)]) -> Double? {
        let total = histogram.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = Percentile.rank(p, count: total)
        var seen = 0
        for bucket in histogram.sorted(by: { $0.microseconds < $1.microseconds }) {
            seen += bucket.count
            if seen >= rank { return bucket.microseconds }
        }
        return histogram.last?.microseconds
    }
}
