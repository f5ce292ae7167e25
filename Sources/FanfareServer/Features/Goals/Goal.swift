import FanfareCore
import Fluent
import Vapor

/// A goal as stored: a standalone SMART goal, or an objective's key result.
final class Goal: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "goals"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @OptionalField(key: "objective_id") var objectiveID: UUID?
    @Field(key: "title") var title: String
    @Field(key: "metric") var metric: String
    @Field(key: "target") var target: Double
    @Field(key: "target_mode") var targetMode: String
    @Field(key: "direction") var direction: String
    @Field(key: "start_day") var startDay: String
    @Field(key: "deadline") var deadline: String
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @OptionalField(key: "platform") var platform: String?
    @Field(key: "account_ids") var accountIDsJSON: String
    @OptionalField(key: "month_weights") var monthWeightsJSON: String?
    @OptionalField(key: "template_key") var templateKey: String?
    @OptionalField(key: "last_state") var lastState: String?
    @OptionalField(key: "last_checked_at") var lastCheckedAt: Date?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Goal, ParentProperty<Goal, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $objectiveID, $title, $metric, $target, $targetMode, $direction, $startDay, $deadline, $ownerID, $platform,
            $accountIDsJSON, $monthWeightsJSON, $templateKey, $lastState, $lastCheckedAt, $createdBy, $createdAt, $updatedAt,
        ]
    }

    var accountIDs: [UUID] { ListeningMonitor.strings(accountIDsJSON).compactMap(UUID.init(uuidString:)) }
    var monthWeights: [Double]? {
        monthWeightsJSON.flatMap { try? JSONDecoder().decode([Double].self, from: Data($0.utf8)) }
    }

    /// The Core definition; nil when the stored metric is one this version
    /// cannot read (every goal was checked when saved).
    var definition: GoalDefinition? {
        guard let metric = GoalMetric(code: metric) else { return nil }
        return GoalDefinition(
            title: title, metric: metric, target: target, targetMode: GoalTargetMode(rawValue: targetMode) ?? .absolute,
            direction: GoalDirection(rawValue: direction) ?? .atLeast, startDay: startDay, deadline: deadline, ownerID: ownerID,
            platform: platform, accountIDs: accountIDs, monthWeights: monthWeights)
    }

    /// A number as the audit log and the API's messages write it: whole
    /// numbers without a fraction.
    static func text(_ value: Double) -> String {
        value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    var auditFields: [String: String] {
        var fields = [
            "title": title, "metric": metric, "target": Goal.text(target), "target_mode": targetMode, "direction": direction,
            "start_day": startDay, "deadline": deadline, "platform": platform ?? "",
            "account_ids": accountIDs.map { $0.uuidString.lowercased() }.joined(separator: ","),
        ]
        if let ownerID { fields["owner_id"] = ownerID.uuidString.lowercased() }
        if let objectiveID { fields["objective_id"] = objectiveID.uuidString.lowercased() }
        if let weights = monthWeights { fields["month_weights"] = weights.map(Goal.text).joined(separator: ",") }
        return fields
    }
}

/// An objective in OKR form: a title, a span and up to six key results.
final class GoalObjective: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "goal_objectives"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "title") var title: String
    @OptionalField(key: "phase") var phase: String?
    @Field(key: "start_day") var startDay: String
    @Field(key: "deadline") var deadline: String
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<GoalObjective, ParentProperty<GoalObjective, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] { [$id, $workspace, $title, $phase, $startDay, $deadline, $ownerID, $createdBy, $createdAt, $updatedAt] }

    var auditFields: [String: String] {
        var fields = ["title": title, "start_day": startDay, "deadline": deadline, "phase": phase ?? ""]
        if let ownerID { fields["owner_id"] = ownerID.uuidString.lowercased() }
        return fields
    }
}
