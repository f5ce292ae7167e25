import Foundation

/// The compiled engines of the process's lexicons (one per workspace),
/// shared by every request and job, in a cache with a memory budget.
///
/// An engine is immutable; a change of lexicon builds a new one and swaps
/// the reference under a lock held only for the swap, so a scan always
/// runs on one whole engine, old or new, never on a half-built one. A
/// lookup never waits for a rebuild: when the stored version is behind,
/// it gets the engine it had and a rebuild starts in the background. Only
/// a lookup with nothing cached builds while its caller waits (the first
/// one of a lexicon, or one whose engine was evicted), since there is
/// nothing older to answer with; concurrent lookups of that lexicon wait
/// for the same build instead of each making its own. The process that
/// changed a lexicon calls `install` right after, so its own next check is
/// current.
///
/// Each engine is charged its estimated size (`ModerationEngine.memoryBytes`).
/// When the engines together exceed the budget, the least recently used
/// ones are dropped until they fit; a dropped engine is rebuilt from the
/// database when next needed. An engine bigger than the whole budget is
/// handed to the lookups waiting for it but not kept: keeping it would
/// push out every other workspace's engine for one.
public final class SharedEngines: @unchecked Sendable {
    /// 256 MiB: about 70 lexicons of 10,000 terms, or 8 of 100,000.
    public static let defaultBudgetBytes = 256 << 20

    /// What the cache has done since it was made, for `/metrics` and tests.
    public struct Statistics: Sendable, Equatable {
        /// Lookups answered with a current engine.
        public var hits = 0
        /// Lookups answered with an older engine while a newer one builds.
        public var staleHits = 0
        /// Lookups that found nothing and waited for a build.
        public var misses = 0
        /// Builds started by lookups (installs by the writer not counted).
        public var builds = 0
        /// Engines dropped to keep within the budget.
        public var evictions = 0
        /// Engines not kept because they alone exceed the budget.
        public var oversized = 0
    }

    private struct Entry {
        var version: Int
        var engine: ModerationEngine
        var bytes: Int
        var lastUse: UInt64
    }

    private struct Build {
        var id: UInt64
        var version: Int
        var task: Task<ModerationEngine, any Error>
    }

    /// The most the kept engines may add up to, in bytes.
    public let budgetBytes: Int
    private let onOversized: @Sendable (_ key: String, _ bytes: Int) -> Void
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var builds: [String: Build] = [:]
    private var tick: UInt64 = 0
    private var charged = 0
    private var counters = Statistics()

    /// `onOversized` is told (outside the lock) of each engine too big to
    /// keep, so that the server can say so in its log.
    public init(budgetBytes: Int = SharedEngines.defaultBudgetBytes, onOversized: @escaping @Sendable (String, Int) -> Void = { _, _ in }) {
        self.budgetBytes = max(0, budgetBytes)
        self.onOversized = onOversized
    }

    /// The engine for `key` at `version`, or the previous one while
    /// `build` makes it.
    public func engine(
        for key: String, version: Int, build: @escaping @Sendable () async throws -> ModerationEngine
    ) async throws -> ModerationEngine {
        enum Plan {
            case ready(ModerationEngine)
            case wait(Task<ModerationEngine, any Error>)
        }
        let plan: Plan = lock.withLock {
            if var entry = entries[key] {
                tick += 1
                entry.lastUse = tick
                entries[key] = entry
                if entry.version >= version {
                    counters.hits += 1
                } else {
                    counters.staleHits += 1
                    if (builds[key]?.version ?? Int.min) < version { startBuild(key, version: version, build) }
                }
                return .ready(entry.engine)
            }
            counters.misses += 1
            if let running = builds[key], running.version >= version { return .wait(running.task) }
            return .wait(startBuild(key, version: version, build))
        }
        switch plan {
        case .ready(let engine): return engine
        case .wait(let task): return try await task.value
        }
    }

    /// Starts a build whose result is installed when it ends. Called with
    /// the lock held; the task itself runs later, elsewhere.
    @discardableResult
    private func startBuild(
        _ key: String, version: Int, _ build: @escaping @Sendable () async throws -> ModerationEngine
    ) -> Task<ModerationEngine, any Error> {
        tick += 1
        let id = tick
        counters.builds += 1
        let task = Task {
            do {
                let engine = try await build()
                self.install(engine, for: key, version: version, finishing: id)
                return engine
            } catch {
                self.lock.withLock { if self.builds[key]?.id == id { self.builds[key] = nil } }
                throw error
            }
        }
        builds[key] = Build(id: id, version: version, task: task)
        return task
    }

    /// Puts an engine in place unless a newer one is already there, and
    /// drops the least recently used engines until the budget holds.
    /// Returns whether it was kept.
    @discardableResult
    public func install(_ engine: ModerationEngine, for key: String, version: Int) -> Bool {
        install(engine, for: key, version: version, finishing: nil)
    }

    private func install(_ engine: ModerationEngine, for key: String, version: Int, finishing build: UInt64?) -> Bool {
        let bytes = engine.memoryBytes
        let kept: Bool = lock.withLock {
            if let build, builds[key]?.id == build { builds[key] = nil }
            if let existing = entries[key] {
                if existing.version > version { return false }
                // Superseded: an older engine must not answer as if current.
                entries[key] = nil
                charged -= existing.bytes
            }
            if bytes > budgetBytes {
                counters.oversized += 1
                return false
            }
            tick += 1
            entries[key] = Entry(version: version, engine: engine, bytes: bytes, lastUse: tick)
            charged += bytes
            while charged > budgetBytes, let victim = entries.filter({ $0.key != key }).min(by: { $0.value.lastUse < $1.value.lastUse }) {
                entries[victim.key] = nil
                charged -= victim.value.bytes
                counters.evictions += 1
            }
            return true
        }
        if !kept, bytes > budgetBytes { onOversized(key, bytes) }
        return kept
    }

    /// The version in place for `key`, if any.
    public func version(of key: String) -> Int? {
        lock.withLock { entries[key]?.version }
    }

    /// The bytes the kept engines are charged, together.
    public var chargedBytes: Int { lock.withLock { charged } }

    /// The keys of the kept engines, most recently used first.
    public var keysByRecentUse: [String] {
        lock.withLock { entries.sorted { $0.value.lastUse > $1.value.lastUse }.map(\.key) }
    }

    public var statistics: Statistics { lock.withLock { counters } }

    /// Waits until no build is running: the background rebuilds that
    /// lookups started have ended, installed or failed.
    public func settle() async {
        while true {
            let running = lock.withLock { builds.values.map(\.task) }
            if running.isEmpty { return }
            for task in running { _ = try? await task.value }
        }
    }
}
