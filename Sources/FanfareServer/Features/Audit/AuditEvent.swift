import FanfareCore
import Fluent
import Vapor

/// One change, who made it and what it changed. Never edited or deleted.
final class AuditEvent: Model, @unchecked Sendable {
    static let schema = "audit_events"

    @ID(key: .id) var id: UUID?
    @OptionalField(key: "workspace_id") var workspaceID: UUID?
    @OptionalField(key: "actor_id") var actorID: UUID?
    /// The actor's email at the time, so the log stays readable after the
    /// account is renamed; "system" for changes nobody typed.
    @Field(key: "actor_label") var actorLabel: String
    @Field(key: "action") var action: String
    @Field(key: "target_type") var targetType: String
    @OptionalField(key: "target_id") var targetID: String?
    @Field(key: "before") var before: String
    @Field(key: "after") var after: String
    @OptionalField(key: "address") var address: String?
    @Field(key: "at") var at: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspaceID, $actorID, $actorLabel, $action, $targetType, $targetID, $before, $after, $address, $at] }
}

struct AuditEventDTO: Content {
    var id: UUID
    var at: Date
    var actor: String
    var action: String
    var targetType: String
    var targetId: String?
    var before: String
    var after: String

    init(_ event: AuditEvent) {
        id = event.id!
        at = event.at
        actor = event.actorLabel
        action = event.action
        targetType = event.targetType
        targetId = event.targetID
        before = event.before
        after = event.after
    }
}
