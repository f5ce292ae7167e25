import ArgumentParser
import Dispatch
import Vapor

extension FanfareCommand {
    /// `fanfare worker`: runs background jobs only, for deployments that keep
    /// web nodes and worker nodes apart (PostgreSQL). Stops on SIGTERM/SIGINT
    /// after the job in hand.
    struct Worker: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Runs a background job worker (any number of them, on PostgreSQL).",
            discussion: "Stops on SIGTERM or SIGINT after the jobs in hand.")

        @OptionGroup(title: "Settings")
        var settings: SettingsOptions

        func run() async throws {
            try await FanfareRuntime.withApplication(settings) { app in
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
    }
}

/// What runs inside Vapor's own command system: `serve` alone (see
/// `FanfareCommand.Serve`), so that Vapor's ServeCommand still binds the
/// server and handles its signals. Every other command is one of
/// `FanfareCommand`'s.
func registerCommands(_ app: Application, inProcessWorker: Bool) {
    let worker = InProcessWorker()
    app.lifecycle.use(worker)
    app.asyncCommands.use(FanfareServeCommand(vaporServe: app.servers.command, worker: inProcessWorker ? worker : nil), as: "serve", isDefault: true)
}
