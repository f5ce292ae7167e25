import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Starts the real `fanfare serve --demo` on a fresh data directory and
/// measures it from the outside, as an operator would.
struct ServeBenchmark {
    var binary: String
    var seconds = 10
    var connections = 32

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
            case "--seconds": seconds = Int(value) ?? seconds
            case "--connections": connections = Int(value) ?? connections
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
        let port = 18_000 + Int.random(in: 0..<2_000)
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = data.path
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        environment["LOG_LEVEL"] = "warning"
        let base = "http://127.0.0.1:\(port)"

        // Fresh start: migrations, secret key, demo user (Bcrypt cost 12).
        var server = try launch(["serve", "--demo"], environment: environment)
        let coldStart = try await timeUntilHealthy(base)
        server.terminate()
        server.waitUntilExit()
        // Restart on the same data: what an operator waits for after a deploy.
        server = try launch(["serve", "--demo"], environment: environment)
        let warmStart = try await timeUntilHealthy(base)
        try await Task.sleep(for: .seconds(5))
        let idleRSS = residentKilobytes(pid: server.processIdentifier)
        let token = try output(of: ["token", "create", "--email", "demo@fanfare.local", "--name", "bench"], environment: environment)
            .trimmingCharacters(in: .whitespacesAndNewlines)

        var report: [String: Any] = [
            "benchmark": "serve",
            "machine": machine(),
            "startup_fresh_ms": coldStart,
            "startup_restart_ms": warmStart,
            "idle_rss_mib": Double(idleRSS) / 1024,
        ]
        if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: FileManager.default.isExecutableFile(atPath:)) {
            report["healthz"] = try load(wrk, url: base + "/healthz", headers: [])
            report["members_list_authenticated"] = try load(
                wrk, url: base + "/api/v1/workspaces/demo/members", headers: ["Authorization: Bearer \(token)"])
            report["busy_rss_mib"] = Double(residentKilobytes(pid: server.processIdentifier)) / 1024
        } else {
            report["wrk"] = "not installed (apt-get install wrk)"
        }
        server.terminate()
        server.waitUntilExit()
        return report
    }

    func launch(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func output(of arguments: [String], environment: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Milliseconds from now until `/healthz` answers 200.
    func timeUntilHealthy(_ base: String) async throws -> Double {
        let start = ContinuousClock.now
        let url = URL(string: base + "/healthz")!
        while start.duration(to: .now) < .seconds(120) {
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 {
                let elapsed = start.duration(to: .now)
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "fanfare serve did not become healthy within 120 s")
    }

    private func residentKilobytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
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
            if line.hasPrefix("Socket errors") { result["socket_errors"] = line }
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

    private func machine() -> String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
    }
}
