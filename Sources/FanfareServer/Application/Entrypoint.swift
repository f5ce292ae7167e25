import Foundation
import Logging
import Vapor

/// The `fanfare` executable: read settings once, stop with one line per
/// problem, otherwise configure and run the command.
public enum FanfareMain {
    public static func run() async -> Int32 {
        let arguments = Array(CommandLine.arguments.dropFirst())
        // A filter for scripts: no settings, no database, no data folder.
        if arguments.first == "moderate" { return ModerateCommand.run(Array(arguments.dropFirst())) }
        if arguments.first == "analyze" { return AnalyzeCommand.run(Array(arguments.dropFirst())) }
        if arguments.first == "lottery" { return LotteryCommand.run(Array(arguments.dropFirst())) }
        var settings: Settings
        var remaining: [String]
        switch Settings.parse(environment: ProcessInfo.processInfo.environment, arguments: arguments) {
        case .failure(let problems):
            for line in problems.lines { FileHandle.standardError.write(Data("fanfare: \(line)\n".utf8)) }
            return 2
        case .success(let parsed):
            (settings, remaining) = parsed
        }
        do {
            settings.secretKey = try settings.resolveSecretKey()
        } catch let problems as SettingsProblems {
            for line in problems.lines { FileHandle.standardError.write(Data("fanfare: \(line)\n".utf8)) }
            return 2
        } catch {
            FileHandle.standardError.write(Data("fanfare: FANFARE_DATA_DIR: \(error)\n".utf8))
            return 2
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }

        let environment = Environment(name: "production", arguments: [CommandLine.arguments.first ?? "fanfare"] + remaining)
        do {
            let app = try await Application.make(environment)
            do {
                try await configure(app, settings: settings, options: RuntimeOptions(sandboxFailureRate: settings.sandboxFailureRate))
                try await app.execute()
            } catch {
                try? await app.asyncShutdown()
                throw error
            }
            try await app.asyncShutdown()
            return 0
        } catch let problem as CommandLineProblem {
            FileHandle.standardError.write(Data("fanfare: \(problem.description)\n".utf8))
            return 1
        } catch let problems as SettingsProblems {
            for line in problems.lines { FileHandle.standardError.write(Data("fanfare: \(line)\n".utf8)) }
            return 2
        } catch {
            FileHandle.standardError.write(Data("fanfare: \(error)\n".utf8))
            return 1
        }
    }
}
