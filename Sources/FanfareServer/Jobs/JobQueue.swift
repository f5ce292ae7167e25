import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Enqueueing, claiming and finishing jobs. Claiming is one atomic
/// statement: PostgreSQL skips rows another worker has locked; SQLite runs
/// one writer at a time. An expired lease makes a job claimable again, so a
/// killed worker loses nothing; its job runs again (handlers are written to
/// be safe to repeat).
struct JobQueue {
    let db: any Database
    var retry = RetryPolicy()

    /// Adds a job. With a `uniqueKey` a second enqueue is a no-op that
    /// returns false, which is how periodic tasks run once across nodes.
    @discardableResult
    func enqueue(
        kind: String, payload: String = "{}", runAt: Date? = nil, uniqueKey: String? = nil, maxAttempts: Int = 5, now: Date = Date()
    ) async throws -> Bool {
        let job = Job()
        job.id = TimeOrderedID.make(at: now)
        job.kind = kind
        job.payload = payload
        job.uniqueKey = uniqueKey
        job.state = Job.State.queued.rawValue
        job.runAt = runAt ?? now
        job.attempts = 0
        job.maxAttempts = maxAttempts
        job.createdAt = now
        do {
            try await job.create(on: db)
            return true
        } catch {
            if uniqueKey != nil, (error as? any DatabaseError)?.isConstraintFailure == true { return false }
            throw error
        }
    }

    /// A worker whose last report is older than this is taken for dead (a
    /// crash, a SIGKILL): its running jobs are claimable again without
    /// waiting for their lease. Workers report every 10 seconds and remove
    /// their report when they stop; a claimant that never reported keeps
    /// its lease.
    static let deadAfter: TimeInterval = 30

    func claim(worker: String, lease: TimeInterval = 300, now: Date = Date()) async throws -> Job? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let row = try await sql.raw(
            """
            UPDATE jobs SET state = 'running', lease_owner = \(bind: worker), lease_expires_at = \(bind: now.addingTimeInterval(lease)), attempts = attempts + 1
            WHERE id = (SELECT id FROM jobs WHERE (state = 'queued' AND run_at <= \(bind: now)) OR (state = 'running' AND lease_expires_at < \(bind: now))
                        OR (state = 'running' AND lease_owner IN
                            (SELECT worker_id FROM worker_heartbeats WHERE seen_at < \(bind: now.addingTimeInterval(-Self.deadAfter))))
                        ORDER BY run_at LIMIT 1\(lock))
            RETURNING id
            """
        ).first()
        guard let id = try row?.decode(column: "id", as: UUID.self) else { return nil }
        return try await Job.find(id, on: db)
    }

    func succeed(_ job: Job, now: Date = Date()) async throws {
        job.state = Job.State.succeeded.rawValue
        job.finishedAt = now
        job.leaseOwner = nil
        job.leaseExpiresAt = nil
        try await job.save(on: db)
    }

    func fail(_ job: Job, error: String, now: Date = Date()) async throws {
        job.lastError = String(error.prefix(2_000))
        job.leaseOwner = nil
        job.leaseExpiresAt = nil
        if job.attempts >= job.maxAttempts {
            job.state = Job.State.failed.rawValue
            job.finishedAt = now
        } else {
            job.state = Job.State.queued.rawValue
            job.runAt = now.addingTimeInterval(retry.delay(afterAttempt: job.attempts))
        }
        try await job.save(on: db)
    }

    /// Puts a job back to run at a chosen time (a platform's retry-after,
    /// a reconciliation check), still bounded by its attempts.
    func retry(_ job: Job, at runAt: Date, reason: String, now: Date = Date()) async throws {
        if job.attempts >= job.maxAttempts {
            try await fail(job, error: reason, now: now)
            return
        }
        job.lastError = String(reason.prefix(2_000))
        job.leaseOwner = nil
        job.leaseExpiresAt = nil
        job.state = Job.State.queued.rawValue
        job.runAt = runAt
        try await job.save(on: db)
    }

    func counts() async throws -> [Job.State: Int] {
        var result: [Job.State: Int] = [:]
        for state in Job.State.allCases {
            result[state] = try await Job.query(on: db).filter(\.$state == state.rawValue).count()
        }
        return result
    }
}
