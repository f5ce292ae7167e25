import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// One fan's exchange with one account in one thread (a post's comments,
/// or their direct messages), from the first unanswered message until it
/// is resolved. A new message after resolution opens a new conversation,
/// with its own service-level clocks.
final class Conversation: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "conversations"

    enum Status: String, CaseIterable, Codable {
        /// Waiting for us.
        case open
        /// We answered; waiting for the fan.
        case pending
        case resolved
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "account_id") var account: SocialAccount
    @Field(key: "author_id") var authorID: String
    @Field(key: "author_name") var authorName: String
    @Field(key: "thread_key") var threadKey: String
    @OptionalField(key: "open_key") var openKey: String?
    @Field(key: "status") var status: String
    @Field(key: "queue") var queue: String
    @OptionalParent(key: "assignee_id") var assignee: User?
    /// JSON array of tags.
    @Field(key: "tags") var tagsJSON: String
    @Field(key: "tier") var tier: String
    @Field(key: "priority") var priority: String
    @Field(key: "priority_rank") var priorityRank: Int
    @Field(key: "last_sentiment") var lastSentiment: String
    @Field(key: "last_intent") var lastIntent: String
    @Field(key: "last_text") var lastText: String
    @Field(key: "message_count") var messageCount: Int
    /// When the fan wrote the first message: both clocks start here.
    @Field(key: "opened_at") var openedAt: Date
    @Field(key: "last_message_at") var lastMessageAt: Date
    @OptionalField(key: "first_response_at") var firstResponseAt: Date?
    @OptionalField(key: "resolved_at") var resolvedAt: Date?
    /// JSON array of the service-level warnings already sent.
    @Field(key: "warned") var warnedJSON: String
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<Conversation, ParentProperty<Conversation, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $account, $authorID, $authorName, $threadKey, $openKey, $status, $queue, $assignee, $tagsJSON, $tier, $priority,
            $priorityRank, $lastSentiment, $lastIntent, $lastText, $messageCount, $openedAt, $lastMessageAt, $firstResponseAt, $resolvedAt,
            $warnedJSON, $updatedAt,
        ]
    }

    var tags: [String] {
        // Most conversations carry no tag: no decoder for those (each list row reads this).
        get { tagsJSON == "[]" ? [] : (try? JSONDecoder().decode([String].self, from: Data(tagsJSON.utf8))) ?? [] }
        set { tagsJSON = Self.json(newValue) }
    }

    var warned: Set<String> {
        get { Set((try? JSONDecoder().decode([String].self, from: Data(warnedJSON.utf8))) ?? []) }
        set { warnedJSON = Self.json(newValue.sorted()) }
    }

    static func json(_ values: [String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// Comments on a post are one thread per post; direct messages and
    /// mentions without a post are one thread per fan.
    static func threadKey(kind: String, postRemoteID: String?) -> String {
        if kind == InteractionKind.directMessage.rawValue { return "dm" }
        return postRemoteID.map { "post:\($0)" } ?? "mention"
    }

    static func openKey(account: UUID, author: String, thread: String) -> String {
        "\(account.uuidString.lowercased())|\(author)|\(thread)"
    }

    func clocks(policy: ServiceLevelPolicy, zone: TimeZone, now: Date) -> ConversationClocks {
        ConversationClocks.make(openedAt: openedAt, firstResponseAt: firstResponseAt, resolvedAt: resolvedAt, now: now, policy: policy, zone: zone)
    }
}

/// An answer in a conversation, sent through the account's connector by a
/// job. The reply's id is the idempotency key the platform sees, so a
/// retried job cannot answer twice on platforms that honour the key, and
/// the row's status stops a finished reply from being sent again.
final class InboxReply: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "inbox_replies"

    enum Status: String, CaseIterable, Codable {
        case queued, sent, failed
        /// The platform did not answer: it may or may not have the reply.
        /// A person checks before anything is sent again.
        case unknown
    }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "conversation_id") var conversation: Conversation
    @Parent(key: "message_id") var message: IncomingMessage
    @Field(key: "text") var text: String
    @OptionalField(key: "template_id") var templateID: UUID?
    @OptionalField(key: "rule_id") var ruleID: UUID?
    @OptionalParent(key: "author_id") var author: User?
    @Field(key: "automatic") var automatic: Bool
    @Field(key: "status") var status: String
    @OptionalField(key: "remote_id") var remoteID: String?
    @OptionalField(key: "error") var error: String?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "sent_at") var sentAt: Date?
    /// JSON `TemplateMessage` when the reply is a template message (WeChat's
    /// 模板消息) rather than text; `text` then says it for people.
    @OptionalField(key: "template_message") var templateMessageJSON: String?

    static var workspaceKey: KeyPath<InboxReply, ParentProperty<InboxReply, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $conversation, $message, $text, $templateID, $ruleID, $author, $automatic, $status, $remoteID, $error, $createdAt,
            $sentAt,
            $templateMessageJSON,
        ]
    }

    var templateMessage: TemplateMessage? {
        get { templateMessageJSON.flatMap { try? JSONDecoder().decode(TemplateMessage.self, from: Data($0.utf8)) } }
        set { templateMessageJSON = newValue.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } }
    }
}

/// A workspace's service levels and inbox settings. A workspace without a
/// row uses the defaults: 3 h first response, 24 h resolution, warnings
/// at 80 %, wall time, 3 automatic replies per fan per hour, no public
/// list of adopted suggestions.
final class InboxSettings: Model, @unchecked Sendable {
    static let schema = "inbox_settings"

    @ID(custom: "workspace_id", generatedBy: .user) var id: UUID?
    @Field(key: "first_response_minutes") var firstResponseMinutes: Int
    @Field(key: "resolution_minutes") var resolutionMinutes: Int
    @Field(key: "warning_percent") var warningPercent: Int
    @OptionalField(key: "business_hours") var businessHoursJSON: String?
    @Field(key: "auto_reply_cap") var autoReplyCap: Int
    @Field(key: "public_feedback") var publicFeedback: Bool
    /// Whether fans may send feedback through the public form; off until
    /// the workspace turns it on (an open form is an open door).
    @Field(key: "public_feedback_form") var publicFeedbackForm: Bool
    @Field(key: "updated_at") var updatedAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $firstResponseMinutes, $resolutionMinutes, $warningPercent, $businessHoursJSON, $autoReplyCap, $publicFeedback, $publicFeedbackForm,
            $updatedAt,
        ]
    }

    static func standard(for workspaceID: UUID) -> InboxSettings {
        let settings = InboxSettings()
        settings.id = workspaceID
        settings.firstResponseMinutes = Int(ServiceLevelPolicy.standard.firstResponse / 60)
        settings.resolutionMinutes = Int(ServiceLevelPolicy.standard.resolution / 60)
        settings.warningPercent = Int((ServiceLevelPolicy.standard.warningFraction * 100).rounded())
        settings.businessHoursJSON = nil
        settings.autoReplyCap = InboxRouting.defaultHourlyCap
        settings.publicFeedback = false
        settings.publicFeedbackForm = false
        settings.updatedAt = Date(timeIntervalSince1970: 0)
        return settings
    }

    /// The workspace's settings, or the defaults without a row: for
    /// reading only (the inbox, a conversation and the service levels read
    /// them on every view, so the row is read as plain values rather than
    /// through the query builder); changes go through
    /// `ServiceLevelService.update`, which reads the model itself.
    static func of(_ workspaceID: UUID, on db: any Database) async throws -> InboxSettings {
        guard let sql = db as? any SQLDatabase else { return try await InboxSettings.find(workspaceID, on: db) ?? .standard(for: workspaceID) }
        guard
            let row = try await sql.raw(
                """
                SELECT first_response_minutes, resolution_minutes, warning_percent, business_hours, auto_reply_cap, public_feedback, \
                public_feedback_form, updated_at FROM inbox_settings WHERE workspace_id = \(bind: workspaceID)
                """
            ).first()
        else { return .standard(for: workspaceID) }
        let settings = InboxSettings()
        settings.id = workspaceID
        settings.firstResponseMinutes = try row.decode(column: "first_response_minutes", as: Int.self)
        settings.resolutionMinutes = try row.decode(column: "resolution_minutes", as: Int.self)
        settings.warningPercent = try row.decode(column: "warning_percent", as: Int.self)
        settings.businessHoursJSON = try row.decode(column: "business_hours", as: String?.self)
        settings.autoReplyCap = try row.decode(column: "auto_reply_cap", as: Int.self)
        settings.publicFeedback = try row.decode(column: "public_feedback", as: Bool.self)
        settings.publicFeedbackForm = try row.decode(column: "public_feedback_form", as: Bool.self)
        settings.updatedAt = try row.decode(column: "updated_at", as: Date.self)
        return settings
    }

    var businessHours: BusinessHours? {
        businessHoursJSON.flatMap { try? JSONDecoder().decode(BusinessHours.self, from: Data($0.utf8)) }
    }

    var policy: ServiceLevelPolicy {
        ServiceLevelPolicy(
            firstResponse: TimeInterval(firstResponseMinutes * 60), resolution: TimeInterval(resolutionMinutes * 60),
            warningFraction: Double(warningPercent) / 100, businessHours: businessHours)
    }
}

/// A service-level clock that ran out before it stopped, recorded once.
final class ServiceLevelBreach: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "service_level_breaches"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "conversation_id") var conversation: Conversation
    /// first_response or resolution.
    @Field(key: "clock") var clock: String
    @Field(key: "due_at") var dueAt: Date
    @Field(key: "recorded_at") var recordedAt: Date

    static var workspaceKey: KeyPath<ServiceLevelBreach, ParentProperty<ServiceLevelBreach, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $conversation, $clock, $dueAt, $recordedAt] }
}
