import FanfareCore
import Fluent
import Vapor

/// Something a person tried that a limit counts: a wrong secret, or a send
/// of a public form. Kept only as long as a limit looks back (hourly
/// maintenance deletes the rest), in the database so every node counts the
/// same tries.
final class ThrottleEvent: Model, @unchecked Sendable {
    static let schema = "throttle_events"

    enum Kind: String {
        /// A wrong password for an account (subject: the email).
        case password
        /// An unknown, used or expired setup or invitation link (subject:
        /// which kind of link).
        case link
        /// A message sent through a workspace's public feedback form
        /// (subject: the workspace id).
        case feedback
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "kind") var kind: String
    @Field(key: "subject") var subject: String
    @Field(key: "address") var address: String
    @Field(key: "at") var at: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $kind, $subject, $address, $at] }

    init(kind: Kind, subject: String, address: String, at: Date) {
        id = TimeOrderedID.make(at: at)
        self.kind = kind.rawValue
        self.subject = subject
        self.address = address
        self.at = at
    }
}

/// Reads and records what the limits count. The rules themselves are
/// `SecretThrottle` and `RateLimit` in FanfareCore.
struct ThrottleStore {
    let db: any Database
    var secrets = SecretThrottle()
    /// A public feedback form takes 5 sends per address in 10 minutes and
    /// 60 per workspace in an hour: plenty for fans, useless for a flood.
    static let feedbackPerAddress = RateLimit(maxEvents: 5, window: 600)
    static let feedbackPerWorkspace = RateLimit(maxEvents: 60, window: 3_600)

    /// Kinds that are failures to guess a secret; an address is paused only
    /// by these (sending feedback is not a failure).
    private static let secretKinds = [ThrottleEvent.Kind.password.rawValue, ThrottleEvent.Kind.link.rawValue]

    /// Until when a try at a secret is refused: `account` is the email a
    /// password is checked for, nil for links.
    func secretLock(account: String?, address: String, now: Date = Date()) async throws -> Date? {
        let since = now.addingTimeInterval(-secrets.lookBack)
        var byAccount: [Date]?
        if let account {
            byAccount = try await ThrottleEvent.query(on: db).filter(\.$kind == ThrottleEvent.Kind.password.rawValue)
                .filter(\.$subject == account).filter(\.$at > since).all().map(\.at)
        }
        let byAddress = try await ThrottleEvent.query(on: db).filter(\.$address == address).filter(\.$kind ~~ Self.secretKinds)
            .filter(\.$at > since).all().map(\.at)
        return secrets.lockedUntil(accountFailures: byAccount, addressFailures: byAddress, now: now)
    }

    func record(_ kind: ThrottleEvent.Kind, subject: String, address: String, now: Date = Date()) async throws {
        try await ThrottleEvent(kind: kind, subject: subject, address: address, at: now).create(on: db)
    }

    /// Seconds until the public form of `workspaceID` takes one more send
    /// from `address`, or nil when it takes one now.
    func feedbackWait(workspaceID: UUID, address: String, now: Date = Date()) async throws -> TimeInterval? {
        let kind = ThrottleEvent.Kind.feedback.rawValue
        let fromAddress = try await ThrottleEvent.query(on: db).filter(\.$kind == kind).filter(\.$address == address)
            .filter(\.$at > now.addingTimeInterval(-Self.feedbackPerAddress.window)).all().map(\.at)
        let toWorkspace = try await ThrottleEvent.query(on: db).filter(\.$kind == kind).filter(\.$subject == workspaceID.uuidString)
            .filter(\.$at > now.addingTimeInterval(-Self.feedbackPerWorkspace.window)).all().map(\.at)
        let waits = [
            Self.feedbackPerAddress.retryAfter(events: fromAddress, now: now),
            Self.feedbackPerWorkspace.retryAfter(events: toWorkspace, now: now),
        ]
        return waits.compactMap { $0 }.max()
    }

    /// How far back any limit looks: older events are deleted.
    static var retention: TimeInterval {
        max(SecretThrottle().lookBack, feedbackPerAddress.window, feedbackPerWorkspace.window)
    }
}

/// A try refused because too many came before it: 429 with how long to wait.
struct TooManyTries: Error {
    let until: Date

    var minutes: Int { max(1, Int((until.timeIntervalSinceNow / 60).rounded(.up))) }
}

extension Request {
    /// Opens a secret link (setup, invitation) under the address limit: a
    /// paused address is refused before the link is looked up, and on a
    /// POST an unknown, used or expired link counts as a failure. A GET only
    /// reads, so that anonymous visits write nothing.
    func openingSecretLink<T>(_ kind: String, _ open: () async throws -> T) async throws -> T {
        let store = ThrottleStore(db: db)
        if let lock = try await store.secretLock(account: nil, address: clientAddress) { throw TooManyTries(until: lock) }
        do {
            return try await open()
        } catch let problem as Problem where [404, 410].contains(problem.status) {
            if method == .POST { try await store.record(.link, subject: kind, address: clientAddress) }
            throw problem
        }
    }
}
