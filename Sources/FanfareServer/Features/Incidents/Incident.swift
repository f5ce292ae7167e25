import FanfareCore
import Fluent
import Vapor

/// A crisis the team runs to its clocks (docs/listening.md § Incidents).
final class Incident: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incidents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "title") var title: String
    @Field(key: "severity") var severity: String
    @Field(key: "state") var state: String
    @Field(key: "opened_at") var openedAt: Date
    @Field(key: "detected_at") var detectedAt: Date
    @OptionalField(key: "first_mention_at") var firstMentionAt: Date?
    @OptionalField(key: "alert_id") var alertID: UUID?
    @OptionalField(key: "alert_monitor") var alertMonitor: String?
    @OptionalField(key: "alert_mentions") var alertMentions: Int?
    @OptionalField(key: "opened_by") var openedBy: UUID?
    @OptionalField(key: "acknowledged_at") var acknowledgedAt: Date?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    @OptionalField(key: "closed_at") var closedAt: Date?
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Incident, ParentProperty<Incident, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads; `HandListedFieldsTests` holds the list to what
    /// reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $title, $severity, $state, $openedAt, $detectedAt, $firstMentionAt, $alertID, $alertMonitor, $alertMentions,
            $openedBy, $acknowledgedAt, $resolvedAt, $closedAt, $updatedAt,
        ]
    }

    var grade: AlertGrade { AlertGrade(rawValue: severity) ?? .blue }
    var incidentState: IncidentState { IncidentState(rawValue: state) ?? .open }
}

/// A person's role in an incident.
final class IncidentMember: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incident_members"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "incident_id") var incident: Incident
    @Field(key: "user_id") var userID: UUID
    @Field(key: "role") var role: String
    @Field(key: "assigned_at") var assignedAt: Date

    static var workspaceKey: KeyPath<IncidentMember, ParentProperty<IncidentMember, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $incident, $userID, $role, $assignedAt] }
}

/// One line of an incident's timeline, written by the action it records.
final class IncidentEntry: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incident_entries"

    /// What happened. Posts and replies published while the incident is
    /// active are not stored here: they are read from Publishing and the
    /// inbox when the timeline is shown (`IncidentTimeline`).
    enum Kind: String, CaseIterable, Codable {
        case opened, acknowledged
        case stateChanged = "state_changed"
        case severityChanged = "severity_changed"
        case roleAssigned = "role_assigned"
        case roleRemoved = "role_removed"
        case note
        case mentionsAttached = "mentions_attached"
        case playbookStep = "playbook_step"
        case statementSubmitted = "statement_submitted"
        case statementApproved = "statement_approved"
        case statementUsed = "statement_used"
        case holdStarted = "hold_started"
        case holdReleased = "hold_released"
        case statusUpdate = "status_update"
        case reviewWritten = "review_written"
        case reminderSent = "reminder_sent"
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "incident_id") var incident: Incident
    @Field(key: "kind") var kind: String
    @Field(key: "at") var at: Date
    @OptionalField(key: "actor_id") var actorID: UUID?
    /// A short value the kind needs: a state, a role, a step, `tactical`.
    @OptionalField(key: "detail") var detail: String?
    /// Text typed by people (a note, a status update, an excerpt).
    @OptionalField(key: "body") var body: String?
    /// JSON list of ids the entry refers to (mentions, a statement, a hold).
    @OptionalField(key: "refs") var refsJSON: String?

    static var workspaceKey: KeyPath<IncidentEntry, ParentProperty<IncidentEntry, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $incident, $kind, $at, $actorID, $detail, $body, $refsJSON] }

    var refs: [String] { refsJSON.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? [] }
}

/// A holding statement: a crisis template's text, edited, through a fast
/// review (one approval) before it may be used.
final class IncidentStatement: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incident_statements"

    enum State: String, CaseIterable, Codable { case pending, approved }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "incident_id") var incident: Incident
    @OptionalField(key: "template_id") var templateID: UUID?
    @Field(key: "text") var text: String
    @Field(key: "state") var state: String
    @OptionalField(key: "submitted_by") var submittedBy: UUID?
    @Field(key: "submitted_at") var submittedAt: Date
    @OptionalField(key: "approved_by") var approvedBy: UUID?
    @OptionalField(key: "approved_at") var approvedAt: Date?

    static var workspaceKey: KeyPath<IncidentStatement, ParentProperty<IncidentStatement, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] {
        [$id, $workspace, $incident, $templateID, $text, $state, $submittedBy, $submittedAt, $approvedBy, $approvedAt]
    }
}

/// The post-incident review, drafted from the timeline, then edited.
final class IncidentReview: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incident_reviews"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "incident_id") var incident: Incident
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @OptionalField(key: "updated_by") var updatedBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<IncidentReview, ParentProperty<IncidentReview, Workspace>> { \.$workspace }

    init() {}

    var properties: [any AnyProperty] { [$id, $workspace, $incident, $title, $body, $updatedBy, $createdAt, $updatedAt] }
}
