import FanfareCore
import Fluent
import Foundation
import Testing

@testable import FanfareServer

/// A payload for the queue's own tests.
struct TestPayload: Codable, Sendable, Equatable {
    var n: Int
}

/// Issue 17: every job kind is a typed declaration, enqueued with a
/// Codable payload and read back through its kind.
@Suite struct JobKindTests {
    /// The names stored in `jobs.kind`. Queued rows run only while a kind of
    /// their name is registered: these never change.
    static let storedNames: Set<String> = [
        "publish.variant", "publish.sweep", "metrics.snapshot", "maintenance.purge", "fans.recompute", "fans.retention",
        "fans.engagement", "inbox.poll", "inbox.reply", "inbox.service_levels", "analytics.metrics_pass", "analytics.metrics_take",
        "analytics.metrics_backfill", "analytics.metrics_retention", "analytics.reports_pass", "analytics.anomaly_pass", "competitors.read",
        "competitors.read_one", "moderation.by_rule", "accounts.token_watch",
        // Notification channels (issue 20, channels)
        "notify.deliver",
        // Listening
        "listening.evaluate", "listening.sweep", "listening.feeds", "listening.searches",
        // Issue 20
        "incidents.reminders",
        // Issue 21
        "goals.check", "experiments.audience_send", "experiments.audience_count",
        // Issue 22
        "risks.watch", "risks.review_reminder",
        "budgets.stop_loss",
    ]

    @Test func theRegistryDeclaresEachStoredKindOnceUnderItsOldName() {
        let kinds = Features.all.flatMap(\.jobs).map(\.kind)
        #expect(kinds.count == Set(kinds).count, "a kind is registered twice: \(kinds)")
        #expect(Set(kinds) == Self.storedNames)
        let periodic = Features.all.flatMap(\.jobs).filter { $0.schedule != nil }.map(\.kind)
        #expect(
            Set(periodic) == [
                "publish.sweep", "maintenance.purge", "fans.recompute", "fans.retention", "inbox.poll", "inbox.service_levels",
                "analytics.metrics_pass", "analytics.metrics_retention", "analytics.reports_pass", "analytics.anomaly_pass", "competitors.read",
                "accounts.token_watch", "listening.sweep", "listening.feeds", "incidents.reminders", "listening.searches",
                "goals.check", "experiments.audience_count", "risks.watch", "risks.review_reminder",
                "goals.check", "experiments.audience_count", "budgets.stop_loss",
            ])
        #expect(JobKinds.schedules().count == periodic.count)
    }

    /// Payloads as rows queued before typed kinds hold them (the plain
    /// encoder's key order, upper-case UUIDs) still read.
    @Test func payloadsQueuedBeforeTypedKindsStillRead() throws {
        let id = UUID()
        func job(_ payload: String) -> Job {
            let job = Job()
            job.payload = payload
            return job
        }
        #expect(
            try PublishRunner.kind.payload(of: job(#"{"variantID":"\#(id.uuidString)","version":3}"#))
                == PublishRunner.Payload(variantID: id, version: 3))
        #expect(
            try MetricsSnapshotter.kind.payload(of: job(#"{"variantID":"\#(id.uuidString)","label":"3d"}"#))
                == MetricsSnapshotter.Payload(variantID: id, label: "3d"))
        #expect(try FanEngagement.kind.payload(of: job(#"{"messageIDs":["\#(id.uuidString)"]}"#)) == FanEngagement.Payload(messageIDs: [id]))
        #expect(try ReplySender.kind.payload(of: job(#"{"replyID":"\#(id.uuidString)"}"#)) == ReplySender.Payload(replyID: id))
        #expect(try Maintenance.kind.payload(of: job("{}")) == NoPayload())
        #expect(try Maintenance.kind.encode(NoPayload()) == "{}")
    }

    @Test(arguments: TestDatabase.available)
    func everyPayloadKindRoundTripsThroughTheQueue(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let queue = JobQueue(db: t.db)
            let id = UUID()
            let publish = PublishRunner.Payload(variantID: id, version: 7)
            let metrics = MetricsSnapshotter.Payload(variantID: id, label: "latest")
            let engagement = FanEngagement.Payload(messageIDs: [id, UUID()])
            let reply = ReplySender.Payload(replyID: id)
            try await queue.enqueue(PublishRunner.kind, payload: publish)
            try await queue.enqueueMany([
                try JobQueue.NewJob(MetricsSnapshotter.kind, payload: metrics, runAt: Date(), uniqueKey: nil),
                try JobQueue.NewJob(FanEngagement.kind, payload: engagement, runAt: Date(), uniqueKey: nil),
                try ReplySender.job(for: id, at: Date()),
            ])
            try await queue.enqueue(Maintenance.kind, payload: NoPayload())
            let jobs = Dictionary(grouping: try await queue.claim(worker: "w", limit: 10), by: \.kind)
            #expect(Set(jobs.keys) == ["publish.variant", "metrics.snapshot", "fans.engagement", "inbox.reply", "maintenance.purge"])
            #expect(try PublishRunner.kind.payload(of: try #require(jobs["publish.variant"]?.first)) == publish)
            #expect(try MetricsSnapshotter.kind.payload(of: try #require(jobs["metrics.snapshot"]?.first)) == metrics)
            #expect(try FanEngagement.kind.payload(of: try #require(jobs["fans.engagement"]?.first)) == engagement)
            #expect(try ReplySender.kind.payload(of: try #require(jobs["inbox.reply"]?.first)) == reply)
            let purge = try #require(jobs["maintenance.purge"]?.first)
            #expect(try Maintenance.kind.payload(of: purge) == NoPayload() && purge.payload == "{}")
        }
    }

    /// A row the typed kinds cannot read (written by hand, or by a version
    /// with another shape): inserted as such rows would be.
    static func insertRaw(kind: String, payload: String, on db: any Database) async throws -> UUID {
        let job = Job()
        job.id = UUID()
        job.kind = kind
        job.payload = payload
        job.state = Job.State.queued.rawValue
        job.runAt = Date().addingTimeInterval(-1)
        job.attempts = 0
        job.maxAttempts = 5
        job.createdAt = Date()
        try await job.create(on: db)
        return job.id!
    }

    @Test(arguments: TestDatabase.available)
    func aJobWhosePayloadCannotBeReadFailsAtOnceNamingItsKind(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            // Single kinds, with and without a payload, and a batch kind
            // next to a readable job of its own (for a reply that is gone).
            let metrics = try await Self.insertRaw(kind: "metrics.snapshot", payload: "not json", on: t.db)
            let maintenance = try await Self.insertRaw(kind: "maintenance.purge", payload: "[]", on: t.db)
            let reply = try await Self.insertRaw(kind: "inbox.reply", payload: #"{"reply":1}"#, on: t.db)
            try await JobQueue(db: t.db).enqueueMany([try ReplySender.job(for: UUID(), at: Date().addingTimeInterval(-1))])
            let worker = JobWorker(app: t.app)
            #expect(try await worker.runBatch() == 4)
            for (id, kind) in [(metrics, "metrics.snapshot"), (maintenance, "maintenance.purge"), (reply, "inbox.reply")] {
                let job = try #require(try await Job.find(id, on: t.db))
                #expect(job.state == "failed", "\(kind)")
                #expect(job.attempts == 1, "\(kind) is not tried again")
                #expect(job.lastError == "the payload of a '\(kind)' job cannot be read")
            }
            let readable = try await Job.query(on: t.db).filter(\.$kind == "inbox.reply").filter(\.$id != reply).all()
            #expect(readable.map(\.state) == ["succeeded"], "the batch's readable job ran")
            #expect(try await worker.runBatch() == 0)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theScheduleEnqueuesOncePerPeriodHoweverOftenItIsCalled(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let kind = JobKind<NoPayload>("test.periodic")
            let schedule = JobSchedule.every(3_600)
            let hour = Date(timeIntervalSince1970: Double(1_800_000_000 - 1_800_000_000 % 3_600))
            // Many nodes, many minutes of the same hour.
            let enqueued = try await withThrowingTaskGroup(of: Bool.self) { group in
                for minute in 0..<30 {
                    group.addTask { try await schedule.enqueue(kind, on: t.db, now: hour.addingTimeInterval(Double(minute * 2 * 60))) }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            #expect(enqueued == 1)
            #expect(try await schedule.enqueue(kind, on: t.db, now: hour.addingTimeInterval(3_600)))
            #expect(try await !schedule.enqueue(kind, on: t.db, now: hour.addingTimeInterval(3_600 + 3_599)))
            let jobs = try await Job.query(on: t.db).filter(\.$kind == kind.name).sort(\.$runAt).all()
            #expect(jobs.map(\.runAt) == [hour, hour.addingTimeInterval(3_600)], "each due at its period's start")
            #expect(
                jobs.map(\.uniqueKey) == [
                    "test.periodic@\(Int(hour.timeIntervalSince1970))", "test.periodic@\(Int(hour.timeIntervalSince1970) + 3_600)",
                ])
            #expect(jobs.allSatisfy { $0.payload == "{}" })

            // The worker's schedules: every periodic kind once, called thrice.
            let now = Date()
            for _ in 0..<3 { for enqueue in JobKinds.schedules() { try await enqueue(t.db, now) } }
            let periodic = try await Job.query(on: t.db).filter(\.$kind != kind.name).all().map(\.kind)
            #expect(periodic.count == JobKinds.schedules().count && Set(periodic).count == periodic.count)
        }
    }
}
