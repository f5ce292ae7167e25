import FanfareCore
import Fluent
import Synchronization
import Vapor

/// What runs a job of one kind.
typealias JobHandler = @Sendable (Job, Application) async throws -> Void

/// What runs many claimed jobs of one kind together, so that a busy minute
/// costs a few statements per batch rather than several per job. It
/// returns how each job ended; a job it leaves out counts as succeeded.
typealias JobBatchHandler = @Sendable ([Job], Application) async throws -> [UUID: JobResult]

enum JobResult: Sendable {
    case succeeded
    case retry(after: TimeInterval, reason: String)
    /// This attempt failed: the job runs again after the standard back-off
    /// until its attempts are spent.
    case failed(String)
    /// The job can never run (its payload cannot be read): it ends failed
    /// now, without the attempts it has left.
    case abandoned(String)
}

/// The kinds of job Fanfare knows: every feature's, from its declaration.
enum JobKinds {
    static func handlers(_ features: [any Feature] = Features.all) -> [String: JobHandler] {
        var handlers: [String: JobHandler] = [:]
        for registration in features.flatMap(\.jobs) {
            if case .single(let handler) = registration.run { handlers[registration.kind] = handler }
        }
        return handlers
    }

    static func batchHandlers(_ features: [any Feature] = Features.all) -> [String: JobBatchHandler] {
        var handlers: [String: JobBatchHandler] = [:]
        for registration in features.flatMap(\.jobs) {
            if case .batch(let handler) = registration.run { handlers[registration.kind] = handler }
        }
        return handlers
    }

    /// Every periodic kind's enqueueing for the current period.
    static func schedules(_ features: [any Feature] = Features.all) -> [@Sendable (any Database, Date) async throws -> Void] {
        features.flatMap(\.jobs).compactMap(\.enqueueForPeriod)
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
    let batchHandlers: [String: JobBatchHandler]
    let schedules: [@Sendable (any Database, Date) async throws -> Void] = JobKinds.schedules()
    let idleDelay: Duration
    /// Jobs one loop claims at a time. A publish burst is written a batch
    /// at a time; other kinds run side by side.
    let batchSize: Int

    init(
        app: Application, handlers: [String: JobHandler] = JobKinds.handlers(), batchHandlers: [String: JobBatchHandler] = JobKinds.batchHandlers(),
        idleDelay: Duration = .milliseconds(250), batchSize: Int = 250
    ) {
        self.id = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        self.app = app
        self.handlers = handlers
        self.batchHandlers = batchHandlers
        self.idleDelay = idleDelay
        self.batchSize = batchSize
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
                    for schedule in schedules { try await schedule(app.db, now) }
                    lastSchedule = now
                }
                if try await runBatch() > 0 { continue }
                // Scheduled posts fall due on the minute: be there then.
                if let next = try await JobQueue(db: app.db).nextRunAt(), next.timeIntervalSinceNow < idleDelay.seconds {
                    try? await Task.sleep(for: .seconds(max(0.005, next.timeIntervalSinceNow + 0.002)))
                    continue
                }
            } catch {
                app.logger.warning("worker loop error", metadata: ["error": .string(String(describing: error))])
            }
            try? await Task.sleep(for: idleDelay)
        }
    }

    /// Runs one claimable job, if any. Returns whether one ran.
    @discardableResult
    func runOne(now: Date = Date()) async throws -> Bool {
        try await runBatch(limit: 1, now: now) > 0
    }

    /// Claims up to `limit` due jobs and runs them: kinds with a batch
    /// handler together, the others side by side. Returns how many ran.
    @discardableResult
    func runBatch(limit: Int? = nil, now: Date = Date()) async throws -> Int {
        let queue = JobQueue(db: app.db)
        let jobs = try await queue.claim(worker: id, limit: limit ?? batchSize, now: now)
        guard !jobs.isEmpty else { return 0 }
        var results: [(job: Job, result: JobResult)] = []
        for (kind, group) in Dictionary(grouping: jobs, by: \.kind) {
            if let batch = batchHandlers[kind] {
                do {
                    let outcome = try await batch(group, app)
                    results += group.map { ($0, outcome[$0.id!] ?? .succeeded) }
                } catch {
                    app.logger.warning("job batch failed", metadata: ["kind": .string(kind), "error": .string(String(describing: error))])
                    results += group.map { ($0, .failed(String(describing: error))) }
                }
            } else {
                results += await withTaskGroup(of: (Job, JobResult).self) { tasks in
                    for job in group { tasks.addTask { (job, await self.run(job)) } }
                    return await tasks.reduce(into: []) { $0.append($1) }
                }
            }
        }
        try await queue.finish(results)
        return jobs.count
    }

    private func run(_ job: Job) async -> JobResult {
        guard let handler = handlers[job.kind] else { return .failed("no handler for job kind '\(job.kind)'") }
        do {
            try await handler(job, app)
            return .succeeded
        } catch let retry as JobRetry {
            return .retry(after: retry.after, reason: retry.reason)
        } catch let unreadable as JobPayloadUnreadable {
            app.logger.warning(
                "job abandoned", metadata: ["job": .string(job.id!.uuidString), "kind": .string(job.kind), "error": .string(unreadable.description)])
            return .abandoned(unreadable.description)
        } catch {
            app.logger.warning(
                "job failed", metadata: ["job": .string(job.id!.uuidString), "kind": .string(job.kind), "error": .string(String(describing: error))])
            return .failed(String(describing: error))
        }
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
        let worker = JobWorker(app: application, batchSize: application.settings.workerBatch)
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

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
