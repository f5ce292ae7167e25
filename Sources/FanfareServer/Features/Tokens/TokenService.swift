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
                .filter(\.$tokenHash == Secrets.sha256(presented)).first(),
            token.revokedAt == nil
        else { return nil }
        let user = try token.joined(User.self)
        token.$user.value = user
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            token.lastUsedAt = now
            try await token.save(on: db)
        }
        return (user, token)
    }
}
