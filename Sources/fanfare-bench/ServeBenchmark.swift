import ArgumentParser
import Foundation

/// `fanfare-bench serve`: starts the real `fanfare serve --demo` on a fresh
/// data directory and measures it from the outside, as an operator would:
/// start-up (fresh and restart), idle memory, and wrk's requests/s and
/// latency for `/healthz` and an authenticated list.
struct ServeBenchmark: Benchmark {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Start-up time, idle memory, and requests/s and latency under wrk for /healthz and an authenticated list.",
        discussion: """
            wrk (apt-get install wrk) runs 2 threads; its latency percentiles are its own (from its histogram), the only \
            ones in the reports not computed by FanfareCore's Percentile.
            """)
    static let sharedOptions: Set<BenchmarkOptions.Shared> = [.binary]

    @OptionGroup(title: "Shared options")
    var shared: BenchmarkOptions

    @Option(help: "Seconds each wrk run lasts.")
    var seconds = 10

    @Option(help: "Connections wrk keeps open.")
    var connections = 32

    var settings: [String: Any] { ["seconds": seconds, "connections": connections, "wrk_threads": 2] }

    func validateOptions() throws {
        try requireAtLeast(1, seconds, "--seconds")
        try requireAtLeast(1, connections, "--connections")
    }

    func measure() async throws -> Measured {
        let server = try ServerUnderTest(binary: try shared.fanfareBinary())
        // Fresh start: migrations, secret key, demo user (Bcrypt cost 12).
        let coldStart = try await server.start()
        server.stop()
        // Restart on the same data: what an operator waits for after a deploy.
        let warmStart = try await server.start()
        try await Task.sleep(for: .seconds(5))
        let idleRSS = server.statusKilobytes("VmRSS:")
        let token = try server.token(name: "bench")

        var figures: [String: Any] = [
            "startup_fresh_ms": coldStart,
            "startup_restart_ms": warmStart,
            "idle_rss_mib": Double(idleRSS) / 1024,
        ]
        var failedResponses: Double?
        if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) {
            let health = try load(wrk, url: server.base + "/healthz", headers: [])
            let members = try load(wrk, url: server.base + "/api/v1/workspaces/demo/members", headers: ["Authorization: Bearer \(token)"])
            figures["healthz"] = health
            figures["members_list_authenticated"] = members
            figures["busy_rss_mib"] = Double(server.statusKilobytes("VmRSS:")) / 1024
            failedResponses = [health, members].reduce(0) { $0 + Double(($1["non_2xx"] as? Int) ?? 0) + Double(($1["socket_errors"] as? Int) ?? 0) }
        } else {
            figures["wrk"] = "not installed (apt-get install wrk)"
        }
        server.stop()
        // No issue sets a figure for serving; what every run must show is
        // that under load nothing was refused or dropped.
        return Measured(figures: figures, targets: [.atMost("failed_responses_under_load", 0, failedResponses)])
    }

    /// Runs wrk and reads requests/s and latency percentiles from its report.
    private func load(_ wrk: String, url: String, headers: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: wrk)
        process.arguments = ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency"] + headers.flatMap { ["-H", $0] } + [url]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var result: [String: Any] = ["connections": connections, "seconds": seconds]
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("Requests/sec:"), let value = fields.last.flatMap(Double.init) { result["requests_per_second"] = value }
            if ["50%", "90%", "99%"].contains(fields.first ?? ""), fields.count == 2 {
                result["p\(fields[0].dropLast())_ms"] = Self.milliseconds(fields[1])
            }
            if line.hasPrefix("Non-2xx") { result["non_2xx"] = Int(fields.last ?? "") ?? -1 }
            if line.hasPrefix("Socket errors") {
                // "Socket errors: connect 0, read 0, write 0, timeout 0"
                result["socket_errors"] = fields.compactMap { Int($0.trimmingCharacters(in: CharacterSet(charactersIn: ","))) }.reduce(0, +)
            }
        }
        return result
    }

    static func milliseconds(_ text: String) -> Double {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return (Double(text.dropLast(suffix.count)) ?? 0) * factor
        }
        return Double(text) ?? 0
    }
}
