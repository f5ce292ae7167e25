import FanfareCore
import Fluent
import Vapor

/// One entry of the team's reply library (话术库): a wording with
/// `{variables}`, and where a platform needs it, that platform's wording.
final class ReplyTemplate: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "reply_templates"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "name") var name: String
    @Field(key: "category") var category: String
    @Field(key: "body") var body: String
    /// JSON {platform: body}.
    @Field(key: "variants") var variantsJSON: String
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<ReplyTemplate, ParentProperty<ReplyTemplate, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $name, $category, $body, $variantsJSON, $createdAt, $updatedAt] }

    var variants: [String: String] {
        get { (try? JSONDecoder().decode([String: String].self, from: Data(variantsJSON.utf8))) ?? [:] }
        set {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            variantsJSON = String(decoding: (try? encoder.encode(newValue)) ?? Data("{}".utf8), as: UTF8.self)
        }
    }

    /// The wording for a platform: its own variant, or the general body.
    func body(for platform: String) -> String { variants[platform] ?? body }

    var auditFields: [String: String] {
        ["name": name, "category": category, "body": body, "variants": variantsJSON]
    }
}

struct ReplyTemplateDTO: Content {
    var id: UUID
    var name: String
    var category: String
    var body: String
    var variables: [String]
    var variants: [String: String]
    var createdAt: Date
    var updatedAt: Date

    init(_ template: ReplyTemplate) {
        id = template.id!
        name = template.name
        category = template.category
        body = template.body
        variables = ReplyTemplateText.variables(in: ([template.body] + template.variants.values.sorted()).joined(separator: "\n"))
        variants = template.variants
        createdAt = template.createdAt
        updatedAt = template.updatedAt
    }
}

/// Keeping the reply library: each template checked for unknown
/// variables and, per platform variant, against that platform's reply
/// limit; every change audited.
struct ReplyTemplateService {
    let db: any Database

    struct Input: Content {
        var name: String?
        var category: String?
        var body: String?
        var variants: [String: String]?
    }

    static func validated(_ input: Input) throws(ValidationErrors) -> (name: String, category: String, body: String, variants: [String: String]) {
        var errors = ValidationErrors()
        let name = (input.name ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty || name.count > 100 { errors.add("name", .lengthBetween(min: 1, max: 100)) }
        let category = (input.category ?? "").trimmingCharacters(in: .whitespaces)
        if ReplyTemplateCategory(rawValue: category) == nil {
            errors.add("category", .oneOf(choices: ReplyTemplateCategory.allCases.map(\.rawValue)))
        }
        let body = (input.body ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        for problem in ReplyTemplateText.problems(in: body) { errors.add("body", problem) }
        if let problem = ReplyLimits.problem(with: body, platform: "") { errors.add("body", problem) }
        var variants: [String: String] = [:]
        for (platform, text) in input.variants ?? [:] {
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty { continue }
            guard PlatformRules.standard[platform] != nil else {
                errors.add("variants", .unknownPlatform(value: platform, choices: PlatformRules.standard.keys.sorted()))
                continue
            }
            for problem in ReplyTemplateText.problems(in: text) { errors.add("variants.\(platform)", problem) }
            // Checked as written: the filled-in reply is checked again
            // before it is sent, when its variables have values.
            if let problem = ReplyLimits.problem(with: text, platform: platform) { errors.add("variants.\(platform)", problem) }
            variants[platform] = text
        }
        try errors.throwIfAny()
        return (name, category, body, variants)
    }

    func list(in access: WorkspaceAccess) async throws -> [ReplyTemplate] {
        try access.require(.inboxView)
        return try await access.query(ReplyTemplate.self, on: db).sort(\.$category).sort(\.$name).all()
    }

    func create(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ReplyTemplate {
        try access.require(.inboxRulesManage)
        let valid = try Self.validated(input)
        return try await db.writeTransaction { tx in
            let template = ReplyTemplate()
            template.id = TimeOrderedID.make(at: now)
            template.$workspace.id = access.workspaceID
            try Self.apply(valid, to: template, now: now)
            template.createdAt = now
            do {
                try await template.create(on: tx)
            } catch let error as any DatabaseError where error.isConstraintFailure {
                throw ValidationErrors("name", .templateNameTaken)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reply_template.created", targetType: "reply_template",
                targetID: template.id, after: template.auditFields, now: now)
            return template
        }
    }

    func update(_ rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ReplyTemplate {
        try access.require(.inboxRulesManage)
        // Another workspace's template is not found, whatever the input.
        _ = try await access.find(ReplyTemplate.self, rawID, on: db, what: "Reply template")
        let valid = try Self.validated(input)
        return try await db.writeTransaction { tx in
            let template = try await access.find(ReplyTemplate.self, rawID, on: tx, what: "Reply template")
            let before = template.auditFields
            try Self.apply(valid, to: template, now: now)
            do {
                try await template.update(on: tx)
            } catch let error as any DatabaseError where error.isConstraintFailure {
                throw ValidationErrors("name", .templateNameTaken)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reply_template.updated", targetType: "reply_template",
                targetID: template.id, before: before, after: template.auditFields, now: now)
            return template
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let template = try await access.find(ReplyTemplate.self, rawID, on: tx, what: "Reply template")
            let using = try await access.query(InboxRuleRecord.self, on: tx).all().filter { $0.actions.replyTemplateID == template.id }
            if let rule = using.first {
                throw Problem(.conflict, .templateUsedByRule(rule: rule.name), type: "template-in-use")
            }
            try await template.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "reply_template.deleted", targetType: "reply_template",
                targetID: template.id, before: template.auditFields, now: now)
        }
    }

    private static func apply(
        _ valid: (name: String, category: String, body: String, variants: [String: String]), to template: ReplyTemplate, now: Date
    ) throws {
        template.name = valid.name
        template.category = valid.category
        template.body = valid.body
        template.variants = valid.variants
        template.updatedAt = now
    }

    /// What a template says in a conversation: the platform's wording with
    /// what the conversation knows filled in (the fan's name, the account,
    /// the platform, the agent, today) and `extra` (an order id, a ticket
    /// number). `strict` refuses a variable left without a value; an
    /// agent's reply box gets the rest as `{name}` to fill in by hand.
    static func text(
        of template: ReplyTemplate, toFan fanName: String, account: SocialAccount, agent: String?, zone: TimeZone,
        extra: [String: String] = [:], strict: Bool, now: Date = Date()
    ) throws -> String {
        var values = extra
        values[TemplateVariable.fanName.rawValue] = fanName
        values[TemplateVariable.accountName.rawValue] = account.displayName.isEmpty ? account.handle : account.displayName
        values[TemplateVariable.platform.rawValue] = account.rulesPlatform
        if let agent { values[TemplateVariable.agentName.rawValue] = agent }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = zone
        values[TemplateVariable.date.rawValue] = day.string(from: now)
        let body = template.body(for: account.rulesPlatform)
        guard strict else { return ReplyTemplateText.prefill(body, values: values) }
        do {
            return try ReplyTemplateText.render(body, values: values)
        } catch {
            throw ValidationErrors("template", error.coded)
        }
    }
}
