import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Session keys, in one place.
enum SessionKey {
    static let userID = "user_id"
    static let epoch = "epoch"
    static let signedInAt = "signed_in_at"
    static let csrf = "csrf"
    static let flash = "flash"
    static let locale = "locale"
}

/// Loads the signed-in person from the session cookie. Sessions end after
/// 14 days, or at once when the password changes (the epoch moves on).
struct SessionUserMiddleware: AsyncMiddleware {
    static let maxAge: TimeInterval = 14 * 86_400

    /// Marks requests that went through the page stack (sessions, CSRF);
    /// only those may touch `request.session`.
    struct OnPageStack: StorageKey { typealias Value = Bool }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        request.storage[OnPageStack.self] = true
        // Only a request that brought a session cookie has a session to
        // read; touching `request.session` otherwise would make one, and an
        // anonymous visit must write nothing.
        if request.hasSession, let raw = request.session.data[SessionKey.userID], let id = UUID(uuidString: raw),
            let signedIn = request.session.data[SessionKey.signedInAt].flatMap(Double.init),
            Date().timeIntervalSince1970 - signedIn < Self.maxAge,
            let (user, access) = try await Self.findUser(id, workspace: request.parameters.get("workspace"), on: request.db),
            request.session.data[SessionKey.epoch] == String(user.sessionEpoch)
        {
            request.auth.login(user)
            if let access, let key = request.parameters.get("workspace") {
                request.resolvedWorkspaceScope = .init(key: key, userID: id, access: access)
            }
        }
        let response = try await next.respond(to: request)
        // A session that holds nobody (an unknown or expired cookie, or one
        // whose person changed their password) is dropped rather than
        // stored: sessions exist for people who signed in.
        if request.hasSession, !request.auth.has(User.self) || request.session.data[SessionKey.userID] == nil {
            request.session.destroy()
        }
        return response
    }

    /// The person, and on a workspace page their membership of it, in one
    /// statement (workspace and membership left-joined, `HandRead`), read
    /// afresh on every request: a removed member or a changed password
    /// counts at once.
    static func findUser(_ id: UUID, workspace key: String?, on db: any Database) async throws -> (User, WorkspaceAccess?)? {
        guard let sql = db as? any SQLDatabase else { return nil }
        let statement: SQLQueryString
        if let key {
            statement = """
                \(unsafeRaw: Self.personAndPlace) \(WorkspaceScopeMiddleware.matches(key, alias: "w")) \
                LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id WHERE u.id = \(bind: id)
                """
        } else {
            statement = "\(unsafeRaw: Self.person) WHERE u.id = \(bind: id)"
        }
        guard let row = try await sql.raw(statement).first(), let user = try User.read(row, alias: "u", on: sql) else { return nil }
        guard key != nil, let membership = try Membership.read(row, alias: "m", on: sql),
            let workspace = try Workspace.read(row, alias: "w", on: sql), let workspaceID = workspace.id
        else { return (user, nil) }
        return (user, WorkspaceAccess(workspace: workspace, workspaceID: workspaceID, role: membership.memberRole, matrix: .standard))
    }

    private static let person = "SELECT \(User.selectList("u")) FROM users u"
    private static let personAndPlace = """
        SELECT \(User.selectList("u")), \(Membership.selectList("m")), \(Workspace.selectList("w")) \
        FROM users u LEFT JOIN workspaces w ON
        """

    /// Starts a fresh session for `user`; the old session id is dropped so
    /// that a session fixed before sign-in is worth nothing after it.
    static func signIn(_ user: User, on request: Request) async throws {
        let locale = request.hasSession ? request.session.data[SessionKey.locale] : nil
        // Drop the old record and clear the id: the sessions middleware then
        // stores the data under a new id and sends a new cookie.
        if let old = request.session.id {
            try await request.application.sessions.driver.deleteSession(old, for: request).get()
        }
        request.session.id = nil
        request.session.data = SessionData()
        request.session.data[SessionKey.userID] = user.id!.uuidString
        request.session.data[SessionKey.epoch] = String(user.sessionEpoch)
        request.session.data[SessionKey.signedInAt] = String(Date().timeIntervalSince1970)
        request.session.data[SessionKey.csrf] = Secrets.randomToken()
        if let locale { request.session.data[SessionKey.locale] = locale }
        request.auth.login(user)
    }
}

/// Sends people who are not signed in to the sign-in page.
struct RequireSignInMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(User.self) else {
            if request.method == .GET {
                var target = URLComponents()
                target.path = "/sign-in"
                target.queryItems = [URLQueryItem(name: "next", value: request.url.string)]
                return request.redirect(to: target.string ?? "/sign-in")
            }
            throw Abort(.unauthorized)
        }
        return try await next.respond(to: request)
    }
}

/// `Authorization: Bearer fnf_…` for the API. A token's scopes decide
/// whether it may change anything.
struct BearerTokenMiddleware: AsyncMiddleware {
    private struct TokenKey: StorageKey { typealias Value = APIToken }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization else {
            throw Problem(
                .unauthorized,
                "Send an API token as 'Authorization: Bearer fnf_…'. Create one under Settings → API tokens or with `fanfare token create`.",
                type: "unauthorized")
        }
        let service = TokenService(db: request.db)
        let found: (User, APIToken, WorkspaceAccess?)?
        // Under /workspaces/:workspace the owner's membership comes in the
        // same query as the token (WorkspaceScopeMiddleware then uses it).
        if let key = request.parameters.get("workspace") {
            found = try await service.authenticate(bearer.token, workspace: key)
        } else {
            found = try await service.authenticate(bearer.token).map { ($0.0, $0.1, nil) }
        }
        guard let (user, token, access) = found else {
            throw Problem(.unauthorized, "The API token is unknown or revoked.", type: "unauthorized")
        }
        if let access, let key = request.parameters.get("workspace"), let userID = user.id {
            request.resolvedWorkspaceScope = .init(key: key, userID: userID, access: access)
        }
        let needed: TokenScope = [.GET, .HEAD].contains(request.method) ? .read : .write
        guard token.scopeSet.contains(needed) else {
            throw Problem(
                .forbidden, "This token lacks the '\(needed.rawValue)' scope needed for \(request.method.rawValue) requests.",
                type: "insufficient-scope")
        }
        request.auth.login(user)
        request.storage[TokenKey.self] = token
        return try await next.respond(to: request)
    }
}

extension Request {
    var signedInUser: User {
        get throws {
            guard let user = auth.get(User.self) else { throw Abort(.unauthorized) }
            return user
        }
    }
}
