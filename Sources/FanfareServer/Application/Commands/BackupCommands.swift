import ArgumentParser
import Fluent
import Foundation
import SQLKit
import Vapor

extension FanfareCommand {
    /// `fanfare backup --to FILE`: a consistent copy of the embedded database,
    /// taken while the server keeps serving (SQLite's `VACUUM INTO` reads one
    /// snapshot).
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Writes a consistent copy of the SQLite database, safe while serving (PostgreSQL: use pg_dump).",
            discussion: "The file is readable by its owner only (mode 0600). Keep the data directory's secret.key with your backups.")

        @ArgumentParser.Option(help: "Where to write the backup; must not exist yet.")
        var to: String

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            try await FanfareRuntime.withApplication(settings) { app in
                guard !app.settings.usesPostgres else {
                    throw CommandLineProblem("DATABASE_URL points at PostgreSQL: back it up with pg_dump (see docs/operations.md, 'Backups')")
                }
                let target = URL(fileURLWithPath: to)
                guard !FileManager.default.fileExists(atPath: target.path) else {
                    throw CommandLineProblem("--to: \(target.path) exists; choose a new file name", usage: true)
                }
                guard FileManager.default.fileExists(atPath: app.settings.sqliteFile.path) else {
                    throw CommandLineProblem("no database at \(app.settings.sqliteFile.path) to back up")
                }
                if let key = app.settings.secretKey { try await KeyFingerprint.recordIfAbsent(key, on: app.db) }
                try await FanfareServer.Backup.write(from: app.db, to: target)
                let size = (try? FileManager.default.attributesOfItem(atPath: target.path)[.size] as? Int) ?? 0
                print("Backed up to \(target.path) (\(size) bytes).")
            }
        }
    }

    /// `fanfare restore --from FILE`: replaces the embedded database with a
    /// backup. Refused while a server runs on the data directory; the replaced
    /// database is kept beside it.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replaces the SQLite database with a backup (stop `fanfare serve` first).",
            discussion: """
                The replaced database is kept beside it. A backup made under another secret key is refused, naming what \
                would stop working, unless --accept-other-key.
                """)

        @ArgumentParser.Option(help: "A file written by `fanfare backup`.")
        var from: String

        @ArgumentParser.Flag(
            name: .customLong("accept-other-key"),
            help:
                "Restore a backup made under another secret key; its connected accounts' credentials then cannot be opened and each must be reconnected."
        )
        var acceptOtherKey = false

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            try await FanfareRuntime.withApplication(settings) { app in
                guard !app.settings.usesPostgres else {
                    throw CommandLineProblem("DATABASE_URL points at PostgreSQL: restore it with pg_restore (see docs/operations.md, 'Backups')")
                }
                let restored = try await FanfareServer.Backup.restore(
                    from: URL(fileURLWithPath: from), settings: app.settings, acceptOtherKey: acceptOtherKey)
                if let warning = restored.warning { CommandLineRunner.standardError("fanfare: warning: \(warning)") }
                print("Restored \(from). The previous database is kept at \(restored.kept?.path ?? "(there was none)").")
            }
        }
    }
}

enum Backup {
    /// Writes the backup with mode 0600 (issue 16: backups were 0644,
    /// readable by every user of the machine, with every person's data and
    /// the sealed credentials in them). The file is made empty with 0600
    /// first and SQLite writes into it (`VACUUM INTO` accepts an empty
    /// file), so it is never readable by others, not even for a moment.
    static func write(from db: any Database, to target: URL) async throws {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else {
            throw CommandLineProblem("backup works on the embedded SQLite database only")
        }
        let descriptor = open(target.path, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else { throw CommandLineProblem("--to: \(target.path) cannot be created (\(String(cString: strerror(errno))))") }
        // The process's umask may have taken bits away, never added any;
        // set the mode explicitly all the same.
        fchmod(descriptor, 0o600)
        close(descriptor)
        let path = target.path.replacingOccurrences(of: "'", with: "''")
        do {
            _ = try await sql.raw("VACUUM INTO '\(unsafeRaw: path)'").all()
        } catch {
            try? FileManager.default.removeItem(at: target)
            throw error
        }
    }

    struct Restored {
        /// Where the replaced database was kept.
        var kept: URL?
        /// What the operator should know (a backup under another key,
        /// accepted; or one that cannot tell).
        var warning: String?
    }

    /// Checks that `source` is a SQLite database with Fanfare's migrations
    /// table and that it was made under this data directory's secret key,
    /// then swaps it in.
    ///
    /// Issue 16: restoring into a new data directory silently made a new
    /// key, and every stored credential failed later. A backup made under
    /// another key is refused, naming what would stop working, unless
    /// `acceptOtherKey`; then the restored database records this key's
    /// fingerprint, since from now on it is this key's.
    static func restore(from source: URL, settings: Settings, acceptOtherKey: Bool = false, now: Date = Date()) async throws -> Restored {
        let fm = FileManager.default
        guard let handle = try? FileHandle(forReadingFrom: source) else { throw CommandLineProblem("--from: cannot read \(source.path)") }
        let header = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard header == Data("SQLite format 3\0".utf8) else {
            throw CommandLineProblem("--from: \(source.path) is not a SQLite database written by `fanfare backup`")
        }
        let content = (try? Data(contentsOf: source)) ?? Data()
        guard content.range(of: Data("_fluent_migrations".utf8)) != nil, content.range(of: Data("memberships".utf8)) != nil else {
            throw CommandLineProblem("--from: \(source.path) is a SQLite database but not a Fanfare backup")
        }
        guard !ServeLock.isHeld(in: settings.dataDirectory) else {
            throw CommandLineProblem("`fanfare serve` is running on \(settings.dataDirectory.path); stop it before restoring")
        }
        let live = settings.sqliteFile
        var kept: URL?
        let stamp = ISO8601DateFormatter().string(from: now).replacingOccurrences(of: ":", with: "")
        let staging = live.appendingPathExtension("restoring")
        func removeStaging() { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: staging.path + suffix) } }
        removeStaging()
        try fm.copyItem(at: source, to: staging)
        try? fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: staging.path)
        let warning: String?
        do {
            let key = try settings.secretKey ?? settings.resolveSecretKey()
            warning = try await KeyFingerprint.checkRestore(
                of: staging, backup: source, key: key, dataDirectory: settings.dataDirectory, acceptOtherKey: acceptOtherKey, now: now)
        } catch {
            removeStaging()
            throw error
        }
        for suffix in ["-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: staging.path + suffix) }
        if fm.fileExists(atPath: live.path) {
            kept = live.deletingLastPathComponent().appendingPathComponent("fanfare.before-restore-\(stamp).sqlite")
            try fm.moveItem(at: live, to: kept!)
        }
        for suffix in ["-wal", "-shm"] { try? fm.removeItem(atPath: live.path + suffix) }
        try fm.moveItem(at: staging, to: live)
        return Restored(kept: kept, warning: warning)
    }
}
