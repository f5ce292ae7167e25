import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// Connecting (or reconnecting) an account by signing in on the platform
/// (docs/content.md § Signing in): one flow for every platform in
/// `OAuthSignInRegistry`, which supplies only its protocol pieces. The
/// flow keeps the state (a hash of it, single use, 15 minutes, bound to
/// the workspace and the person), the PKCE verifier where the platform
/// takes one, the app (registered on the server as people sign in, or the
/// workspace's own), and what happens to the account.
struct SignInService {
    let db: any Database
    let app: Application

    /// How long a person has to sign in on the platform and come back.
    static let lifetime: TimeInterval = 15 * 60

    static var platforms: [String] { OAuthSignInRegistry.flows.map(\.platform) }

    /// The one address platforms send people back to, from the configured
    /// link base (never from the request's headers).
    func redirectURI(_ platform: String) -> String { "\(app.settings.linkBase)/oauth/\(platform)/callback" }

    /// Checks the platform, the app and (to reconnect) the account, records
    /// the sign-in and returns the platform's consent page to send the
    /// person to. `typed` is the server the person typed, for platforms
    /// with one (a Mastodon instance).
    func start(
        platform: String, typed: String = "", reconnect rawAccount: String? = nil, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
    ) async throws -> URL {
        guard let flow = OAuthSignInRegistry.flow(platform) else { throw Abort(.notFound) }
        try access.require(.accountsConnect)
        guard let userID = actor.userID else { throw Abort(.unauthorized) }
        var target: SocialAccount?
        if let rawAccount, !rawAccount.isEmpty {
            let account = try await access.find(SocialAccount.self, rawAccount, on: db, what: "Account")
            guard account.platform == platform else { throw Abort(.notFound) }
            target = account
        }
        let redirect = redirectURI(platform)
        let oauthApp: OAuthApp
        switch flow.registration {
        case .perServer:
            let typed = typed.isEmpty ? target.flatMap { flow.server(of: $0.settings) } ?? "" : typed
            let server: URL
            do {
                server = try flow.server(typed: typed, transport: app.connectorTransport)
                oauthApp = try await registeredClient(flow, server: server, redirect: redirect, now: now)
            } catch let error as ConnectorError {
                throw Self.fieldError(error, typed: typed)
            }
        case .perWorkspace:
            guard let stored = try await PlatformApps(db: db, app: app).find(platform, in: access.workspaceID) else {
                throw ValidationErrors("sign_in", .signInAppMissing)
            }
            oauthApp = try PlatformApps(db: db, app: app).oauthApp(stored, flow: flow)
        }
        let state = Secrets.randomToken()
        let verifier = flow.usesPKCE ? PKCE.verifier() : ""
        let record = OAuthSignIn()
        record.id = TimeOrderedID.make(at: now)
        record.stateHash = Secrets.sha256(state)
        record.workspaceID = access.workspaceID
        record.userID = userID
        record.platform = platform
        record.issuer = oauthApp.server.absoluteString
        record.verifier = verifier
        record.accountID = target?.id
        record.expiresAt = now.addingTimeInterval(Self.lifetime)
        record.createdAt = now
        try await db.writeTransaction { tx in
            // Sign-ins left unfinished are dropped as new ones begin.
            try await OAuthSignIn.query(on: tx).filter(\.$expiresAt < now).delete()
            try await record.create(on: tx)
        }
        return flow.authorizeURL(
            app: oauthApp, redirectURI: redirect, state: state, challenge: flow.usesPKCE ? PKCE.challenge(for: verifier) : nil)
    }

    /// The workspace a returning sign-in belongs to, for the callback to
    /// send the person on to it; nil for a state Fanfare did not make.
    func workspaceSlug(state: String, platform: String, now: Date = Date()) async throws -> String? {
        guard !state.isEmpty, state.count <= 200,
            let record = try await OAuthSignIn.query(on: db).filter(\.$stateHash == Secrets.sha256(state)).filter(\.$expiresAt > now).first(),
            record.platform == platform
        else { return nil }
        return try await Workspace.find(record.workspaceID, on: db)?.slug
    }

    enum Outcome {
        case connected(SocialAccount)
        case reconnected(SocialAccount)
    }

    /// Finishes a sign-in: the state must be this person's, in this
    /// workspace, for this platform, unexpired and unused (it is used up
    /// here, whatever happens next); the code is exchanged for a token and
    /// the account is connected — or reconnected in place when the
    /// workspace has it already, or when the sign-in began from its
    /// Reconnect button (then it must be that same account).
    func finish(
        platform: String, state: String, code: String, refusal: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()
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
        guard let record, record.userID == actor.userID, record.workspaceID == access.workspaceID, record.platform == platform,
            record.expiresAt > now, let flow = OAuthSignInRegistry.flow(record.platform)
        else {
            throw ValidationErrors("sign_in", .signInExpired)
        }
        if let refusal, !refusal.isEmpty { throw ValidationErrors("sign_in", .signInRefused(platform: record.platform)) }
        guard !code.isEmpty, code.count <= 2_000 else { throw ValidationErrors("sign_in", .signInExpired) }
        let oauthApp: OAuthApp
        let redirect: String
        switch flow.registration {
        case .perServer:
            guard let stored = try await OAuthClient.query(on: db).filter(\.$platform == record.platform).filter(\.$issuer == record.issuer).first(),
                let server = URL(string: record.issuer)
            else { throw ValidationErrors("sign_in", .signInExpired) }
            oauthApp = OAuthApp(clientID: stored.clientID, clientSecret: try openSecret(stored), server: server)
            redirect = stored.redirectURI
        case .perWorkspace:
            // The app as it is now: an admin who changed it meanwhile made
            // this code one its new app cannot use, and the platform says so.
            guard let stored = try await PlatformApps(db: db, app: app).find(record.platform, in: access.workspaceID) else {
                throw ValidationErrors("sign_in", .signInAppMissing)
            }
            oauthApp = try PlatformApps(db: db, app: app).oauthApp(stored, flow: flow)
            redirect = redirectURI(record.platform)
        }
        let connection: AccountConnection
        do {
            let grant = try await flow.exchange(
                code: code, verifier: record.verifier.isEmpty ? nil : record.verifier, app: oauthApp, redirectURI: redirect,
                transport: app.connectorTransport, now: now)
            connection = try await flow.connection(for: grant, app: oauthApp, transport: app.connectorTransport, now: now)
        } catch {
            throw ValidationErrors("sign_in", .platformSaid(text: ConnectorMessages.text(error)))
        }
        let service = AccountService(db: db, app: app)
        let signedIn = flow.identity(of: connection)
        let accounts = try await access.query(SocialAccount.self, on: db).filter(\.$platform == record.platform).all()
        func known(_ account: SocialAccount) -> String {
            flow.identitySetting.flatMap { account.settings[$0] } ?? account.handle
        }
        if let targetID = record.accountID, let target = accounts.first(where: { $0.id == targetID }) {
            guard known(target) == signedIn else {
                throw ValidationErrors("sign_in", .otherAccount(handle: connection.handle, expected: target.handle))
            }
            return .reconnected(try await service.reconnect(target, with: connection, by: "sign_in", actor: actor, now: now))
        }
        if let existing = accounts.first(where: { known($0) == signedIn }) {
            return .reconnected(try await service.reconnect(existing, with: connection, by: "sign_in", actor: actor, now: now))
        }
        return .connected(try await service.store(connection, platform: record.platform, displayName: nil, in: access, actor: actor, now: now))
    }

    /// The application registered on this server for this address, or a
    /// new registration.
    private func registeredClient(_ flow: any OAuthSignInFlow, server: URL, redirect: String, now: Date) async throws -> OAuthApp {
        let issuer = server.absoluteString
        let existing = try await OAuthClient.query(on: db).filter(\.$platform == flow.platform).filter(\.$issuer == issuer).first()
        if let existing, existing.redirectURI == redirect {
            return OAuthApp(clientID: existing.clientID, clientSecret: try openSecret(existing), server: server)
        }
        let registered = try await flow.register(
            server: server, redirectURI: redirect, website: app.settings.linkBase, transport: app.connectorTransport, now: now)
        let row = existing ?? OAuthClient()
        if row.id == nil { row.id = TimeOrderedID.make(at: now) }
        row.platform = flow.platform
        row.issuer = issuer
        row.redirectURI = redirect
        row.clientID = registered.clientID
        row.sealedSecret = try sealer().seal(Data(registered.clientSecret.utf8), context: "oauth_client:\(issuer)")
        row.createdAt = now
        do {
            try await row.save(on: db)
        } catch {
            // Another sign-in registered at the same moment: use theirs.
            guard (error as? any DatabaseError)?.isConstraintFailure == true else { throw error }
            if let theirs = try await OAuthClient.query(on: db).filter(\.$platform == flow.platform).filter(\.$issuer == issuer).first() {
                return OAuthApp(clientID: theirs.clientID, clientSecret: try openSecret(theirs), server: server)
            }
            throw error
        }
        return registered
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
