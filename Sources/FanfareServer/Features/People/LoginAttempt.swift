import FanfareCore
import Fluent
import Vapor

/// A failed sign-in, kept long enough for `LoginThrottle` to decide.
final class LoginFailure: Model, @unchecked Sendable {
    static let schema = "login_failures"

    @ID(key: .id) var id: UUID?
    @Field(key: "email") var email: String
    @Field(key: "address") var address: String
    @Field(key: "failed_at") var failedAt: Date

    init() {}

    init(email: String, address: String, at: Date) {
        id = TimeOrderedID.make(at: at)
        self.email = email
        self.address = address
        failedAt = at
    }
}
