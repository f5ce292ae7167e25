import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Pulls a published variant's numbers through its connector and keeps
/// them: at 3, 7 and 30 days after publishing (the lifecycle review), and
/// a `latest` snapshot shortly after publishing and whenever someone asks.
enum MetricsSnapshotter {
    static let kind = "metrics.snapshot"
    static let milestones: [(label: String, after: TimeInterval)] = [
        ("latest", 120), ("3d", 3 * 86_400), ("7d", 7 * 86_400), ("30d", 30 * 86_400),
    ]

    struct Payload: Codable {
        var variantID: UUID
        var label: String
    }

    static func plan(_ variant: PostVariant, publishedAt: Date, on db: any Database, now: Date) async throws {
        for milestone in milestones {
            let payload = String(decoding: try JSONEncoder().encode(Payload(variantID: variant.id!, label: milestone.label)), as: UTF8.self)
            try await JobQueue(db: db).enqueue(
                kind: kind, payload: payload, runAt: publishedAt.addingTimeInterval(milestone.after),
                uniqueKey: "\(kind):\(variant.id!.uuidString):\(milestone.label)", now: now)
        }
    }

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
        guard let variant = try await PostVariant.find(payload.variantID, on: app.db) else { return }
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
    }
}
