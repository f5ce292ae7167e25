import Fluent
import Foundation

/// What other features may ask of Risks: the demo judges the triggers
/// once, as the five-minute worker would.
extension RiskService {
    @discardableResult
    static func watchTriggers(on db: any Database, now: Date) async throws -> [UUID] {
        try await RiskWatch.watch(on: db, now: now)
    }
}

/// What other features may read of the register.
enum RisksSurface {
    /// A risk as a campaign's page lists it.
    struct CampaignRisk: Sendable, Equatable {
        var id: UUID
        var title: String
        var score: Int
        var level: String
        var state: String
    }

    /// The risks linked to a campaign, highest score first (closed ones last).
    static func risks(ofCampaign campaignID: UUID, workspaceID: UUID, on db: any Database) async throws -> [CampaignRisk] {
        let risks = try await Risk.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$campaignID == campaignID).all()
        return
            risks
            .sorted { ($0.state == "closed" ? 1 : 0, -$0.score, $0.title) < ($1.state == "closed" ? 1 : 0, -$1.score, $1.title) }
            .map { CampaignRisk(id: $0.id!, title: $0.title, score: $0.score, level: $0.level.rawValue, state: $0.state) }
    }
}
