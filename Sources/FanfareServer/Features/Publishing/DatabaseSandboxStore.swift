import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A post the Sandbox platform published, as the platform remembers it.
final class SandboxPostRecord: Model, @unchecked Sendable {
    static let schema = "sandbox_posts"

    @ID(custom: "remote_id", generatedBy: .user) var id: String?
    @Field(key: "account") var account: String
    @Field(key: "idempotency_key") var idempotencyKey: String
    @Field(key: "url") var url: String
    @Field(key: "published_at") var publishedAt: Date
    @Field(key: "deleted") var deleted: Bool

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $account, $idempotencyKey, $url, $publishedAt, $deleted] }

    var post: PublishedPost { PublishedPost(remoteID: id!, url: url, publishedAt: publishedAt) }
}

/// The Sandbox's memory in the database, so every worker process, and one
/// restarted after a crash, talks to the same platform. Rate-limit counts
/// and replies stay in the process (`local`): losing them in a crash only
/// forgets how busy the platform was.
struct DatabaseSandboxStore: SandboxStore {
    let db: any Database
    let local: SandboxLedger
    /// Writes new posts in groups when the process has one (a worker or a
    /// server); alone, each post is its own statement.
    var writer: SandboxPostWriter?

    private func run<T>(_ body: () async throws -> T) async throws(ConnectorError) -> T {
        do { return try await body() } catch {
            throw .temporary(reason: "the Sandbox's storage failed: \(String(describing: error).prefix(200))")
        }
    }

    func admit(account: String, now: Date, limit: Int, window: TimeInterval) async throws(ConnectorError) {
        try await local.admit(account: account, now: now, limit: limit, window: window)
    }

    func attempt(_ key: String) async throws(ConnectorError) -> Int { await local.attempt(key) }

    func record(_ post: PublishedPost, account: String, key: String) async throws(ConnectorError) -> PublishedPost {
        if let writer { return try await run { try await writer.record(post, account: account, key: key) } }
        return try await run {
            let record = SandboxPostRecord()
            record.id = post.remoteID
            record.account = account
            record.idempotencyKey = key
            record.url = post.url
            record.publishedAt = post.publishedAt
            record.deleted = false
            do {
                try await record.create(on: db)
                return post
            } catch {
                // Another process published under this key first: the
                // platform keeps the first post.
                guard (error as? any DatabaseError)?.isConstraintFailure == true,
                    let existing = try await SandboxPostRecord.query(on: db).filter(\.$idempotencyKey == key).first()
                else { throw error }
                return existing.post
            }
        }
    }

    func post(forKey key: String) async throws(ConnectorError) -> PublishedPost? {
        // Asked before every publish: grouped like the writes when it can be.
        try await run {
            if let writer { return try await writer.post(forKey: key) }
            guard let sql = db as? any SQLDatabase else { return nil }
            return try await SandboxPostWriter.posts(forKeys: [key], on: sql)[key]
        }
    }

    func post(_ id: String) async throws(ConnectorError) -> PublishedPost? {
        try await run { try await SandboxPostRecord.query(on: db).filter(\.$id == id).filter(\.$deleted == false).first()?.post }
    }

    func livePosts(account: String) async throws(ConnectorError) -> [PublishedPost] {
        try await run { try await SandboxPostRecord.query(on: db).filter(\.$account == account).filter(\.$deleted == false).all().map(\.post) }
    }

    func delete(_ id: String) async throws(ConnectorError) -> Bool {
        try await run {
            guard let record = try await SandboxPostRecord.query(on: db).filter(\.$id == id).filter(\.$deleted == false).first() else {
                return false
            }
            record.deleted = true
            try await record.save(on: db)
            return true
        }
    }

    /// Kept in the database, so a reply retried by another worker, or
    /// after a crash, is still recognised and answered once.
    func reply(
        key: String, account: String, inReplyTo: String, text: String, at: Date, make: @Sendable () -> String
    ) async throws(ConnectorError)
        -> String
    {
        let id = make()
        return try await run {
            guard let sql = db as? any SQLDatabase else { return id }
            // One statement whether or not the key was seen: the no-op update
            // makes RETURNING give the reply kept under it.
            let row = try await sql.raw(
                """
                INSERT INTO sandbox_replies (idempotency_key, remote_id, account, in_reply_to, text, at)
                VALUES (\(bind: key), \(bind: id), \(bind: account), \(bind: inReplyTo), \(bind: text), \(bind: at))
                ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key RETURNING remote_id
                """
            ).first()
            return try row?.decode(column: "remote_id", as: String.self) ?? id
        }
    }

    func moderate(account: String, target: String, move: ModerationMove, at: Date) async throws(ConnectorError) {
        try await run {
            guard let sql = db as? any SQLDatabase else { return }
            guard let state = move.sandboxState else {
                try await sql.raw("DELETE FROM sandbox_moderation WHERE account = \(bind: account) AND target = \(bind: target)").run()
                return
            }
            try await sql.raw(
                """
                INSERT INTO sandbox_moderation (id, account, target, state, at) VALUES (\(bind: UUID()), \(bind: account), \(bind: target), \(bind: state), \(bind: at))
                ON CONFLICT (account, target) DO UPDATE SET state = excluded.state, at = excluded.at
                """
            ).run()
        }
    }

    func moderation(account: String) async throws(ConnectorError) -> [String: String] {
        try await run {
            guard let sql = db as? any SQLDatabase else { return [:] }
            let rows = try await sql.raw("SELECT target, state FROM sandbox_moderation WHERE account = \(bind: account)").all()
            return Dictionary(
                try rows.map { (try $0.decode(column: "target", as: String.self), try $0.decode(column: "state", as: String.self)) },
                uniquingKeysWith: { _, last in last })
        }
    }

    func fanMessages(account: String) async throws(ConnectorError) -> [Interaction] {
        try await run {
            guard let sql = db as? any SQLDatabase else { return [] }
            return try await sql.raw(
                "SELECT remote_id, kind, post_remote_id, author_id, author_name, text, at FROM sandbox_fan_messages WHERE account = \(bind: account)"
            ).all().map { row in
                Interaction(
                    remoteID: try row.decode(column: "remote_id", as: String.self),
                    kind: InteractionKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .comment,
                    postRemoteID: try row.decode(column: "post_remote_id", as: String?.self),
                    authorID: try row.decode(column: "author_id", as: String.self),
                    authorName: try row.decode(column: "author_name", as: String.self),
                    text: try row.decode(column: "text", as: String.self), at: try row.decode(column: "at", as: Date.self))
            }
        }
    }
}

/// What the Sandbox published, written a group at a time: while one group
/// is being written the next gathers, so a burst of posts costs a few
/// transactions instead of one each. Every caller still waits for its own
/// post to be stored, so accepted means kept. Under one idempotency key the
/// first post stays, as `record` promises.
actor SandboxPostWriter {
    private let database: @Sendable () -> any Database
    private var pending: [(post: PublishedPost, account: String, key: String, done: CheckedContinuation<PublishedPost, any Error>)] = []
    private var writing = false
    private var asked: [(key: String, done: CheckedContinuation<PublishedPost?, any Error>)] = []
    private var looking = false

    init(database: @escaping @Sendable () -> any Database) {
        self.database = database
    }

    func record(_ post: PublishedPost, account: String, key: String) async throws -> PublishedPost {
        try await withCheckedThrowingContinuation { done in
            pending.append((post, account, key, done))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    /// The post kept under `key`, looked up together with the other
    /// questions asked meanwhile.
    func post(forKey key: String) async throws -> PublishedPost? {
        try await withCheckedThrowingContinuation { done in
            asked.append((key, done))
            if !looking {
                looking = true
                Task { await self.answer() }
            }
        }
    }

    private func answer() async {
        while !asked.isEmpty {
            let group = asked
            asked = []
            do {
                guard let sql = database() as? any SQLDatabase else { throw Abort(.internalServerError, reason: "the Sandbox needs an SQL database") }
                var found: [String: PublishedPost] = [:]
                for start in stride(from: 0, to: group.count, by: 500) {
                    found.merge(try await Self.posts(forKeys: group[start..<min(group.count, start + 500)].map(\.key), on: sql)) { $1 }
                }
                for item in group { item.done.resume(returning: found[item.key]) }
            } catch {
                for item in group { item.done.resume(throwing: error) }
            }
        }
        looking = false
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = pending
            pending = []
            do {
                let kept = try await Self.write(group.map { ($0.post, $0.account, $0.key) }, on: database())
                for item in group {
                    if let post = kept[item.key] {
                        item.done.resume(returning: post)
                    } else {
                        item.done.resume(throwing: Abort(.internalServerError, reason: "the Sandbox lost a post it was writing"))
                    }
                }
            } catch {
                for item in group { item.done.resume(throwing: error) }
            }
        }
        writing = false
    }

    private static func write(
        _ posts: [(post: PublishedPost, account: String, key: String)], on db: any Database
    ) async throws -> [String: PublishedPost] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        return try await db.writeTransaction { tx in
            var kept: [String: PublishedPost] = [:]
            let sql = tx as? any SQLDatabase ?? sql
            for start in stride(from: 0, to: posts.count, by: 200) {
                let chunk = posts[start..<min(posts.count, start + 200)]
                let rows: [any SQLExpression] = chunk.map { item in
                    SQLGroupExpression([
                        SQLBind(item.post.remoteID), SQLBind(item.account), SQLBind(item.key), SQLBind(item.post.url), SQLBind(item.post.publishedAt),
                        SQLBind(false),
                    ])
                }
                try await sql.raw(
                    "INSERT INTO sandbox_posts (remote_id, account, idempotency_key, url, published_at, deleted) VALUES \(SQLList(rows)) ON CONFLICT DO NOTHING"
                ).run()
                kept.merge(try await Self.posts(forKeys: chunk.map(\.key), on: sql)) { $1 }
            }
            return kept
        }
    }

    static func posts(forKeys keys: [String], on sql: any SQLDatabase) async throws -> [String: PublishedPost] {
        var found: [String: PublishedPost] = [:]
        let rows = try await sql.select().columns("remote_id", "idempotency_key", "url", "published_at").from(SandboxPostRecord.schema)
            .where("idempotency_key", .in, keys).all()
        for row in rows {
            found[try row.decode(column: "idempotency_key", as: String.self)] = PublishedPost(
                remoteID: try row.decode(column: "remote_id", as: String.self), url: try row.decode(column: "url", as: String.self),
                publishedAt: try row.decode(column: "published_at", as: Date.self))
        }
        return found
    }
}
