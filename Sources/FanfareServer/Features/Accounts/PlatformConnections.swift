import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// Connecting an account on a real platform: the platform's connector
/// checks what the person typed against the platform itself, and what it
/// returns is stored (settings in the open, credentials sealed).
extension AccountService {
    func connect(_ kind: any ConnectorKind, _ input: Connection, in access: WorkspaceAccess, actor: Actor, now: Date) async throws -> SocialAccount {
        let connection = try await confirm(kind, fields: input.fields, now: now)
        return try await store(connection, platform: kind.platform, displayName: input.displayName, in: access, actor: actor, now: now)
    }

    /// Asks the platform about what the person typed; what went wrong is
    /// said on the field it is about.
    func confirm(_ kind: any ConnectorKind, fields: [String: String], now: Date) async throws -> AccountConnection {
        var errors = ValidationErrors()
        for field in kind.connectionFields where field.required {
            if (fields[field.key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                errors.add("fields.\(field.key)", .connectionFieldRequired(label: field.label))
            }
        }
        try errors.throwIfAny()
        do {
            return try await kind.connect(fields: fields, transport: app.connectorTransport, now: now)
        } catch {
            // Whatever went wrong, it is about what the person typed: the
            // token, the address, or a platform that does not answer there.
            switch error {
            case .rejected(let reason):
                // The connector's own sentence about what was typed.
                throw ValidationErrors("fields", .platformSaid(text: reason))
            case .temporary(let reason), .outcomeUnknown(let reason):
                // Not reaching the address is about the address field, when
                // the person filled it: the same message whether the guard
                // refused the address or nothing answered there, naming the
                // host as it was typed (as the guarded transport does).
                if let key = kind.addressField, let typed = fields[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !typed.isEmpty {
                    throw ValidationErrors("fields.\(key)", .addressUnreachable(host: URL(string: typed)?.host ?? typed))
                }
                throw ValidationErrors("fields", .platformSaid(text: reason))
            default:
                throw ValidationErrors("fields", .platformSaid(text: ConnectorMessages.text(error)))
            }
        }
    }

    /// Reconnects an account with what its platform's fields confirm (a
    /// new token or app password): the same row, so its posts, messages
    /// and numbers stay; the platform must name that same account.
    func reconnect(
        _ rawID: String?, fields: [String: String], in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> SocialAccount
    {
        let account = try await access.find(SocialAccount.self, rawID, on: db, what: "Account")
        try access.require(.accountsConnect)
        guard let kind = ConnectorRegistry.kind(account.platform) else {
            throw Problem(.conflict, "A \(account.platform) account has no authorisation to renew.", type: "nothing-to-reconnect")
        }
        let connection = try await confirm(kind, fields: fields, now: now)
        guard Self.sameAccount(account, connection) else {
            throw ValidationErrors("fields", .otherAccount(handle: connection.handle, expected: account.handle))
        }
        return try await reconnect(account, with: connection, by: "token", actor: actor, now: now)
    }

    /// Whether a confirmed connection names this account: by the
    /// platform's lasting id where both have one (Weibo's uid, Douyin's
    /// open_id, Bluesky's DID, Mastodon's id on its instance), else by handle.
    static func sameAccount(_ account: SocialAccount, _ connection: AccountConnection) -> Bool {
        for key in ["uid", "open_id", "did", "account_id"] {
            if let mine = account.settings[key], let theirs = connection.settings[key] {
                return mine == theirs && account.settings["instance_url"] == connection.settings["instance_url"]
            }
        }
        func plain(_ handle: String) -> String { handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ ")).lowercased() }
        return plain(account.handle) == plain(connection.handle)
    }

    /// Stores new credentials on an account that keeps its row: settings
    /// the platform confirmed replace the old ones of the same name, the
    /// account is connected again, and the token watch starts over (its
    /// notices were about the old authorisation).
    func reconnect(
        _ account: SocialAccount, with connection: AccountConnection, by how: String, actor: Actor, now: Date
    ) async throws
        -> SocialAccount
    {
        account.settings = account.settings.merging(connection.settings) { _, new in new }
        account.sealedCredentials = try seal(connection.credentials, for: account)
        account.credentialsExpireAt = connection.credentials.expiresAt
        account.status = SocialAccount.Status.connected.rawValue
        try await db.writeTransaction { tx in
            try await account.save(on: tx)
            try await AccountNotice.query(on: tx).filter(\.$accountID == account.id!).delete()
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: account.$workspace.id, action: "account.reconnected", targetType: "social_account",
                targetID: account.id, after: ["platform": account.platform, "handle": account.handle, "by": how], now: now)
        }
        return account
    }

    /// Stores an account the platform confirmed (by token or by sign-in).
    func store(
        _ connection: AccountConnection, platform: String, displayName: String?, in access: WorkspaceAccess, actor: Actor, now: Date
    ) async throws -> SocialAccount {
        let handle = connection.handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        if try await access.query(SocialAccount.self, on: db).filter(\.$platform == platform).filter(\.$handle == handle).first() != nil {
            throw ValidationErrors("handle", .accountConnected(platform: platform))
        }
        let account = SocialAccount()
        account.id = TimeOrderedID.make(at: now)
        account.$workspace.id = access.workspaceID
        account.platform = platform
        account.handle = String(handle.prefix(200))
        account.displayName = String((displayName.nonEmpty ?? handle).prefix(80))
        account.status = SocialAccount.Status.connected.rawValue
        account.seed = 0
        account.createdAt = now
        account.settings = connection.settings
        account.sealedCredentials = try seal(connection.credentials, for: account)
        account.credentialsExpireAt = connection.credentials.expiresAt
        try await db.writeTransaction { tx in
            try await account.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "account.connected", targetType: "social_account",
                targetID: account.id, after: ["platform": platform, "handle": account.handle], now: now)
        }
        return account
    }

    /// Refreshes the account's token when it is about to expire, storing
    /// the new one (never an empty one in place of a stored token).
    func refreshIfNeeded(_ account: SocialAccount, connector: any Connector, now: Date = Date()) async throws {
        let current = try credentials(of: account)
        guard current.needsRefresh(now: now) else { return }
        let refreshed = try await connector.refreshCredentials(current, now: now)
        let stored = current.updated(with: refreshed)
        account.sealedCredentials = try seal(stored, for: account)
        account.credentialsExpireAt = stored.expiresAt
        try await account.save(on: db)
    }
}

extension Application {
    private struct TransportKey: StorageKey { typealias Value = any HTTPTransport }
    private struct ResolverKey: StorageKey { typealias Value = any HostResolver }

    /// How connectors reach platforms: the guarded client, which reaches the
    /// public internet and the ranges the operator allowed
    /// (`FANFARE_OUTBOUND_ALLOW`) and nothing else, unless a test put a stub
    /// in its place. Every connector goes through it, also those whose
    /// platform host is fixed: there the checks cost nothing, and an API
    /// address "for testing" is an address a person typed all the same.
    var connectorTransport: any HTTPTransport {
        get {
            storage[TransportKey.self]
                ?? GuardedHTTPTransport(policy: settings.outboundPolicy, resolver: outboundResolver, eventLoopGroup: eventLoopGroup)
        }
        set { storage[TransportKey.self] = newValue }
    }

    /// How the guarded client looks names up: the system's resolver, unless
    /// a test put a scripted one in its place (tests ask no DNS server).
    var outboundResolver: any HostResolver {
        get { storage[ResolverKey.self] ?? SystemHostResolver() }
        set { storage[ResolverKey.self] = newValue }
    }
}
