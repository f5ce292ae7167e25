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

    /// Adds a job of `kind` carrying `payload`. With a `uniqueKey` a second
    /// enqueue is a no-op that returns false, which is how periodic tasks
    /// run once across nodes.
    @discardableResult
    func enqueue<Payload>(
        _ kind: JobKind<Payload>, payload: Payload, runAt: Date? = nil, uniqueKey: String? = nil, maxAttempts: Int = 5, now: Date = Date()
    ) async throws -> Bool {
        let job = Job()
        job.id = TimeOrderedID.make(at: now)
        job.kind = kind.name
        job.payload = try kind.encode(payload)
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

    /// A job to add with `enqueueMany`, its payload already encoded by its
    /// kind.
    struct NewJob {
        let kind: String
        let payload: String
        let runAt: Date
        let uniqueKey: String?
        let maxAttempts: Int

        init<Payload>(_ kind: JobKind<Payload>, payload: Payload, runAt: Date, uniqueKey: String?, maxAttempts: Int = 5) throws {
            self.kind = kind.name
            self.payload = try kind.encode(payload)
            self.runAt = runAt
            self.uniqueKey = uniqueKey
            self.maxAttempts = maxAttempts
        }
    }

    /// Adds many jobs in few statements; one whose unique key is already
    /// taken is left out, as `enqueue` would.
    func enqueueMany(_ jobs: [NewJob], now: Date = Date()) async throws {
        guard !jobs.isEmpty, let sql = db as? any SQLDatabase else { return }
        for start in stride(from: 0, to: jobs.count, by: 200) {
            let rows: [any SQLExpression] = jobs[start..<min(jobs.count, start + 200)].map { job in
                SQLGroupExpression([
                    SQLBind(TimeOrderedID.make(at: now)), SQLBind(job.kind), SQLBind(job.payload), SQLBind(job.uniqueKey),
                    SQLBind(Job.State.queued.rawValue), SQLBind(job.runAt), SQLBind(0), SQLBind(job.maxAttempts), SQLBind(now),
                ])
            }
            try await sql.raw(
                """
                INSERT INTO jobs (id, kind, payload, unique_key, state, run_at, attempts, max_attempts, created_at)
                VALUES \(SQLList(rows)) ON CONFLICT DO NOTHING
                """
            ).run()
        }
    }

    /// A worker whose last report is older than this is taken for dead (a
    /// crash, a SIGKILL): its running jobs are claimable again without
    /// waiting for their lease. Workers report every 10 seconds and remove
    /// their report when they stop; a claimant that never reported keeps
    /// its lease.
    static let deadAfter: TimeInterval = 30

    func claim(worker: String, lease: TimeInterval = 300, now: Date = Date()) async throws -> Job? {
        try await claim(worker: worker, limit: 1, lease: lease, now: now).first
    }

    /// Hands up to `limit` due jobs to `worker`, oldest due first, after
    /// putting back what dead or overdue workers held (`reclaim`). The
    /// queued branch alone walks the (state, run_at) index in order, so a
    /// claim costs the same with ten or ten million rows in the table.
    func claim(worker: String, limit: Int, lease: TimeInterval = 300, now: Date = Date()) async throws -> [Job] {
        guard let sql = db as? any SQLDatabase else { return [] }
        try await reclaim(now: now)
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await sql.raw(
            """
            UPDATE jobs SET state = 'running', lease_owner = \(bind: worker), lease_expires_at = \(bind: now.addingTimeInterval(lease)), attempts = attempts + 1
            WHERE id IN (SELECT id FROM jobs WHERE state = 'queued' AND run_at <= \(bind: now) ORDER BY run_at LIMIT \(unsafeRaw: String(max(1, limit)))\(lock))
            RETURNING id, kind, payload, unique_key, run_at, attempts, max_attempts, lease_expires_at, created_at
            """
        ).all()
        // Built by hand: a busy minute claims thousands, and the model
        // layer's reflection on each would cost more than the claim.
        return try rows.map { row in
            let job = Job()
            job.id = try row.decode(column: "id", as: UUID.self)
            job.kind = try row.decode(column: "kind", as: String.self)
            job.payload = try row.decode(column: "payload", as: String.self)
            job.uniqueKey = try row.decode(column: "unique_key", as: String?.self)
            job.state = Job.State.running.rawValue
            job.runAt = try row.decode(column: "run_at", as: Date.self)
            job.attempts = try row.decode(column: "attempts", as: Int.self)
            job.maxAttempts = try row.decode(column: "max_attempts", as: Int.self)
            job.leaseOwner = worker
            job.leaseExpiresAt = try row.decode(column: "lease_expires_at", as: Date?.self)
            job.lastError = nil
            job.createdAt = try row.decode(column: "created_at", as: Date.self)
            job.finishedAt = nil
            job.$id.exists = true
            return job
        }.sorted { $0.runAt < $1.runAt }
    }

    /// When the next queued job is due, so an idle worker wakes on time
    /// rather than on its next poll.
    func nextRunAt() async throws -> Date? {
        guard let sql = db as? any SQLDatabase else { return nil }
        return try await sql.select().column("run_at").from(Job.schema).where("state", .equal, Job.State.queued.rawValue)
            .orderBy("run_at").limit(1).first()?.decode(column: "run_at", as: Date.self)
    }

    /// Puts back in the queue the jobs whose lease ran out and those held
    /// by a worker whose last report is older than `deadAfter`. Their
    /// attempt was counted when they were claimed.
    func reclaim(now: Date = Date()) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        try await sql.raw(
            """
            UPDATE jobs SET state = 'queued', lease_owner = NULL, lease_expires_at = NULL
            WHERE state = 'running' AND (lease_expires_at < \(bind: now)
                OR lease_owner IN (SELECT worker_id FROM worker_heartbeats WHERE seen_at < \(bind: now.addingTimeInterval(-Self.deadAfter))))
            """
        ).run()
    }

    /// Records many jobs' ends at once; the common case of a busy minute
    /// is all of them succeeding.
    func finish(_ results: [(job: Job, result: JobResult)], now: Date = Date()) async throws {
        let succeeded = results.filter { if case .succeeded = $0.result { return true } else { return false } }.compactMap(\.job.id)
        if !succeeded.isEmpty, let sql = db as? any SQLDatabase {
            for chunk in stride(from: 0, to: succeeded.count, by: 500).map({ Array(succeeded[$0..<min(succeeded.count, $0 + 500)]) }) {
                try await sql.update("jobs")
                    .set("state", to: Job.State.succeeded.rawValue).set("finished_at", to: now)
                    .set("lease_owner", to: SQLLiteral.null).set("lease_expires_at", to: SQLLiteral.null)
                    .where("id", .in, chunk)
                    .run()
            }
        }
        // A platform's rate limit sends many jobs back at once with the same
        // wait: they go back in one statement per second of wait and reason.
        var retries: [Date: [String: [UUID]]] = [:]
        for (job, result) in results {
            switch result {
            case .succeeded: break
            case .retry(let after, let reason):
                if job.attempts >= job.maxAttempts || !(db is any SQLDatabase) {
                    try await retry(job, at: now.addingTimeInterval(after), reason: reason, now: now)
                } else {
                    let runAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + after).rounded(.up))
                    retries[runAt, default: [:]][String(reason.prefix(2_000)), default: []].append(job.id!)
                }
            case .failed(let error): try await fail(job, error: error, now: now)
            case .abandoned(let error): try await abandon(job, error: error, now: now)
            }
        }
        guard let sql = db as? any SQLDatabase else { return }
        for (runAt, byReason) in retries {
            for (reason, ids) in byReason {
                for start in stride(from: 0, to: ids.count, by: 500) {
                    try await sql.update("jobs")
                        .set("state", to: Job.State.queued.rawValue).set("run_at", to: runAt).set("last_error", to: reason)
                        .set("lease_owner", to: SQLLiteral.null).set("lease_expires_at", to: SQLLiteral.null)
                        .where("id", .in, Array(ids[start..<min(ids.count, start + 500)]))
                        .run()
                }
            }
        }
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

    /// Ends a job failed now, whatever attempts it has left: one that no
    /// attempt can run (its payload cannot be read).
    func abandon(_ job: Job, error: String, now: Date = Date()) async throws {
        job.lastError = String(error.prefix(2_000))
        job.leaseOwner = nil
        job.leaseExpiresAt = nil
        job.state = Job.State.failed.rawValue
        job.finishedAt = now
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
