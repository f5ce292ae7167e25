import ArgumentParser
import FanfareCore
import Fluent
import SQLKit
import Vapor

extension FanfareCommand {
    /// `fanfare serve [--demo]`.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serves the web application and API, with a job worker in the same process.",
            discussion: """
                Migrates the embedded database, prints a one-time setup link while no user exists, then serves HTTP until \
                SIGTERM or SIGINT, after which it finishes the requests and the job in hand and exits 0. On PostgreSQL run \
                `fanfare migrate` first.
                """)

        @ArgumentParser.Flag(
            help:
                "Make a demo workspace through the product's own code paths, in the background once the server answers, and print a sign-in for every role."
        )
        var demo = false

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            try await FanfareRuntime.withApplication(settings, demo: demo) { app in
                // Vapor's command system still starts the server: its
                // ServeCommand (wrapped by FanfareServeCommand, the only
                // command registered there) binds the listener and turns
                // SIGTERM and SIGINT into a graceful stop, which `execute`
                // waits for.
                try await app.execute()
            }
        }
    }
}

/// Inside Vapor's command system, what `fanfare serve` runs: prepares the
/// database, prints the first-run setup link while nobody can sign in,
/// seeds the demo when asked, then serves HTTP with a job worker in the
/// same process until SIGTERM.
struct FanfareServeCommand: AsyncCommand {
    typealias Signature = ServeCommand.Signature
    let vaporServe: ServeCommand
    let worker: InProcessWorker?
    var help: String { "Serves the web application and API (and runs a job worker in the same process)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let settings = app.settings
        let started = ContinuousClock.now
        if settings.usesPostgres {
            try await app.migrator.setupIfNeeded().get()
            let pending = try await app.migrator.previewPrepareBatch().get()
            guard pending.isEmpty else {
                throw SettingsProblems(lines: [
                    "the PostgreSQL database needs \(pending.count) migration(s): run `fanfare migrate` once (from one node) before starting `fanfare serve`"
                ])
            }
        } else {
            try ServeLock.acquire(in: settings.dataDirectory)
            try await Storage.enableWAL(app.db)
            try await Storage.tuneSQLite(app)
            try await app.autoMigrate()
        }
        // Which secret key this database belongs to (issue 16, restore).
        try await KeyFingerprint.checkAtStart(app)
        if settings.demo {
            // Closed before the server listens, so no page is served from
            // a half-made demo.
            app.startupGate.begin(Demo.preparation)
        } else if let link = try await FirstRun.setupLink(on: app.db, base: settings.linkBase) {
            context.console.print("No user exists yet. Open this one-time link to create the first administrator (valid 24 hours):")
            context.console.print("  \(link)")
        }
        try await vaporServe.run(using: context, signature: signature)
        if settings.demo {
            // Made in the background once the server answers, so nothing it
            // does delays /healthz (issue 17: under a second); the worker
            // starts once the demo is ready.
            let console = context.console
            Demo.prepareInBackground(app, say: { console.print($0) }) { [worker] in worker?.start(app) }
        } else {
            worker?.start(app)
        }
        let elapsed = started.duration(to: .now)
        app.logger.info(
            "fanfare serving",
            metadata: [
                "address": .string("http://\(settings.host):\(settings.port)"),
                "database": .string(settings.usesPostgres ? "postgresql" : settings.sqliteFile.path),
                "startup_ms": .string(String(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)),
            ])
    }
}

enum Storage {
    /// WAL lets readers go on while one writer writes; the mode is stored in
    /// the database file.
    static func enableWAL(_ db: any Database) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { return }
        _ = try await sql.raw("PRAGMA journal_mode=WAL").all()
    }

    /// SQLite keeps 64 MiB of pages per connection (the default keeps 2 MB):
    /// the nightly recomputation of a million fans walks far more than 2 MB.
    /// No memory map: in WAL mode every commit by one connection makes each
    /// other connection drop its map at its next read (`munmap` of the whole
    /// mapping and a TLB shootdown on every core), which under pages that
    /// audit each view was a tenth of the server's CPU; without it the
    /// recomputation took as long and peaked at 430 MiB instead of 1.1 GiB
    /// (docs/benchmarks.md).
    /// A writer from elsewhere (a command beside the server, or a statement
    /// outside a write transaction) waits with SQLite's own backoff, asleep,
    /// instead of the driver's handler, which retries without pause.
    /// These are per connection, so every connection of every event loop
    /// (`GatedSQLiteConfiguration` keeps several per loop) gets them.
    static func tuneSQLite(_ app: Application) async throws {
        guard (app.db as? any SQLDatabase)?.dialect.name == "sqlite",
            let configuration = app.databases.configuration(for: .sqlite) as? GatedSQLiteConfiguration,
            let rotating = configuration.made.latest
        else { return }
        for eventLoop in app.eventLoopGroup.makeIterator() {
            for driver in rotating.drivers {
                let context = DatabaseContext(configuration: configuration, logger: app.logger, eventLoop: eventLoop)
                guard let sql = driver.makeDatabase(with: context) as? any SQLDatabase else { continue }
                for pragma in ["PRAGMA mmap_size=0", "PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY", "PRAGMA busy_timeout=60000"] {
                    _ = try await sql.raw(SQLQueryString(pragma)).all()
                }
            }
        }
    }
}

/// The one-time setup link, made while no user exists.
enum FirstRun {
    static let lifetime: TimeInterval = 86_400

    static func setupLink(on db: any Database, base: String, now: Date = Date()) async throws -> String? {
        guard try await User.query(on: db).count() == 0 else { return nil }
        // Only the newest link works: an old one seen in an old log is void.
        try await SetupToken.query(on: db).filter(\.$usedAt == nil).delete()
        let token = Secrets.randomToken()
        try await SetupToken(tokenHash: Secrets.sha256(token), expiresAt: now.addingTimeInterval(lifetime), now: now).create(on: db)
        return "\(base)/setup/\(token)"
    }
}

/// An exclusive lock on the data directory held while `serve` runs, so
/// that `restore` cannot replace the database under a running server.
enum ServeLock {
    nonisolated(unsafe) private static var descriptor: Int32 = -1

    static func acquire(in dataDirectory: URL) throws {
        let fd = open(dataDirectory.appendingPathComponent("serve.lock").path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0, flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            throw SettingsProblems(lines: [
                "FANFARE_DATA_DIR: \(dataDirectory.path) is in use by another `fanfare serve`; stop it or choose another data directory"
            ])
        }
        descriptor = fd
    }

    /// Whether a server holds the lock right now.
    static func isHeld(in dataDirectory: URL) -> Bool {
        let fd = open(dataDirectory.appendingPathComponent("serve.lock").path, O_CREAT | O_RDWR, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}
