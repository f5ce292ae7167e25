import FanfareCore
import Fluent
import Vapor

final class User: Model, @unchecked Sendable, Authenticatable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "display_name") var displayName: String
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "locale") var locale: String
    @Field(key: "time_zone") var timeZone: String
    @Field(key: "is_admin") var isAdmin: Bool
    /// Raised on password change; sessions signed in under an older epoch
    /// are no longer valid, so a stolen session dies with the old password.
    @Field(key: "session_epoch") var sessionEpoch: Int
    @Field(key: "created_at") var createdAt: Date

    init() {}

    /// Listed by hand because FluentKit otherwise finds them by reflection
    /// for every row it reads, the largest single cost of a request (see
    /// docs/benchmarks.md); `HandListedFieldsTests` holds the list to what
    /// reflection finds, so a field added above and forgotten here fails.
    var properties: [any AnyProperty] { [$id, $email, $displayName, $passwordHash, $locale, $timeZone, $isAdmin, $sessionEpoch, $createdAt] }

    init(email: String, displayName: String, passwordHash: String, locale: UILocale, timeZone: String, isAdmin: Bool, now: Date) {
        self.id = TimeOrderedID.make(at: now)
        self.email = email
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.locale = locale.rawValue
        self.timeZone = timeZone
        self.isAdmin = isAdmin
        self.sessionEpoch = 0
        self.createdAt = now
    }

    var uiLocale: UILocale { UILocale(rawValue: locale) ?? .zhHans }
}

/// A user as the API shows them. Never the password hash.
struct UserDTO: Content {
    var id: UUID
    var email: String
    var displayName: String
    var locale: String
    var timeZone: String
    var isAdmin: Bool
    var createdAt: Date

    init(_ user: User) {
        id = user.id!
        email = user.email
        displayName = user.displayName
        locale = user.locale
        timeZone = user.timeZone
        isAdmin = user.isAdmin
        createdAt = user.createdAt
    }
}
