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
    }

    var jobs: [JobRegistration] {
        [JobRegistration(GoalCheck.kind, run: .single(GoalCheck.run), schedule: .every(GoalCheck.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        ThreePhasePlan.items.map { "goals.template.\($0.key)" } + ThreePhasePlan.Phase.allCases.map { "goals.phase.\($0.rawValue)" }
            + ["goals.notice.off_track"]
    }
}
