import FanfareCore
import Fluent
import Vapor

/// The risk register (issue 22 scope 4): risks by category with their
/// probability, impacts, score and level, controls by stage, triggers
/// watched against live metrics and listening alerts, the monthly review
/// and the heat map (docs/risks.md).
struct RisksFeature: Feature {
    var name: String { "risks" }

    var migrations: [ShippedMigration] { [ShippedMigration(22, CreateRisks())] }

    func routes(_ routes: FeatureRoutes) throws {
        RisksAPI().bootScoped(routes.workspaceAPI)
        RisksPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [
            JobRegistration(RiskWatch.kind, run: .single(RiskWatch.run), schedule: .every(RiskWatch.period)),
            JobRegistration(RiskReviewReminder.kind, run: .single(RiskReviewReminder.run), schedule: .every(RiskReviewReminder.period)),
        ]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        RiskTemplate.items.flatMap { item in ["title", "preventive", "in_process", "emergency"].map { "risks.template.\(item.key).\($0)" } }
            + RiskCategory.allCases.map { "risks.category.\($0.rawValue)" } + RiskLevel.allCases.map { "risks.level.\($0.rawValue)" }
            + RiskState.allCases.map { "risks.state.\($0.rawValue)" } + RiskControlStage.allCases.map { "risks.stage.\($0.rawValue)" }
            + RiskRules.scale.map { "risks.scale.\($0)" } + RiskComparison.allCases.map { "risks.trigger.\($0.rawValue)" }
            + AlertGrade.allCases.map { "risks.grade.\($0.rawValue)" } + NormalisedMetric.allCases.map { "risks.metric.\($0.rawValue)" }
            + RiskEvent.Kind.allCases.map { "risks.event.\($0.rawValue)" } + ["risks.notice.triggered", "risks.notice.review_due"]
            + ["impact_brand", "impact_users", "impact_business", "probability"].map { "risks.field.\($0)" }
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.planning, order: 40, path: "/risks", label: "nav.risks", permission: .analyticsView)]
    }
}
