import FanfareCore
import Fluent
import SQLKit
import Vapor

/// What an API token may do: `read` (GET) and `write` (everything else).
enum TokenScope: String, CaseIterable, Codable, Sendable {
    case read
    case write

    static func parse(_ raw: [String]?, field: String = "scopes") throws(ValidationErrors) -> [TokenScope] {
        guard let raw, !raw.isEmpty else { return TokenScope.allCases }
        var scopes: [TokenScope] = []
        for value in raw {
            guard let scope = TokenScope(rawValue: value.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationErrors(field, .tokenScopes(value: value))
            }
            scopes.append(scope)
        }
        return scopes
    }
}

struct TokenService {
    let db: any Database
    static let prefix = "fnf_"

    /// Makes a token and returns it once; only its hash is kept.
    func create(
        for user: User, name rawName: String, scopes rawScopes: [String]?, actor: Actor, now: Date = Date()
    ) async throws -> (APIToken, String) {
        var errors = ValidationErrors()
        let name = rawName.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...80).contains(name.count) { errors.add("name", .tokenName) }
        let scopes = errors.collect { () throws(ValidationErrors) in try TokenScope.parse(rawScopes) }
        try errors.throwIfAny()
        let token = Self.prefix + Secrets.randomToken()
        let model = APIToken(
            userID: user.id!, name: name, tokenHash: Secrets.sha256(token),
            hint: String(token.prefix(Self.prefix.count + 6)), scopes: scopes!, now: now)
        try await db.writeTransaction { tx in
            try await model.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: nil, action: "token.created", targetType: "api_token", targetID: model.id,
                after: ["name": name, "scopes": model.scopes, "hint": model.hint], now: now)
        }
        return (model, token)
    }

    func list(for user: User) async throws -> [APIToken] {
        try await APIToken.query(on: db).filter(\.$user.$id == user.id!).sort(\.$id, .descending).all()
    }

    func revoke(_ rawID: String?, of user: User, actor: Actor, now: Date = Date()) async throws {
        guard let rawID, let id = UUID(uuidString: rawID),
            let token = try await APIToken.query(on: db).filter(\.$id == id).filter(\.$user.$id == user.id!).first()
        else { throw Problem.notFound("Token") }
        guard token.revokedAt == nil else { return }
        token.revokedAt = now
        try await db.writeTransaction { tx in
            try await token.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: nil, action: "token.revoked", targetType: "api_token", targetID: token.id,
                before: ["state": "active"], after: ["state": "revoked"], now: now)
        }
    }

    /// The token's owner when the token is valid, touching `last_used_at` at
    /// most once a minute so that reads stay reads.
    func authenticate(_ presented: String, now: Date = Date()) async throws -> (User, APIToken)? {
        try await find(presented, workspace: nil, now: now).map { ($0.0, $0.1) }
    }

    /// The token's owner and their place in the workspace `key` (slug or
    /// id): token, owner, workspace and membership in one statement, the
    /// workspace and membership left-joined so that a stranger to the
    /// workspace (or an unknown one) still finds the token — and gets its
    /// 404 — and an unknown token its 401. Nothing is cached: a token
    /// revoked or a member removed a moment ago is refused by the very next
    /// request.
    func authenticate(_ presented: String, workspace key: String, now: Date = Date()) async throws -> (User, APIToken, WorkspaceAccess?)? {
        try await find(presented, workspace: key, now: now)
    }

    private static let tokenAndOwner =
        "SELECT \(APIToken.selectList("t")), \(User.selectList("u")) FROM api_tokens t JOIN users u ON u.id = t.user_id"
    private static let tokenOwnerAndPlace = """
        SELECT \(APIToken.selectList("t")), \(User.selectList("u")), \(Membership.selectList("m")), \(Workspace.selectList("w")) \
        FROM api_tokens t JOIN users u ON u.id = t.user_id LEFT JOIN workspaces w ON
        """

    private func find(_ presented: String, workspace key: String?, now: Date) async throws -> (User, APIToken, WorkspaceAccess?)? {
        guard presented.hasPrefix(Self.prefix), let sql = db as? any SQLDatabase else { return nil }
        let hash = Secrets.sha256(presented)
        let statement: SQLQueryString
        if let key {
            statement = """
                \(unsafeRaw: Self.tokenOwnerAndPlace) \(WorkspaceScopeMiddleware.matches(key, alias: "w")) \
                LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id WHERE t.token_hash = \(bind: hash)
                """
        } else {
            statement = "\(unsafeRaw: Self.tokenAndOwner) WHERE t.token_hash = \(bind: hash)"
        }
        guard let row = try await sql.raw(statement).first(), let token = try APIToken.read(row, alias: "t", on: sql),
            let user = try User.read(row, alias: "u", on: sql), token.revokedAt == nil
        else { return nil }
        token.$user.value = user
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true, let id = token.id {
            try await sql.raw("UPDATE api_tokens SET last_used_at = \(bind: now) WHERE id = \(bind: id)").run()
        }
        guard key != nil, let membership = try Membership.read(row, alias: "m", on: sql),
            let workspace = try Workspace.read(row, alias: "w", on: sql), let workspaceID = workspace.id
        else { return (user, token, nil) }
        return (user, token, WorkspaceAccess(workspace: workspace, workspaceID: workspaceID, role: membership.memberRole, matrix: .standard))
    }
}
