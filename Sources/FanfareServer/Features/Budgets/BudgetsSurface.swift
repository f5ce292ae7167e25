import FanfareCore
import Fluent
import Vapor

/// What other features may ask of Budgets.
enum BudgetsSurface {
    /// The campaigns to hold (issue 22: "if configured, holds the
    /// campaign's scheduled posts"): those of this month's lines whose
    /// channel is under its stop-loss line and says `hold_posts_on_breach`.
    /// Campaigns wire the holding itself (the lead, at merge).
    static func breachedCampaigns(workspaceID: UUID, now: Date = Date(), on db: any Database) async throws -> [UUID] {
        let summary = try await BudgetSummary.read(workspaceID: workspaceID, month: BudgetSummary.month(of: now), on: db)
        let holding = Set(summary.channels.filter { $0.state == StopLossRule.State.breached.rawValue && $0.holdPostsOnBreach }.map(\.key))
        var ids: [UUID] = []
        for line in summary.lines {
            guard let key = line.channelKey, holding.contains(key), let id = line.campaignId, !ids.contains(id) else { continue }
            ids.append(id)
        }
        return ids
    }
}
