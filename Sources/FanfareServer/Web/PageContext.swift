import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What every page needs to draw its frame: language, person, CSRF token,
/// flash messages, the workspace switcher and the current workspace.
struct PageContext: Sendable {
    let locale: UILocale
    let user: User?
    let csrf: String
    let flashes: [Flash]
    let workspaces: [(workspace: Workspace, role: Role)]
    let access: WorkspaceAccess?
    let path: String
    /// The person's unread notifications in the current workspace.
    var unread: Int = 0

    static func make(_ request: Request) async throws -> PageContext {
        let user = request.auth.get(User.self)
        var workspaces: [(workspace: Workspace, role: Role)] = []
        if let user { workspaces = try await WorkspaceService(db: request.db).memberships(of: user) }
        let access = try? request.workspaceAccess
        var unread = 0
        if let access, let userID = user?.id, let sql = request.db as? any SQLDatabase {
            // Hand-written: on every page, and the query builder's identifier
            // escaping costs more than the count (see `HandRead`).
            unread =
                try await sql.raw(
                    """
                    SELECT COUNT(*) AS unread FROM notifications \
                    WHERE workspace_id = \(bind: access.workspaceID) AND user_id = \(bind: userID) AND read_at IS NULL
                    """
                ).first()?.decode(column: "unread", as: Int.self) ?? 0
        }
        return PageContext(
            locale: request.uiLocale, user: user, csrf: request.csrfToken, flashes: Flash.take(from: request),
            workspaces: workspaces, access: access, path: request.url.path, unread: unread)
    }

    func t(_ key: String, _ arguments: String...) -> String {
        I18n.text(key, locale, arguments)
    }

    var csrfField: HTML { "<input type=\"hidden\" name=\"csrf_token\" value=\"\(csrf)\">" }
}

/// A message shown once on the next page.
struct Flash: Codable, Sendable {
    enum Kind: String, Codable, Sendable { case notice, error }
    var kind: Kind
    var text: String

    static func add(_ kind: Kind, _ text: String, to request: Request) {
        var list = peek(request)
        list.append(Flash(kind: kind, text: text))
        request.session.data[SessionKey.flash] = (try? JSONEncoder().encode(list)).flatMap { String(data: $0, encoding: .utf8) }
    }

    /// The request's messages, taken from the session once: a page that
    /// makes its context twice (the 舆情 pages' frame around a view made
    /// with its own) shows them, rather than the second take finding none.
    static func take(from request: Request) -> [Flash] {
        if let taken = request.storage[Taken.self] { return taken }
        let list = peek(request)
        if !list.isEmpty { request.session.data[SessionKey.flash] = nil }
        request.storage[Taken.self] = list
        return list
    }

    private struct Taken: StorageKey { typealias Value = [Flash] }

    private static func peek(_ request: Request) -> [Flash] {
        guard request.hasSession, let raw = request.session.data[SessionKey.flash] else { return [] }
        return (try? JSONDecoder().decode([Flash].self, from: Data(raw.utf8))) ?? []
    }
}

extension Request {
    /// The person's chosen language; before sign-in the choice kept in the
    /// browser's cookie, then the browser's Accept-Language.
    var uiLocale: UILocale {
        if let user = auth.get(User.self) { return user.uiLocale }
        if let raw = cookies[UILocale.cookieName]?.string, let locale = UILocale(rawValue: raw) { return locale }
        return UILocale.negotiate(acceptLanguage: headers.first(name: .acceptLanguage))
    }

    /// A local path to return to, never another site.
    func safeReturnPath(_ raw: String?, fallback: String = "/") -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return fallback }
        return raw
    }
}

/// Form field errors keyed by field name, for redisplaying a form.
struct FormErrors: Sendable {
    /// The first problem of each field, kept coded so the page writes it
    /// in the reader's language.
    var byField: [String: CodedMessage] = [:]
    /// A sentence already in the reader's language (from `I18n`).
    var general: String?

    init() {}
    init(_ errors: ValidationErrors) {
        for issue in errors.issues where byField[issue.field] == nil { byField[issue.field] = issue.coded }
    }

    var isEmpty: Bool { byField.isEmpty && general == nil }
    subscript(_ field: String) -> CodedMessage? { byField[field] }
}

extension Request {
    /// A form field as text, or "" when absent: pages validate the value and
    /// explain, rather than fail on a missing key.
    func formValue(_ key: String) -> String {
        (try? content.get(String.self, at: key)) ?? ""
    }

    func formValueIfPresent(_ key: String) -> String? {
        try? content.get(String.self, at: key)
    }
}

extension UILocale {
    /// The cookie that keeps a visitor's language before they sign in.
    static let cookieName = "fanfare_locale"
}
