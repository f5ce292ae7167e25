import FanfareCore
import Fluent
import Vapor

/// A unit of background work in the durable `jobs` table.
final class Job: Model, @unchecked Sendable {
    static let schema = "jobs"

    enum State: String, CaseIterable, Codable { case queued, running, succeeded, failed }

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "payload") var payload: String
    @OptionalField(key: "unique_key") var uniqueKey: String?
    @Field(key: "state") var state: String
    @Field(key: "run_at") var runAt: Date
    @Field(key: "attempts") var attempts: Int
    @Field(key: "max_attempts") var maxAttempts: Int
    @OptionalField(key: "lease_owner") var leaseOwner: String?
    @OptionalField(key: "lease_expires_at") var leaseExpiresAt: Date?
    @OptionalField(key: "last_error") var lastError: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "finished_at") var finishedAt: Date?

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $kind, $payload, $uniqueKey, $state, $runAt, $attempts, $maxAttempts, $leaseOwner, $leaseExpiresAt, $lastError, $createdAt,
            $finishedAt,
        ]
    }
}

final class WorkerHeartbeat: Model, @unchecked Sendable {
    static let schema = "worker_heartbeats"

    @ID(custom: "worker_id", generatedBy: .user) var id: String?
    @Field(key: "seen_at") var seenAt: Date
    @Field(key: "started_at") var startedAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $seenAt, $startedAt] }
}
