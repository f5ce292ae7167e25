import FanfareCore
import Fluent
import Vapor

/// Creating people, signing them in and changing what they own.
struct PeopleService {
    let db: any Database
    let passwords: AsyncPasswordHasher

    struct NewUser {
        var email: String
        var displayName: String
        var password: String
        var locale: String?
        var timeZone: String?
        var isAdmin = false
    }

    func create(_ input: NewUser, actor: Actor, now: Date = Date()) async throws -> User {
        var errors = ValidationErrors()
        let email = errors.collect { () throws(ValidationErrors) in try Credentials.email(input.email) }
        let name = errors.collect { () throws(ValidationErrors) in try Credentials.displayName(input.displayName) }
        errors.collect { () throws(ValidationErrors) in try Credentials.password(input.password) }
        let locale = errors.collect { () throws(ValidationErrors) in try UILocale(validating: input.locale ?? UILocale.zhHans.rawValue) }
        let zone = errors.collect { () throws(ValidationErrors) in try Credentials.timeZone(input.timeZone ?? "Asia/Shanghai") }
        if let email, try await User.query(on: db).filter(\.$email == email).first() != nil {
            errors.add("email", .emailRegistered)
        }
        try errors.throwIfAny()
        let hash = try await passwords.hash(input.password).get()
        let user = User(email: email!, displayName: name!, passwordHash: hash, locale: locale!, timeZone: zone!, isAdmin: input.isAdmin, now: now)
        try await db.writeTransaction { tx in
            try await user.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: nil, action: "user.created", targetType: "user", targetID: user.id,
                after: ["email": user.email, "display_name": user.displayName, "is_admin": "\(user.isAdmin)"], now: now)
        }
        return user
    }

    enum SignInOutcome {
        case signedIn(User)
        case wrongCredentials
        case locked(until: Date)
    }

    /// Checks a password under the throttle. Failures are recorded per
    /// email and per address; refused tries while locked are not recorded.
    func signIn(email rawEmail: String, password: String, address: String, now: Date = Date()) async throws -> SignInOutcome {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let throttle = ThrottleStore(db: db)
        if let lock = try await throttle.secretLock(account: email, address: address, now: now) { return .locked(until: lock) }
        let user = try await User.query(on: db).filter(\.$email == email).first()
        // An unknown email costs the same Bcrypt work as a known one, so
        // timing does not tell which addresses have accounts.
        let hash = user?.passwordHash ?? Self.decoyHash
        if (try? await passwords.verify(password, created: hash).get()) == true, let user {
            return .signedIn(user)
        }
        try await throttle.record(.password, subject: email, address: address, now: now)
        return .wrongCredentials
    }

    /// Checks that `password` is `user`'s, for forms that ask for it again
    /// (password change, new API token). Counted with sign-in: ten wrong
    /// passwords pause every password check of the account, and a try while
    /// paused is refused without checking.
    func confirmPassword(_ user: User, _ password: String, address: String, field: String, now: Date = Date()) async throws {
        let throttle = ThrottleStore(db: db)
        if let lock = try await throttle.secretLock(account: user.email, address: address, now: now) { throw TooManyTries(until: lock) }
        guard (try? await passwords.verify(password, created: user.passwordHash).get()) == true else {
            try await throttle.record(.password, subject: user.email, address: address, now: now)
            throw ValidationErrors(field, .wrongCurrentPassword)
        }
    }

    func changePassword(_ user: User, current: String, new: String, actor: Actor, address: String, now: Date = Date()) async throws {
        var errors = ValidationErrors()
        do {
            try await confirmPassword(user, current, address: address, field: "current_password", now: now)
        } catch let wrong as ValidationErrors {
            errors.issues.append(contentsOf: wrong.issues)
        }
        errors.collect { () throws(ValidationErrors) in try Credentials.password(new, field: "new_password") }
        if current == new { errors.add("new_password", .newPasswordSame) }
        try errors.throwIfAny()
        user.passwordHash = try await passwords.hash(new).get()
        user.sessionEpoch += 1
        try await db.writeTransaction { tx in
            try await user.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: nil, action: "user.password_changed", targetType: "user", targetID: user.id,
                after: ["password": "changed"], now: now)
        }
    }

    struct ProfileChange {
        var displayName: String?
        var locale: String?
        var timeZone: String?
    }

    func updateProfile(_ user: User, _ change: ProfileChange, actor: Actor, now: Date = Date()) async throws {
        var errors = ValidationErrors()
        let before = ["display_name": user.displayName, "locale": user.locale, "time_zone": user.timeZone]
        if let raw = change.displayName, let name = errors.collect({ () throws(ValidationErrors) in try Credentials.displayName(raw) }) {
            user.displayName = name
        }
        if let raw = change.locale, let locale = errors.collect({ () throws(ValidationErrors) in try UILocale(validating: raw) }) {
            user.locale = locale.rawValue
        }
        if let raw = change.timeZone, let zone = errors.collect({ () throws(ValidationErrors) in try Credentials.timeZone(raw) }) {
            user.timeZone = zone
        }
        try errors.throwIfAny()
        let after = ["display_name": user.displayName, "locale": user.locale, "time_zone": user.timeZone]
        guard before != after else { return }
        try await db.writeTransaction { tx in
            try await user.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: nil, action: "user.updated", targetType: "user", targetID: user.id,
                before: before.filter { after[$0.key] != $0.value }, after: after.filter { before[$0.key] != $0.value }, now: now)
        }
    }

    /// A Bcrypt hash (cost 12) of a random string nobody knows.
    static let decoyHash = "$2b$12$C6UzMDM.H6dfI/f/IKcEeO5Qm7aXwHfO5lO2V3mJrYbq6nQ5Tn0We"

}
