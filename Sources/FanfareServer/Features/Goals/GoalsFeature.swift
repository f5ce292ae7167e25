import FanfareCore
import Fluent
import Vapor

/// Goals (issue 21 scope 1): SMART goals and OKR objectives whose progress,
/// projection and on/off-track state are computed from live metrics; the
/// seeds' three-phase plan as a template (docs/goals.md).
struct GoalsFeature: Feature {
    var name: String { "goals" }

    var migrations: [ShippedMigration] { [ShippedMigration(18, CreateGoals())] }

    func routes(_ routes: FeatureRoutes) throws {
        GoalsAPI().bootScoped(routes.workspaceAPI)
        GoalsPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(GoalCheck.kind, run: .single(GoalCheck.run), schedule: .every(GoalCheck.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        ThreePhasePlan.items.map { "goals.template.\($0.key)" } + ThreePhasePlan.Phase.allCases.map { "goals.phase.\($0.rawValue)" }
            + ["goals.notice.off_track"] + GoalsPage.metricChoices.map(GoalsPage.metricKey)
            + GoalState.allCases.map { "goals.state.\($0.rawValue)" } + GoalState.allCases.map { "goals.explain.\($0.rawValue)" }
            + ["goals.explain.on_track_plain", "goals.explain.off_track_plain"]
            + GoalTargetMode.allCases.map { "goals.mode.\($0.rawValue)" } + GoalDirection.allCases.map { "goals.direction.\($0.rawValue)" }
            + ["run_rate", "trend", "held"].map { "goals.method.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.planning, order: 10, path: "/goals", label: "nav.goals", permission: .analyticsView)]
    }
}
