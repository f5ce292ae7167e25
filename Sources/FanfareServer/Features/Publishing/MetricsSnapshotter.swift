import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Pulls a published variant's numbers through its connector and keeps
/// them: at 3, 7 and 30 days after publishing (the lifecycle review), and
/// a `latest` snapshot shortly after publishing and whenever someone asks.
enum MetricsSnapshotter {
    static let kind = JobKind<Payload>("metrics.snapshot")
    static let milestones: [(label: String, after: TimeInterval)] = [
        ("latest", 120), ("3d", 3 * 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400),
    ]

    /// Stored as `{"label": …, "variantID": …}`.
    struct Payload: Codable, Sendable, Equatable {
        var variantID: UUID
        var label: String
    }

    /// Plans the first snapshot of each newly published variant; each
    /// snapshot plans the next when it runs, so a busy minute writes one
    /// job per post, not four.
    static func plan(_ published: [(variant: PostVariant, at: Date)], on db: any Database, now: Date) async throws {
        guard let first = milestones.first else { return }
        try await JobQueue(db: db).enqueueMany(
            try published.map { variant, at in
                try snapshotJob(for: variant, label: first.label, publishedAt: at, now: now)
            }, now: now)
    }

    private static func snapshotJob(for variant: PostVariant, label: String, publishedAt: Date, now: Date) throws -> JobQueue.NewJob {
        let after = milestones.first { $0.label == label }?.after ?? 0
        return try JobQueue.NewJob(
            kind, payload: Payload(variantID: variant.id!, label: label), runAt: publishedAt.addingTimeInterval(after),
            uniqueKey: "\(kind.name):\(variant.id!.uuidString):\(label)")
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try kind.payload(of: job)
        guard let variant = try await PostVariant.find(payload.variantID, on: app.db) else { return }
        // The next milestone is queued first: if this run dies half-way it
        // runs again, and the unique key keeps the next one single.
        if let index = milestones.firstIndex(where: { $0.label == payload.label }), index + 1 < milestones.count,
            let publishedAt = variant.publishedAt
        {
            try await JobQueue(db: app.db).enqueueMany(
                [try snapshotJob(for: variant, label: milestones[index + 1].label, publishedAt: publishedAt, now: Date())], now: Date())
        }
        do {
            try await take(variant, label: payload.label, app: app, now: Date())
        } catch let error as ConnectorError where error.isRetriable {
            throw JobRetry(after: 300, reason: ConnectorMessages.text(error))
        } catch let error as ConnectorError {
            // A deleted post or a lost authorisation: nothing to measure;
            // the post page says why there are no numbers.
            app.logger.info("metrics not taken", metadata: ["variant": .string(payload.variantID.uuidString), "why": .string("\(error)")])
        }
    }

    /// Takes one snapshot now (replacing an earlier one with that label).
    static func take(_ variant: PostVariant, label: String, app: Application, now: Date) async throws {
        guard let remoteID = variant.remoteID, let account = try await SocialAccount.find(variant.$account.id, on: app.db) else { return }
        let connector = try AccountService(db: app.db, app: app).connector(for: account)
        let metrics = try await connector.metrics(of: remoteID)
        let snapshot =
            try await MetricSnapshot.query(on: app.db).filter(\.$variant.$id == variant.id!).filter(\.$label == label).first() ?? MetricSnapshot()
        if snapshot.id == nil {
            snapshot.id = TimeOrderedID.make(at: now)
            snapshot.$workspace.id = variant.$workspace.id
            snapshot.$variant.id = variant.id!
            snapshot.label = label
        }
        snapshot.impressions = metrics.impressions
        snapshot.likes = metrics.likes
        snapshot.comments = metrics.comments
        snapshot.shares = metrics.shares
        snapshot.takenAt = metrics.at
        try await snapshot.save(on: app.db)
        // The same numbers are the post's day in the metric store.
        try await MetricHistoryService.recordPost(variant, platform: account.platform, metrics: metrics, on: app.db)
        BestTimes.cache.forget(variant.$workspace.id)
    }
}
