import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// A fan's comment, mention or direct message as it arrived, checked
/// against the lexicon on arrival and stored with the graded
/// recommendation. The inbox builds its conversations on these.
final class IncomingMessage: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "incoming_messages"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "account_id") var account: SocialAccount
    /// The platform's id of the message: one row per platform message.
    @Field(key: "remote_id") var remoteID: String
    @Field(key: "kind") var kind: String
    @OptionalField(key: "post_remote_id") var postRemoteID: String?
    @Field(key: "author_id") var authorID: String
    @Field(key: "author_name") var authorName: String
    @Field(key: "text") var text: String
    /// When the fan sent it, by the platform's clock.
    @Field(key: "sent_at") var sentAt: Date
    @Field(key: "received_at") var receivedAt: Date
    /// JSON array of `ModerationMatch`.
    @Field(key: "moderation") var moderationJSON: String
    @Field(key: "recommendation") var recommendation: String
    @OptionalField(key: "lang") var lang: String?
    @OptionalField(key: "sentiment") var sentiment: String?
    /// P(positive) − P(negative), −1 to 1.
    @OptionalField(key: "sentiment_score") var sentimentScore: Double?
    @OptionalField(key: "intent") var intent: String?
    @OptionalField(key: "priority") var priority: String?
    @OptionalField(key: "conversation_id") var conversationID: UUID?
    @OptionalField(key: "fan_id") var fanID: UUID?

    static var workspaceKey: KeyPath<IncomingMessage, ParentProperty<IncomingMessage, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $account, $remoteID, $kind, $postRemoteID, $authorID, $authorName, $text, $sentAt, $receivedAt, $moderationJSON,
            $recommendation, $lang, $sentiment, $sentimentScore, $intent, $priority, $conversationID, $fanID,
        ]
    }

    var matches: [ModerationMatch] { (try? JSONDecoder().decode([ModerationMatch].self, from: Data(moderationJSON.utf8))) ?? [] }
}

struct IncomingMessageDTO: Content {
    var id: UUID
    var accountId: UUID
    var platform: String
    var handle: String
    var remoteId: String
    var kind: String
    var authorId: String
    var authorName: String
    var text: String
    var sentAt: Date
    var receivedAt: Date
    var moderation: Moderation
    /// Language, sentiment, intent and priority as analysed on arrival;
    /// nil for messages stored before the analysis existed.
    var analysis: Analysis?
    var conversationId: UUID?

    struct Analysis: Content {
        var lang: String
        var sentiment: String
        var score: Double
        var intent: String
        var priority: String
    }

    struct Moderation: Content {
        /// none, warn, remind, delete or ban.
        var recommendation: String
        var matches: [ModerationMatch]
    }

    init(_ message: IncomingMessage, account: SocialAccount) {
        id = message.id!
        accountId = account.id!
        platform = account.platform
        handle = account.handle
        remoteId = message.remoteID
        kind = message.kind
        authorId = message.authorID
        authorName = message.authorName
        text = message.text
        sentAt = message.sentAt
        receivedAt = message.receivedAt
        moderation = Moderation(recommendation: message.recommendation, matches: message.matches)
        conversationId = message.conversationID
        if let lang = message.lang, let sentiment = message.sentiment, let score = message.sentimentScore, let intent = message.intent,
            let priority = message.priority
        {
            analysis = Analysis(lang: lang, sentiment: sentiment, score: score, intent: intent, priority: priority)
        }
    }
}
