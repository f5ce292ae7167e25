import FanfareCore
import Fluent
import Vapor

extension Demo {
    static let preparation = StartupGate.Preparation(what: "the demo", titleKey: "demo.preparing", detailKey: "demo.preparing.detail")

    /// Prepares the demo after the server starts listening: the startup
    /// gate says so on every page meanwhile, and `whenReady` (the worker's
    /// start) runs once it is done, so nothing else touches the demo's
    /// platform while its history plays. `say` prints a line for the
    /// person who started the server: every sign-in, when ready. A stop
    /// meanwhile waits for the preparation to end, so a demo is never left
    /// half made by a graceful stop. Returns the preparation's task.
    @discardableResult
    static func prepareInBackground(
        _ app: Application, say: @escaping @Sendable (String) -> Void, whenReady: @escaping @Sendable () -> Void
    ) -> Task<Void, Never> {
        app.startupGate.begin(preparation)
        say(
            "Preparing the demo workspace in the background; until it is ready its pages say so (http://\(app.settings.host):\(app.settings.port)/healthz answers now)."
        )
        let started = ContinuousClock.now
        let task = Task {
            var lines: [String]
            do {
                let prepared = try await ensure(app)
                let elapsed = started.duration(to: .now)
                app.logger.info(
                    "demo ready", metadata: ["made": .string(String(prepared.made)), "prepare_ms": .string(String(Int(elapsed.seconds * 1_000)))])
                lines = signInLines(prepared, base: app.settings.linkBase, directory: app.settings.dataDirectory.path)
            } catch {
                app.logger.error("the demo could not be prepared", metadata: ["error": .string(String(reflecting: error))])
                lines = ["The demo could not be prepared: \(error). The server goes on without it; the log has the details."]
                if let link = try? await FirstRun.setupLink(on: app.db, base: app.settings.linkBase) {
                    lines += ["No user exists yet. Open this one-time link to create the first administrator (valid 24 hours):", "  \(link)"]
                }
            }
            // Open before the sign-ins are printed: whoever reads them can
            // use them at once.
            app.startupGate.finish()
            whenReady()
            for line in lines { say(line) }
        }
        app.lifecycle.use(DemoPreparationStop(task: task))
        return task
    }

    /// What `serve --demo` prints when the demo is ready: every person's
    /// sign-in and what they do, how to walk a post through its review, and
    /// last the administrator's line that scripts read.
    static func signInLines(_ prepared: Prepared, base: String, directory: String) -> [String] {
        var lines = [
            "Demo workspace ready: \(base)/w/\(workspaceSlug). One person for each role; sign in as any of them (kept in \(directory)/\(signInsFile), readable by you only):"
        ]
        let width = people.map(\.email.count).max() ?? 0
        for signIn in prepared.signIns {
            let email = signIn.person.email.padding(toLength: width, withPad: " ", startingAt: 0)
            let role = signIn.person.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            let password = (signIn.password ?? "(not kept by the version that made this demo)").padding(toLength: 16, withPad: " ", startingAt: 0)
            lines.append("  \(role) \(email)  \(password)  \(signIn.person.does)")
        }
        lines.append(
            "Walk a post through its review: as editor@ open 「周末问答」 (a draft) and submit it, or take 「门店活动」 (waiting for review); approve it as reviewer@ (editorial), then as legal@ (legal); schedule or publish it as editor@; then its 'view on platform' link opens its page on the Sandbox."
        )
        if let warning = prepared.warning { lines.append("Note: \(warning).") }
        if let admin = prepared.signIns.first(where: { $0.person.role == .admin }) {
            lines.append("Sign in as \(admin.person.email) with password \(admin.password ?? "(see \(directory)/\(passwordFile))")")
        }
        return lines
    }
}

/// Waits for the demo's preparation when the server stops.
struct DemoPreparationStop: LifecycleHandler {
    let task: Task<Void, Never>

    func shutdownAsync(_ application: Application) async {
        await task.value
    }
}
