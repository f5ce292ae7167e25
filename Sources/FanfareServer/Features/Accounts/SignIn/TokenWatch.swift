import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// Keeps accounts' authorisations alive (docs/content.md § Signing in):
/// every ten minutes it refreshes access tokens ahead of their expiry
/// (a day ahead for Douyin's 15-day tokens, half an hour for Bluesky's
/// two-hour sessions), renews a refresh token that can be renewed before
/// it runs out (Douyin), and tells the people who can reconnect an
/// account — once each — 7 days and 1 day before an authorisation nothing
/// can extend ends (Weibo's tokens), when it has ended, and when a refresh
/// failed. The rules are `CredentialWatch` in the Core; this is the I/O.
enum TokenWatch {
    static let kind = JobKind<NoPayload>("accounts.token_watch")
    static let period: TimeInterval = 600

    @Sendable static func run(_ job: Job, _ app: Application) async throws {
        _ = try await sweep(app: app, now: Date())
    }

    /// What one sweep did, for the tests and the log.
    struct Outcome: Equatable {
        var refreshed = 0
        var renewed = 0
        var notices = 0
        var failures = 0
    }

    static func sweep(app: Application, now: Date) async throws -> Outcome {
        var outcome = Outcome()
        // The Sandbox's tokens are its own and renewed as it publishes.
        let accounts = try await SocialAccount.query(on: app.db).filter(\.$platform != "sandbox").filter(\.$credentialsExpireAt != nil)
            .filter(\.$status == SocialAccount.Status.connected.rawValue).all()
        for account in accounts {
            do {
                try await watch(account, app: app, now: now, outcome: &outcome)
            } catch {
                app.logger.warning(
                    "token watch failed", metadata: ["account": .string(account.id!.uuidString), "error": .string(String(describing: error))])
            }
        }
        return outcome
    }

    static func watch(_ account: SocialAccount, app: Application, now: Date, outcome: inout Outcome) async throws {
        let service = AccountService(db: app.db, app: app)
        guard let kind = ConnectorRegistry.kind(account.platform) else { return }
        var credentials = try service.credentials(of: account)
        let connector = try service.connector(for: account)
        func state() -> CredentialWatch.Credential {
            CredentialWatch.Credential(
                expiresAt: credentials.expiresAt, refreshable: kind.renewsUnattended(credentials),
                refreshExpiresAt: credentials.refreshExpiresAt, renewable: connector is any RefreshTokenRenewing, refreshAhead: kind.refreshAhead)
        }
        if CredentialWatch.shouldRefresh(state(), now: now) {
            do {
                let refreshed = try await connector.refreshCredentials(credentials, now: now)
                let stored = credentials.updated(with: refreshed)
                guard try await store(stored, on: account, replacing: account.sealedCredentials, service: service, db: app.db) else { return }
                credentials = stored
                outcome.refreshed += 1
                if CredentialWatch.auditsRefresh(newExpiry: stored.expiresAt, now: now) {
                    try await AuditLog.record(
                        on: app.db, actor: .system, workspaceID: account.$workspace.id, action: "account.token_refreshed",
                        targetType: "social_account", targetID: account.id,
                        after: ["platform": account.platform, "handle": account.handle, "expires_at": stamp(stored.expiresAt)], now: now)
                }
            } catch let error as ConnectorError {
                outcome.failures += 1
                try await refreshFailed(account, error: error, credentials: credentials, app: app, now: now, outcome: &outcome)
                return
            }
        }
        if CredentialWatch.shouldRenew(state(), now: now), let renewing = connector as? any RefreshTokenRenewing {
            let failedKey = AccountNotice.key(.refreshFailed, endsAt: credentials.refreshExpiresAt)
            // A renewal the platform refused is not asked for again every
            // ten minutes: the notice says it was refused.
            if try await AccountNotice.query(on: app.db).filter(\.$accountID == account.id!).filter(\.$noticeKey == failedKey).first() == nil {
                do {
                    let stored = credentials.updated(with: try await renewing.renewRefreshToken(credentials, now: now))
                    if try await store(stored, on: account, replacing: account.sealedCredentials, service: service, db: app.db) {
                        credentials = stored
                        outcome.renewed += 1
                        try await AuditLog.record(
                            on: app.db, actor: .system, workspaceID: account.$workspace.id, action: "account.refresh_token_renewed",
                            targetType: "social_account", targetID: account.id,
                            after: ["platform": account.platform, "handle": account.handle, "ends_at": stamp(stored.refreshExpiresAt)], now: now)
                    }
                } catch let error as ConnectorError {
                    outcome.failures += 1
                    // A passing fault: the next run asks again, days ahead.
                    if isPermanent(error),
                        try await notify(
                            account, .refreshFailed, endsAt: credentials.refreshExpiresAt, reason: ConnectorMessages.text(error), app: app, now: now)
                    {
                        outcome.notices += 1
                    }
                }
            }
        }
        var current = state()
        // Once a renewal was refused the refresh token's end is final.
        if current.renewable,
            try await AccountNotice.query(on: app.db).filter(\.$accountID == account.id!)
                .filter(\.$noticeKey == AccountNotice.key(.refreshFailed, endsAt: credentials.refreshExpiresAt)).first() != nil
        {
            current.renewable = false
        }
        guard let due = CredentialWatch.noticeDue(current, now: now) else { return }
        // A refresh token that can still be renewed is renewed from 8 days
        // ahead; the 7-day notice would only alarm. By the last day a
        // renewal has failed somehow, and the 1-day notice is due.
        if current.renewable, due == .sevenDays { return }
        if try await notify(account, due, endsAt: current.endsAt, reason: nil, app: app, now: now) { outcome.notices += 1 }
    }

    /// Saves refreshed credentials unless someone else (the publisher,
    /// another run) replaced them since they were read: a rotated refresh
    /// token must not be overwritten with an older one.
    static func store(
        _ credentials: ConnectorCredentials, on account: SocialAccount, replacing old: Data, service: AccountService, db: any Database
    ) async throws -> Bool {
        try await db.writeTransaction { tx in
            guard let fresh = try await SocialAccount.find(account.id, on: tx), fresh.sealedCredentials == old else { return false }
            fresh.sealedCredentials = try service.seal(credentials, for: fresh)
            fresh.credentialsExpireAt = credentials.expiresAt
            try await fresh.save(on: tx)
            account.sealedCredentials = fresh.sealedCredentials
            account.credentialsExpireAt = fresh.credentialsExpireAt
            return true
        }
    }

    /// A refresh the platform refused: the account needs reconnecting, and
    /// the people who can do it hear so once. A passing fault is tried
    /// again next run, unless the token runs out before then.
    static func refreshFailed(
        _ account: SocialAccount, error: ConnectorError, credentials: ConnectorCredentials, app: Application, now: Date, outcome: inout Outcome
    ) async throws {
        if let fresh = try await SocialAccount.find(account.id, on: app.db), fresh.sealedCredentials != account.sealedCredentials {
            // Someone refreshed it meanwhile: the old refresh token was spent there.
            return
        }
        let permanent = isPermanent(error)
        if !permanent, let expiresAt = credentials.expiresAt, expiresAt.timeIntervalSince(now) > period { return }
        if permanent {
            try await app.db.writeTransaction { tx in
                guard let fresh = try await SocialAccount.find(account.id, on: tx) else { return }
                fresh.status = SocialAccount.Status.needsReconnect.rawValue
                try await fresh.save(on: tx)
            }
        }
        if try await notify(account, .refreshFailed, endsAt: credentials.expiresAt, reason: ConnectorMessages.text(error), app: app, now: now) {
            outcome.notices += 1
        }
    }

    /// Whether asking again cannot help: the platform refused the token.
    static func isPermanent(_ error: ConnectorError) -> Bool {
        switch error {
        case .expiredCredentials, .rejected, .notSupported, .notFound: true
        case .temporary, .rateLimited, .outcomeUnknown: false
        }
    }

    /// Sends `kind` about the authorisation ending at `endsAt` to everyone
    /// in the workspace who can reconnect the account, with an audit line,
    /// unless it was sent already; returns whether it was sent now. The
    /// notice row is written first in the same transaction: a second run
    /// (or node) racing this one fails on its unique key and sends nothing.
    @discardableResult
    static func notify(
        _ account: SocialAccount, _ kind: CredentialWatch.Notice, endsAt: Date?, reason: String?, app: Application, now: Date
    ) async throws -> Bool {
        let key = AccountNotice.key(kind, endsAt: endsAt)
        guard try await AccountNotice.query(on: app.db).filter(\.$accountID == account.id!).filter(\.$noticeKey == key).first() == nil else {
            return false
        }
        let workspace = try await Workspace.find(account.$workspace.id, on: app.db)
        let zone = workspace.flatMap { TimeZone(identifier: $0.timeZone) } ?? TimeZone(identifier: "UTC")!
        let people = try await Notifier.members(
            with: Set(PermissionMatrix.standard.roles(allowing: .accountsConnect)), in: account.$workspace.id, on: app.db)
        do {
            try await app.db.writeTransaction { tx in
                let notice = AccountNotice()
                notice.id = TimeOrderedID.make(at: now)
                notice.accountID = account.id!
                notice.kind = kind.rawValue
                notice.noticeKey = key
                notice.createdAt = now
                try await notice.create(on: tx)
                if kind == .expired {
                    if let fresh = try await SocialAccount.find(account.id, on: tx) {
                        fresh.status = SocialAccount.Status.needsReconnect.rawValue
                        try await fresh.save(on: tx)
                    }
                }
                try await Notifier.notify(
                    people, workspaceID: account.$workspace.id, key: "notify.account_\(kind.rawValue)",
                    args: [account.displayName, endsAt.map { Self.local($0, zone) } ?? ""], link: "/accounts#account-\(account.id!.uuidString)",
                    on: tx, now: now)
                var after = ["platform": account.platform, "handle": account.handle, "notice": kind.rawValue, "ends_at": stamp(endsAt)]
                if let reason { after["reason"] = String(reason.prefix(300)) }
                try await AuditLog.record(
                    on: tx, actor: .system, workspaceID: account.$workspace.id,
                    action: kind == .refreshFailed ? "account.refresh_failed" : "account.expiry_notice", targetType: "social_account",
                    targetID: account.id, after: after, now: now)
            }
        } catch {
            if (error as? any DatabaseError)?.isConstraintFailure == true { return false }
            throw error
        }
        return true
    }

    /// `2026-03-01 09:30` in the workspace's time zone: the same in both languages.
    static func local(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0)
    }

    static func stamp(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "" }
}
