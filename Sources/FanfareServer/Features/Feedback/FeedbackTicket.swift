import FanfareCore
import Fluent
import Vapor

/// A suggestion, complaint or bug report from a fan, from an inbox message
/// or the public form, scored by impact × urgency × cost and owned by one
/// member until it is closed with a notice to the fan.
final class FeedbackTicket: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "feedback_tickets"

    enum Source: String, Codable { case message, form, api }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "number") var number: Int
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @Field(key: "kind") var kind: String
    @Field(key: "source") var source: String
    @OptionalField(key: "message_id") var messageID: UUID?
    @OptionalField(key: "conversation_id") var conversationID: UUID?
    @OptionalField(key: "fan_name") var fanName: String?
    @OptionalField(key: "contact") var contact: String?
    @Field(key: "receipt") var receipt: String
    @Field(key: "impact") var impact: Int
    @Field(key: "urgency") var urgency: Int
    @Field(key: "cost") var cost: Int
    @Field(key: "score") var score: Int
    @OptionalParent(key: "owner_id") var owner: User?
    @Field(key: "status") var status: String
    @OptionalField(key: "resolution") var resolution: String?
    @OptionalField(key: "closing_note") var closingNote: String?
    /// Listed on the public page of adopted suggestions once adopted.
    @Field(key: "public") var isPublic: Bool
    @OptionalField(key: "merged_into_id") var mergedIntoID: UUID?
    /// Fans behind it: 1, plus those of tickets merged into it.
    @Field(key: "supporters") var supporters: Int
    @OptionalField(key: "notice_reply_id") var noticeReplyID: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    @OptionalField(key: "closed_at") var closedAt: Date?

    static var workspaceKey: KeyPath<FeedbackTicket, ParentProperty<FeedbackTicket, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [
            $id, $workspace, $number, $title, $body, $kind, $source, $messageID, $conversationID, $fanName, $contact, $receipt, $impact, $urgency,
            $cost, $score, $owner, $status, $resolution, $closingNote, $isPublic, $mergedIntoID, $supporters, $noticeReplyID, $createdAt, $updatedAt,
            $closedAt,
        ]
    }

    var feedbackScore: FeedbackScore { FeedbackScore(impact: impact, urgency: urgency, cost: cost) }

    var auditFields: [String: String] {
        [
            "title": title, "kind": kind, "impact": String(impact), "urgency": String(urgency), "cost": String(cost), "status": status,
            "resolution": resolution ?? "", "owner": owner?.email ?? $owner.id?.uuidString.lowercased() ?? "", "public": String(isPublic),
        ]
    }
}

struct FeedbackTicketDTO: Content {
    var id: UUID
    var number: Int
    var title: String
    var body: String
    var kind: String
    var source: String
    var messageId: UUID?
    var conversationId: UUID?
    var fanName: String?
    var impact: Int
    var urgency: Int
    var cost: Int
    var score: Int
    var ownerId: UUID?
    var status: String
    var resolution: String?
    var closingNote: String?
    var `public`: Bool
    var mergedIntoId: UUID?
    var supporters: Int
    var noticeReplyId: UUID?
    var createdAt: Date
    var updatedAt: Date
    var closedAt: Date?

    init(_ ticket: FeedbackTicket) {
        id = ticket.id!
        number = ticket.number
        title = ticket.title
        body = ticket.body
        kind = ticket.kind
        source = ticket.source
        messageId = ticket.messageID
        conversationId = ticket.conversationID
        fanName = ticket.fanName
        impact = ticket.impact
        urgency = ticket.urgency
        cost = ticket.cost
        score = ticket.score
        ownerId = ticket.$owner.id
        status = ticket.status
        resolution = ticket.resolution
        closingNote = ticket.closingNote
        self.public = ticket.isPublic
        mergedIntoId = ticket.mergedIntoID
        supporters = ticket.supporters
        noticeReplyId = ticket.noticeReplyID
        createdAt = ticket.createdAt
        updatedAt = ticket.updatedAt
        closedAt = ticket.closedAt
    }
}
