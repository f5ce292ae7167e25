import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// Connecting and disconnecting accounts, and the connector for each.
struct AccountService {
    let db: any Database
    let app: Application

    /// Platforms whose connector is finished. The pages offer only these;
    /// the others are listed in PLATFORMS.md and arrive with their folder in
    /// FanfareConnectors.
    static var connectable: [String] { ["sandbox"] + ConnectorRegistry.kinds.map(\.platform) }

    struct Connection {
        var platform: String
        var handle: String
        var displayName: String?
        /// Sandbox only: the audience's seed (random when absent).
        var seed: Int64?
        /// Sandbox only: the platform whose rules the account's posts
        /// follow, so a team can rehearse Weibo or WeChat offline.
        var simulates: String? = nil
        /// Real platforms: what the person typed (instance, token, …).
        var fields: [String: String] = [:]
    }

    func connect(_ input: Connection, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> SocialAccount {
        try access.require(.accountsConnect)
        var errors = ValidationErrors()
        let platform = input.platform.trimmingCharacters(in: .whitespaces).lowercased()
        if let kind = ConnectorRegistry.kind(platform) {
            return try await connect(kind, input, in: access, actor: actor, now: now)
        }
        if !Self.connectable.contains(platform) {
            errors.add("platform", .platformNotConnectable(choices: Self.connectable))
        }
        let handle = input.handle.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "@"))
        if !(1...64).contains(handle.count) || handle.contains(where: { $0.isWhitespace || $0 == "/" }) {
            errors.add("handle", .accountHandle)
        }
        let name = errors.collect { () throws(ValidationErrors) in try Credentials.displayName(input.displayName.nonEmpty ?? handle) }
        let simulates = input.simulates.nonEmpty?.trimmingCharacters(in: .whitespaces).lowercased()
        if let simulates, platform != "sandbox" || PlatformRules.standard[simulates] == nil {
            errors.add("simulates", .simulatesSandboxOnly(choices: PlatformRules.standard.keys.sorted()))
        }
        if errors.isEmpty,
            try await access.query(SocialAccount.self, on: db).filter(\.$platform == platform).filter(\.$handle == handle).first() != nil
        {
            errors.add("handle", .accountConnected(platform: platform))
        }
        try errors.throwIfAny()

        let account = SocialAccount()
        account.id = TimeOrderedID.make(at: now)
        account.$workspace.id = access.workspaceID
        account.platform = platform
        account.handle = handle
        account.displayName = name!
        account.status = SocialAccount.Status.connected.rawValue
        account.seed = input.seed ?? Int64.random(in: 1...Int64.max)
        account.settings = simulates.map { ["simulates": $0] } ?? [:]
        account.createdAt = now
        // The Sandbox issues a token like a real platform would; it is
        // sealed like any other, so the sealing path is the one in use.
        let credentials = ConnectorCredentials(accessToken: "sbx_" + Secrets.randomToken(), expiresAt: now.addingTimeInterval(7_200))
        account.sealedCredentials = try seal(credentials, for: account)
        account.credentialsExpireAt = credentials.expiresAt
        try await db.writeTransaction { tx in
            try await account.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "account.connected", targetType: "social_account",
                targetID: account.id, after: ["platform": platform, "handle": handle, "display_name": account.displayName], now: now)
        }
        return account
    }

    func disconnect(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.accountsConnect)
        try await db.writeTransaction { tx in
            let account = try await access.find(SocialAccount.self, rawID, on: tx, what: "Account")
            try await account.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "account.disconnected", targetType: "social_account",
                targetID: account.id, before: ["platform": account.platform, "handle": account.handle], now: now)
        }
    }

    func seal(_ credentials: ConnectorCredentials, for account: SocialAccount) throws -> Data {
        try sealer().seal(try JSONEncoder().encode(credentials), context: account.id!.uuidString)
    }

    func credentials(of account: SocialAccount) throws -> ConnectorCredentials {
        let data = try sealer().open(account.sealedCredentials, context: account.id!.uuidString)
        return try JSONDecoder().decode(ConnectorCredentials.self, from: data)
    }

    private func sealer() throws -> CredentialSealer {
        guard let key = app.settings.secretKey else { throw Abort(.internalServerError, reason: "no secret key configured") }
        return try CredentialSealer(secretKey: key)
    }

    /// The connector that speaks for `account`. `clock` is the time it
    /// works at: the real one, except where the demo replays its history.
    func connector(for account: SocialAccount, clock: @escaping @Sendable () -> Date = { Date() }) throws -> any Connector {
        switch account.platform {
        case "sandbox":
            return PublishingService.sandboxConnector(for: account, db: db, app: app, clock: clock)
        default:
            guard let kind = ConnectorRegistry.kind(account.platform) else {
                throw Problem(.conflict, "No connector for \(account.platform) yet.", type: "no-connector")
            }
            let connection = AccountConnection(handle: account.handle, settings: account.settings, credentials: try credentials(of: account))
            return kind.connector(for: connection, transport: app.connectorTransport, clock: clock)
        }
    }
}
