import Crypto
import FanfareCore
import Fluent
import Foundation
import SQLKit
import SQLiteNIO
import Vapor

/// Which secret key a database was made under (issue 16), without storing
/// the key: HMAC-SHA256 of a fixed label under the key, in
/// `installation_facts`. Recorded the first time a node with a key starts
/// on the database (`serve`, `worker`, `migrate`, `backup`); compared by
/// `restore`, which refuses a backup made under another key, and by
/// `serve`, which logs an error when it starts on one.
enum KeyFingerprint {
    static let fact = "secret_key_fingerprint"
    private static let label = Data("fanfare secret key fingerprint v1".utf8)

    /// The hex fingerprint of `key`.
    static func of(_ key: Data) -> String {
        HexText.lower(HMAC<SHA256>.authenticationCode(for: label, using: SymmetricKey(data: key)))
    }

    /// The first 12 hex digits, to show.
    static func short(_ fingerprint: String) -> String { String(fingerprint.prefix(12)) }

    /// The fingerprint the database holds, if any.
    static func stored(on db: any Database) async throws -> String? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.raw("SELECT value FROM installation_facts WHERE name = \(bind: fact)").first()?.decode(column: "value", as: String.self)
    }

    /// Records `key`'s fingerprint unless one is there; returns the one
    /// the database holds afterwards.
    @discardableResult
    static func recordIfAbsent(_ key: Data, on db: any Database, now: Date = Date()) async throws -> String? {
        if let existing = try await stored(on: db) { return existing }
        let value = of(key)
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            try await sql.raw(
                "INSERT INTO installation_facts (name, value, recorded_at) VALUES (\(bind: fact), \(bind: value), \(bind: now)) ON CONFLICT (name) DO NOTHING"
            ).run()
        }
        return try await stored(on: db)
    }

    /// At start: records the key's fingerprint, or says loudly that the
    /// database was made under another key. Not a refusal: the operator
    /// may have accepted that (and reconnects accounts), or may be fixing
    /// the key right now; but every sealed credential will fail.
    static func checkAtStart(_ app: Application) async throws {
        guard let key = app.settings.secretKey else { return }
        guard let stored = try await recordIfAbsent(key, on: app.db), stored != of(key) else { return }
        app.logger.error(
            "this database was made under another secret key: the credentials of its connected accounts cannot be opened, so publishing, fetching messages and replies fail for each until it is reconnected; set FANFARE_SECRET_KEY (or the data directory's secret.key) to the original key",
            metadata: ["database_key": .string(short(stored)), "this_key": .string(short(of(key)))])
    }

    /// What restoring `staging` (a copy of `backup`) under `key` would
    /// break. Throws when the backup was made under another key and that
    /// is not accepted; otherwise returns a warning to print, if any. When
    /// accepted, the copy is made to record `key`'s fingerprint.
    static func checkRestore(
        of staging: URL, backup: URL, key: Data, dataDirectory: URL, acceptOtherKey: Bool, now: Date = Date()
    ) async throws -> String? {
        let connection = try await SQLiteConnection.open(storage: .file(path: staging.path))
        do {
            let result = try await checkRestore(
                connection, backup: backup, key: key, dataDirectory: dataDirectory, acceptOtherKey: acceptOtherKey, now: now)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func checkRestore(
        _ connection: SQLiteConnection, backup: URL, key: Data, dataDirectory: URL, acceptOtherKey: Bool, now: Date
    ) async throws -> String? {
        func hasTable(_ name: String) async throws -> Bool {
            !(try await connection.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]).isEmpty)
        }
        var accounts = 0
        if try await hasTable("social_accounts") {
            accounts = try await connection.query("SELECT COUNT(*) AS n FROM social_accounts").first?.column("n")?.integer.map { Int($0) } ?? 0
        }
        let ours = of(key)
        guard try await hasTable("installation_facts"),
            let theirs = try await connection.query("SELECT value FROM installation_facts WHERE name = ?", [.text(fact)]).first?.column("value")?
                .string
        else {
            guard accounts > 0 else { return nil }
            return
                "\(backup.path) does not say which secret key it was made under (it predates the check). If it was not this data directory's key, the credentials of its \(accountsPhrase(accounts)) cannot be opened and each must be reconnected."
        }
        guard theirs != ours else { return nil }
        let consequences =
            accounts == 0
            ? "it holds no connected account, so no stored credential would be lost now; any account connected after the restore is sealed under this key"
            : "the credentials of its \(accountsPhrase(accounts)) (access and refresh tokens, app secrets, webhook signing secrets, WeChat and Douyin keys) cannot be decrypted: publishing, fetching comments and messages, replies and checking the signatures of pushed messages fail for each of them until it is reconnected"
        guard acceptOtherKey else {
            throw CommandLineProblem(
                """
                --from: \(backup.path) was made under another secret key (fingerprint \(short(theirs)); this data directory's key is \(short(ours)), from FANFARE_SECRET_KEY or \(dataDirectory.appendingPathComponent(Settings.secretKeyFileName).path)). Restored under this key, \(consequences).
                Use the original key (set FANFARE_SECRET_KEY, or copy the original secret.key into \(dataDirectory.path)) and run restore again, or pass --accept-other-key to restore anyway.
                """)
        }
        _ = try await connection.query(
            "INSERT INTO installation_facts (name, value, recorded_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, recorded_at = excluded.recorded_at",
            [.text(fact), .text(ours), .text(ISO8601DateFormatter().string(from: now))])
        return "Restored under another secret key, as asked (--accept-other-key): \(consequences)."
    }

    private static func accountsPhrase(_ count: Int) -> String { count == 1 ? "1 connected account" : "\(count) connected accounts" }
}
