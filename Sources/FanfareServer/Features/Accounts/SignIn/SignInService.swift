import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// Connecting (or reconnecting) an account by signing in on the platform
/// (docs/accounts.md § Signing in). Today: Mastodon, on any instance.
struct SignInService {
    let db: any Database
    let app: Application

    /// How long a person has to sign in on the platform and come back.
    static let lifetime: TimeInterval = 15 * 60

    static let platforms = ["mastodon"]

    /// The one address platforms send people back to, from the configured
    /// link base (never from the request's headers).
    func redirectURI(_ platform: String) -> String { "\(app.settings.linkBase)/oauth/\(platform)/callback" }

    /// Registers Fanfare on the instance if needed, records the sign-in
    /// and returns the platform's consent page to send the person to.
    func start(instance typed: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> URL {
        try access.require(.accountsConnect)
        guard let userID = actor.userID else { throw Abort(.unauthorized) }
        let signIn: MastodonSignIn
        do {
            signIn = try MastodonSignIn(instance: typed, transport: app.connectorTransport)
        } catch {
            throw Self.fieldError(error, typed: typed)
        }
        let issuer = signIn.instance.absoluteString
        let redirect = redirectURI("mastodon")
        let client: MastodonSignIn.Client
        do {
            client = try await registeredClient(signIn, issuer: issuer, redirect: redirect, now: now)
        } catch let error as ConnectorError {
            throw Self.fieldError(error, typed: typed)
        }
        let state = Secrets.randomToken()
        let verifier = PKCE.verifier()
        let record = OAuthSignIn()
        record.id = TimeOrderedID.make(at: now)
        record.stateHash = Secrets.sha256(state)
        record.workspaceID = access.workspaceID
        record.userID = userID
        record.platform = "mastodon"
        record.issuer = issuer
        record.verifier = verifier
        record.expiresAt = now.addingTimeInterval(Self.lifetime)
        record.createdAt = now
        try await db.writeTransaction { tx in
            // Sign-ins left unfinished are dropped as new ones begin.
            try await OAuthSignIn.query(on: tx).filter(\.$expiresAt < now).delete()
            try await record.create(on: tx)
        }
        return signIn.authorizeURL(client: client, redirectURI: redirect, state: state, challenge: PKCE.challenge(for: verifier))
    }

    /// The workspace a returning sign-in belongs to, for the callback to
    /// send the person on to it; nil for a state Fanfare did not make.
    func workspaceSlug(state: String, now: Date = Date()) async throws -> String? {
        guard !state.isEmpty, state.count <= 200,
            let record = try await OAuthSignIn.query(on: db).filter(\.$stateHash == Secrets.sha256(state)).filter(\.$expiresAt > now).first()
        else { return nil }
        return try await Workspace.find(record.workspaceID, on: db)?.slug
    }

    enum Outcome {
        case connected(SocialAccount)
        case reconnected(SocialAccount)
    }

    /// Finishes a sign-in: the state must be this person's, in this
    /// workspace, unexpired and unused (it is used up here, whatever
    /// happens next); the code is exchanged for a token and the account is
    /// connected, or reconnected when the workspace has it already.
    func finish(
        state: String, code: String, refusal: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws
        -> Outcome
    {
        try access.require(.accountsConnect)
        let hash = Secrets.sha256(state)
        let record = try await db.writeTransaction { tx -> OAuthSignIn? in
            guard let found = try await OAuthSignIn.query(on: tx).filter(\.$stateHash == hash).first() else { return nil }
            try await found.delete(on: tx)
            return found
        }
        guard let record, record.userID == actor.userID, record.workspaceID == access.workspaceID, record.expiresAt > now else {
            throw ValidationErrors("sign_in", .signInExpired)
        }
        if let refusal, !refusal.isEmpty { throw ValidationErrors("sign_in", .signInRefused(platform: record.platform)) }
        guard !code.isEmpty, code.count <= 2_000 else { throw ValidationErrors("sign_in", .signInExpired) }
        let signIn = try MastodonSignIn(instance: record.issuer, transport: app.connectorTransport)
        guard let stored = try await OAuthClient.query(on: db).filter(\.$platform == record.platform).filter(\.$issuer == record.issuer).first()
        else { throw ValidationErrors("sign_in", .signInExpired) }
        let client = MastodonSignIn.Client(clientID: stored.clientID, clientSecret: try openSecret(stored))
        let connection: AccountConnection
        do {
            let token = try await signIn.exchange(
                code: code, verifier: record.verifier, client: client, redirectURI: stored.redirectURI, now: now)
            connection = try await signIn.connection(token: token, now: now)
        } catch {
            throw ValidationErrors("sign_in", .platformSaid(text: ConnectorMessages.text(error)))
        }
        let service = AccountService(db: db, app: app)
        let handle = connection.handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        if let existing = try await access.query(SocialAccount.self, on: db).filter(\.$platform == record.platform).filter(\.$handle == handle)
            .first()
        {
            existing.settings = connection.settings
            existing.sealedCredentials = try service.seal(connection.credentials, for: existing)
            existing.credentialsExpireAt = connection.credentials.expiresAt
            existing.status = SocialAccount.Status.connected.rawValue
            try await db.writeTransaction { tx in
                try await existing.save(on: tx)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: access.workspaceID, action: "account.reconnected", targetType: "social_account",
                    targetID: existing.id, after: ["platform": record.platform, "handle": handle, "by": "sign_in"], now: now)
            }
            return .reconnected(existing)
        }
        return .connected(try await service.store(connection, platform: record.platform, displayName: nil, in: access, actor: actor, now: now))
    }

    /// The application registered on this instance for this address, or a
    /// new registration.
    private func registeredClient(_ signIn: MastodonSignIn, issuer: String, redirect: String, now: Date) async throws -> MastodonSignIn.Client {
        let existing = try await OAuthClient.query(on: db).filter(\.$platform == "mastodon").filter(\.$issuer == issuer).first()
        if let existing, existing.redirectURI == redirect {
            return MastodonSignIn.Client(clientID: existing.clientID, clientSecret: try openSecret(existing))
        }
        let client = try await signIn.register(redirectURI: redirect, website: app.settings.linkBase, now: now)
        let row = existing ?? OAuthClient()
        if row.id == nil { row.id = TimeOrderedID.make(at: now) }
        row.platform = "mastodon"
        row.issuer = issuer
        row.redirectURI = redirect
        row.clientID = client.clientID
        row.sealedSecret = try sealer().seal(Data(client.clientSecret.utf8), context: "oauth_client:\(issuer)")
        row.createdAt = now
        do {
            try await row.save(on: db)
        } catch {
            // Another sign-in registered at the same moment: use theirs.
            guard (error as? any DatabaseError)?.isConstraintFailure == true else { throw error }
            if let theirs = try await OAuthClient.query(on: db).filter(\.$platform == "mastodon").filter(\.$issuer == issuer).first() {
                return MastodonSignIn.Client(clientID: theirs.clientID, clientSecret: try openSecret(theirs))
            }
            throw error
        }
        return client
    }

    private func openSecret(_ client: OAuthClient) throws -> String {
        String(decoding: try sealer().open(client.sealedSecret, context: "oauth_client:\(client.issuer)"), as: UTF8.self)
    }

    private func sealer() throws -> CredentialSealer {
        guard let key = app.settings.secretKey else { throw Abort(.internalServerError, reason: "no secret key configured") }
        return try CredentialSealer(secretKey: key)
    }

    /// What went wrong about the address the person typed, on its field.
    static func fieldError(_ error: ConnectorError, typed: String) -> ValidationErrors {
        switch error {
        case .rejected(let reason): ValidationErrors("instance_url", .platformSaid(text: reason))
        case .temporary, .outcomeUnknown:
            ValidationErrors("instance_url", .addressUnreachable(host: URL(string: typed)?.host ?? typed))
        default: ValidationErrors("instance_url", .platformSaid(text: ConnectorMessages.text(error)))
        }
    }
}
