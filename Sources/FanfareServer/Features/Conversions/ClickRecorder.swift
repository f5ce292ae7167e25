import Crypto
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What the redirect needs of a link, remembered by code.
struct CachedLink: Sendable {
    var id: UUID
    var workspaceID: UUID
    var destinationWithUTM: String
    /// The arms its visitors are split between, while an experiment runs on it.
    var split: LinkSplit? = nil
}

/// A link's visitors split between destinations by weight (an
/// experiment's arms): stored on the link as JSON while the split runs.
struct LinkSplit: Codable, Sendable, Equatable {
    struct Arm: Codable, Sendable, Equatable {
        var id: UUID
        var weight: Double
        var destinationWithUTM: String
    }

    /// Salts the visitors' assignment (the experiment's id), so a new
    /// experiment on the same link draws its arms afresh.
    var key: String
    var arms: [Arm]

    static let cookie = "fnf_v"

    /// A new visitor's identifier: 16 random bytes from the system's generator.
    static func newVisitorID() -> String { HexText.lower((0..<16).map { _ in UInt8.random(in: 0...255) }) }

    /// A visitor's own identifier as the cookie carries it: 32 lowercase hex digits.
    static func isVisitorID(_ value: String) -> Bool {
        value.utf8.count == 32 && value.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

/// Links by code, for `/l/{code}`: at most `capacity` codes (unknown codes
/// included, so a scan of made-up codes costs one read each per lifetime),
/// each for `lifetime` seconds. Disabling a link forgets it on this node at
/// once; other nodes see it within the lifetime.
final class LinkCache: @unchecked Sendable {
    static let capacity = 50_000
    static let lifetime: TimeInterval = 30
    private let lock = NSLock()
    private var entries: [String: (link: CachedLink?, until: Date)] = [:]

    func lookup(_ code: String, now: Date) -> CachedLink?? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = entries[code], entry.until > now else { return nil }
        return .some(entry.link)
    }

    func remember(_ code: String, _ link: CachedLink?, now: Date) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= Self.capacity {
            entries = entries.filter { $0.value.until > now }
            // Still full of live entries: start again rather than grow.
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        }
        entries[code] = (link, now.addingTimeInterval(Self.lifetime))
    }

    func forget(_ code: String) {
        lock.lock()
        defer { lock.unlock() }
        entries[code] = nil
    }
}

/// One click, as the redirect saw it.
struct RecordedClick: Sendable {
    var id: UUID
    var workspaceID: UUID
    var linkID: UUID
    var at: Date
    var day: String
    var visitorKey: String
    var bot: Bool
    /// The arm a split link sent the visitor to, and the visitor's unit
    /// (a MAC of their own identifier), which the experiment counts.
    var armID: UUID? = nil
    var unit: String? = nil
}

/// Clicks held in memory and written in batches, one transaction a batch,
/// by a background task every `interval` and on shutdown. The buffer holds
/// at most `capacity` clicks; a click arriving at a full buffer makes its
/// request write the buffer first (inline), so no click is dropped. A
/// crash loses at most the clicks of one interval.
final class ClickRecorder: @unchecked Sendable {
    static let interval: Duration = .milliseconds(250)
    static let capacity = 20_000
    private let lock = NSLock()
    private var buffer: [RecordedClick] = []
    private let database: @Sendable () -> any Database
    private let visitorKey: SymmetricKey
    private var loop: Task<Void, Never>?
    private let logger: Logger

    init(secretKey: Data, logger: Logger, database: @escaping @Sendable () -> any Database) {
        // A key of its own, so these MACs can never be confused with another use of the secret key.
        visitorKey = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("fanfare visitor v1".utf8), using: SymmetricKey(data: secretKey)))
        self.database = database
        self.logger = logger
        buffer.reserveCapacity(1_024)
    }

    static func day(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return String(days)
    }

    /// HMAC(key, daily salt + address + user agent): the same person on the
    /// same day gets the same key; nobody can read the address back, and
    /// keys of different days do not match.
    func visitor(day: String, address: String, userAgent: String) -> String {
        var data = Data("\(day)\n\(address)\n".utf8)
        data.append(contentsOf: userAgent.utf8.prefix(512))
        return HexText.lower(HMAC<SHA256>.authenticationCode(for: data, using: visitorKey).prefix(16))
    }

    /// Where a split link sends the visitor whose own identifier is
    /// `visitorID`: the same arm every time (the MAC of the split's key and
    /// the identifier, read as a point in [0, 1) cut by the weights), and
    /// the unit the experiment counts the visitor by.
    func arm(of split: LinkSplit, visitorID: String) -> (arm: LinkSplit.Arm, unit: String) {
        let mac = Array(HMAC<SHA256>.authenticationCode(for: Data("\(split.key)\n\(visitorID)".utf8), using: visitorKey))
        let hash = mac.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let index = ArmAssignment.pick(hash: hash, weights: split.arms.map(\.weight))
        return (split.arms[index], HexText.lower(mac[8..<24]))
    }

    /// A visit to `link`: the click, and where it goes. A split link sends
    /// the visitor whose own random identifier is `visitorID` to their arm
    /// (and the click records arm and unit); any other link, or a visitor
    /// without an identifier, goes to the link's destination.
    func visit(
        _ link: CachedLink, address: String, userAgent: String, visitorID: String?, at now: Date
    ) -> (click: RecordedClick, destination: String) {
        var click = click(on: link, address: address, userAgent: userAgent, at: now)
        guard let split = link.split, let visitorID else { return (click, link.destinationWithUTM) }
        let (arm, unit) = arm(of: split, visitorID: visitorID)
        click.armID = arm.id
        click.unit = unit
        return (click, arm.destinationWithUTM)
    }

    /// The click of a visitor (address and user agent) on `link` at `now`:
    /// the visitor key, the robot flag and a new click id.
    func click(on link: CachedLink, address: String, userAgent: String, at now: Date) -> RecordedClick {
        let day = Self.day(now)
        return RecordedClick(
            id: TimeOrderedID.make(at: now), workspaceID: link.workspaceID, linkID: link.id, at: now, day: day,
            visitorKey: visitor(day: day, address: address, userAgent: userAgent), bot: BotFilter.isBot(userAgent))
    }

    /// Adds a click; true when the buffer is full and the caller must `flush()` before answering.
    func add(_ click: RecordedClick) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if loop == nil, !stopped { startLocked() }
        buffer.append(click)
        return buffer.count >= Self.capacity
    }

    var pending: Int {
        lock.lock()
        defer { lock.unlock() }
        return buffer.count
    }

    private var stopped = false

    /// The flusher starts with the first click.
    private func startLocked() {
        loop = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                guard let self else { return }
                do { try await self.flush() } catch { self.logger.error("Writing link clicks failed: \(error)") }
            }
        }
    }

    func stop() async {
        let running: Task<Void, Never>? = lock.withLock {
            stopped = true
            defer { loop = nil }
            return loop
        }
        running?.cancel()
        do { try await flush() } catch { logger.error("Writing link clicks at shutdown failed: \(error)") }
    }

    private var lastFlush: Task<Void, any Error>?

    /// Writes what the buffer holds, in one transaction. Flushes run one
    /// after another (a repeat is judged against what earlier batches
    /// stored, and a caller's flush returns only once every click added
    /// before it is written). A batch that fails to write goes back into
    /// the buffer for the next flush.
    func flush() async throws {
        let task: Task<Void, any Error> = lock.withLock {
            let previous = lastFlush
            let task = Task { [self] in
                _ = await previous?.result
                try await writeBuffered()
            }
            lastFlush = task
            return task
        }
        try await task.value
    }

    private func writeBuffered() async throws {
        let batch: [RecordedClick] = {
            lock.lock()
            defer { lock.unlock() }
            let taken = buffer
            buffer.removeAll(keepingCapacity: true)
            return taken
        }()
        guard !batch.isEmpty else { return }
        do {
            try await Self.write(batch, on: database())
        } catch {
            lock.withLock {
                if buffer.count + batch.count <= Self.capacity * 2 { buffer.insert(contentsOf: batch, at: 0) }
            }
            throw error
        }
    }

    /// Marks repeats (the same visitor key on the same link on the same day
    /// as an earlier click by a person, in this batch or already stored)
    /// and inserts the batch.
    static func write(_ batch: [RecordedClick], on db: any Database) async throws {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { return }
            var seen = Set<String>()
            // Visitor keys already counted for these links today: their
            // first click, the one not marked a repeat, found through the
            // (link_id, day, visitor_key) index. Without the links named the
            // index could not be used, and every earlier click of a key was
            // read: each flush read the whole table, slower than the last.
            let people = batch.filter { !$0.bot }
            let links = Array(Set(people.map(\.linkID)))
            let keys = Array(Set(people.map(\.visitorKey)))
            let days = Array(Set(people.map(\.day)))
            if !links.isEmpty {
                for start in stride(from: 0, to: keys.count, by: 500) {
                    let chunk = keys[start..<min(keys.count, start + 500)]
                    for row in try await sql.raw(
                        """
                        SELECT link_id, day, visitor_key FROM link_clicks
                        WHERE link_id IN \(SQLGroupExpression(links.map { SQLBind($0) }))
                        AND day IN \(SQLGroupExpression(days.map { SQLBind($0) })) AND visitor_key IN \(SQLGroupExpression(chunk.map { SQLBind($0) }))
                        AND bot = \(bind: false) AND repeated = \(bind: false)
                        """
                    ).all() {
                        let link = try row.decode(column: "link_id", as: UUID.self)
                        seen.insert(
                            "\(link)|\(try row.decode(column: "day", as: String.self))|\(try row.decode(column: "visitor_key", as: String.self))")
                    }
                }
            }
            for start in stride(from: 0, to: batch.count, by: 250) {
                let rows: [any SQLExpression] = batch[start..<min(batch.count, start + 250)].map { click in
                    var repeated = false
                    if !click.bot {
                        repeated = !seen.insert("\(click.linkID)|\(click.day)|\(click.visitorKey)").inserted
                    }
                    let values: [any Encodable & Sendable] = [
                        click.id, click.workspaceID, click.linkID, click.at, click.day, click.visitorKey, click.bot, repeated, click.armID,
                        click.unit,
                    ]
                    return SQLGroupExpression(values.map { SQLBind($0) })
                }
                try await sql.raw(
                    "INSERT INTO link_clicks (id, workspace_id, link_id, at, day, visitor_key, bot, repeated, arm_id, unit) VALUES \(SQLList(rows))"
                ).run()
            }
        }
    }
}

extension Application {
    private struct ClickRecorderKey: StorageKey { typealias Value = ClickRecorder }
    private struct LinkCacheKey: StorageKey { typealias Value = LinkCache }

    func installClickRecorder() {
        let recorder = ClickRecorder(secretKey: settings.secretKey ?? Data(repeating: 0, count: 32), logger: logger) { [unowned self] in self.db }
        storage[ClickRecorderKey.self] = recorder
        storage[LinkCacheKey.self] = LinkCache()
        lifecycle.use(ClickRecorderLifecycle())
    }

    var clickRecorder: ClickRecorder {
        guard let recorder = storage[ClickRecorderKey.self] else { fatalError("the Conversions feature installs the click recorder") }
        return recorder
    }

    var linkCache: LinkCache {
        guard let cache = storage[LinkCacheKey.self] else { fatalError("the Conversions feature installs the link cache") }
        return cache
    }
}

/// The recorder writes the last clicks when the server stops, before the
/// database pools close.
private struct ClickRecorderLifecycle: LifecycleHandler {
    func shutdownAsync(_ application: Application) async {
        await application.clickRecorder.stop()
    }
}
