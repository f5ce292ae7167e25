import FanfareCore
import Fluent
import Foundation

/// A person's notifications as query → model → view. Each one is a
/// sentence in the reader's language around what people wrote (a post's
/// title, a fan's name, a reviewer's comment), which is kept as written.
enum NotificationPage {
    struct Note: Sendable, Equatable {
        var id: UUID
        /// The sentence's key and its values; nil for a note stored as plain text.
        var key: String?
        var args: [String]
        var text: String
        var link: String
        var createdAt: Date
        var readAt: Date?
    }

    struct Found: Sendable {
        var notes: [Note] = []
    }

    struct Item: Sendable {
        /// The sentence with `{0}`, `{1}` … where the typed values go.
        var sentence: String
        var values: [String]
        var href: String
        var at: Date
        var unread: Bool
    }

    struct Model: Sendable {
        var base: String
        var items: [Item]
        var unread: Int
    }

    static func note(_ stored: UserNotification) -> Note {
        let message = try? JSONDecoder().decode(Notifier.Message.self, from: Data(stored.text.utf8))
        return Note(
            id: stored.id!, key: message?.key, args: message?.args ?? [], text: stored.text, link: stored.link, createdAt: stored.createdAt,
            readAt: stored.readAt)
    }

    static func query(user: UUID, access: WorkspaceAccess, on db: any Database) async throws -> Found {
        Found(
            notes: try await access.query(UserNotification.self, on: db).filter(\.$user.$id == user).sort(\.$id, .descending).limit(100).all().map(
                note))
    }

    static func model(_ found: Found, workspace: String, locale: UILocale) -> Model {
        let items = found.notes.map { note in
            Item(
                sentence: note.key.map { I18n.text($0, locale) } ?? "{0}", values: note.key == nil ? [note.text] : note.args,
                href: workspace + note.link, at: note.createdAt, unread: note.readAt == nil)
        }
        return Model(base: workspace, items: items, unread: items.filter(\.unread).count)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let items = model.items.map { item -> HTML in
            let text = HTML.sentence(item.sentence, item.values.map { HTML.typed($0) })
            let unread: HTML = item.unread ? " \(Badge.html(ctx.t("notifications.unread"), tone: .info, classes: "unread-mark"))" : .empty
            return
                "<li\(item.unread ? HTML(raw: " class=\"unread\"") : .empty)>\(Layout.time(item.at, ctx)) · <a href=\"\(item.href)\">\(text)</a>\(unread)</li>"
        }
        let body: HTML =
            items.isEmpty
            ? "<div class=\"empty-state\" id=\"no-notifications\"><p>\(ctx.t("notifications.none"))</p><p>\(ctx.t("notifications.none_hint"))</p></div>"
            : "<ul id=\"notification-list\" class=\"notes\">\(HTML.join(items))</ul>"
        let button: HTML =
            model.unread > 0
            ? "<form method=\"post\" action=\"\(model.base)/notifications/read\">\(ctx.csrfField)<button type=\"submit\" id=\"mark-read\">\(ctx.t("notifications.mark_read"))</button></form>"
            : .empty
        return "<h1>\(ctx.t("nav.notifications"))</h1>\(button)\(body)"
    }
}
