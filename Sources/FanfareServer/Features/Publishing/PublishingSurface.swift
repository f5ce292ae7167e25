import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Publishing: queueing a post's variants,
/// taking a metrics snapshot, the snapshot milestones, and the Sandbox
/// platform's connector (whose store and writer stay inside Publishing).
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

    /// The Sandbox platform's connector for `account`.
    static func sandboxConnector(for account: SocialAccount, db: any Database, app: Application) -> any Connector {
        SandboxConnector(
            account: account.handle, audience: SandboxAudience(seed: UInt64(bitPattern: account.seed)),
            ledger: DatabaseSandboxStore(db: db, local: app.sandboxLedger, writer: app.sandboxPostWriter), accountCreated: account.createdAt,
            failureRate: app.sandboxFailureRate)
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
