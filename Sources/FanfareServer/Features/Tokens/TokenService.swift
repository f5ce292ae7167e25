import FanfareCore
import Fluent
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
        guard presented.hasPrefix(Self.prefix),
            // One query for token and owner: this runs on every API request.
            let token = try await APIToken.query(on: db).join(User.self, on: \APIToken.$user.$id == \User.$id)
                .filter(\.$tokenHash == Secrets.sha256(presented)).first()
        else { return nil }
        return try await accept(token, now: now)
    }

    /// The token's owner and their place in the workspace `key` (slug or
    /// id) when the token is valid, in one query for the usual case: token,
    /// owner, membership and workspace joined. Nothing is cached: a token
    /// revoked or a member removed a moment ago is refused by the very next
    /// request, as before. When that query finds nothing (an unknown or
    /// revoked token, or someone who is not a member) the token alone is
    /// looked up, so a stranger to the workspace still gets its 404 and an
    /// unknown token its 401.
    func authenticate(_ presented: String, workspace key: String, now: Date = Date()) async throws -> (User, APIToken, WorkspaceAccess?)? {
        guard presented.hasPrefix(Self.prefix) else { return nil }
        let query = APIToken.query(on: db)
            .join(User.self, on: \APIToken.$user.$id == \User.$id)
            .join(Membership.self, on: \Membership.$user.$id == \User.$id)
            .join(Workspace.self, on: \Membership.$workspace.$id == \Workspace.$id)
            .filter(\.$tokenHash == Secrets.sha256(presented))
        WorkspaceScopeMiddleware.filter(query, key: key)
        guard let token = try await query.first() else {
            return try await authenticate(presented, now: now).map { ($0.0, $0.1, nil) }
        }
        guard let (user, accepted) = try await accept(token, now: now) else { return nil }
        let membership = try accepted.joined(Membership.self)
        let workspace = try accepted.joined(Workspace.self)
        guard let workspaceID = workspace.id else { return (user, accepted, nil) }
        return (user, accepted, WorkspaceAccess(workspace: workspace, workspaceID: workspaceID, role: membership.memberRole, matrix: .standard))
    }

    /// A token row found by its hash: refused when revoked, else its owner.
    private func accept(_ token: APIToken, now: Date) async throws -> (User, APIToken)? {
        guard token.revokedAt == nil else { return nil }
        let user = try token.joined(User.self)
        token.$user.value = user
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await token.save(on: db)
        }
        return (user, token)
    }
}
