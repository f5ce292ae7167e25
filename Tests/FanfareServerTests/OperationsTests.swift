import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

@Suite struct OperationsTests {
    @Test(arguments: TestDatabase.available)
    func healthReadinessAndMetrics(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            #expect(try await t.api(.GET, "/healthz", token: nil).status == .ok)
            let ready = try await t.api(.GET, "/readyz", token: nil)
            #expect(ready.status == .ok)
            #expect(ready.json["pending_migrations"] as? [String] == [])
            _ = try await t.api(.GET, "/api/v1/me", token: nil)
            try await JobQueue(db: t.db).enqueue(JobKind<NoPayload>("noop"), payload: NoPayload())
            t.app.storage[SettingsKey.self]?.metricsToken = Self.metricsToken
            let metrics = try await t.api(.GET, "/metrics", token: Self.metricsToken)
            #expect(metrics.body.contains(#"fanfare_http_requests_total{method="GET",route="/api/v1/me",status="401"} 1"#))
            #expect(metrics.body.contains(#"fanfare_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 1"#))
            #expect(metrics.body.contains(#"fanfare_jobs{state="queued"} 1"#))
        }
    }

    static let metricsToken = "metrics-0123456789abcdef"

    /// Issue 17: the metrics go through swift-metrics into a Prometheus
    /// registry, under the names and labels they had, with their help.
    @Test func metricsKeepTheirNamesLabelsAndHelp() async throws {
        try await withTestApp(.sqlite) { t in
            _ = try await t.api(.GET, "/healthz", token: nil)
            _ = try await t.api(.GET, "/healthz", token: nil)
            _ = try await t.api(.GET, "/nowhere-\(UUID().uuidString)", token: nil)
            t.app.storage[SettingsKey.self]?.metricsToken = Self.metricsToken
            let body = try await t.api(.GET, "/metrics", token: Self.metricsToken).body
            let lines = Set(body.split(separator: "\n").map(String.init))
            for line in [
                "# HELP fanfare_http_requests_total HTTP requests by method, route pattern and status.",
                "# TYPE fanfare_http_requests_total counter",
                #"fanfare_http_requests_total{method="GET",route="/healthz",status="200"} 2"#,
                #"fanfare_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
                "# TYPE fanfare_http_request_duration_seconds histogram",
                #"fanfare_http_request_duration_seconds_count{method="GET",route="/healthz"} 2"#,
                #"fanfare_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="+Inf"} 2"#,
                #"fanfare_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="10.0"} 2"#,
                // Gauges are written as floats, as Prometheus's data model has them.
                "# TYPE fanfare_jobs gauge", #"fanfare_jobs{state="failed"} 0.0"#, "fanfare_workers_alive 0.0",
                "fanfare_engine_cache_budget_bytes \(256 << 20).0", #"fanfare_engine_cache_events_total{event="eviction"} 0"#,
            ] {
                #expect(lines.contains(line), "no line \(line)")
            }
            for bound in ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0"] {
                #expect(body.contains(#"fanfare_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="\#(bound)"}"#), "le=\(bound)")
            }
        }
    }

    /// Each application counts its own (tests run many in one process, and
    /// swift-metrics' global backend can be set once per process).
    @Test func everyApplicationHasARegistryOfItsOwn() async throws {
        let one = FanfareMetrics()
        let other = FanfareMetrics()
        RequestMetrics(factory: one.factory).observe(route: nil, method: .POST, status: 413, nanoseconds: 2_000_000)
        #expect(
            String(decoding: one.render(), as: UTF8.self).contains(#"fanfare_http_requests_total{method="POST",route="unmatched",status="413"} 1"#))
        #expect(!String(decoding: other.render(), as: UTF8.self).contains("fanfare_http_requests_total"))
    }

    /// The engine cache keeps cumulative counts; each scrape adds what
    /// happened since the previous one, so the counter equals the cache's
    /// own count however often it is scraped.
    @Test func engineCacheEventsAreCountedOnceAcrossScrapes() async throws {
        let metrics = FanfareMetrics()
        let engines = SharedEngines(budgetBytes: 1 << 30)
        func line(_ event: String) -> String? {
            String(decoding: metrics.render(), as: UTF8.self).split(separator: "\n").map(String.init)
                .first { $0.hasPrefix(#"fanfare_engine_cache_events_total{event="\#(event)"}"#) }
        }
        _ = try await engines.engine(for: "w", version: 1) { ModerationEngine(terms: []) }
        OperationsRoutes.recordEngineCache(engines, into: metrics)
        OperationsRoutes.recordEngineCache(engines, into: metrics)
        #expect(line("miss") == #"fanfare_engine_cache_events_total{event="miss"} 1"#)
        for _ in 0..<3 { _ = try await engines.engine(for: "w", version: 1) { ModerationEngine(terms: []) } }
        OperationsRoutes.recordEngineCache(engines, into: metrics)
        #expect(line("hit") == #"fanfare_engine_cache_events_total{event="hit"} 3"#)
        #expect(line("miss") == #"fanfare_engine_cache_events_total{event="miss"} 1"#)
    }

    /// Issue 16: `/metrics` needed nothing. Unset, the token keeps it off
    /// (404); set, it answers only to the token (401 otherwise), and says
    /// so in a problem document.
    @Test func metricsAnswerOnlyToTheirToken() async throws {
        try await withTestApp(.sqlite) { t in
            let off = try await t.api(.GET, "/metrics", token: nil)
            #expect(off.status == .notFound)
            #expect(off.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(off.body.contains("FANFARE_METRICS_TOKEN"))
            t.app.storage[SettingsKey.self]?.metricsToken = Self.metricsToken
            for token in [nil, "wrong-token-0123456789", Self.metricsToken + "x"] {
                let refused = try await t.api(.GET, "/metrics", token: token)
                #expect(refused.status == .unauthorized, "\(token ?? "no token")")
                #expect(refused.headers.first(name: .wwwAuthenticate)?.hasPrefix("Bearer") == true)
                #expect(!refused.body.contains("fanfare_jobs"))
            }
            let served = try await t.api(.GET, "/metrics", token: Self.metricsToken)
            #expect(served.status == .ok)
            #expect(served.body.contains("fanfare_engine_cache_budget_bytes \(256 << 20)"))
            #expect(served.headers.first(name: .cacheControl) == "no-store")
        }
    }

    @Test(arguments: TestDatabase.available)
    func readinessFailsWhileMigrationsArePending(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            try await t.app.migrator.revertLastBatch().get()
            let ready = try await t.api(.GET, "/readyz", token: nil)
            #expect(ready.status == .serviceUnavailable)
        }
    }
}

@Suite struct JobQueueTests {
    @Test(arguments: TestDatabase.available)
    func uniqueKeysEnqueueOnceAndEachJobIsClaimedByOneWorker(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let queue = JobQueue(db: t.db)
            let kind = JobKind<TestPayload>("k")
            #expect(try await queue.enqueue(kind, payload: TestPayload(n: -1), uniqueKey: "once"))
            #expect(try await !queue.enqueue(kind, payload: TestPayload(n: -1), uniqueKey: "once"))
            for n in 0..<19 { try await queue.enqueue(kind, payload: TestPayload(n: n)) }
            // act: many workers claim at once
            let claimed = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for w in 0..<6 {
                    group.addTask {
                        var mine: [UUID] = []
                        while let job = try await JobQueue(db: t.db).claim(worker: "w\(w)") { mine.append(job.id!) }
                        return mine
                    }
                }
                return try await group.reduce(into: [UUID]()) { $0 += $1 }
            }
            // check
            #expect(claimed.count == 20)
            #expect(Set(claimed).count == 20, "a job was claimed twice")
        }
    }

    @Test(arguments: TestDatabase.available)
    func anExpiredLeaseIsClaimedAgainAndFailuresBackOffUntilTheLastAttempt(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let queue = JobQueue(db: t.db)
            let now = Date()
            try await queue.enqueue(JobKind<NoPayload>("flaky"), payload: NoPayload(), maxAttempts: 2, now: now)
            let first = try #require(try await queue.claim(worker: "dead", lease: 60, now: now))
            #expect(try await queue.claim(worker: "other", now: now.addingTimeInterval(30)) == nil, "leased jobs are not handed out")
            let again = try #require(try await queue.claim(worker: "other", lease: 60, now: now.addingTimeInterval(61)))
            #expect(again.id == first.id && again.attempts == 2 && again.leaseOwner == "other")
            try await queue.fail(again, error: "boom", now: now.addingTimeInterval(62))
            let failed = try #require(try await Job.find(first.id, on: t.db))
            #expect(failed.state == "failed" && failed.lastError == "boom")

            try await queue.enqueue(JobKind<NoPayload>("retry"), payload: NoPayload(), maxAttempts: 3, now: now)
            let retry = try #require(try await queue.claim(worker: "w", now: now))
            try await queue.fail(retry, error: "try later", now: now)
            let requeued = try #require(try await Job.find(retry.id, on: t.db))
            #expect(requeued.state == "queued")
            #expect(abs(requeued.runAt.timeIntervalSince(now) - RetryPolicy().delay(afterAttempt: 1)) < 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func jobsSentBackTogetherWaitTogetherAndAnExhaustedOneFails(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let queue = JobQueue(db: t.db)
            let now = Date(timeIntervalSince1970: 1_800_000_000.25)
            let kind = JobKind<TestPayload>("reply")
            for n in 0..<4 { try await queue.enqueue(kind, payload: TestPayload(n: n), maxAttempts: n == 3 ? 1 : 5, now: now) }
            let jobs = try await queue.claim(worker: "w", limit: 10, now: now)
            #expect(jobs.count == 4)
            let results: [(job: Job, result: JobResult)] = try jobs.map { job in
                let n = try kind.payload(of: job).n
                return (job, n == 0 ? .succeeded : .retry(after: n == 2 ? 99.5 : 12.2, reason: "rate limited"))
            }
            try await queue.finish(results, now: now)
            let after = try await Job.query(on: t.db).all()
            let exhausted = after.filter { $0.maxAttempts == 1 }
            let waiting = after.filter { $0.state == "queued" }
            #expect(after.filter { $0.state == "succeeded" }.count == 1)
            #expect(exhausted.count == 1 && exhausted[0].state == "failed" && exhausted[0].lastError == "rate limited")
            #expect(waiting.count == 2 && waiting.allSatisfy { $0.leaseOwner == nil && $0.lastError == "rate limited" })
            // Each waits at least as long as asked, rounded up to the second.
            #expect(Set(waiting.map { $0.runAt.timeIntervalSince1970 }) == [1_800_000_013, 1_800_000_100])
            #expect(try await queue.claim(worker: "w", limit: 10, now: now.addingTimeInterval(12)).isEmpty)
            #expect(try await queue.claim(worker: "w", limit: 10, now: now.addingTimeInterval(13)).count == 1)
        }
    }

    @Test(arguments: TestDatabase.available)
    func theWorkerRunsHandlersAndMaintenancePurgesWhatHasExpired(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let old = Date().addingTimeInterval(-3 * 3_600)
            try await ThrottleEvent(kind: .password, subject: "x@example.com", address: "1.2.3.4", at: old).create(on: t.db)
            try await ThrottleEvent(kind: .password, subject: "x@example.com", address: "1.2.3.4", at: Date()).create(on: t.db)
            try await JobSchedule.every(Maintenance.period).enqueue(Maintenance.kind, on: t.db, now: Date())
            try await JobSchedule.every(Maintenance.period).enqueue(Maintenance.kind, on: t.db, now: Date())
            #expect(try await Job.query(on: t.db).filter(\.$kind == Maintenance.kind.name).count() == 1, "one per period, however many nodes")
            let worker = JobWorker(app: t.app)
            #expect(try await worker.runOne())
            #expect(try await ThrottleEvent.query(on: t.db).count() == 1)
            #expect(try await Job.query(on: t.db).first()?.state == "succeeded")
            try await JobQueue(db: t.db).enqueue(JobKind<NoPayload>("unknown.kind"), payload: NoPayload(), maxAttempts: 1)
            #expect(try await worker.runOne())
            #expect(try await Job.query(on: t.db).filter(\.$kind == "unknown.kind").first()?.lastError?.contains("no handler") == true)
        }
    }
}

@Suite struct BackupTests {
    @Test func aBackupTakenWhileServingRestoresAndBadFilesAreRefused() async throws {
        try await withTestApp(.sqlite) { t in
            // setup
            try await t.makeUser("kept@example.com")
            let backup = t.dataDirectory.appendingPathComponent("backup.sqlite")
            // act
            try await Backup.write(from: t.db, to: backup)
            try await t.makeUser("after-backup@example.com")
            let garbage = t.dataDirectory.appendingPathComponent("garbage.bin")
            try Data("not a database".utf8).write(to: garbage)
            // check
            await #expect(throws: CommandLineProblem.self) { _ = try await Backup.restore(from: garbage, settings: t.app.settings) }
            await #expect(throws: CommandLineProblem.self) {
                _ = try await Backup.restore(from: t.dataDirectory.appendingPathComponent("missing"), settings: t.app.settings)
            }
            try ServeLock.acquire(in: t.dataDirectory)
            #expect(ServeLock.isHeld(in: t.dataDirectory))
            await #expect(throws: CommandLineProblem.self) { _ = try await Backup.restore(from: backup, settings: t.app.settings) }
        }
    }

    /// Issue 16: backups were written 0644, readable by every user of the
    /// machine.
    @Test func aBackupIsReadableByItsOwnerOnly() async throws {
        try await withTestApp(.sqlite) { t in
            let backup = t.dataDirectory.appendingPathComponent("private.sqlite")
            try await Backup.write(from: t.db, to: backup)
            let mode = try FileManager.default.attributesOfItem(atPath: backup.path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
            #expect(try Data(contentsOf: backup).prefix(15) == Data("SQLite format 3".utf8))
        }
    }

    @Test func restoreSwapsInTheBackupAndKeepsTheOldDatabase() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-restore-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var backupFile: URL!
        var settings: Settings!
        try await withTestApp(.sqlite) { t in
            try await t.makeUser("kept@example.com")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            backupFile = dir.appendingPathComponent("b.sqlite")
            try await KeyFingerprint.recordIfAbsent(t.app.settings.secretKey!, on: t.db)
            try await Backup.write(from: t.db, to: backupFile)
            settings = t.app.settings
            settings.dataDirectory = dir.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
            try Data("old".utf8).write(to: settings.sqliteFile)
        }
        let restored = try await Backup.restore(from: backupFile, settings: settings)
        let kept = try #require(restored.kept)
        #expect(restored.warning == nil)
        #expect(try Data(contentsOf: kept) == Data("old".utf8))
        #expect(try Data(contentsOf: settings.sqliteFile).prefix(15) == Data("SQLite format 3".utf8))
    }

    /// Issue 16: a restore into a data directory with another secret key
    /// (a new directory makes a new one) went ahead, and every stored
    /// credential failed later. It is refused, naming what would stop
    /// working, unless the operator accepts it; accepted, the database
    /// belongs to the new key from then on.
    @Test func aBackupMadeUnderAnotherKeyIsRefusedUnlessAccepted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-rekey-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let backupFile = dir.appendingPathComponent("b.sqlite")
        var settings: Settings!
        try await withTestApp(.sqlite) { t in
            let (_, token, ws) = try await t.makeWorkspaceAdmin("owner@example.com", workspace: "Keys")
            let connected = try await t.api(
                .POST, "/api/v1/workspaces/\(ws.slug)/accounts", token: token, json: ["platform": "sandbox", "handle": "brand"])
            #expect(connected.status == .created)
            #expect(try await KeyFingerprint.recordIfAbsent(t.app.settings.secretKey!, on: t.db) == KeyFingerprint.of(t.app.settings.secretKey!))
            try await Backup.write(from: t.db, to: backupFile)
            settings = t.app.settings
        }
        settings.dataDirectory = dir.appendingPathComponent("new-data")
        settings.secretKey = Data(repeating: 7, count: 32)
        try FileManager.default.createDirectory(at: settings.dataDirectory, withIntermediateDirectories: true)
        do {
            _ = try await Backup.restore(from: backupFile, settings: settings)
            Issue.record("restored a backup made under another key")
        } catch let problem as CommandLineProblem {
            #expect(problem.description.contains("another secret key"))
            #expect(problem.description.contains("1 connected account"))
            #expect(problem.description.contains("--accept-other-key"))
            #expect(problem.description.contains(KeyFingerprint.short(KeyFingerprint.of(Data(repeating: 1, count: 32)))))
        }
        #expect(!FileManager.default.fileExists(atPath: settings.sqliteFile.path), "nothing restored")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: settings.dataDirectory.path).filter { $0.hasPrefix("fanfare.") }.isEmpty,
            "no staging copy left")

        let accepted = try await Backup.restore(from: backupFile, settings: settings, acceptOtherKey: true)
        #expect(accepted.warning?.contains("reconnected") == true)
        // Restored: the database now records the new key, so the next
        // restore check and `serve` see it as this key's.
        let again = try await Backup.restore(from: settings.sqliteFile, settings: settings)
        #expect(again.warning == nil)
    }
}

@Suite struct DeadWorkerTests {
    @Test(arguments: TestDatabase.available)
    func aWorkerThatStoppedReportingLosesItsJobsBeforeTheLeaseRunsOut(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let queue = JobQueue(db: t.db)
            let now = Date()
            try await queue.enqueue(JobKind<NoPayload>("long"), payload: NoPayload(), now: now)
            for (id, seen) in [("alive", now), ("dead", now.addingTimeInterval(-JobQueue.deadAfter - 5))] {
                let beat = WorkerHeartbeat()
                beat.id = id
                beat.seenAt = seen
                beat.startedAt = seen
                try await beat.create(on: t.db)
            }
            let first = try #require(try await queue.claim(worker: "alive", lease: 300, now: now))
            #expect(try await queue.claim(worker: "other", now: now.addingTimeInterval(1)) == nil, "a reporting worker keeps its job")
            first.leaseOwner = "dead"
            try await first.save(on: t.db)
            let taken = try #require(try await queue.claim(worker: "other", now: now.addingTimeInterval(1)))
            #expect(taken.id == first.id && taken.leaseOwner == "other", "the dead worker's job is taken over long before its lease ends")
        }
    }
}
