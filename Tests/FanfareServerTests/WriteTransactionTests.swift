import Fluent
import Foundation
import SQLKit
import Synchronization
import Testing

@testable import FanfareServer

@Suite struct WriteTransactionTests {
    /// Each writer reads the tally and then adds one: on SQLite's plain
    /// `BEGIN` most of them failed with "database is locked", because another
    /// writer committed after their read. All eight must land, each once.
    @Test(arguments: TestDatabase.available)
    func writersThatReadFirstQueueInsteadOfFailing(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let sql = try #require(t.db as? any SQLDatabase)
            try await sql.raw("CREATE TABLE tally (n INTEGER NOT NULL)").run()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await t.db.writeTransaction { tx in
                            let sql = tx as! any SQLDatabase
                            _ = try await sql.raw("SELECT count(*) AS n FROM tally").all()
                            try await Task.sleep(for: .milliseconds(20))
                            try await sql.raw("INSERT INTO tally (n) VALUES (1)").run()
                            // A transaction opened inside joins this one.
                            try await tx.writeTransaction { inner in
                                try await (inner as! any SQLDatabase).raw("INSERT INTO tally (n) VALUES (2)").run()
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let rows = try await sql.raw("SELECT n FROM tally").all().map { try $0.decode(column: "n", as: Int.self) }
            #expect(rows.filter { $0 == 1 }.count == 8 && rows.filter { $0 == 2 }.count == 8, "\(rows)")
        }
    }

    @Test(arguments: TestDatabase.available)
    func aFailedWriterLeavesNothingBehind(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let sql = try #require(t.db as? any SQLDatabase)
            try await sql.raw("CREATE TABLE tally (n INTEGER NOT NULL)").run()
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await t.db.writeTransaction { tx in
                    try await (tx as! any SQLDatabase).raw("INSERT INTO tally (n) VALUES (1)").run()
                    throw Refused()
                }
            }
            #expect(try await sql.raw("SELECT n FROM tally").all().isEmpty)
            // The connection went back to the pool usable.
            try await t.db.writeTransaction { tx in try await (tx as! any SQLDatabase).raw("INSERT INTO tally (n) VALUES (3)").run() }
            #expect(try await sql.raw("SELECT n FROM tally").all().count == 1)
        }
    }

    @Test func theGateLetsOneWriterInAtATime() async throws {
        let gate = WriteGate()
        final class Log: Sendable { let state = Mutex<(inside: Int, most: Int, order: [Int])>((0, 0, [])) }
        let log = Log()
        await gate.enter()
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<50 {
                group.addTask {
                    await gate.enter()
                    log.state.withLock {
                        $0.inside += 1
                        $0.most = max($0.most, $0.inside)
                        $0.order.append(n)
                    }
                    try? await Task.sleep(for: .milliseconds(1))
                    log.state.withLock { $0.inside -= 1 }
                    gate.leave()
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
            #expect(log.state.withLock { $0.order.isEmpty }, "nobody passes while the gate is held")
            gate.leave()
        }
        let (most, order) = log.state.withLock { ($0.most, $0.order) }
        #expect(most == 1 && order.count == 50)
    }

    @Test func urgentWritersGoFirstUntilAnotherHasWaitedItsPatience() async throws {
        final class Log: Sendable { let order = Mutex<[String]>([]) }
        let log = Log()
        func writer(_ gate: WriteGate, _ name: String, urgent: Bool) async {
            await gate.enter(urgent: urgent)
            log.order.withLock { $0.append(name) }
            gate.leave()
        }
        func until(_ gate: WriteGate, _ urgent: Int, _ others: Int) async throws {
            while gate.waiting != (urgent, others) { try await Task.sleep(for: .milliseconds(1)) }
        }
        /// A background writer queues, then intake; the holder keeps the
        /// gate for `held` after both wait. Returns who went first.
        func race(patience: Duration, held: Duration) async throws -> [String] {
            log.order.withLock { $0 = [] }
            let gate = WriteGate(patience: patience)
            await gate.enter()
            async let background: Void = writer(gate, "background", urgent: false)
            try await until(gate, 0, 1)
            async let intake: Void = writer(gate, "intake", urgent: true)
            try await until(gate, 1, 1)
            try await Task.sleep(for: held)
            gate.leave()
            _ = await (background, intake)
            return log.order.withLock { $0 }
        }
        #expect(try await race(patience: .seconds(60), held: .zero) == ["intake", "background"])
        #expect(
            try await race(patience: .milliseconds(20), held: .milliseconds(30)) == ["background", "intake"],
            "it waited longer than the gate's patience")
    }

    /// Fluent's own `transaction` is SQLite's plain `BEGIN`; every writer in
    /// the server goes through `writeTransaction` instead.
    @Test func theServerOpensNoPlainTransactions() throws {
        let sources = ContractTests.repository.appendingPathComponent("Sources/FanfareServer")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter {
            $0.pathExtension == "swift"
        }
        var plain: [String] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            if text.contains(".transaction {") || text.contains(".transaction({") { plain.append(file.lastPathComponent) }
        }
        #expect(plain == [], "use writeTransaction in \(plain)")
    }
}
