import FanfareCore
import Fluent
import Vapor

/// Budgets and ROI (issue 22 scope 3): budget lines by category, channel
/// and campaign, the spend ledger with approvals, plan against actual,
/// ROI per channel and campaign from conversions, the stop-loss pass,
/// pilots and monthly reallocation suggestions (docs/budgets.md).
struct BudgetsFeature: Feature {
    var name: String { "budgets" }

    var migrations: [ShippedMigration] { [ShippedMigration(22, CreateBudgets())] }

    func routes(_ routes: FeatureRoutes) throws {
        BudgetsAPI().bootScoped(routes.workspaceAPI)
        BudgetsPages().bootScoped(routes.workspacePages)
    }

    var jobs: [JobRegistration] {
        [JobRegistration(StopLossCheck.kind, run: .single(StopLossCheck.run), schedule: .every(StopLossCheck.period))]
    }

    var strings: StringTable { StringTable(en: Self.stringsEn, zhHans: Self.stringsZhHans) }

    var dynamicKeys: [String] {
        BudgetCategory.allCases.map { "budgets.category.\($0.rawValue)" } + StopLossRule.State.allCases.map { "budgets.state.\($0.rawValue)" }
            + SpendEntry.Source.allCases.map { "budgets.source.\($0.rawValue)" }
            + SpendEntry.State.allCases.map { "budgets.spend_state.\($0.rawValue)" }
            + SpendCSV.columns.map { "budgets.import.column.\($0)" } + ["budgets.notice.breached", "budgets.line.new", "budgets.line.edit"]
            + ["budgets.channel.new", "budgets.channel.edit", "budgets.spend.saved_pending", "budgets.spend.saved", "budgets.spend.approved"]
            + ["budgets.spend.rejected", "budgets.breach_hold", "budgets.breach_flag", "budgets.pilot_over", "budgets.pilot_note"]
            + ["budgets.ledger_empty", "budgets.ledger_empty_ask"]
    }

    var navigation: [NavigationEntry] {
        [NavigationEntry(.planning, order: 30, path: "/budget", label: "nav.budget", permission: .analyticsView)]
    }
}
