import Foundation
import Testing

/// The databases every server test runs on: SQLite always, PostgreSQL when
/// its binaries are installed (a private cluster is started for the test
/// process) or when FANFARE_TEST_POSTGRES_URL points at a server where the
/// tests may create databases.
enum TestDatabase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    static var available: [TestDatabase] {
        PostgresCluster.isAvailable ? [.sqlite, .postgres] : [.sqlite]
    }
}

/// A throw-away PostgreSQL cluster in a temporary directory on a free port,
/// started once per test process and stopped when it exits.
enum PostgresCluster {
    struct Running: Sendable {
        let baseURL: String
    }

    static var isAvailable: Bool {
        if ProcessInfo.processInfo.environment["FANFARE_TEST_POSTGRES_URL"] != nil { return true }
        if ProcessInfo.processInfo.environment["FANFARE_TEST_SKIP_POSTGRES"] != nil { return false }
        return binDirectory != nil
    }

    static let binDirectory: String? = {
        let fm = FileManager.default
        var candidates: [String] = []
        if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
            candidates += versions.sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        }
        candidates += ["/usr/local/pgsql/bin", "/usr/local/bin", "/usr/bin"]
        return candidates.first { fm.isExecutableFile(atPath: "\($0)/initdb") && fm.isExecutableFile(atPath: "\($0)/pg_ctl") }
    }()

    /// Started lazily by the first PostgreSQL test; the same for the rest.
    static let shared: Result<Running, any Error> = Result { try start() }

    nonisolated(unsafe) private static var stopCommand: [String] = []

    private static func start() throws -> Running {
        if let url = ProcessInfo.processInfo.environment["FANFARE_TEST_POSTGRES_URL"] { return Running(baseURL: url) }
        guard let bin = binDirectory else { throw ClusterError("no PostgreSQL binaries") }
        removeAbandonedClusters()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let port = freePort()
        // PostgreSQL refuses to run as root; CI runs as root, so it runs as
        // the `postgres` user that Debian's package creates.
        let asUser: [String] = geteuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        if geteuid() == 0 { try run(["/bin/chown", "postgres", dir.path]) }
        let data = dir.appendingPathComponent("data").path
        try run(asUser + ["\(bin)/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"])
        let options =
            "-p \(port) -k \(dir.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=1000"
        try run(asUser + ["\(bin)/pg_ctl", "-D", data, "-o", options, "-l", dir.appendingPathComponent("log").path, "-w", "start"])
        stopCommand = asUser + ["\(bin)/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        clusterDirectory = dir
        atexit {
            _ = try? PostgresCluster.run(PostgresCluster.stopCommand)
            // Each run's cluster is ~2 GB once the suite has filled it: a
            // machine that runs the suite all day would fill its disk.
            if let dir = PostgresCluster.clusterDirectory { try? FileManager.default.removeItem(at: dir) }
        }
        return Running(baseURL: "postgres://postgres@127.0.0.1:\(port)")
    }

    nonisolated(unsafe) private static var clusterDirectory: URL?

    /// Clusters of runs that were killed before their exit handler ran
    /// (a timeout, ^C): older than six hours and with no live postmaster.
    /// Another suite running at the same time keeps its own, alive.
    private static func removeAbandonedClusters() {
        let fm = FileManager.default
        let temporary = fm.temporaryDirectory
        guard let names = try? fm.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix("fanfare-pg-") && !name.hasPrefix("fanfare-pg-cmd-") {
            let dir = temporary.appendingPathComponent(name)
            guard let modified = (try? fm.attributesOfItem(atPath: dir.path))?[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > 6 * 3_600
            else { continue }
            let pidFile = dir.appendingPathComponent("data/postmaster.pid")
            if let text = try? String(contentsOf: pidFile, encoding: .utf8), let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }),
                kill(pid, 0) == 0
            {
                continue
            }
            try? fm.removeItem(at: dir)
        }
    }

    /// Runs a command to completion through `/bin/sh`, output to a file
    /// and input from /dev/null, so that a daemon it starts (the
    /// postmaster) holds none of this process's descriptors.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-pg-cmd-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let quoted = arguments.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let command = "exec \(quoted) < /dev/null > '\(log.path)' 2>&1"
        var argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", command].map { (text: String) in strdup(text) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // Close everything above stderr in the child (sockets, pipes to the
        // test runner), which a daemonised postmaster would otherwise keep.
        for fd: Int32 in 3..<1024 { posix_spawn_file_actions_addclose(&actions, fd) }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, nil, &argv, environ)
        guard spawned == 0 else { throw ClusterError("could not start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let exitCode = (status >> 8) & 0xff
        guard status & 0x7f == 0, exitCode == 0 else { throw ClusterError("\(arguments.joined(separator: " ")) failed (\(status)): \(output)") }
        return output
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    struct ClusterError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}

@Suite struct TestDatabaseTests {
    /// CI sets FANFARE_REQUIRE_POSTGRES so that a machine without
    /// PostgreSQL fails instead of passing on SQLite alone; elsewhere the
    /// skip is said out loud.
    @Test func postgresRunsWhenRequired() throws {
        if PostgresCluster.isAvailable {
            _ = try PostgresCluster.shared.get()
        } else if ProcessInfo.processInfo.environment["FANFARE_REQUIRE_POSTGRES"] != nil {
            Issue.record("FANFARE_REQUIRE_POSTGRES is set but no PostgreSQL binaries were found (install Debian's postgresql)")
        } else {
            print("note: PostgreSQL binaries not found; server tests ran on SQLite only")
        }
    }
}
