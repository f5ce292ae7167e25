import ArgumentParser

/// Experiments (issue 21): read-outs of A/B tests by gbstats' methods
/// (FanfareCore/Experiments). For now only the command line,
/// `fanfare experiment analyze`; goals, experiment pages and the API join
/// this folder.
struct ExperimentsFeature: Feature {
    var name: String { "experiments" }

    var commands: [any ParsableCommand.Type] { [ExperimentCommand.self] }
}
