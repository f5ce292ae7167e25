import FanfareCore
import Fluent
import Vapor

/// A routing rule as stored: conditions and actions as JSON in the
/// format the API documents (`InboxRuleConditions`, `InboxRuleActions`).
final class InboxRuleRecord: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "inbox_rules"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "position") var position: Int
    @Field(key: "enabled") var enabled: Bool
    @Field(key: "conditions") var conditionsJSON: String
    @Field(key: "actions") var actionsJSON: String
    @Field(key: "answers_negative") var answersNegative: Bool
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<InboxRuleRecord, ParentProperty<InboxRuleRecord, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $name, $position, $enabled, $conditionsJSON, $actionsJSON, $answersNegative, $createdAt, $updatedAt]
    }

    var conditions: InboxRuleConditions {
        get { (try? JSONDecoder().decode(InboxRuleConditions.self, from: Data(conditionsJSON.utf8))) ?? InboxRuleConditions() }
        set { conditionsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("{}".utf8), as: UTF8.self) }
    }

    var actions: InboxRuleActions {
        get { (try? JSONDecoder().decode(InboxRuleActions.self, from: Data(actionsJSON.utf8))) ?? InboxRuleActions() }
        set { actionsJSON = String(decoding: (try? JSONEncoder().encode(newValue)) ?? Data("{}".utf8), as: UTF8.self) }
    }

    var rule: InboxRule {
        InboxRule(id: id!, name: name, enabled: enabled, conditions: conditions, actions: actions, answersNegative: answersNegative)
    }

    var auditFields: [String: String] {
        [
            "name": name, "position": String(position), "enabled": String(enabled), "conditions": conditionsJSON, "actions": actionsJSON,
            "answers_negative": String(answersNegative),
        ]
    }
}

struct InboxRuleDTO: Content {
    var id: UUID
    var name: String
    var position: Int
    var enabled: Bool
    var conditions: InboxRuleConditions
    var actions: InboxRuleActions
    var answersNegative: Bool
    var createdAt: Date
    var updatedAt: Date

    init(_ record: InboxRuleRecord) {
        id = record.id!
        name = record.name
        position = record.position
        enabled = record.enabled
        conditions = record.conditions
        actions = record.actions
        answersNegative = record.answersNegative
        createdAt = record.createdAt
        updatedAt = record.updatedAt
    }
}

/// Keeping the routing rules: checked as a whole (a reply template must
/// exist in the workspace, an account must be the workspace's), audited,
/// and evaluated in their order.
struct InboxRuleService {
    let db: any Database

    struct Input: Content {
        var name: String?
        var position: Int?
        var enabled: Bool?
        var conditions: InboxRuleConditions?
        var actions: InboxRuleActions?
        var answersNegative: Bool?
    }

    func list(in access: WorkspaceAccess) async throws -> [InboxRuleRecord] {
        try access.require(.inboxView)
        return try await access.query(InboxRuleRecord.self, on: db).sort(\.$position).sort(\.$createdAt).all()
    }

    private func validate(
        _ input: Input, in access: WorkspaceAccess, on db: any Database
    ) async throws -> (String, InboxRuleConditions, InboxRuleActions) {
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let conditions = input.conditions ?? InboxRuleConditions()
        let actions = input.actions ?? InboxRuleActions()
        var errors = ValidationErrors()
        for problem in InboxRouting.problems(name: name, conditions: conditions, actions: actions) { errors.add(problem.field, problem.coded) }
        if let templateID = actions.replyTemplateID,
            try await access.query(ReplyTemplate.self, on: db).filter(\.$id == templateID).first() == nil
        {
            errors.add("actions.reply_template_id", .notAReplyTemplate)
        }
        if !conditions.accountIDs.isEmpty {
            let known = Set(try await access.query(SocialAccount.self, on: db).filter(\.$id ~~ conditions.accountIDs).all(\.$id))
            for id in conditions.accountIDs where !known.contains(id) {
                errors.add("conditions.account_ids", .notAWorkspaceAccount(id: id.uuidString.lowercased()))
            }
        }
        if !conditions.segmentIDs.isEmpty {
            let known = Set(try await access.query(Segment.self, on: db).filter(\.$id ~~ conditions.segmentIDs).all(\.$id))
            for id in conditions.segmentIDs where !known.contains(id) {
                errors.add("conditions.segment_ids", .notAWorkspaceSegment(id: id.uuidString.lowercased()))
            }
        }
        if let position = input.position, position < 0 || position > 10_000 { errors.add("position", .numberBetween(min: 0, max: 10_000)) }
        try errors.throwIfAny()
        return (name, conditions, actions)
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> InboxRuleRecord {
        try access.require(.inboxRulesManage)
        let (name, conditions, actions) = try await validate(input, in: access, on: db)
        return try await db.writeTransaction { tx in
            let last = try await access.query(InboxRuleRecord.self, on: tx).max(\.$position)
            let record = InboxRuleRecord()
            record.id = TimeOrderedID.make(at: now)
            record.$workspace.id = access.workspaceID
            record.name = name
            record.position = input.position ?? ((last ?? -1) + 1)
            record.enabled = input.enabled ?? true
            record.conditions = conditions
            record.actions = actions
            record.answersNegative = input.answersNegative ?? false
            record.createdAt = now
            record.updatedAt = now
            try await record.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "inbox_rule.created", targetType: "inbox_rule",
                targetID: record.id, after: record.auditFields, now: now)
            return record
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> InboxRuleRecord {
        try access.require(.inboxRulesManage)
        // Another workspace's rule is not found, whatever the input.
        _ = try await access.find(InboxRuleRecord.self, rawID, on: db, what: "Inbox rule")
        let (name, conditions, actions) = try await validate(input, in: access, on: db)
        return try await db.writeTransaction { tx in
            let record = try await access.find(InboxRuleRecord.self, rawID, on: tx, what: "Inbox rule")
            let before = record.auditFields
            record.name = name
            if let position = input.position { record.position = position }
            if let enabled = input.enabled { record.enabled = enabled }
            record.conditions = conditions
            record.actions = actions
            if let answersNegative = input.answersNegative { record.answersNegative = answersNegative }
            record.updatedAt = now
            try await record.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "inbox_rule.updated", targetType: "inbox_rule",
                targetID: record.id, before: before, after: record.auditFields, now: now)
            return record
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let record = try await access.find(InboxRuleRecord.self, rawID, on: tx, what: "Inbox rule")
            try await record.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "inbox_rule.deleted", targetType: "inbox_rule",
                targetID: record.id, before: record.auditFields, now: now)
        }
    }
}
