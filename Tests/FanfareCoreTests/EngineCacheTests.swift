import FanfareCore
import Foundation
import Testing

/// The engine cache's memory budget (issue 16): engines are charged their
/// estimated size, the least recently used go first, an engine bigger than
/// the budget is used but not kept, and lookups never wait for a rebuild
/// of an engine they have.
@Suite struct EngineCacheTests {
    /// An engine of `count` distinct terms, tagged so a test can tell
    /// engines apart by what they find.
    static func engine(_ tag: String, terms count: Int = 200) -> ModerationEngine {
        ModerationEngine(terms: (0..<count).map { LexiconTerm(term: "\(tag)词\($0)号", category: "risk", severity: .warn) })
    }

    /// A budget that holds `engines` engines of `terms` terms, not one more.
    static func budget(holding engines: Int, terms: Int = 200) -> Int {
        let size = engine("size", terms: terms).memoryBytes
        return size * engines + size / 2
    }

    @Test func theEstimateGrowsWithTheLexiconAndCountsTheFoldingTable() {
        let empty = ModerationEngine(terms: [])
        let small = Self.engine("a", terms: 1_000)
        let large = Self.engine("a", terms: 10_000)
        // The per-engine folding table (planes 0 and 1, 4 bytes a scalar).
        #expect(empty.memoryBytes >= 0x20000 * 4)
        #expect(small.memoryBytes > empty.memoryBytes)
        #expect(large.memoryBytes - empty.memoryBytes > 5 * (small.memoryBytes - empty.memoryBytes))
        // Long terms cost their strings: each is stored outside the value.
        let long = ModerationEngine(
            terms: (0..<1_000).map { LexiconTerm(term: "很长的一个词语用来测试字符串\($0)号", category: "risk", severity: .warn) })
        let short = ModerationEngine(terms: (0..<1_000).map { LexiconTerm(term: "短\($0)", category: "risk", severity: .warn) })
        #expect(long.memoryBytes - short.memoryBytes > 1_000 * 48)
    }

    @Test func enginesAreChargedTheirSizeAndTheLeastRecentlyUsedAreEvictedFirst() async throws {
        let cache = SharedEngines(budgetBytes: Self.budget(holding: 3))
        for key in ["a", "b", "c"] { #expect(cache.install(Self.engine(key), for: key, version: 1)) }
        #expect(cache.keysByRecentUse == ["c", "b", "a"])
        #expect(cache.chargedBytes <= cache.budgetBytes)
        // Using "a" makes "b" the least recently used.
        _ = try await cache.engine(for: "a", version: 1) {
            Issue.record("a is cached"); return .empty
        }
        #expect(cache.keysByRecentUse == ["a", "c", "b"])
        cache.install(Self.engine("d"), for: "d", version: 1)
        #expect(cache.keysByRecentUse == ["d", "a", "c"])
        #expect(cache.version(of: "b") == nil)
        #expect(cache.statistics.evictions == 1)
        #expect(cache.chargedBytes <= cache.budgetBytes)
        // An evicted engine is built again when next needed, and is then
        // the most recent, pushing out the next least recently used.
        let rebuilt = try await cache.engine(for: "b", version: 1) { Self.engine("b") }
        #expect(rebuilt.scan("b词7号").count == 1)
        #expect(cache.keysByRecentUse == ["b", "d", "a"])
        #expect(cache.statistics.misses == 1)
        #expect(cache.statistics.evictions == 2)
    }

    @Test func anEngineBiggerThanTheBudgetServesItsLookupButIsNotKept() async throws {
        let reported = Locked<[String]>([])
        let cache = SharedEngines(budgetBytes: Self.budget(holding: 2)) { key, _ in reported.withLock { $0.append(key) } }
        cache.install(Self.engine("a"), for: "a", version: 1)
        cache.install(Self.engine("b"), for: "b", version: 1)
        let builds = Locked(0)
        for _ in 0..<2 {
            let huge = try await cache.engine(for: "huge", version: 1) {
                builds.withLock { $0 += 1 }
                return Self.engine("huge", terms: 20_000)
            }
            #expect(huge.scan("huge词14321号").count == 1)
        }
        // Not kept, so built for each lookup; and it pushed nobody out.
        #expect(builds.withLock { $0 } == 2)
        #expect(cache.version(of: "huge") == nil)
        #expect(Set(cache.keysByRecentUse) == ["a", "b"])
        #expect(cache.statistics.oversized == 2)
        #expect(reported.withLock { $0 } == ["huge", "huge"])
    }

    @Test func aVersionBumpAnswersWithTheOldEngineUntilTheNewOneIsBuiltAndRechargesIt() async throws {
        let cache = SharedEngines(budgetBytes: 64 << 20)
        let old = Self.engine("old", terms: 100)
        cache.install(old, for: "ws", version: 1)
        let charged = cache.chargedBytes
        #expect(charged == old.memoryBytes)
        let gate = AsyncGate()
        let answered = try await cache.engine(for: "ws", version: 2) {
            await gate.wait()
            return Self.engine("new", terms: 2_000)
        }
        #expect(answered === old)
        // A second stale lookup starts no second build.
        _ = try await cache.engine(for: "ws", version: 2) {
            Issue.record("a second build"); return .empty
        }
        #expect(cache.statistics.builds == 1)
        #expect(cache.statistics.staleHits == 2)
        await gate.open()
        await cache.settle()
        #expect(cache.version(of: "ws") == 2)
        let current = try await cache.engine(for: "ws", version: 2) {
            Issue.record("current"); return .empty
        }
        #expect(current.scan("new词1999号").count == 1)
        #expect(cache.chargedBytes == current.memoryBytes)
        #expect(cache.chargedBytes > charged)
        // An older engine arriving late does not replace the newer one.
        #expect(!cache.install(old, for: "ws", version: 1))
        #expect(cache.version(of: "ws") == 2)
    }

    @Test func concurrentLookupsOfAMissingEngineShareOneBuild() async throws {
        let cache = SharedEngines(budgetBytes: 64 << 20)
        let builds = Locked(0)
        let gate = AsyncGate()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    let engine = try await cache.engine(for: "ws", version: 3) {
                        builds.withLock { $0 += 1 }
                        await gate.wait()
                        return Self.engine("ws")
                    }
                    return engine.scan("ws词5号").count
                }
            }
            // Every lookup is either waiting on the build or yet to start;
            // none has an engine until the gate opens.
            await gate.open()
            for try await found in group { #expect(found == 1) }
        }
        #expect(builds.withLock { $0 } == 1)
        #expect(cache.version(of: "ws") == 3)
        #expect(cache.statistics.builds == 1)
    }

    @Test func aFailedBuildIsReportedToItsWaitersAndTheNextLookupTriesAgain() async throws {
        struct Broken: Error {}
        let cache = SharedEngines(budgetBytes: 64 << 20)
        await #expect(throws: Broken.self) { _ = try await cache.engine(for: "ws", version: 1) { throw Broken() } }
        let engine = try await cache.engine(for: "ws", version: 1) { Self.engine("ws") }
        #expect(engine.scan("ws词1号").count == 1)
        #expect(cache.statistics.builds == 2)
    }

    @Test func manyWorkspacesLookedUpAtOnceStayWithinTheBudget() async throws {
        let cache = SharedEngines(budgetBytes: Self.budget(holding: 4))
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let key = "ws\(index % 10)"
                    let engine = try await cache.engine(for: key, version: 1) { Self.engine(key) }
                    return engine.scan("\(key)词3号").count == 1
                }
            }
            for try await right in group { #expect(right) }
        }
        await cache.settle()
        #expect(cache.chargedBytes <= cache.budgetBytes)
        #expect(cache.keysByRecentUse.count <= 4)
        #expect(cache.statistics.evictions >= 6)
    }
}

/// A value shared with closures that may run anywhere.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
