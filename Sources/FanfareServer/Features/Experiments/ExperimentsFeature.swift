import ArgumentParser
import FanfareCore
import Vapor

/// Experiments (issue 21): A/B tests of titles, covers, copy and times,
/// read out by gbstats' methods (FanfareCore/Experiments); link
/// experiments split a tracked link's visitors between the arms
/// (Conversions keeps the split). Also `fanfare experiment analyze`.
struct ExperimentsFeature: Feature {
    var name: String { "experiments" }

    var migrations: [ShippedMigration] {
        [ShippedMigration(19, CreateExperiments()), ShippedMigration(20, AddPostArms()), ShippedMigration(21, AddAudienceArms())]
    }

    func routes(_ routes: FeatureRoutes) throws {
        ExperimentsAPI().bootScoped(routes.workspaceAPI)
        ExperimentsPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(AudienceSends.sendKind, run: .single(AudienceSends.runSend)),
            JobRegistration(AudienceSends.countKind, run: .single(AudienceSends.runCount), schedule: .every(AudienceSends.countPeriod)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        Experiment.State.allCases.map { "experiments.state.\($0.rawValue)" } + Experiment.Varies.allCases.map { "experiments.varies.\($0.rawValue)" }
            + Experiment.Metric.allCases.map { "experiments.metric.\($0.rawValue)" }
            + ConversionType.allCases.map { "experiments.conversion.\($0.rawValue)" }
            + ReadoutError.allCases.map { "experiments.error.\($0.rawValue)" }
            + ["link", "workspace"].map { "experiments.power_basis.\($0)" }
            + Experiment.Assignment.allCases.map { "experiments.assignment_name.\($0.rawValue)" }
            + ExperimentSend.State.allCases.map { "experiments.send_state.\($0.rawValue)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.data, order: 25, path: "/experiments", label: "nav.experiments", permission: .analyticsView)]
    }

    var commands: [any ParsableCommand.Type] { [ExperimentCommand.self] }
}
