import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A model that belongs to one workspace. Every read of such a model goes
/// through `WorkspaceAccess`, which adds the workspace filter: tenant
/// isolation lives here and nowhere else.
protocol WorkspaceOwned: Model where IDValue == UUID {
    static var workspaceKey: KeyPath<Self, ParentProperty<Self, Workspace>> { get }
}

/// The workspace a request is about and the caller's role in it, resolved
/// once by `WorkspaceScopeMiddleware`.
/// A member of a workspace as lists show them.
struct MemberRow: Sendable, Equatable {
    let id: UUID
    let userID: UUID
    let email: String
    let displayName: String
    let role: String
    let joinedAt: Date

    var memberRole: Role { Role(rawValue: role) ?? .viewer }
}

struct WorkspaceAccess: Sendable {
    let workspace: Workspace
    let workspaceID: UUID
    let role: Role
    let matrix: PermissionMatrix

    func can(_ action: WorkspaceAction) -> Bool { matrix.allows(role, action) }

    /// Refuses with 403 when the role lacks `action`. (A non-member never
    /// gets this far: for them the workspace does not exist, 404.)
    func require(_ action: WorkspaceAction) throws {
        guard can(action) else {
            throw Problem.forbidden("Your role (\(role.rawValue)) does not allow \(action.rawValue) in this workspace.")
        }
    }

    func query<M: WorkspaceOwned>(_ type: M.Type, on db: any Database) -> QueryBuilder<M> {
        M.query(on: db).filter(M.workspaceKey.appending(path: \.$id) == workspaceID)
    }

    /// The resource with `id` in this workspace, or 404 whether it does not
    /// exist or belongs to another workspace: both look the same from here.
    /// Members with their names in one hand-written statement read into
    /// plain values (no model is built: this list is on every inbox, post
    /// and members page and behind the members API), in the order they
    /// joined (ids are time-ordered); `after` and `limit` page through them.
    func members(after: UUID? = nil, limit: Int? = nil, on db: any Database) async throws -> [MemberRow] {
        guard let sql = db as? any SQLDatabase else { return [] }
        var statement: SQLQueryString = "\(unsafeRaw: Self.membersAndNames) WHERE m.workspace_id = \(bind: workspaceID)"
        if let after { statement.appendInterpolation("\(unsafeRaw: " AND m.id > ")\(bind: after)" as SQLQueryString) }
        statement.appendInterpolation(unsafeRaw: " ORDER BY m.id")
        if let limit { statement.appendInterpolation(unsafeRaw: " LIMIT \(max(0, limit))") }
        let text = SQLRows.uuidsAsText(sql)
        return try await sql.raw(statement).all().map { row in
            MemberRow(
                id: try SQLRows.uuid(row, "id", asText: text), userID: try SQLRows.uuid(row, "user_id", asText: text),
                email: try row.decode(column: "email", as: String.self), displayName: try row.decode(column: "display_name", as: String.self),
                role: try row.decode(column: "role", as: String.self), joinedAt: try row.decode(column: "created_at", as: Date.self))
        }
    }

    private static let membersAndNames =
        "SELECT m.id, m.user_id, m.role, m.created_at, u.email, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id"

    func find<M: WorkspaceOwned>(_ type: M.Type, _ rawID: String?, on db: any Database, what: String) async throws -> M {
        guard let rawID, let id = UUID(uuidString: rawID),
            let found = try await query(type, on: db).filter(\._$id == id).first()
        else { throw Problem.notFound(what) }
        return found
    }
}

extension Request {
    private struct AccessKey: StorageKey { typealias Value = WorkspaceAccess }

    var workspaceAccess: WorkspaceAccess {
        get throws {
            guard let access = storage[AccessKey.self] else { throw Abort(.internalServerError, reason: "workspace scope missing on \(url.path)") }
            return access
        }
    }

    fileprivate func setWorkspaceAccess(_ access: WorkspaceAccess) { storage[AccessKey.self] = access }

    /// The workspace and membership that authentication already read in its
    /// own query (bearer token or session), for `WorkspaceScopeMiddleware`
    /// to use instead of asking again within the same request.
    struct ResolvedWorkspaceScope: Sendable {
        let key: String
        let userID: UUID
        let access: WorkspaceAccess
    }

    private struct ResolvedKey: StorageKey { typealias Value = ResolvedWorkspaceScope }

    var resolvedWorkspaceScope: ResolvedWorkspaceScope? {
        get { storage[ResolvedKey.self] }
        set { storage[ResolvedKey.self] = newValue }
    }
}

/// Resolves `:workspace` (slug or id) for the signed-in user. A workspace
/// that does not exist and one the user is not a member of give the same
/// 404, so membership of other brands is not revealed.
struct WorkspaceScopeMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let user = request.auth.get(User.self), let userID = user.id else { throw Abort(.unauthorized) }
        guard let key = request.parameters.get("workspace") else { throw Problem.notFound("Workspace") }
        // Authentication read the membership with the person or token, in
        // the same request, a moment ago.
        if let resolved = request.resolvedWorkspaceScope, resolved.key == key, resolved.userID == userID {
            request.setWorkspaceAccess(resolved.access)
            return try await next.respond(to: request)
        }
        // Workspace and membership in one query: this runs on every
        // workspace request, page or API.
        let query = Membership.query(on: request.db)
            .join(Workspace.self, on: \Membership.$workspace.$id == \Workspace.$id)
            .filter(\.$user.$id == userID)
        Self.filter(query, key: key)
        guard let membership = try await query.first(), let workspace = try? membership.joined(Workspace.self),
            let workspaceID = workspace.id
        else { throw Problem.notFound("Workspace '\(key)'") }
        request.setWorkspaceAccess(
            WorkspaceAccess(
                workspace: workspace, workspaceID: workspaceID, role: membership.memberRole, matrix: .standard))
        return try await next.respond(to: request)
    }

    /// Narrows a query that joins `Workspace` to the one named by `key`: its
    /// id, or else its slug.
    /// The same test as `filter` for a hand-written statement: the
    /// workspace under `alias` is the one `key` names (id or slug).
    static func matches(_ key: String, alias: String) -> SQLQueryString {
        if let id = UUID(uuidString: key) { return "\(unsafeRaw: alias).id = \(bind: id)" }
        return "\(unsafeRaw: alias).slug = \(bind: key.lowercased())"
    }

    static func filter<M: Model>(_ query: QueryBuilder<M>, key: String) {
        if let id = UUID(uuidString: key) {
            query.filter(Workspace.self, \.$id == id)
        } else {
            query.filter(Workspace.self, \.$slug == key.lowercased())
        }
    }
}
