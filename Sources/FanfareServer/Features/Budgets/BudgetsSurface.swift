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

    /// A campaign's spend against its plan over all its budget lines and
    /// months (approved spend only), for the campaign's board; nil when the
    /// campaign has no planned money.
    static func burn(ofCampaign campaignID: UUID, workspaceID: UUID, on db: any Database) async throws -> Double? {
        let lines = try await BudgetLine.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$campaignID == campaignID).all()
        let planned = lines.reduce(Int64(0)) { $0 + $1.plannedFen }
        guard planned > 0 else { return nil }
        let ids = lines.compactMap(\.id)
        let spent = try await SpendEntry.query(on: db).filter(\.$lineID ~~ ids).filter(\.$state == "approved").all().reduce(Int64(0)) {
            $0 + $1.amountFen
        }
        return Double(spent) / Double(planned)
    }

    /// A budget line as a campaign's page lists it: its plan and its
    /// approved spend so far.
    struct CampaignLine: Sendable, Equatable {
        var id: UUID
        var name: String
        var month: String
        var plannedFen: Int64
        var spentFen: Int64
    }

    /// The budget lines of a campaign, by month then name.
    static func lines(ofCampaign campaignID: UUID, workspaceID: UUID, on db: any Database) async throws -> [CampaignLine] {
        let lines = try await BudgetLine.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$campaignID == campaignID).all()
        let ids = lines.compactMap(\.id)
        var spent: [UUID: Int64] = [:]
        if !ids.isEmpty {
            for entry in try await SpendEntry.query(on: db).filter(\.$lineID ~~ ids).filter(\.$state == "approved").all() {
                spent[entry.lineID, default: 0] += entry.amountFen
            }
        }
        return
            lines
            .map { CampaignLine(id: $0.id!, name: $0.name, month: $0.month, plannedFen: $0.plannedFen, spentFen: spent[$0.id!] ?? 0) }
            .sorted { ($0.month, $0.name) < ($1.month, $1.name) }
    }
}
