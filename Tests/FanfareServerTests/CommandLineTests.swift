import ArgumentParser
import FanfareCore
import Foundation
import Testing

@testable import FanfareServer

/// The command line (issue 17): the tree, its help, and bad values refused
/// with status 2 naming the option. Tests/cli/run.sh drives the binary.
@Suite struct CommandLineTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-cli-\(UUID().uuidString)").path

    /// Every flag `Settings.parse` reads is an option of the command line,
    /// handed over under its own name, and `--help` shows its variable.
    @Test func everySettingsFlagIsAnOptionWithItsVariableInTheHelp() throws {
        let help = FanfareCommand.Serve.helpMessage(columns: 400)
        for (flag, variable) in Settings.valueFlags.merging(Settings.limitFlags, uniquingKeysWith: { $1 }).merging(
            Settings.mediaFlags, uniquingKeysWith: { $1 })
        {
            let options = try SettingsOptions.parse([flag, "value"])
            let given = flag == "--hostname" ? "--host" : flag
            #expect(options.arguments == ["\(given)=value"], "\(flag)")
            #expect(help.contains(flag), "\(flag) is not in serve --help")
            #expect(help.contains("[env: \(variable)] (default: "), "\(variable) is not in serve --help")
        }
        #expect(FanfareCommand.helpMessage(columns: 400).contains("FANFARE_METRICS_TOKEN"))
    }

    /// A value from a flag is named by the flag, one from the environment
    /// by the variable; every problem is a line of its own.
    @Test func wrongValuesAreNamedAsTheOperatorGaveThem() throws {
        let options = try SettingsOptions.parse(["--port", "eighty", "--log-level", "loud", "--workspace-creators=all"])
        #expect(throws: SettingsProblems.self) { try options.settings(environment: ["FANFARE_DATA_DIR": dir, "FANFARE_WORKER_BATCH": "0"]) }
        do {
            _ = try options.settings(environment: ["FANFARE_DATA_DIR": dir, "FANFARE_WORKER_BATCH": "0", "PORT": "8081"])
        } catch let problems as SettingsProblems {
            #expect(problems.lines.count == 4)
            #expect(problems.lines.contains("--port: must be a port number from 1 to 65535, not 'eighty'"))
            #expect(problems.lines.contains { $0.hasPrefix("--log-level: must be one of") })
            #expect(problems.lines.contains { $0.hasPrefix("--workspace-creators: must be 'admins'") })
            #expect(problems.lines.contains("FANFARE_WORKER_BATCH: must be a whole number from 1 to 5000, not '0'"))
        }
        let settings = try SettingsOptions.parse(["--port", "9100"]).settings(environment: ["FANFARE_DATA_DIR": dir, "PORT": "9000"], demo: true)
        #expect(settings.port == 9100, "the flag wins")
        #expect(settings.demo)
    }

    @Test(arguments: [
        (["lottery", "draw", "--seed", "00", "--entrants", "x", "--winners", "many"], "--winners"),
        (["moderate", "--lexicon", "x", "--policy", "some"], "--policy"),
        (["token", "create", "--name", "ci"], "--email"),
        (["backup"], "--to"),
        (["migrate", "--colour"], "--colour"),
        (["serve", "--demo=yes"], "--demo"),
    ])
    func badCommandLinesAreRefusedNamingTheOption(arguments: [String], option: String) {
        do {
            _ = try FanfareCommand.parseAsRoot(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(FanfareCommand.exitCode(for: error) == .validationFailure)
            #expect(FanfareCommand.fullMessage(for: error).contains(option), "\(FanfareCommand.fullMessage(for: error))")
        }
    }

    /// What the executable answers: 2 for a wrong setting (before anything
    /// starts), 0 for help.
    @Test func exitStatusesFollowOneConvention() async {
        #expect(await CommandLineRunner.run(FanfareCommand.self, name: "fanfare", arguments: ["serve", "--data-dir", dir, "--port", "0"]) == 2)
        #expect(await CommandLineRunner.run(FanfareCommand.self, name: "fanfare", arguments: ["lottery", "draw", "--winners", "x"]) == 2)
        #expect(await CommandLineRunner.run(FanfareCommand.self, name: "fanfare", arguments: ["routes", "--help"]) == 0)
    }

    @Test func withoutACommandFanfareServes() throws {
        let command = try FanfareCommand.parseAsRoot(["--port", "9000", "--demo"])
        let serve = try #require(command as? FanfareCommand.Serve)
        #expect(serve.demo)
        #expect(serve.settings.port == "9000")
    }

    /// Listing routes needs no data directory: it used to resolve (and
    /// generate) the secret key in ./fanfare-data.
    @Test func routesAreListedWithoutADataDirectory() async throws {
        let temporary = FileManager.default.temporaryDirectory
        func leftovers() throws -> Set<String> {
            Set(try FileManager.default.contentsOfDirectory(atPath: temporary.path).filter { $0.hasPrefix("fanfare-routes-") })
        }
        let before = try leftovers()
        let lines = try await FanfareCommand.Routes.lines()
        #expect(lines.contains("GET /healthz"))
        #expect(lines.contains("GET /api/v1/workspaces/:workspace/members"))
        #expect(try leftovers() == before, "no data directory was made")
    }
}
