import FanfareConnectors
import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The customer-service window (`WeChatServiceWindow`, FanfareCore) of the
/// fans behind WeChat conversations, read from what the inbox stores: the
/// fan's latest direct message to the account (any of their conversations
/// with it) and the customer-service messages sent to the fan since.
enum WeChatWindows {
    /// Whether replies in this conversation are WeChat customer-service
    /// messages: a fan's direct messages to a WeChat Official Account.
    static func applies(platform: String, thread: String) -> Bool {
        platform == "wechat" && thread == Conversation.threadKey(kind: InteractionKind.directMessage.rawValue, postRemoteID: nil)
    }

    struct Fan: Hashable, Sendable {
        var account: UUID
        var author: String
    }

    /// Replies that count against the window: on their way, sent, or
    /// perhaps sent. A failed one did not reach the fan; a template message
    /// has its own quota.
    static let counted = [InboxReply.Status.queued, .sent, .unknown].map(\.rawValue)

    /// The window of each fan at `now`, in two queries whatever their number.
    static func windows(of fans: Set<Fan>, now: Date, on db: any Database) async throws -> [Fan: WeChatServiceWindow] {
        guard !fans.isEmpty else { return [:] }
        let dm = Conversation.threadKey(kind: InteractionKind.directMessage.rawValue, postRemoteID: nil)
        let conversations = try await Conversation.query(on: db).filter(\.$account.$id ~~ Array(Set(fans.map(\.account))))
            .filter(\.$authorID ~~ Array(Set(fans.map(\.author)))).filter(\.$threadKey == dm).all()
        var last: [Fan: Date] = [:]
        var fanOf: [UUID: Fan] = [:]
        for conversation in conversations {
            let fan = Fan(account: conversation.$account.id, author: conversation.authorID)
            guard fans.contains(fan) else { continue }
            fanOf[conversation.id!] = fan
            last[fan] = max(last[fan] ?? conversation.lastMessageAt, conversation.lastMessageAt)
        }
        guard let earliest = last.values.min() else { return [:] }
        let replies = try await InboxReply.query(on: db).filter(\.$conversation.$id ~~ Array(fanOf.keys)).filter(\.$status ~~ counted)
            .filter(\.$templateMessageJSON == nil)
            .group(.or) { $0.filter(\.$createdAt >= earliest).filter(\.$sentAt >= earliest) }.all()
        var sent: [Fan: [Date]] = [:]
        for reply in replies {
            guard let fan = fanOf[reply.$conversation.id] else { continue }
            sent[fan, default: []].append(reply.sentAt ?? reply.createdAt)
        }
        return last.reduce(into: [:]) { windows, entry in
            windows[entry.key] = WeChatServiceWindow.at(now, lastFanMessage: entry.value, replies: sent[entry.key] ?? [])
        }
    }

    /// The window behind one conversation, or nil when its replies are not
    /// WeChat customer-service messages.
    static func window(of conversation: Conversation, account: SocialAccount, now: Date, on db: any Database) async throws -> WeChatServiceWindow? {
        guard applies(platform: account.platform, thread: conversation.threadKey) else { return nil }
        let fan = Fan(account: account.id!, author: conversation.authorID)
        return try await windows(of: [fan], now: now, on: db)[fan]
    }

    /// The windows of the WeChat conversations among `listed`, by conversation.
    static func windows(of listed: [(Conversation, SocialAccount)], now: Date, on db: any Database) async throws -> [UUID: WeChatServiceWindow] {
        let wechat = listed.filter { applies(platform: $0.1.platform, thread: $0.0.threadKey) }
        let windows = try await windows(of: Set(wechat.map { Fan(account: $0.1.id!, author: $0.0.authorID) }), now: now, on: db)
        var byConversation: [UUID: WeChatServiceWindow] = [:]
        for (conversation, account) in wechat {
            byConversation[conversation.id!] = windows[Fan(account: account.id!, author: conversation.authorID)]
        }
        return byConversation
    }

    /// Refuses a customer-service message the window does not allow, inside
    /// the transaction that would store it: the conversation's row is locked
    /// on PostgreSQL (SQLite has one writer), so two agents sending the last
    /// message of a window at the same moment cannot both pass.
    static func refuseIfClosed(_ conversation: Conversation, account: SocialAccount, now: Date, in tx: any Database) async throws {
        guard applies(platform: account.platform, thread: conversation.threadKey) else { return }
        if let sql = tx as? any SQLDatabase, sql.dialect.name == "postgresql" {
            try await sql.raw("SELECT id FROM conversations WHERE id = \(bind: conversation.id!) FOR UPDATE").run()
        }
        if let refusal = try await window(of: conversation, account: account, now: now, on: tx)?.refusal {
            throw ValidationErrors("text", refusal)
        }
    }
}

/// The window as the API shows it on a WeChat conversation.
struct WeChatWindowDTO: Content, Equatable {
    /// open, full or closed.
    var state: String
    /// The fan's latest message.
    var opensAt: Date
    var closesAt: Date
    /// Customer-service messages sent (or on their way) in this window.
    var sent: Int
    /// How many more may go out before it closes (0 when full or closed).
    var remainingMessages: Int
    /// The most a window allows (5).
    var maxMessages: Int

    init(_ window: WeChatServiceWindow) {
        state = window.state.rawValue
        opensAt = window.opensAt
        closesAt = window.closesAt
        sent = window.sent
        remainingMessages = window.remainingMessages
        maxMessages = WeChatServiceWindow.messagesPerWindow
    }
}
