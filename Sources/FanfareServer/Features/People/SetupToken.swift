import FanfareCore
import Fluent
import Vapor

/// The one-time link `serve` prints while no user exists yet.
final class SetupToken: Model, @unchecked Sendable {
    static let schema = "setup_tokens"

    @ID(key: .id) var id: UUID?
    @Field(key: "token_hash") var tokenHash: String
    @Field(key: "expires_at") var expiresAt: Date
    @OptionalField(key: "used_at") var usedAt: Date?

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $tokenHash, $expiresAt, $usedAt] }

    init(tokenHash: String, expiresAt: Date, now: Date) {
        id = TimeOrderedID.make(at: now)
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
