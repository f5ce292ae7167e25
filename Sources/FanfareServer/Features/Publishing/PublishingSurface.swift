import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Publishing: queueing a post's variants,
/// sending the queued ones at a given moment (the demo's replay), taking a
/// metrics snapshot, the snapshot milestones, the Sandbox platform's
/// connector (whose store and writer stay inside Publishing) and its post
/// pages' addresses.
enum PublishingService {
    /// Queues each variant to be sent once at the post's time.
    static func enqueue(_ post: Post, variants: [PostVariant], on db: any Database, now: Date = Date()) async throws {
        try await PublishRunner.enqueue(post, variants: variants, on: db, now: now)
    }

    /// Reads a published variant's metrics from its platform now.
    static func takeSnapshot(_ variant: PostVariant, label: String, app: Application, now: Date) async throws {
        try await MetricsSnapshotter.take(variant, label: label, app: app, now: now)
    }

    /// When metrics are read after publishing ("latest", "3d", "7d", "30d").
    static var milestones: [(label: String, after: TimeInterval)] { MetricsSnapshotter.milestones }

    /// Sends `post`'s queued variants as the worker would at `now`, and
    /// finishes their jobs; true when one was put back to try again (a
    /// passing fault of the platform). The demo replays its history's
    /// publishing at the times it happened with it; the worker is not
    /// running meanwhile.
    static func sendQueued(of post: Post, app: Application, at now: Date) async throws -> Bool {
        let variants = try await PostVariant.query(on: app.db).filter(\.$post.$id == post.id!).all()
        let keys = variants.map { Optional("\(PublishRunner.kind.name):\($0.id!.uuidString):v\(post.version)") }
        let jobs = try await Job.query(on: app.db).filter(\.$uniqueKey ~~ keys).filter(\.$state == Job.State.queued.rawValue).all()
        guard !jobs.isEmpty else { return false }
        let results = try await PublishRunner.runBatch(jobs, app, clock: { now })
        try await JobQueue(db: app.db).finish(jobs.map { ($0, results[$0.id!] ?? .succeeded) }, now: now)
        return results.values.contains { if case .retry = $0 { true } else { false } }
    }

    /// The Sandbox platform's connector for `account`, working at `clock`'s
    /// time (the real one, except in the demo's replay). Its posts' links
    /// are this server's pages of them.
    static func sandboxConnector(
        for account: SocialAccount, db: any Database, app: Application, clock: @escaping @Sendable () -> Date = { Date() }
    ) -> any Connector {
        SandboxConnector(
            account: account.handle, audience: SandboxAudience(seed: UInt64(bitPattern: account.seed)),
            ledger: DatabaseSandboxStore(db: db, local: app.sandboxLedger, writer: app.sandboxPostWriter), accountCreated: account.createdAt,
            failureRate: app.sandboxFailureRate, postLinkBase: app.settings.linkBase + SandboxPostPage.path, clock: clock)
    }

    /// The address, on this server, of a Sandbox post's page.
    static func sandboxPostLink(handle: String, remoteID: String) -> String {
        SandboxPostPage.link(handle: handle, remoteID: remoteID)
    }
}

extension Application {
    private struct SandboxLedgerKey: StorageKey { typealias Value = SandboxLedger }
    private struct SandboxFailureRateKey: StorageKey { typealias Value = Double }
    private struct SandboxPostWriterKey: StorageKey { typealias Value = SandboxPostWriter }

    var sandboxPostWriter: SandboxPostWriter? { storage[SandboxPostWriterKey.self] }

    var sandboxFailureRate: Double { storage[SandboxFailureRateKey.self] ?? 0.02 }

    /// The Sandbox platform's short-term memory in this process (rate-limit
    /// counts, replies). Its audience is computed, the same on every node,
    /// and what it published is in the database (`DatabaseSandboxStore`).
    var sandboxLedger: SandboxLedger {
        guard let ledger = storage[SandboxLedgerKey.self] else { fatalError("configure(_:settings:) installs the Sandbox ledger") }
        return ledger
    }

    /// Called once by `configure`, before any request.
    func installSandboxLedger(failureRate: Double) {
        storage[SandboxLedgerKey.self] = SandboxLedger()
        storage[SandboxPostWriterKey.self] = SandboxPostWriter { [unowned self] in self.db }
        storage[SandboxFailureRateKey.self] = failureRate
    }
}

/// Incidents (issue 20): the publishing hold and what went out while an
/// incident was active, read for its timeline and its first-response clock.
extension PublishingService {
    struct Publication: Sendable, Equatable {
        var variantID: UUID
        var postID: UUID
        var accountID: UUID
        var platform: String
        var text: String
        var url: String?
        var at: Date
    }

    /// Variants of the workspace published in `from...until`, oldest first (at most `limit`).
    static func published(in workspaceID: UUID, from: Date, until: Date, limit: Int = 200, on db: any Database) async throws -> [Publication] {
        try await PostVariant.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$publishedAt >= from)
            .filter(\.$publishedAt <= until).sort(\.$publishedAt).limit(limit).all()
            .map {
                Publication(
                    variantID: $0.id!, postID: $0.$post.id, accountID: $0.$account.id, platform: $0.platform, text: $0.text, url: $0.url,
                    at: $0.publishedAt ?? from)
            }
    }

    static func startHold(
        workspaceID: UUID, accountID: UUID?, incidentID: UUID?, by userID: UUID?, on db: any Database, now: Date = Date()
    ) async throws -> (started: PublishingHolds.Started, created: Bool) {
        try await PublishingHolds.start(workspaceID: workspaceID, accountID: accountID, incidentID: incidentID, by: userID, on: db, now: now)
    }

    static func releaseHold(_ hold: PublishingHold, by userID: UUID?, on db: any Database, now: Date = Date()) async throws -> Int? {
        try await PublishingHolds.release(hold, by: userID, on: db, now: now)
    }

    static func activeHolds(in workspaceID: UUID, on db: any Database) async throws -> [PublishingHold] {
        try await PublishingHolds.active(in: workspaceID, on: db)
    }
}
