import FanfareCore
import Fluent
import Vapor

/// An internal note on a conversation: agents telling each other what
/// they know about the fan or the case. Shown in the thread to everyone
/// who can read the inbox; never sent to the platform (no job, no
/// connector: only `ReplySender` sends, and only `InboxReply` rows).
final class ConversationNote: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "conversation_notes"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Parent(key: "conversation_id") var conversation: Conversation
    @OptionalParent(key: "author_id") var author: User?
    @Field(key: "text") var text: String
    @Field(key: "created_at") var createdAt: Date

    static var workspaceKey: KeyPath<ConversationNote, ParentProperty<ConversationNote, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $conversation, $author, $text, $createdAt] }
}

struct ConversationNoteDTO: Content, Equatable {
    var id: UUID
    var authorId: UUID?
    var text: String
    var createdAt: Date

    init(id: UUID, authorId: UUID?, text: String, createdAt: Date) {
        self.id = id
        self.authorId = authorId
        self.text = text
        self.createdAt = createdAt
    }

    init(_ note: ConversationNote) {
        id = note.id!
        authorId = note.$author.id
        text = note.text
        createdAt = note.createdAt
    }
}

/// Writing and reading internal notes. Whoever may answer conversations
/// (`inbox.reply`) may write a note, also on one in the experts' queue (an
/// agent handing a case over says why); whoever may read the inbox reads them.
struct ConversationNotes {
    let db: any Database

    /// The longest note, in characters.
    static let limit = 2_000

    struct Input: Content {
        var text: String?
    }

    func notes(of conversationID: UUID) async throws -> [ConversationNote] {
        try await ConversationNote.query(on: db).filter(\.$conversation.$id == conversationID).sort(\.$createdAt).sort(\.$id).all()
    }

    func add(to rawID: String?, _ input: Input, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> ConversationNote {
        try access.require(.inboxReply)
        let conversation = try await access.find(Conversation.self, rawID, on: db, what: "Conversation")
        let text = (input.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty || text.count > Self.limit { throw ValidationErrors("text", .lengthBetween(min: 1, max: Self.limit)) }
        return try await db.writeTransaction { tx in
            let note = ConversationNote()
            note.id = TimeOrderedID.make(at: now)
            note.$workspace.id = access.workspaceID
            note.$conversation.id = conversation.id!
            note.$author.id = actor.userID
            note.text = text
            note.createdAt = now
            try await note.create(on: tx)
            // Open pages of this conversation fetch it again (they watch `updated_at`).
            conversation.updatedAt = now
            try await conversation.update(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "conversation.noted", targetType: "conversation",
                targetID: conversation.id, after: ["note": note.id!.uuidString.lowercased()], now: now)
            return note
        }
    }
}
