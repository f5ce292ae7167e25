import FanfareCore
import Fluent
import Vapor

/// A personal API token. Only its SHA-256 is stored; the token itself is
/// shown once, when it is made.
final class APIToken: Model, @unchecked Sendable {
    static let schema = "api_tokens"

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Field(key: "name") var name: String
    @Field(key: "token_hash") var tokenHash: String
    /// The first characters of the token, so people can tell tokens apart.
    @Field(key: "hint") var hint: String
    @Field(key: "scopes") var scopes: String
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "last_used_at") var lastUsedAt: Date?
    @OptionalField(key: "revoked_at") var revokedAt: Date?

    init() {}

    /// Listed by hand because FluentKit otherwise finds them by reflection
    /// for every row it reads, the largest single cost of a request (see
    /// docs/benchmarks.md); `HandListedFieldsTests` holds the list to what
    /// reflection finds, so a field added above and forgotten here fails.
    var properties: [any AnyProperty] { [$id, $user, $name, $tokenHash, $hint, $scopes, $createdAt, $lastUsedAt, $revokedAt] }

    init(userID: UUID, name: String, tokenHash: String, hint: String, scopes: [TokenScope], now: Date) {
        id = TimeOrderedID.make(at: now)
        self.$user.id = userID
        self.name = name
        self.tokenHash = tokenHash
        self.hint = hint
        self.scopes = scopes.map(\.rawValue).sorted().joined(separator: " ")
        createdAt = now
    }

    var scopeSet: Set<TokenScope> { Set(scopes.split(separator: " ").compactMap { TokenScope(rawValue: String($0)) }) }
}

struct APITokenDTO: Content {
    var id: UUID
    var name: String
    var hint: String
    var scopes: [String]
    var createdAt: Date
    var lastUsedAt: Date?
    var revokedAt: Date?
    /// Present only in the response that created the token.
    var token: String?

    init(_ model: APIToken, token: String? = nil) {
        id = model.id!
        name = model.name
        hint = model.hint
        scopes = model.scopeSet.map(\.rawValue).sorted()
        createdAt = model.createdAt
        lastUsedAt = model.lastUsedAt
        revokedAt = model.revokedAt
        self.token = token
    }
}
