import Crypto
import FanfareCore
import Foundation

/// Connecting a Mastodon account by signing in on its instance (OAuth 2
/// authorization code with PKCE): Fanfare registers itself as an
/// application on each instance once (`POST /api/v1/apps`), sends the
/// person to the instance's `/oauth/authorize`, and exchanges the code it
/// is sent back with for a token (`POST /oauth/token`). Mastodon's tokens
/// do not expire; a revoked one makes the account ask to be reconnected.
/// docs.joinmastodon.org/methods/apps, /methods/oauth, /spec/oauth.
public struct MastodonSignIn: Sendable {
    public static let scopes = "read write"

    /// An application registered on one instance.
    public struct Client: Sendable, Equatable, Codable {
        public var clientID: String
        public var clientSecret: String

        public init(clientID: String, clientSecret: String) {
            self.clientID = clientID
            self.clientSecret = clientSecret
        }
    }

    public let instance: URL
    let transport: any HTTPTransport

    /// `typed` as a person writes an instance (`mastodon.social`).
    public init(instance typed: String, transport: any HTTPTransport) throws(ConnectorError) {
        instance = try MastodonKind.instanceURL(typed)
        self.transport = transport
        try transport.checkDestination(instance)
    }

    /// An instance address already checked when the sign-in began.
    init(checked instance: URL, transport: any HTTPTransport) {
        self.instance = instance
        self.transport = transport
    }

    var api: MastodonAPI { MastodonAPI(instance: instance, token: "", transport: transport) }

    /// Registers Fanfare on the instance, for `redirectURI`.
    public func register(redirectURI: String, website: String, now: Date) async throws(ConnectorError) -> Client {
        struct App: Decodable {
            var clientID: String?
            var clientSecret: String?
            enum CodingKeys: String, CodingKey {
                case clientID = "client_id"
                case clientSecret = "client_secret"
            }
        }
        let form = [("client_name", "Fanfare"), ("redirect_uris", redirectURI), ("scopes", Self.scopes), ("website", website)]
        let app: App
        do {
            app = try await api.call(App.self, "POST", "/api/v1/apps", form: form, now: now)
        } catch {
            // Registering twice only makes a spare application.
            if case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            if error == .notFound { throw .rejected(reason: "\(instance.absoluteString) has no Mastodon API; check the address.") }
            throw error
        }
        guard let id = app.clientID, let secret = app.clientSecret, !id.isEmpty else {
            throw .rejected(reason: "\(api.host) did not register Fanfare as an application; check that the address is a Mastodon instance.")
        }
        return Client(clientID: id, clientSecret: secret)
    }

    /// Where to send the person: the instance's consent page.
    public func authorizeURL(client: Client, redirectURI: String, state: String, challenge: String) -> URL {
        var components = URLComponents(url: instance, resolvingAgainstBaseURL: false)!
        components.path = instance.path + "/oauth/authorize"
        components.queryItems = [
            URLQueryItem(name: "response_type", value: "code"), URLQueryItem(name: "client_id", value: client.clientID),
            URLQueryItem(name: "redirect_uri", value: redirectURI), URLQueryItem(name: "scope", value: Self.scopes),
            URLQueryItem(name: "state", value: state), URLQueryItem(name: "code_challenge", value: challenge),
            URLQueryItem(name: "code_challenge_method", value: "S256"),
        ]
        return components.url!
    }

    /// The token for the code the instance sent back; a code is good once.
    public func exchange(code: String, verifier: String, client: Client, redirectURI: String, now: Date) async throws(ConnectorError) -> String {
        struct Token: Decodable {
            var accessToken: String?
            enum CodingKeys: String, CodingKey { case accessToken = "access_token" }
        }
        let form = [
            ("grant_type", "authorization_code"), ("code", code), ("client_id", client.clientID), ("client_secret", client.clientSecret),
            ("redirect_uri", redirectURI), ("code_verifier", verifier), ("scope", Self.scopes),
        ]
        let response = try await api.send("POST", "/oauth/token", form: form)
        guard (200..<300).contains(response.status) else {
            if (400..<500).contains(response.status) {
                throw .rejected(reason: "\(api.host) did not accept the sign-in (it may have expired or been used); sign in again.")
            }
            throw api.error(for: response, now: now)
        }
        guard let token = (try? JSONDecoder().decode(Token.self, from: response.body))?.accessToken, !token.isEmpty else {
            throw .temporary(reason: "\(api.host) answered the sign-in in a form Fanfare does not understand; sign in again.")
        }
        return token
    }

    /// The account behind `token`, as connecting by token stores it.
    public func connection(token: String, now: Date) async throws(ConnectorError) -> AccountConnection {
        try await MastodonKind().connect(
            fields: [MastodonKind.Field.instanceURL: instance.absoluteString, MastodonKind.Field.accessToken: token], transport: transport, now: now)
    }
}

/// Mastodon's pieces of the sign-in flow: Fanfare registers itself on each
/// instance (`.perServer`, done by the server with `MastodonSignIn.register`
/// before the flow starts), PKCE, and the account named by its handle
/// (`@name@instance`). Tokens do not expire, so nothing is refreshed.
public struct MastodonSignInFlow: OAuthSignInFlow {
    public init() {}

    public var platform: String { "mastodon" }
    public var registration: OAuthRegistration { .perServer }
    public var usesPKCE: Bool { true }

    public func server(typed: String, transport: any HTTPTransport) throws(ConnectorError) -> URL {
        try MastodonSignIn(instance: typed, transport: transport).instance
    }

    public func server(of settings: [String: String]) -> String? { settings[MastodonKind.Setting.instanceURL] }

    public func register(
        server: URL, redirectURI: String, website: String, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> OAuthApp
    {
        let client = try await MastodonSignIn(checked: server, transport: transport).register(redirectURI: redirectURI, website: website, now: now)
        return OAuthApp(clientID: client.clientID, clientSecret: client.clientSecret, server: server, scope: MastodonSignIn.scopes)
    }

    public func authorizeURL(app: OAuthApp, redirectURI: String, state: String, challenge: String?) -> URL {
        MastodonSignIn(checked: app.server, transport: NoTransport()).authorizeURL(
            client: .init(clientID: app.clientID, clientSecret: app.clientSecret), redirectURI: redirectURI, state: state,
            challenge: challenge ?? "")
    }

    public func exchange(
        code: String, verifier: String?, app: OAuthApp, redirectURI: String, transport: any HTTPTransport, now: Date
    )
        async throws(ConnectorError) -> OAuthGrant
    {
        let signIn = try MastodonSignIn(instance: app.server.absoluteString, transport: transport)
        let token = try await signIn.exchange(
            code: code, verifier: verifier ?? "", client: .init(clientID: app.clientID, clientSecret: app.clientSecret), redirectURI: redirectURI,
            now: now)
        return OAuthGrant(accessToken: token)
    }

    public func connection(
        for grant: OAuthGrant, app: OAuthApp, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> AccountConnection
    {
        try await MastodonSignIn(instance: app.server.absoluteString, transport: transport).connection(token: grant.accessToken, now: now)
    }

    /// Building the consent page's address sends nothing.
    struct NoTransport: HTTPTransport {
        func send(_ request: HTTPRequestData, timeout: TimeInterval) async throws(ConnectorError) -> HTTPResponseData {
            throw .temporary(reason: "nothing is sent while building an address")
        }
    }
}

/// Proof Key for Code Exchange (RFC 7636), S256.
public enum PKCE {
    /// 43 characters of base64url from 32 random bytes.
    public static func verifier() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    public static func challenge(for verifier: String) -> String {
        base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
