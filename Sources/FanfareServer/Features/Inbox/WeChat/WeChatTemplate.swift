import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A template message (模板消息) a WeChat Official Account chose in the
/// WeChat backend, as the team set it up in Fanfare: WeChat's id, a title
/// for people, and the keys of its fields (`thing1`, `time2` …). What an
/// agent may send a fan once the customer-service window has closed.
final class WeChatTemplate: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "wechat_templates"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "account_id") var account: SocialAccount
    /// WeChat's template id.
    @Field(key: "template_id") var templateID: String
    @Field(key: "title") var title: String
    /// JSON array of the field keys, in the template's order.
    @Field(key: "fields") var fieldsJSON: String
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<WeChatTemplate, ParentProperty<WeChatTemplate, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $account, $templateID, $title, $fieldsJSON, $createdAt] }

    var fields: [String] {
        get { (try? JSONDecoder().decode([String].self, from: Data(fieldsJSON.utf8))) ?? [] }
        set { fieldsJSON = Conversation.json(newValue) }
    }

    var auditFields: [String: String] {
        ["account": $account.id.uuidString.lowercased(), "template_id": templateID, "title": title, "fields": fieldsJSON]
    }
}

struct WeChatTemplateDTO: Content, Equatable {
    var id: UUID
    var accountId: UUID
    /// WeChat's template id.
    var templateId: String
    var title: String
    var fields: [String]
    var createdAt: Date

    init(_ template: WeChatTemplate) {
        id = template.id!
        accountId = template.$account.id
        templateId = template.templateID
        title = template.title
        fields = template.fields
        createdAt = template.createdAt
    }
}

/// Setting up template messages per WeChat account, and sending one to
/// the fan of a conversation: checked (every field required, each by its
/// type, per `WeChatTemplateRules`), recorded as a reply before it is sent,
/// sent by `ReplySender` like any reply, audited.
struct WeChatTemplateService {
    let db: any Database

    struct Input: Content {
        var accountId: UUID?
        /// WeChat's template id.
        var templateId: String?
        var title: String?
        var fields: [String]?
    }

    func list(in access: WorkspaceAccess, account: UUID? = nil) async throws -> [WeChatTemplate] {
        try access.require(.inboxView)
        let query = access.query(WeChatTemplate.self, on: db)
        if let account { query.filter(\.$account.$id == account) }
        return try await query.sort(\.$title).sort(\.$createdAt).all()
    }

    /// The workspace's WeChat Official Accounts, which templates are set up for.
    func accounts(in access: WorkspaceAccess) async throws -> [SocialAccount] {
        try await access.query(SocialAccount.self, on: db).filter(\.$platform == "wechat").sort(\.$displayName).all()
    }

    func add(_ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> WeChatTemplate {
        try access.require(.inboxRulesManage)
        let templateID = (input.templateId ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let title = (input.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let keys = (input.fields ?? []).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        var errors = ValidationErrors()
        var account: SocialAccount?
        if let id = input.accountId {
            account = try await access.query(SocialAccount.self, on: db).filter(\.$id == id).filter(\.$platform == "wechat").first()
        }
        if account == nil { errors.add("account_id", .wechatAccountRequired) }
        errors.issues += WeChatTemplateRules.setUpProblems(templateID: templateID, title: title, keys: keys)
        try errors.throwIfAny()
        let accountID = account!.id!
        return try await db.writeTransaction { tx in
            let count = try await WeChatTemplate.query(on: tx).filter(\.$account.$id == accountID).count()
            if count >= WeChatTemplateRules.maxTemplatesPerAccount {
                throw ValidationErrors("template_id", .itemsAtMost(max: WeChatTemplateRules.maxTemplatesPerAccount, count: count + 1))
            }
            let template = WeChatTemplate()
            template.id = TimeOrderedID.make(at: now)
            template.$workspace.id = access.workspaceID
            template.$account.id = accountID
            template.templateID = templateID
            template.title = title
            template.fields = keys
            template.createdAt = now
            do {
                try await template.create(on: tx)
            } catch let error as any DatabaseError where error.isConstraintFailure {
                throw ValidationErrors("template_id", .wechatTemplateTaken)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "wechat_template.added", targetType: "wechat_template",
                targetID: template.id, after: template.auditFields, now: now)
            return template
        }
    }

    func remove(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.inboxRulesManage)
        try await db.writeTransaction { tx in
            let template = try await access.find(WeChatTemplate.self, rawID, on: tx, what: "Template message")
            try await template.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "wechat_template.removed", targetType: "wechat_template",
                targetID: template.id, before: template.auditFields, now: now)
        }
    }

    // MARK: Sending

    struct SendInput: Content {
        /// The id of a template set up in Fanfare (`WeChatTemplateDTO.id`).
        var templateId: UUID?
        /// Each field's value, by key.
        var data: [String: String]?
        /// Where tapping the message leads (optional).
        var url: String?
    }

    /// What people read of a template message in the thread and search:
    /// its title, then each field's key and value.
    static func text(title: String, message: TemplateMessage) -> String {
        (["【\(title)】"] + message.fields.map { "\($0.key): \($0.value)" }).joined(separator: "\n")
    }

    /// Records the template message as a reply and queues it: the 404 of
    /// another workspace's conversation comes before any check of the input.
    func send(to rawID: String?, _ input: SendInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> InboxReply {
        try access.require(.inboxReply)
        let conversation = try await access.find(Conversation.self, rawID, on: db, what: "Conversation")
        if conversation.queue == InboxQueue.experts.rawValue { try access.require(.inboxExpertAnswer) }
        guard let account = try await SocialAccount.find(conversation.$account.id, on: db) else { throw Problem.notFound("Conversation") }
        guard account.platform == "wechat" else { throw ValidationErrors("template_id", .wechatTemplateNotHere) }
        var errors = ValidationErrors()
        var template: WeChatTemplate?
        if let id = input.templateId {
            template = try await access.query(WeChatTemplate.self, on: db).filter(\.$id == id).filter(\.$account.$id == account.id!).first()
        }
        guard let template else { throw ValidationErrors("template_id", .notAWechatTemplate) }
        let data = (input.data ?? [:]).mapValues { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        errors.issues += WeChatTemplateRules.dataProblems(keys: template.fields, data: data)
        let typedURL = (input.url ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let url = typedURL.isEmpty ? nil : typedURL
        if let url, case .failure(let problem) = LinkDestination.validate(url) { errors.add("url", problem) }
        try errors.throwIfAny()
        guard
            let message = try await IncomingMessage.query(on: db).filter(\.$conversationID == conversation.id).sort(\.$sentAt, .descending)
                .sort(\.$id, .descending).first()
        else { throw Problem(.conflict, "This conversation has no message to answer.", type: "nothing-to-answer") }
        let sent = TemplateMessage(templateID: template.templateID, url: url, fields: template.fields.map { .init(key: $0, value: data[$0] ?? "") })
        return try await db.writeTransaction { tx in
            let reply = InboxReply()
            reply.id = TimeOrderedID.make(at: now)
            reply.$workspace.id = access.workspaceID
            reply.$conversation.id = conversation.id!
            reply.$message.id = message.id!
            reply.text = Self.text(title: template.title, message: sent)
            reply.templateMessage = sent
            reply.$author.id = actor.userID
            reply.automatic = false
            reply.status = InboxReply.Status.queued.rawValue
            reply.createdAt = now
            try await reply.create(on: tx)
            conversation.firstResponseAt = conversation.firstResponseAt ?? now
            if conversation.$assignee.id == nil { conversation.$assignee.id = actor.userID }
            if conversation.status == Conversation.Status.open.rawValue { conversation.status = Conversation.Status.pending.rawValue }
            conversation.updatedAt = now
            try await conversation.update(on: tx)
            try await JobQueue(db: tx).enqueueMany([try ReplySender.job(for: reply.id!, at: now)], now: now)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "conversation.template_sent", targetType: "conversation",
                targetID: conversation.id,
                after: [
                    "reply": reply.id!.uuidString.lowercased(), "template": template.id!.uuidString.lowercased(), "template_id": template.templateID,
                ],
                now: now)
            return reply
        }
    }
}
