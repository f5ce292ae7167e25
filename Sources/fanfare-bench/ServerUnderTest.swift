import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A real `fanfare serve` in a child process, as the benchmarks that
/// measure the server from the outside start it (serve, ingest, lexicon):
/// a fresh data directory, a free loopback port, a metrics token, and the
/// same environment for the other `fanfare` commands run beside it
/// (`token create`, `migrate`).
final class ServerUnderTest {
    let binary: String
    let dataDirectory: URL
    let port: Int
    /// `/metrics` answers only to its token (issue 16).
    let metricsToken = "bench-metrics-" + UUID().uuidString
    private(set) var environment: [String: String]
    /// Where the server's standard error goes, when kept.
    let log: URL?
    private(set) var process: Process?
    /// When the last start launched the process.
    private var launched: ContinuousClock.Instant?
    /// PostgreSQL is migrated once by `fanfare migrate` before the first
    /// start, as a deployment does (`serve` refuses an unmigrated one).
    private var migrated = false

    var base: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { process?.processIdentifier ?? 0 }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `settings` are environment variables for the server (`LOG_LEVEL`,
    /// `FANFARE_ENGINE_CACHE_MB`, …); `databaseURL` nil is SQLite in the
    /// data directory. `keepLog` writes the server's standard error to
    /// `server.log` there, for benchmarks that read its own account.
    init(binary: String, databaseURL: String? = nil, settings: [String: String] = [:], keepLog: Bool = false) throws {
        self.binary = binary
        dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        port = try Self.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["FANFARE_DATA_DIR"] = dataDirectory.path
        environment["PORT"] = String(port)
        environment["HOST"] = "127.0.0.1"
        environment["LOG_LEVEL"] = "warning"
        environment["FANFARE_METRICS_TOKEN"] = metricsToken
        environment["FANFARE_SANDBOX_FAILURE_RATE"] = "0"
        for variable in ["DATABASE_URL", "FANFARE_ENGINE_CACHE_MB", "FANFARE_SECRET_KEY"] { environment.removeValue(forKey: variable) }
        if let databaseURL { environment["DATABASE_URL"] = databaseURL }
        environment.merge(settings) { $1 }
        self.environment = environment
        log = keepLog ? dataDirectory.appendingPathComponent("server.log") : nil
    }

    /// Leaves the data directory in place after the run (for a look at
    /// the database the run made).
    var keepData = false

    deinit {
        stop()
        if !keepData { try? FileManager.default.removeItem(at: dataDirectory) }
    }

    /// On PostgreSQL, empties the benchmark's database so that what a run
    /// counts is that run's own: migrated first (reverting needs the
    /// migrations table, which an empty database lacks), reverted, migrated
    /// again. SQLite starts empty in its fresh data directory.
    func emptyDatabase() throws {
        guard environment["DATABASE_URL"] != nil else { return }
        try run(["migrate"])
        try run(["migrate", "--revert"])
        try run(["migrate"])
        migrated = true
    }

    /// Starts `fanfare serve --demo` and returns the milliseconds until
    /// `/healthz` answered. The demo is made after that, in the background:
    /// wait for `timeUntilReady()` before using it (`token(name:)`).
    @discardableResult
    func start(_ arguments: [String] = ["serve", "--demo"]) async throws -> Double {
        if environment["DATABASE_URL"] != nil, !migrated {
            _ = try run(["migrate"])
            migrated = true
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        if let log {
            if !FileManager.default.fileExists(atPath: log.path) { FileManager.default.createFile(atPath: log.path, contents: nil) }
            let handle = try FileHandle(forWritingTo: log)
            handle.seekToEndOfFile()
            process.standardError = handle
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        self.process = process
        let launched = ContinuousClock.now
        self.launched = launched
        return try await timeUntil("/healthz", since: launched, limit: .seconds(120))
    }

    /// Milliseconds from the last start until `/readyz` answers 200: with
    /// `--demo`, once the demo is made and the worker runs.
    @discardableResult
    func timeUntilReady() async throws -> Double {
        try await timeUntil("/readyz", since: launched ?? .now, limit: .seconds(300))
    }

    /// SIGTERM, as an operator stops it, and waits for the exit.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
        self.process = nil
    }

    /// Runs another `fanfare` command with the server's settings and
    /// returns its standard output; fails when it exits non-zero.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problem = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(
                description:
                    "fanfare \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(String(decoding: problem, as: UTF8.self))")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A new API token for the demo administrator.
    func token(name: String) throws -> String {
        try run(["token", "create", "--email", "demo@fanfare.local", "--name", name]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Milliseconds from `start` until `path` answers 200.
    private func timeUntil(_ path: String, since start: ContinuousClock.Instant, limit: Duration) async throws -> Double {
        let url = URL(string: base + path)!
        while start.duration(to: .now) < limit {
            if let process, !process.isRunning {
                throw Failure(description: "fanfare \(process.arguments?.joined(separator: " ") ?? "") exited \(process.terminationStatus)")
            }
            if let (_, response) = try? await URLSession.shared.data(from: url), (response as? HTTPURLResponse)?.statusCode == 200 {
                return secondsOf(start.duration(to: .now)) * 1_000
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw Failure(description: "fanfare serve's \(path) did not answer 200 within \(limit)")
    }

    /// A field of the server's /proc status in KiB (`VmRSS:`, `RssAnon:`, …).
    func statusKilobytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    /// A port nothing listens on now: bound on loopback with port 0, read
    /// back and released (a fixed range could collide with another run).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "no socket for a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw Failure(description: "could not find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
