import FanfareCore
import Fluent
import Vapor

/// Writes in-app notifications. The text is an i18n key and its values,
/// rendered in the reader's language when shown.
enum Notifier {
    struct Message: Codable {
        var key: String
        var args: [String]
    }

    /// `link` is relative to the workspace (`/posts/…`).
    static func notify(
        _ userIDs: [UUID], workspaceID: UUID, key: String, args: [String], link: String, on db: any Database, now: Date = Date()
    )
        async throws
    {
        let text = String(decoding: try JSONEncoder().encode(Message(key: key, args: args)), as: UTF8.self)
        for userID in Set(userIDs) {
            let note = UserNotification()
            note.id = TimeOrderedID.make(at: now)
            note.$workspace.id = workspaceID
            note.$user.id = userID
            note.text = text
            note.link = link
            note.createdAt = now
            try await note.create(on: db)
        }
    }

    /// Members of the workspace holding any of `roles`.
    static func members(with roles: Set<Role>, in workspaceID: UUID, on db: any Database) async throws -> [UUID] {
        try await Membership.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$role ~~ roles.map(\.rawValue)).all().map { $0.$user.id }
    }

    static func message(of note: UserNotification, locale: UILocale) -> String {
        guard let message = try? JSONDecoder().decode(Message.self, from: Data(note.text.utf8)) else { return note.text }
        return I18n.text(message.key, locale, message.args)
    }
}
