import Foundation

/// One monitor as the matcher needs it.
public struct MonitorDefinition: Sendable, Equatable {
    public var id: UUID
    public var query: MonitorQuery
    /// Phrases that rule a message out whatever the query says (job ads,
    /// a namesake, the brand's own campaign hashtag). Folded like the query's.
    public var exclusions: [String]
    /// Platforms heard (nil: every platform).
    public var platforms: Set<String>?
    /// Sources heard, by id: accounts, feeds, searches (nil: every source).
    public var sources: Set<UUID>?

    public init(id: UUID, query: MonitorQuery, exclusions: [String] = [], platforms: Set<String>? = nil, sources: Set<UUID>? = nil) {
        self.id = id
        self.query = query
        self.exclusions = exclusions
        self.platforms = platforms
        self.sources = sources
    }

    public static let maxExclusions = 50

    /// Checks an exclusion list as a form gives it, one phrase a line.
    public static func exclusions(_ lines: [String], field: String = "exclusions") throws(ValidationErrors) -> [String] {
        let phrases = lines.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard phrases.count <= maxExclusions else { throw ValidationErrors(field, .itemsAtMost(max: maxExclusions, count: phrases.count)) }
        var errors = ValidationErrors()
        for (index, phrase) in phrases.enumerated() where TextFolding.fold(phrase).isEmpty {
            errors.add("\(field)[\(index)]", .monitorExclusionEmpty(phrase: phrase))
        }
        try errors.throwIfAny()
        return phrases
    }
}

/// Every monitor of a workspace compiled into one automaton: a message is
/// scanned once, whatever the number of monitors, and only the monitors
/// that use a phrase heard in it are evaluated. Immutable; build a new one
/// when a monitor changes.
public final class MonitorMatcher: Sendable {
    private let engine: ModerationEngine
    private let monitors: [MonitorDefinition]
    /// Per monitor: its query's keys' indices into the automaton's keys, and its exclusions'.
    private let queryKeys: [[Int]]
    private let exclusionKeys: [Set<Int>]
    private let keyIndex: [String: Int]
    /// Per key: the monitors that use it (query or exclusion).
    private let users: [[Int]]

    public var count: Int { monitors.count }

    public init(_ monitors: [MonitorDefinition]) {
        var keyIndex: [String: Int] = [:]
        var terms: [LexiconTerm] = []
        var users: [[Int]] = []
        func index(_ phrase: String, key: String, monitor: Int) -> Int {
            if let known = keyIndex[key] {
                if users[known].last != monitor { users[known].append(monitor) }
                return known
            }
            keyIndex[key] = terms.count
            terms.append(LexiconTerm(term: phrase, category: "monitor", severity: .warn))
            users.append([monitor])
            return terms.count - 1
        }
        var queryKeys: [[Int]] = []
        var exclusionKeys: [Set<Int>] = []
        for (number, monitor) in monitors.enumerated() {
            queryKeys.append(zip(monitor.query.phrases, monitor.query.keys).map { index($0, key: $1, monitor: number) })
            exclusionKeys.append(
                Set(
                    monitor.exclusions.compactMap { phrase in
                        let key = TextFolding.fold(phrase)
                        return key.isEmpty ? nil : index(phrase, key: key, monitor: number)
                    }))
        }
        self.engine = ModerationEngine(terms: terms)
        self.monitors = monitors
        self.queryKeys = queryKeys
        self.exclusionKeys = exclusionKeys
        self.keyIndex = keyIndex
        self.users = users
    }

    /// The monitors that hear `text`, coming from `platform` through
    /// `source`, in the order they were given.
    public func match(_ text: String, platform: String, source: UUID?) -> [UUID] {
        let heard = Set(engine.scan(text, policy: .all).compactMap { keyIndex[TextFolding.fold($0.term)] })
        guard !heard.isEmpty else { return [] }
        var candidates = Set<Int>()
        for key in heard { candidates.formUnion(users[key]) }
        var found: [UUID] = []
        for number in candidates.sorted() {
            let monitor = monitors[number]
            if let platforms = monitor.platforms, !platforms.contains(platform) { continue }
            if let sources = monitor.sources, !(source.map(sources.contains) ?? false) { continue }
            guard exclusionKeys[number].isDisjoint(with: heard) else { continue }
            var present = Set<Int>()
            for (position, key) in queryKeys[number].enumerated() where heard.contains(key) { present.insert(position) }
            if monitor.query.matches(present) { found.append(monitor.id) }
        }
        return found
    }
}
