import FanfareCore
import Fluent
import Foundation

/// What other features may ask of Campaigns: a campaign's name, the
/// workspace's campaign ids (for a refusal's choices), and the campaign of
/// a name (started when there is none) for a post named by its campaign.
enum CampaignsSurface {
    static func name(of id: UUID, workspaceID: UUID, on db: any Database) async throws -> String? {
        try await Campaign.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id == id).first()?.name
    }

    static func ids(workspaceID: UUID, on db: any Database) async throws -> [String] {
        try await Campaign.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$launchDay, .descending).limit(50).all()
            .compactMap { $0.id?.uuidString.lowercased() }
    }

    /// The names a form offers, newest launch first.
    static func names(workspaceID: UUID, on db: any Database) async throws -> [String] {
        try await Campaign.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$launchDay, .descending).limit(200).all().map(\.name)
    }

    /// The campaign named `name`, or an empty one of that name launching on
    /// `day` (the custom template's two phases, in Chinese: the product's
    /// default language), written on `tx` with its audit entry.
    static func reference(named name: String, workspaceID: UUID, day: String, actor: Actor, on tx: any Database, now: Date) async throws -> UUID {
        if let found = try await Campaign.query(on: tx).filter(\.$workspace.$id == workspaceID).filter(\.$name == name).first() { return found.id! }
        let checked = CampaignService.Checked(
            name: String(name.prefix(120)), template: .custom, launchDay: day, bufferDays: CampaignPlan.recommendedBufferDays, goalID: nil,
            platforms: [],
            ownerID: nil)
        let campaign = try await CampaignService.write(checked, workspaceID: workspaceID, actor: actor, locale: .zhHans, on: tx, now: now)
        return campaign.id!
    }
}
