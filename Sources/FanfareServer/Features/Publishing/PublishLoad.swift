import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What `fanfare-bench publish` needs from inside the server: a workspace
/// with Sandbox accounts and many approved variants due at one moment, and
/// afterwards the publishing lag of each. Posts are written straight into
/// the tables (the review path is measured elsewhere); the publishing jobs
/// are queued by `PublishRunner.enqueue`, the code path scheduling uses.
public enum PublishLoad {
    public struct Outcome: Sendable {
        public var variants: Int
        public var published: Int
        /// Seconds from the due time to the platform's publish time.
        public var lags: [Double]
        public var firstPublished: Date?
        public var lastPublished: Date?
        /// Posts the platform holds beyond one per variant.
        public var duplicates: Int
        public var attempts: Int
    }

    static func withApp<T: Sendable>(_ settings: Settings, _ body: (Application) async throws -> T) async throws -> T {
        var settings = settings
        settings.secretKey = try settings.resolveSecretKey()
        let app = try await Application.make(.init(name: "production", arguments: ["fanfare"]))
        do {
            try await configure(app, settings: settings, options: RuntimeOptions(bcryptCost: 4, inProcessWorker: false, sandboxFailureRate: 0))
            try await app.autoMigrate()
            let result = try await body(app)
            try await app.asyncShutdown()
            return result
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
    }

    /// `posts` variants spread over `accounts` Sandbox accounts, due far in
    /// the future until `release` moves them.
    public static func seed(settings: Settings, posts: Int, accounts: Int) async throws {
        try await withApp(settings) { app in
            let now = Date()
            let owner = try await PeopleService(db: app.db, passwords: app.password.async).create(
                .init(
                    email: "bench-\(UUID().uuidString.prefix(8))@fanfare.local", displayName: "Bench", password: Secrets.randomToken(bytes: 12),
                    locale: "en", timeZone: "UTC", isAdmin: false), actor: .system)
            let workspace = try await WorkspaceService(db: app.db).create(
                .init(name: "Publish bench", slug: "bench-\(Int.random(in: 1_000...9_999))", timeZone: "UTC"), by: owner, actor: .system)
            let access = WorkspaceAccess(workspace: workspace, workspaceID: workspace.id!, role: .admin, matrix: .standard)
            var made: [UUID] = []
            for index in 0..<accounts {
                made.append(
                    try await AccountService(db: app.db, app: app).connect(
                        .init(platform: "sandbox", handle: "bench_\(index)", displayName: nil, seed: Int64(index + 1)), in: access, actor: .system
                    ).id!)
            }
            let accountIDs = made
            let later = now.addingTimeInterval(86_400)
            let batch = 500
            for start in stride(from: 0, to: posts, by: batch) {
                try await app.db.writeTransaction { tx in
                    for index in start..<min(posts, start + batch) {
                        let post = Post()
                        post.id = TimeOrderedID.make(at: now)
                        post.$workspace.id = workspace.id!
                        post.body = "Bench post \(index)"
                        post.pillar = Pillar.basic.rawValue
                        post.format = ContentFormat.imageText.rawValue
                        post.pool = ContentPool.regular.rawValue
                        post.tags = []
                        post.status = Post.Status.scheduled.rawValue
                        post.reviewJSON = try ReviewProcess(chain: .standard).json()
                        post.version = 1
                        post.scheduledAt = later
                        post.createdAt = now
                        post.updatedAt = now
                        try await post.create(on: tx)
                        let accountID = accountIDs[index % accountIDs.count]
                        let variant = PostVariant()
                        variant.id = TimeOrderedID.make(at: now)
                        variant.$workspace.id = workspace.id!
                        variant.$post.id = post.id!
                        variant.$account.id = accountID
                        variant.platform = "sandbox"
                        variant.text = post.body
                        variant.tags = []
                        variant.state = PostVariant.State.queued.rawValue
                        variant.attempts = 0
                        variant.updatedAt = now
                        try await variant.create(on: tx)
                        try await PublishRunner.enqueue(post, variants: [variant], on: tx, now: now)
                    }
                }
            }
        }
    }

    /// Makes everything seeded due at `at`.
    public static func release(settings: Settings, at: Date) async throws {
        try await withApp(settings) { app in
            guard let sql = app.db as? any SQLDatabase else { return }
            try await sql.raw("UPDATE posts SET scheduled_at = \(bind: at)").run()
            try await sql.raw("UPDATE jobs SET run_at = \(bind: at) WHERE kind = \(bind: PublishRunner.kind.name)").run()
        }
    }

    public static func measure(settings: Settings) async throws -> Outcome {
        try await withApp(settings) { app in
            let variants = try await PostVariant.query(on: app.db).with(\.$post).all()
            var lags: [Double] = []
            var first: Date?
            var last: Date?
            for variant in variants {
                guard variant.variantState == .published, let at = variant.publishedAt, let due = variant.post.scheduledAt else { continue }
                lags.append(at.timeIntervalSince(due))
                first = min(first ?? at, at)
                last = max(last ?? at, at)
            }
            let platformPosts = try await SandboxPostRecord.query(on: app.db).count()
            let distinctKeys = Set(try await SandboxPostRecord.query(on: app.db).all().map(\.idempotencyKey)).count
            return Outcome(
                variants: variants.count, published: lags.count, lags: lags.sorted(), firstPublished: first, lastPublished: last,
                duplicates: platformPosts - distinctKeys + max(0, platformPosts - variants.count),
                attempts: try await PublishAttempt.query(on: app.db).count())
        }
    }

    /// Counts the published variants every `interval` and hands the count
    /// to `body` until it returns false. One connection for the whole run:
    /// the watcher must not take the workers' CPU.
    public static func watch(
        settings: Settings, every interval: Duration, _ body: (Int) async throws -> Bool
    ) async throws {
        try await withApp(settings) { app in
            while true {
                try await Task.sleep(for: interval)
                let published = try await PostVariant.query(on: app.db).filter(\.$state == PostVariant.State.published.rawValue).count()
                if try await !body(published) { return }
            }
        }
    }
}
