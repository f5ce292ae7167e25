import FanfareCore
import Fluent
import Vapor

/// A planned amount for one month: a category, optionally a channel and a campaign.
final class BudgetLine: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "budget_lines"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "category") var category: String
    @OptionalField(key: "channel_key") var channelKey: String?
    @OptionalField(key: "campaign_id") var campaignID: UUID?
    @OptionalField(key: "campaign") var campaign: String?
    @Field(key: "month") var month: String
    @Field(key: "planned_fen") var plannedFen: Int64
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<BudgetLine, ParentProperty<BudgetLine, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [$id, $workspace, $name, $category, $channelKey, $campaignID, $campaign, $month, $plannedFen, $createdBy, $createdAt, $updatedAt]
    }

    var auditFields: [String: String] {
        [
            "name": name, "category": category, "channel_key": channelKey ?? "", "campaign_id": campaignID?.uuidString.lowercased() ?? "",
            "campaign": campaign ?? "", "month": month, "planned_fen": String(plannedFen),
        ]
    }
}

/// A channel's stop-loss rule and pilot state.
final class BudgetChannel: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "budget_channels"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "key") var key: String
    @Field(key: "label") var label: String
    @Field(key: "pilot") var pilot: Bool
    @OptionalField(key: "validated_at") var validatedAt: Date?
    @Field(key: "stop_loss_ratio") var stopLossRatio: Double
    @Field(key: "min_spend_fen") var minSpendFen: Int64
    @Field(key: "hold_posts_on_breach") var holdPostsOnBreach: Bool
    @OptionalField(key: "fallback_destination") var fallbackDestination: String?
    @OptionalField(key: "last_state") var lastState: String?
    @OptionalField(key: "breached_at") var breachedAt: Date?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<BudgetChannel, ParentProperty<BudgetChannel, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $key, $label, $pilot, $validatedAt, $stopLossRatio, $minSpendFen, $holdPostsOnBreach, $fallbackDestination, $lastState,
            $breachedAt, $createdAt, $updatedAt,
        ]
    }

    var rule: StopLossRule { StopLossRule(ratio: stopLossRatio, minSpendFen: minSpendFen) }

    var auditFields: [String: String] {
        [
            "key": key, "label": label, "pilot": String(pilot), "stop_loss_ratio": String(stopLossRatio), "min_spend_fen": String(minSpendFen),
            "hold_posts_on_breach": String(holdPostsOnBreach), "fallback_destination": fallbackDestination ?? "",
        ]
    }
}

/// One spend in the ledger.
final class SpendEntry: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "spend_entries"

    enum Source: String, CaseIterable { case entered, csv, api }
    enum State: String, CaseIterable { case approved, pending, rejected }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "line_id") var lineID: UUID
    @Field(key: "amount_fen") var amountFen: Int64
    @Field(key: "spent_on") var spentOn: String
    @Field(key: "note") var note: String
    @Field(key: "source") var source: String
    @Field(key: "state") var state: String
    @OptionalField(key: "created_by") var createdBy: UUID?
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_at") var decidedAt: Date?
    @OptionalField(key: "decision_note") var decisionNote: String?
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<SpendEntry, ParentProperty<SpendEntry, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [$id, $workspace, $lineID, $amountFen, $spentOn, $note, $source, $state, $createdBy, $decidedBy, $decidedAt, $decisionNote, $createdAt]
    }

    var auditFields: [String: String] {
        [
            "line_id": lineID.uuidString.lowercased(), "amount_fen": String(amountFen), "spent_on": spentOn, "note": note, "source": source,
            "state": state,
        ]
    }
}

/// A workspace's approval threshold and deviation tolerance.
final class BudgetSettings: Model, @unchecked Sendable {
    static let schema = "budget_settings"

    @ID(custom: "workspace_id", generatedBy: .user) var id: UUID?
    @Field(key: "approval_threshold_fen") var approvalThresholdFen: Int64
    @Field(key: "deviation_tolerance") var deviationTolerance: Double
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] { [$id, $approvalThresholdFen, $deviationTolerance, $updatedAt] }

    static func read(_ workspaceID: UUID, on db: any Database) async throws -> (thresholdFen: Int64, tolerance: Double) {
        guard let row = try await BudgetSettings.find(workspaceID, on: db) else {
            return (SpendApproval.defaultThresholdFen, PlanActual.defaultTolerance)
        }
        return (row.approvalThresholdFen, row.deviationTolerance)
    }
}
