import FanfareCore
import Fluent
import Vapor

/// The demo's risk register: the seeds' typical risks (docs/risks.md),
/// added by the operations manager through the register's own "add the
/// typical risks" path three weeks ago, the public-opinion risk linked to
/// the demo's incident, one risk reviewed last week; then the five-minute
/// watch judges the triggers once, as the worker would, against the
/// demo's own metrics and alerts.
enum DemoRisks {
    static let writtenDaysAgo = 21

    static func play(_ timeline: DemoTimeline) async throws {
        let clock = timeline.clock
        let access = timeline.access(.manager)
        let actor = timeline.actor(.manager)
        let service = RiskService(db: timeline.db)
        let manager = timeline.members[.manager]!
        let written = try await service.applyTemplate(
            locale: .zhHans, ownerID: manager.id, in: access, actor: actor, now: clock.day(writtenDaysAgo, 15))
        if let storm = written.first(where: { $0.templateKey == "public_opinion" }),
            let incident = try await access.query(Incident.self, on: timeline.db).sort(\.$id, .descending).first()
        {
            _ = try await service.linkIncident(
                storm.id!.uuidString, incident: incident.id!.uuidString, in: access, actor: actor, now: clock.day(2, 11))
        }
        if let leak = written.first(where: { $0.templateKey == "data_leak" }) {
            _ = try await service.review(leak.id!.uuidString, note: "权限复查完成，未发现越权访问。", in: access, actor: actor, now: clock.day(7, 10))
        }
        // The gift-box launch carries the content risks: linked from the risk's form, as a planner would.
        if let giftBox = try await access.query(Campaign.self, on: timeline.db).filter(\.$name == DemoCampaigns.runningName).first() {
            for risk in written where ["content_violation", "content_homogeneity"].contains(risk.templateKey ?? "") {
                let a = risk.assessment
                _ = try await service.update(
                    risk.id!.uuidString,
                    .init(
                        title: risk.title, category: risk.category, probability: a.probability, impactBrand: a.impactBrand,
                        impactUsers: a.impactUsers,
                        impactBusiness: a.impactBusiness, ownerId: risk.ownerID?.uuidString, state: risk.state,
                        controlPreventive: risk.controlPreventive,
                        controlInProcess: risk.controlInProcess, controlEmergency: risk.controlEmergency, campaignId: giftBox.id!.uuidString),
                    in: access, actor: actor, now: clock.day(20, 16))
            }
        }
        try await RiskService.watchTriggers(on: timeline.db, now: clock.now)
    }
}
