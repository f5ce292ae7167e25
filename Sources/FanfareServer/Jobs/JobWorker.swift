import FanfareCore
import Fluent
import Synchronization
import Vapor

/// What runs a job of one kind.
typealias JobHandler = @Sendable (Job, Application) async throws -> Void

/// The kinds of job Fanfare knows. A feature adds its kinds here.
enum JobKinds {
    static func handlers() -> [String: JobHandler] {
        [
            Maintenance.kind: Maintenance.run,
            PublishRunner.kind: PublishRunner.run,
            MetricsSnapshotter.kind: MetricsSnapshotter.run,
            PublishSweep.kind: PublishSweep.run,
        ]
    }
}

/// Thrown by a handler that wants its job run again at a given time rather
/// than on the standard back-off.
struct JobRetry: Error {
    var after: TimeInterval
    var reason: String
}

/// Claims and runs jobs until stopped, and writes a heartbeat that
/// `/readyz` reads. Periodic tasks are enqueued with one unique key per
/// period, so with many workers each still runs once.
final class JobWorker: Sendable {
    let id: String
    let app: Application
    let handlers: [String: JobHandler]
    let idleDelay: Duration

    init(app: Application, handlers: [String: JobHandler] = JobKinds.handlers(), idleDelay: Duration = .milliseconds(250)) {
        self.id = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.app = app
        self.handlers = handlers
        self.idleDelay = idleDelay
    }

    /// Runs until cancelled: one loop that also beats and schedules the
    /// periodic tasks, and `concurrency - 1` more that only run jobs (each
    /// claim is atomic, so the loops never share a job).
    func run(concurrency: Int = 1) async {
        app.logger.info("worker started", metadata: ["worker": .string(id), "concurrency": .stringConvertible(concurrency)])
        // Reported before the first claim: a job held by a worker without a
        // recent report may be taken over (`JobQueue.deadAfter`).
        try? await heartbeat(started: Date(), now: Date())
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.loop(main: true) }
            for _ in 1..<max(1, concurrency) { group.addTask { await self.loop(main: false) } }
        }
        try? await WorkerHeartbeat.query(on: app.db).filter(\.$id == id).delete()
        app.logger.info("worker stopped", metadata: ["worker": .string(id)])
    }

    private func loop(main: Bool) async {
        let started = Date()
        var lastBeat = Date.distantPast
        var lastSchedule = Date.distantPast
        while !Task.isCancelled {
            let now = Date()
            do {
                if main, now.timeIntervalSince(lastBeat) >= 10 {
                    try await heartbeat(started: started, now: now)
                    lastBeat = now
                }
                if main, now.timeIntervalSince(lastSchedule) >= 60 {
                    try await Maintenance.schedule(on: app.db, now: now)
                    try await PublishSweep.schedule(on: app.db, now: now)
                    lastSchedule = now
                }
                if try await runOne() { continue }
            } catch {
                app.logger.warning("worker loop error", metadata: ["error": .string(String(describing: error))])
            }
            try? await Task.sleep(for: idleDelay)
        }
    }

    /// Runs one claimable job, if any. Returns whether one ran.
    @discardableResult
    func runOne(now: Date = Date()) async throws -> Bool {
        let queue = JobQueue(db: app.db)
        guard let job = try await queue.claim(worker: id, now: now) else { return false }
        guard let handler = handlers[job.kind] else {
            try await queue.fail(job, error: "no handler for job kind '\(job.kind)'")
            return true
        }
        do {
            try await handler(job, app)
            try await queue.succeed(job)
        } catch let retry as JobRetry {
            try await queue.retry(job, at: Date().addingTimeInterval(retry.after), reason: retry.reason)
        } catch {
            app.logger.warning(
                "job failed", metadata: ["job": .string(job.id!.uuidString), "kind": .string(job.kind), "error": .string(String(describing: error))])
            try await queue.fail(job, error: String(describing: error))
        }
        return true
    }

    private func heartbeat(started: Date, now: Date) async throws {
        if let beat = try await WorkerHeartbeat.find(id, on: app.db) {
            beat.seenAt = now
            try await beat.save(on: app.db)
        } else {
            let beat = WorkerHeartbeat()
            beat.id = id
            beat.seenAt = now
            beat.startedAt = started
            try await beat.create(on: app.db)
        }
    }
}

/// Runs the worker inside `fanfare serve`: started once the server is up,
/// stopped (cancelled, then awaited) on shutdown.
final class InProcessWorker: LifecycleHandler, Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func start(_ application: Application) {
        let worker = JobWorker(app: application)
        task.withLock { $0 = Task { await worker.run() } }
    }

    func shutdownAsync(_ application: Application) async {
        let running = task.withLock { value -> Task<Void, Never>? in
            defer { value = nil }
            return value
        }
        running?.cancel()
        await running?.value
    }
}
