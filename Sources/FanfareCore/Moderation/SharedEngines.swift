import Foundation

/// The compiled engine of each lexicon (one per workspace), shared by
/// every request and job of the process.
///
/// An engine is immutable; a change of lexicon builds a new one and swaps
/// the reference under a lock held only for the swap, so a scan always
/// runs on one whole engine, old or new, never on a half-built one. A
/// lookup never waits for a rebuild: when the stored version is behind,
/// it gets the engine it had and a rebuild starts in the background. Only
/// the very first lookup of a lexicon builds while its caller waits, since
/// there is nothing older to answer with; the process that changed a
/// lexicon calls `install` right after, so its own next check is current.
public final class SharedEngines: @unchecked Sendable {
    private struct Entry {
        var version: Int
        var engine: ModerationEngine
        var building: Int?
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]

    public init() {}

    /// The engine for `key` at `version`, or the previous one while
    /// `build` makes it.
    public func engine(
        for key: String, version: Int, build: @escaping @Sendable () async throws -> ModerationEngine
    ) async throws -> ModerationEngine {
        enum Plan {
            case ready(ModerationEngine)
            case stale(ModerationEngine, rebuild: Bool)
            case missing
        }
        let plan: Plan = lock.withLock {
            guard var entry = entries[key] else { return .missing }
            if entry.version >= version { return .ready(entry.engine) }
            let rebuild = entry.building.map { $0 < version } ?? true
            if rebuild {
                entry.building = version
                entries[key] = entry
            }
            return .stale(entry.engine, rebuild: rebuild)
        }
        switch plan {
        case .ready(let engine):
            return engine
        case .stale(let engine, let rebuild):
            if rebuild {
                Task {
                    do {
                        self.install(try await build(), for: key, version: version)
                    } catch {
                        self.lock.withLock { self.entries[key]?.building = nil }
                    }
                }
            }
            return engine
        case .missing:
            let engine = try await build()
            install(engine, for: key, version: version)
            return engine
        }
    }

    /// Puts an engine in place unless a newer one is already there.
    public func install(_ engine: ModerationEngine, for key: String, version: Int) {
        lock.withLock {
            if let existing = entries[key], existing.version > version { return }
            let building = entries[key]?.building.flatMap { $0 > version ? $0 : nil }
            entries[key] = Entry(version: version, engine: engine, building: building)
        }
    }

    /// The version in place for `key`, if any.
    public func version(of key: String) -> Int? {
        lock.withLock { entries[key]?.version }
    }
}
