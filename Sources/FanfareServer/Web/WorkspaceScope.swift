import FanfareCore
import Fluent
import Vapor

/// A model that belongs to one workspace. Every read of such a model goes
/// through `WorkspaceAccess`, which adds the workspace filter: tenant
/// isolation lives here and nowhere else.
protocol WorkspaceOwned: Model where IDValue == UUID {
    static var workspaceKey: KeyPath<Self, ParentProperty<Self, Workspace>> { get }
}

/// The workspace a request is about and the caller's role in it, resolved
/// once by `WorkspaceScopeMiddleware`.
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
    /// Members with their people, in one query.
    func members(on db: any Database) -> QueryBuilder<Membership> {
        query(Membership.self, on: db).join(User.self, on: \Membership.$user.$id == \User.$id)
    }

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
    static func filter<M: Model>(_ query: QueryBuilder<M>, key: String) {
        if let id = UUID(uuidString: key) {
            query.filter(Workspace.self, \.$id == id)
        } else {
            query.filter(Workspace.self, \.$slug == key.lowercased())
        }
    }
}
