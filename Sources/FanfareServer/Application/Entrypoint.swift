import ArgumentParser
import Foundation
import Logging
import Vapor

/// The `fanfare` executable: parse the command line, run the command, and
/// turn what went wrong into a message and an exit status.
public enum FanfareMain {
    public static func run() async -> Int32 {
        await CommandLineRunner.run(FanfareCommand.self, name: "fanfare", arguments: Array(CommandLine.arguments.dropFirst()))
    }
}

/// Runs a command tree with one convention for both executables
/// (`fanfare` and `fanfare-bench`): help on standard output with status 0;
/// a mistake on the command line (an unknown option, a bad or missing
/// value, a wrong setting) named on standard error with status 2; a
/// command that could not do its work, status 1 (or the status it chose).
public enum CommandLineRunner {
    public static func run<Root: ParsableCommand>(_ root: Root.Type, name: String, arguments: [String]) async -> Int32 {
        do {
            var command = try Root.parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch let problems as SettingsProblems {
            for line in problems.lines { standardError("\(name): \(line)") }
            return 2
        } catch let problem as CommandLineProblem {
            standardError("\(name): \(problem.description)")
            return problem.usage ? 2 : 1
        } catch {
            let code = Root.exitCode(for: error)
            if code == .success {
                print(Root.fullMessage(for: error))
                return 0
            }
            if code == .validationFailure {
                // The parser's own message names the option and shows the usage.
                standardError(Root.fullMessage(for: error))
                return 2
            }
            standardError("\(name): \(error)")
            return code.rawValue
        }
    }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Builds the application a command works on: settings read once (every
/// wrong value reported at once), the secret key, JSON logs, the process's
/// metrics, `configure`, and Vapor's lifecycle; shut down afterwards
/// whatever happened.
enum FanfareRuntime {
    static func withApplication(
        _ options: SettingsOptions, demo: Bool = false, inProcessWorker: Bool = true,
        _ body: (Application) async throws -> Void
    ) async throws {
        var settings = try options.settings(demo: demo)
        do {
            settings.secretKey = try settings.resolveSecretKey()
        } catch let problems as SettingsProblems {
            throw problems
        } catch {
            throw SettingsProblems(lines: ["FANFARE_DATA_DIR: \(error)"])
        }
        let level = settings.logLevel
        // Once per process: one command runs per process.
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        let app = try await Application.make(Environment(name: "production", arguments: ["fanfare"]))
        do {
            try await configure(
                app, settings: settings,
                options: RuntimeOptions(
                    inProcessWorker: inProcessWorker, sandboxFailureRate: settings.sandboxFailureRate, metrics: FanfareMetrics.process))
            try await app.asyncBoot()
            try await body(app)
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}

/// `fanfare`: the root of the command tree.
struct FanfareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fanfare",
        abstract: "Fanfare, the self-hosted social-media operations suite.",
        discussion: """
            Without a command, `fanfare` serves (as `fanfare serve`). Commands that open the database take the settings \
            as flags or environment variables (see `fanfare serve --help`).

            \(SettingsOptions.environmentOnly)
            """,
        // The shared commands, then those the features declare (Feature.commands).
        subcommands: [Serve.self, Worker.self, Migrate.self, Users.self, Tokens.self, Backup.self, Restore.self, Routes.self]
            + Features.all.flatMap(\.commands),
        defaultSubcommand: Serve.self)
}
