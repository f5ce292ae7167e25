import ArgumentParser
import Foundation
import Testing

@testable import FanfareServer
@testable import fanfare_bench

/// `fanfare-bench`'s command line (issue 17): a bad value is refused naming
/// its option (three benchmarks used to keep the default silently), every
/// benchmark answers `--help`, and every report has one shape.
@Suite struct BenchCommandLineTests {
    @Test(arguments: [
        (["publish", "--posts", "abc"], "--posts"),
        (["publish", "--posts", "0"], "--posts: must be a whole number of at least 1, not 0"),
        (["publish", "--timeout", "0"], "--timeout: must be a number of seconds above 0"),
        (["serve", "--seconds", "ten"], "--seconds"),
        (["ingest", "--database-url", "mysql://localhost/x"], "--database-url: must be a PostgreSQL URL"),
        (["moderation", "--database-url", "postgres://localhost/x"], "--database-url: the moderation benchmark does not use it"),
        (["analyze", "--binary", "/bin/true"], "--binary: the analyze benchmark does not use it"),
        (["analyze", "--seed", "-1"], "--seed"),
        (["fans", "--colour", "red"], "--colour"),
        (["lexicon", "--binary", "/nonexistent/fanfare"], "--binary: no fanfare binary at /nonexistent/fanfare"),
        (["listening", "--monitors", "1001"], "--monitors: must be from 1 to 1000"),
        (["listening", "--storms", "-1"], "--storms"),
        (["listening", "--accounts", "3"], "--accounts: the listening benchmark does not use it"),
        (["experiments", "--experiments", "0"], "--experiments: must be a whole number of at least 1, not 0"),
        (["experiments", "--part", "nope"], "--part"),
        (["experiments", "--goals", "1001"], "--goals: must be at most 1000"),
        (["experiments", "--days", "3"], "--days"),
        (["experiments", "--events", "-5"], "--events"),
    ])
    func badValuesAreRefusedNamingTheOption(arguments: [String], message: String) {
        do {
            _ = try FanfareBench.parseAsRoot(arguments)
            Issue.record("accepted \(arguments)")
        } catch {
            #expect(FanfareBench.exitCode(for: error) == .validationFailure)
            #expect(FanfareBench.fullMessage(for: error).contains(message), "\(FanfareBench.fullMessage(for: error))")
        }
    }

    /// What the executable answers: 2 for a bad value, 0 for help, on
    /// every benchmark, with the shared options in each help.
    @Test func exitStatusesAndHelp() async throws {
        #expect(await CommandLineRunner.run(FanfareBench.self, name: "fanfare-bench", arguments: ["publish", "--posts", "abc"]) == 2)
        #expect(await CommandLineRunner.run(FanfareBench.self, name: "fanfare-bench", arguments: ["--help"]) == 0)
        for benchmark in FanfareBench.configuration.subcommands {
            let name = try #require(benchmark.configuration.commandName)
            #expect(await CommandLineRunner.run(FanfareBench.self, name: "fanfare-bench", arguments: [name, "--help"]) == 0, "\(name)")
            #expect(FanfareBench.helpMessage(for: benchmark, columns: 200).contains("--output <output>"), "\(name) lacks the shared options")
        }
    }

    /// The one shape: name, machine, command, settings (defaults included),
    /// figures, and targets with whether each was met.
    @Test func everyReportHasOneShape() async throws {
        let command = try #require(try FanfareBench.parseAsRoot(["analyze", "--messages", "50", "--runs", "1"]) as? AnalyzeBenchmark)
        let data = try command.report(try await command.measure(), command: ["fanfare-bench", "analyze", "--messages", "50"])
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(Set(report.keys) == ["name", "machine", "command", "settings", "figures", "targets", "targets_met"])
        #expect(report["name"] as? String == "analyze")
        #expect(report["command"] as? String == "fanfare-bench analyze --messages 50")
        let settings = try #require(report["settings"] as? [String: Any])
        #expect(settings["messages"] as? Int == 50)
        #expect(settings["seed"] as? Int == 1, "a default is reported too")
        let figures = try #require(report["figures"] as? [String: Any])
        #expect(figures["messages"] as? Int == 50)
        let targets = try #require(report["targets"] as? [String: Double])
        let met = try #require(report["targets_met"] as? [String: Any])
        #expect(targets == ["messages_per_second_one_core": 20_000])
        #expect(Set(met.keys) == Set(targets.keys))
        #expect(met["messages_per_second_one_core"] is Bool)
    }

    /// The experiments benchmark reads out what it generated: every
    /// experiment, some with an error read-out, some significant.
    @Test func experimentsReportsItsReadouts() async throws {
        let arguments = ["experiments", "--part", "readouts", "--experiments", "400", "--runs", "1"]
        let command = try #require(try FanfareBench.parseAsRoot(arguments) as? ExperimentsBenchmark)
        let data = try command.report(try await command.measure(), command: ["fanfare-bench"] + arguments)
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let readouts = try #require((report["figures"] as? [String: Any])?["readouts"] as? [String: Any])
        #expect(readouts["experiments"] as? Int == 400)
        let errors = try #require(readouts["frequentist_errors"] as? Int)
        #expect(errors > 0 && errors < 40, "about one in a hundred has a control without conversions")
        #expect((readouts["significant_relative_share"] as? Double ?? 0) > 0)
        #expect(report["targets"] as? [String: Double] == ["readouts.seconds_best": 2])
        #expect((report["settings"] as? [String: Any])?["parts"] as? [String] == ["readouts"])
    }

    @Test func targetsSayWhetherTheyWereMet() {
        #expect(Target.atMost("lost", 0, 0).met as? Bool == true)
        #expect(Target.atMost("lost", 0, 1).met as? Bool == false)
        #expect(Target.below("lag", 2, 2).met as? Bool == false)
        #expect(Target.below("lag", 2, 1.9).met as? Bool == true)
        #expect(Target.atLeast("rate", 100, 100).met as? Bool == true)
        #expect(Target.atLeast("rate", 100, 99).met as? Bool == false)
        #expect(Target.atMost("lost", 0, nil).met is NSNull, "not measured is null, not false")
        #expect(Target.atMost("lost", 0, .nan).met is NSNull)
    }
}
