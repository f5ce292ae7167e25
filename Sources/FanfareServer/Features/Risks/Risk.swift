import FanfareCore
import Fluent
import Vapor

/// A risk of the register as stored (docs/risks.md).
final class Risk: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "risks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "title") var title: String
    @Field(key: "category") var category: String
    @Field(key: "probability") var probability: Int
    @Field(key: "impact_brand") var impactBrand: Int
    @Field(key: "impact_users") var impactUsers: Int
    @Field(key: "impact_business") var impactBusiness: Int
    @Field(key: "score") var score: Int
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @Field(key: "state") var state: String
    @Field(key: "control_preventive") var controlPreventive: String
    @Field(key: "control_in_process") var controlInProcess: String
    @Field(key: "control_emergency") var controlEmergency: String
    @OptionalField(key: "incident_id") var incidentID: UUID?
    @OptionalField(key: "campaign_id") var campaignID: UUID?
    @OptionalField(key: "template_key") var templateKey: String?
    @Field(key: "last_reviewed_at") var lastReviewedAt: Date
    @OptionalField(key: "reminded_for") var remindedFor: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Risk, ParentProperty<Risk, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $title, $category, $probability, $impactBrand, $impactUsers, $impactBusiness, $score, $ownerID, $state,
            $controlPreventive, $controlInProcess, $controlEmergency, $incidentID, $campaignID, $templateKey, $lastReviewedAt, $remindedFor,
            $createdBy, $createdAt, $updatedAt,
        ]
    }

    var assessment: RiskAssessment {
        RiskAssessment(probability: probability, impactBrand: impactBrand, impactUsers: impactUsers, impactBusiness: impactBusiness)
    }

    var level: RiskLevel { assessment.level }

    func control(_ stage: RiskControlStage) -> String {
        switch stage {
        case .preventive: controlPreventive
        case .inProcess: controlInProcess
        case .emergency: controlEmergency
        }
    }

    var auditFields: [String: String] {
        var fields = [
            "title": title, "category": category, "probability": String(probability), "impact_brand": String(impactBrand),
            "impact_users": String(impactUsers), "impact_business": String(impactBusiness), "score": String(score), "state": state,
            "control_preventive": controlPreventive, "control_in_process": controlInProcess, "control_emergency": controlEmergency,
        ]
        if let ownerID { fields["owner_id"] = ownerID.uuidString.lowercased() }
        if let incidentID { fields["incident_id"] = incidentID.uuidString.lowercased() }
        if let campaignID { fields["campaign_id"] = campaignID.uuidString.lowercased() }
        return fields
    }
}

/// A trigger watched by `RiskWatch`.
final class RiskTriggerRow: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "risk_triggers"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "risk_id") var riskID: UUID
    @Field(key: "kind") var kind: String
    @OptionalField(key: "metric") var metric: String?
    @OptionalField(key: "comparison") var comparison: String?
    @OptionalField(key: "threshold") var threshold: Double?
    @OptionalField(key: "window_days") var windowDays: Int?
    @OptionalField(key: "min_grade") var minGrade: String?
    @OptionalField(key: "monitor_id") var monitorID: UUID?
    @OptionalField(key: "last_fired_at") var lastFiredAt: Date?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<RiskTriggerRow, ParentProperty<RiskTriggerRow, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [$id, $workspace, $riskID, $kind, $metric, $comparison, $threshold, $windowDays, $minGrade, $monitorID, $lastFiredAt, $createdAt]
    }

    /// The Core trigger; nil for a row this version cannot read.
    var trigger: RiskTrigger? {
        switch kind {
        case "metric":
            guard let metric = metric.flatMap(NormalisedMetric.init(rawValue:)), let comparison = comparison.flatMap(RiskComparison.init(rawValue:)),
                let threshold, let windowDays
            else { return nil }
            return .metric(metric: metric, comparison: comparison, threshold: threshold, windowDays: windowDays)
        case "alert":
            guard let grade = minGrade.flatMap(AlertGrade.init(rawValue:)) else { return nil }
            return .alert(minimumGrade: grade, monitorID: monitorID)
        default: return nil
        }
    }

    func set(_ trigger: RiskTrigger) {
        kind = trigger.kind
        switch trigger {
        case .metric(let metric, let comparison, let threshold, let windowDays):
            (self.metric, self.comparison, self.threshold, self.windowDays) = (metric.rawValue, comparison.rawValue, threshold, windowDays)
            (minGrade, monitorID) = (nil, nil)
        case .alert(let grade, let monitor):
            (minGrade, monitorID) = (grade.rawValue, monitor)
            (metric, comparison, threshold, windowDays) = (nil, nil, nil, nil)
        }
    }
}

/// One line of a risk's timeline.
final class RiskEvent: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "risk_events"

    enum Kind: String, CaseIterable {
        case created, updated, triggered, reviewed, closed, reopened, note
        case incidentLinked = "incident_linked"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "risk_id") var riskID: UUID
    @Field(key: "kind") var kind: String
    @Field(key: "note") var note: String
    @OptionalField(key: "actor_id") var actorID: UUID?
    @Field(key: "at") var at: Date

    static var workspaceKey: KeyPath<RiskEvent, ParentProperty<RiskEvent, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] { [$id, $workspace, $riskID, $kind, $note, $actorID, $at] }

    static func record(
        _ kind: Kind, risk: Risk, note: String = "", actor: UUID?, at: Date, on db: any Database
    ) async throws {
        let event = RiskEvent()
        event.id = TimeOrderedID.make(at: at)
        event.$workspace.id = risk.$workspace.id
        event.riskID = risk.id!
        event.kind = kind.rawValue
        event.note = note
        event.actorID = actor
        event.at = at
        try await event.create(on: db)
    }
}
