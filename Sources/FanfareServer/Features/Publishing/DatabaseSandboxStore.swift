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

    var post: PublishedPost { PublishedPost(remoteID: id!, url: url, publishedAt: publishedAt) }
}

/// The Sandbox's memory in the database, so every worker process, and one
/// restarted after a crash, talks to the same platform. Rate-limit counts
/// and replies stay in the process (`local`): losing them in a crash only
/// forgets how busy the platform was.
struct DatabaseSandboxStore: SandboxStore {
    let db: any Database
    let local: SandboxLedger

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
        try await run {
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
        try await run { try await SandboxPostRecord.query(on: db).filter(\.$idempotencyKey == key).first()?.post }
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

    func reply(key: String, make: @Sendable () -> String) async throws(ConnectorError) -> String {
        await local.reply(key: key, make: make)
    }
}
