import FanfareCore
import Fluent
import Vapor

/// A campaign as stored: its launch day, buffer, goal and platforms. Its
/// schedule is never stored; it is computed from the tasks when read, so it
/// cannot disagree with them.
final class Campaign: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaigns"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "template") var template: String
    @Field(key: "launch_day") var launchDay: String
    @Field(key: "buffer_days") var bufferDays: Int
    @OptionalField(key: "goal_id") var goalID: UUID?
    @Field(key: "platforms") var platformsJSON: String
    @OptionalField(key: "owner_id") var ownerID: UUID?
    @Field(key: "state") var state: String
    @OptionalField(key: "closed_at") var closedAt: Date?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Campaign, ParentProperty<Campaign, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $name, $template, $launchDay, $bufferDays, $goalID, $platformsJSON, $ownerID, $state, $closedAt, $createdBy, $createdAt,
            $updatedAt,
        ]
    }

    var platforms: [String] { ListeningMonitor.strings(platformsJSON) }

    var auditFields: [String: String] {
        [
            "name": name, "template": template, "launch_day": launchDay, "buffer_days": String(bufferDays),
            "goal_id": goalID?.uuidString.lowercased() ?? "", "platforms": platforms.joined(separator: ","), "state": state,
        ]
    }
}

final class CampaignPhase: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_phases"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "campaign_id") var campaignID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "name") var name: String
    @Field(key: "before_launch") var beforeLaunch: Bool

    static var workspaceKey: KeyPath<CampaignPhase, ParentProperty<CampaignPhase, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $campaignID, $position, $name, $beforeLaunch] }
}

final class CampaignTask: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_tasks"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "campaign_id") var campaignID: UUID
    @Field(key: "phase_id") var phaseID: UUID
    @Field(key: "name") var name: String
    @Field(key: "duration_days") var durationDays: Int
    @OptionalField(key: "done_at") var doneAt: Date?
    @OptionalField(key: "done_by") var doneBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<CampaignTask, ParentProperty<CampaignTask, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $campaignID, $phaseID, $name, $durationDays, $doneAt, $doneBy, $createdAt, $updatedAt] }
}

/// One person in one RACI role on one task.
final class CampaignTaskPerson: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_task_people"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "task_id") var taskID: UUID
    @Field(key: "user_id") var userID: UUID
    @Field(key: "role") var role: String

    static var workspaceKey: KeyPath<CampaignTaskPerson, ParentProperty<CampaignTaskPerson, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $taskID, $userID, $role] }
}

final class CampaignDependency: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_dependencies"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "campaign_id") var campaignID: UUID
    @Field(key: "predecessor_id") var predecessorID: UUID
    @Field(key: "successor_id") var successorID: UUID
    @Field(key: "kind") var kind: String
    @Field(key: "lag_days") var lagDays: Int

    static var workspaceKey: KeyPath<CampaignDependency, ParentProperty<CampaignDependency, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $campaignID, $predecessorID, $successorID, $kind, $lagDays] }
}

final class CampaignChecklistItem: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "campaign_checklist_items"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "phase_id") var phaseID: UUID
    @Field(key: "position") var position: Int
    @Field(key: "text") var text: String
    @OptionalField(key: "done_at") var doneAt: Date?
    @OptionalField(key: "done_by") var doneBy: UUID?

    static var workspaceKey: KeyPath<CampaignChecklistItem, ParentProperty<CampaignChecklistItem, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $phaseID, $position, $text, $doneAt, $doneBy] }
}

/// The four RACI roles (SPEC §10: all four kept).
enum CampaignRole: String, CaseIterable, Codable, Sendable {
    case responsible, accountable, consulted, informed
}
