import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

struct ServiceLevelDTO: Content {
    struct Clock: Content {
        /// running, warning, breached, met or missed.
        var state: String
        var dueAt: Date
    }

    /// ok, warning, breached or done: what the conversation's badge shows.
    var badge: String
    var firstResponse: Clock
    var resolution: Clock

    init(_ clocks: ConversationClocks) {
        badge = clocks.badge.rawValue
        firstResponse = Clock(state: clocks.firstResponse.state.rawValue, dueAt: clocks.firstResponse.due)
        resolution = Clock(state: clocks.resolution.state.rawValue, dueAt: clocks.resolution.due)
    }
}

struct ConversationDTO: Content {
    var id: UUID
    var accountId: UUID
    var platform: String
    var handle: String
    var authorId: String
    var authorName: String
    var thread: String
    var status: String
    var queue: String
    var assigneeId: UUID?
    var tags: [String]
    var tier: String
    var priority: String
    var lastSentiment: String
    var lastIntent: String
    var lastText: String
    var messageCount: Int
    var openedAt: Date
    var lastMessageAt: Date
    var firstResponseAt: Date?
    var resolvedAt: Date?
    var serviceLevel: ServiceLevelDTO
    /// WeChat conversations only: the customer-service window (48 hours
    /// after the fan's latest message, 5 messages in it).
    var wechatWindow: WeChatWindowDTO?

    init(_ conversation: Conversation, account: SocialAccount, clocks: ConversationClocks, window: WeChatServiceWindow? = nil) {
        id = conversation.id!
        accountId = account.id!
        platform = account.platform
        handle = account.handle
        authorId = conversation.authorID
        authorName = conversation.authorName
        thread = conversation.threadKey
        status = conversation.status
        queue = conversation.queue
        assigneeId = conversation.$assignee.id
        tags = conversation.tags
        tier = conversation.tier
        priority = conversation.priority
        lastSentiment = conversation.lastSentiment
        lastIntent = conversation.lastIntent
        lastText = conversation.lastText
        messageCount = conversation.messageCount
        openedAt = conversation.openedAt
        lastMessageAt = conversation.lastMessageAt
        firstResponseAt = conversation.firstResponseAt
        resolvedAt = conversation.resolvedAt
        serviceLevel = ServiceLevelDTO(clocks)
        wechatWindow = window.map(WeChatWindowDTO.init)
    }
}

struct InboxReplyDTO: Content {
    var id: UUID
    var messageId: UUID
    var text: String
    var templateId: UUID?
    var ruleId: UUID?
    var authorId: UUID?
    var automatic: Bool
    /// queued, sent, failed or unknown.
    var status: String
    var remoteId: String?
    var error: String?
    var createdAt: Date
    var sentAt: Date?
    /// A template message (WeChat's 模板消息): the template and the fields'
    /// values; nil for a text reply.
    var templateMessage: TemplateMessageDTO?

    init(_ reply: InboxReply) {
        id = reply.id!
        messageId = reply.$message.id
        text = reply.text
        templateId = reply.templateID
        ruleId = reply.ruleID
        authorId = reply.$author.id
        automatic = reply.automatic
        status = reply.status
        remoteId = reply.remoteID
        error = reply.error
        createdAt = reply.createdAt
        sentAt = reply.sentAt
        templateMessage = reply.templateMessage.map(TemplateMessageDTO.init)
    }
}

struct TemplateMessageDTO: Content, Equatable {
    struct Field: Content, Equatable {
        var key: String
        var value: String
    }

    /// WeChat's template id.
    var templateId: String
    var url: String?
    var fields: [Field]

    init(_ message: TemplateMessage) {
        templateId = message.templateID
        url = message.url
        fields = message.fields.map { Field(key: $0.key, value: $0.value) }
    }
}

struct ConversationDetailDTO: Content {
    var conversation: ConversationDTO
    var messages: [IncomingMessageDTO]
    var replies: [InboxReplyDTO]
    /// Internal notes, oldest first: never sent to the platform.
    var notes: [ConversationNoteDTO]
}
