import Dispatch
import Vapor

/// `fanfare worker`: runs background jobs only, for deployments that keep
/// web nodes and worker nodes apart (PostgreSQL). Stops on SIGTERM/SIGINT
/// after the job in hand.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature { init() {} }
    var help: String { "Runs a background job worker (any number of them, on PostgreSQL)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await ensureMigrated(app)
        let worker = JobWorker(app: app, batchSize: app.settings.workerBatch)
        let concurrency = app.settings.workerConcurrency
        let task = Task { await worker.run(concurrency: concurrency) }
        let queue = DispatchQueue(label: "fanfare.worker.signals")
        var sources: [any DispatchSourceSignal] = []
        for code in [SIGTERM, SIGINT] {
            signal(code, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: code, queue: queue)
            source.setEventHandler { task.cancel() }
            source.resume()
            sources.append(source)
        }
        await task.value
        sources.forEach { $0.cancel() }
    }
}

func registerCommands(_ app: Application, inProcessWorker: Bool) {
    let worker = InProcessWorker()
    app.lifecycle.use(worker)
    app.asyncCommands.use(FanfareServeCommand(vaporServe: app.servers.command, worker: inProcessWorker ? worker : nil), as: "serve", isDefault: true)
    app.asyncCommands.use(FanfareMigrateCommand(), as: "migrate")
    app.asyncCommands.use(UserCommands(), as: "user")
    app.asyncCommands.use(TokenCommands(), as: "token")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(WorkerCommand(), as: "worker")
}
