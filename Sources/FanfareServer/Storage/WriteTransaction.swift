import FluentKit
import Foundation
import NIOCore
import SQLKit
import Synchronization

extension Database {
    /// The transaction every writer in Fanfare uses.
    ///
    /// SQLite's plain `BEGIN` starts as a reader. A transaction that reads and
    /// then writes fails at once with "database is locked" when another
    /// connection committed in between: its snapshot is stale, so waiting for
    /// the lock cannot help. `BEGIN IMMEDIATE` takes the write lock first, so
    /// writers queue behind each other instead of failing. Within one
    /// process they queue at the `WriteGate` first, without a thread: SQLite's
    /// own wait spins on a thread of the pool, and on two cores the spinning
    /// writer took CPU from the one holding the lock. PostgreSQL's own
    /// transactions need nothing of this.
    ///
    /// `urgent`: someone is waiting on the answer (a platform's push); see `WriteGate`.
    func writeTransaction<T: Sendable>(urgent: Bool = false, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        guard !inTransaction, let sql = self as? any SQLDatabase, sql.dialect.name == "sqlite" else {
            return try await transaction(body)
        }
        guard let gate = (context.configuration as? GatedSQLiteConfiguration)?.gate else { return try await immediateTransaction(body) }
        await gate.enter(urgent: urgent)
        defer { gate.leave() }
        return try await immediateTransaction(body)
    }

    private func immediateTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await withConnection { connection in
            guard let bound = connection as? any SQLDatabase else { return try await connection.transaction(body) }
            let tx = SQLiteWriteTransaction(connection: connection, sql: bound)
            try await bound.raw("BEGIN IMMEDIATE TRANSACTION").run()
            do {
                let result = try await body(tx)
                try await bound.raw("COMMIT TRANSACTION").run()
                return result
            } catch {
                try? await bound.raw("ROLLBACK TRANSACTION").run()
                throw error
            }
        }
    }
}

/// One SQLite connection inside `BEGIN IMMEDIATE`: every query goes to that
/// connection, and a transaction opened within it joins it, as Fluent's own
/// transactions do.
private struct SQLiteWriteTransaction: Database, SQLDatabase {
    let connection: any Database
    let sql: any SQLDatabase

    var context: DatabaseContext { connection.context }
    var inTransaction: Bool { true }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        connection.execute(query: query, onOutput: onOutput)
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> { connection.execute(schema: schema) }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> { connection.execute(enum: `enum`) }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> { closure(self) }

    var logger: Logger { sql.logger }
    var eventLoop: any EventLoop { sql.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var dialect: any SQLDialect { sql.dialect }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        sql.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try await sql.execute(sql: query, onRow)
    }
}

/// SQLite's configuration with the gate its writers queue at in this
/// process, and several connections per event loop.
///
/// Fluent's SQLite driver keeps one connection per event loop (it ignores
/// `maxConnectionsPerEventLoop`), so every query of a loop's requests waited
/// for that one connection, including while it was being handed from the
/// thread that ran SQLite back to the busy event loop. In WAL mode readers
/// do not block each other or the writer, so this configuration makes
/// `connectionsPerEventLoop` of Fluent's drivers, each with its own
/// connection per loop, and hands each new `Database` to the next of them
/// in turn. Writers stay one at a time: every write transaction queues at
/// the one `WriteGate` first, and takes SQLite's write lock with
/// `BEGIN IMMEDIATE`; a statement written outside a transaction (a session
/// touched, a token's last use) waits for the lock with `busy_timeout`.
/// A transaction keeps its one connection throughout, as before.
struct GatedSQLiteConfiguration: DatabaseConfiguration {
    /// Measured with `fanfare-bench serve` on two cores (docs/benchmarks.md).
    static let connectionsPerEventLoop = 3

    var sqlite: any DatabaseConfiguration
    let gate = WriteGate()
    /// The drivers made, so that each connection can be tuned at start.
    let made = MadeDrivers()

    var middleware: [any AnyModelMiddleware] {
        get { sqlite.middleware }
        set { sqlite.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        let driver = RotatingDriver(drivers: (0..<Self.connectionsPerEventLoop).map { _ in sqlite.makeDriver(for: databases) })
        made.latest = driver
        return driver
    }

    final class MadeDrivers: Sendable {
        private let driver = Mutex<RotatingDriver?>(nil)
        var latest: RotatingDriver? {
            get { driver.withLock { $0 } }
            set { driver.withLock { $0 = newValue } }
        }
    }
}

/// Several drivers over the same database, each new `Database` from the
/// next one in turn.
final class RotatingDriver: DatabaseDriver, Sendable {
    let drivers: [any DatabaseDriver]
    private let next = Atomic<Int>(0)

    init(drivers: [any DatabaseDriver]) {
        self.drivers = drivers
    }

    func makeDatabase(with context: DatabaseContext) -> any Database {
        let turn = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return drivers[Int(UInt(bitPattern: turn) % UInt(drivers.count))].makeDatabase(with: context)
    }

    func shutdown() {
        for driver in drivers { driver.shutdown() }
    }

    func shutdownAsync() async {
        for driver in drivers { await driver.shutdownAsync() }
    }
}

/// One writer at a time. Urgent writers (intake, with a platform waiting on
/// the answer) go before the others, but a writer that has waited
/// `patience` goes next whatever is waiting, so background work is delayed
/// by a burst and never stopped by it. The others wait as suspended tasks,
/// not on threads.
final class WriteGate: Sendable {
    private struct Waiting {
        var held = false
        var urgent: [CheckedContinuation<Void, Never>] = []
        var others: [(waiter: CheckedContinuation<Void, Never>, since: ContinuousClock.Instant)] = []
        var patience: Duration
    }

    private let state: Mutex<Waiting>

    /// Settable for tests that need the order not to depend on how fast the machine is.
    var patience: Duration {
        get { state.withLock { $0.patience } }
        set { state.withLock { $0.patience = newValue } }
    }

    /// Background work falls behind during a burst of pushes and catches
    /// up after it: in a 10 s burst at 2,000 pushes a second, the fans'
    /// engagement left about 1,100 jobs that were paid 1.3 s after the
    /// burst ended. A patience of 100 ms kept that backlog near 100 jobs
    /// but raised the pushes' p99 from 43–79 ms to 70–119 ms.
    init(patience: Duration = .milliseconds(500)) {
        state = Mutex(Waiting(patience: patience))
    }

    func enter(urgent: Bool = false) async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                guard state.held else {
                    state.held = true
                    return true
                }
                if urgent { state.urgent.append(waiter) } else { state.others.append((waiter, .now)) }
                return false
            }
            if now { waiter.resume() }
        }
    }

    /// How many wait, of each kind (for the tests).
    var waiting: (urgent: Int, others: Int) { state.withLock { ($0.urgent.count, $0.others.count) } }

    func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let oldest = state.others.first, state.urgent.isEmpty || oldest.since.duration(to: .now) >= state.patience {
                return state.others.removeFirst().waiter
            }
            if !state.urgent.isEmpty { return state.urgent.removeFirst() }
            state.held = false
            return nil
        }
        next?.resume()
    }
}
