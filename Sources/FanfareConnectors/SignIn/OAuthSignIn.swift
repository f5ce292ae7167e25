import FanfareCore
import Foundation

/// Where an application's credentials on a platform come from.
public enum OAuthRegistration: Sendable, Equatable {
    /// Fanfare registers itself on each server as people sign in
    /// (Mastodon's `POST /api/v1/apps`): nothing to enter beforehand.
    case perServer
    /// The team registered an app with the platform (open.weibo.com,
    /// open.douyin.com, open.bilibili.com) and an admin enters its key and
    /// secret once per workspace.
    case perWorkspace
}

/// An application registered with a platform, as one sign-in uses it.
public struct OAuthApp: Sendable, Equatable {
    public var clientID: String
    public var clientSecret: String
    /// The server that answers the sign-in and the API: a Mastodon
    /// instance, or the platform's own address (another one only for
    /// testing).
    public var server: URL
    /// The permissions asked for, in the platform's own names and syntax.
    public var scope: String
    /// What every account connected through this app inherits (Weibo: the
    /// safe-domain page and the poster's IP).
    public var settings: [String: String]

    public init(clientID: String, clientSecret: String, server: URL, scope: String = "", settings: [String: String] = [:]) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.server = server
        self.scope = scope
        self.settings = settings
    }
}

/// What a platform's token endpoint answered.
public struct OAuthGrant: Sendable, Equatable {
    public var accessToken: String
    public var refreshToken: String?
    public var expiresAt: Date?
    /// When the refresh token stops working, where the platform says.
    public var refreshExpiresAt: Date?
    /// The platform's own id of the account that signed in (Weibo's uid,
    /// Douyin's open_id), where the token endpoint names it.
    public var accountID: String?

    public init(accessToken: String, refreshToken: String? = nil, expiresAt: Date? = nil, refreshExpiresAt: Date? = nil, accountID: String? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.refreshExpiresAt = refreshExpiresAt
        self.accountID = accountID
    }

    /// The grant as an account's credentials.
    public var credentials: ConnectorCredentials {
        ConnectorCredentials(
            accessToken: accessToken, refreshToken: refreshToken.flatMap { $0.isEmpty ? nil : $0 }, expiresAt: expiresAt,
            refreshExpiresAt: refreshExpiresAt)
    }
}

/// One platform's part of signing in to connect an account (OAuth 2
/// authorisation code): where to send the person, how the code becomes a
/// token, and which account the token belongs to. The server runs the one
/// flow around these pieces — the state (single use, 15 minutes, bound to
/// the workspace and the person), PKCE where `usesPKCE`, the callback, the
/// reconnect — so a platform is this conformance and a line in
/// `OAuthSignInRegistry`.
public protocol OAuthSignInFlow: Sendable {
    var platform: String { get }
    var registration: OAuthRegistration { get }
    /// Whether the platform takes a PKCE challenge (RFC 7636, S256).
    var usesPKCE: Bool { get }
    /// The setting (`AccountConnection.settings`) that names the account
    /// for good — Weibo's `uid`, Douyin's `open_id` — by which a sign-in
    /// finds the account to reconnect; nil: its handle.
    var identitySetting: String? { get }
    /// What an admin enters once per workspace (`.perWorkspace`): key,
    /// secret and the platform's own settings.
    var appFields: [ConnectionField] { get }
    /// Checks what the admin typed, without asking the platform, and
    /// returns the app. Problems throw `.rejected` with a sentence that
    /// names the field.
    func app(fields: [String: String]) throws(ConnectorError) -> OAuthApp
    /// Asks the platform whether it knows the app, where it can be asked
    /// without a person signing in; the default asks nothing.
    func verify(_ app: OAuthApp, transport: any HTTPTransport, now: Date) async throws(ConnectorError)
    /// `.perServer`: the server the person typed (`mastodon.social`),
    /// checked against the outbound policy before anything is sent.
    func server(typed: String, transport: any HTTPTransport) throws(ConnectorError) -> URL
    /// `.perServer`: the server an account connected before lives on, from
    /// its settings, to reconnect it there.
    func server(of settings: [String: String]) -> String?
    /// `.perServer`: registers Fanfare on the server for `redirectURI`.
    func register(
        server: URL, redirectURI: String, website: String, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> OAuthApp
    /// The platform's consent page. `challenge` is nil when `usesPKCE` is false.
    func authorizeURL(app: OAuthApp, redirectURI: String, state: String, challenge: String?) -> URL
    /// The token for the code the platform sent back; a code is good once.
    func exchange(
        code: String, verifier: String?, app: OAuthApp, redirectURI: String, transport: any HTTPTransport, now: Date
    )
        async throws(ConnectorError) -> OAuthGrant
    /// The account behind the grant, as connecting stores it.
    func connection(
        for grant: OAuthGrant, app: OAuthApp, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> AccountConnection
}

extension OAuthSignInFlow {
    public var usesPKCE: Bool { false }
    public var identitySetting: String? { nil }
    public var appFields: [ConnectionField] { [] }
    public func app(fields: [String: String]) throws(ConnectorError) -> OAuthApp {
        throw .notSupported("\(platform) registers Fanfare by itself; there is no app to enter")
    }
    public func verify(_ app: OAuthApp, transport: any HTTPTransport, now: Date) async throws(ConnectorError) {}
    public func server(typed: String, transport: any HTTPTransport) throws(ConnectorError) -> URL {
        throw .notSupported("\(platform) signs in on its own address")
    }
    public func server(of settings: [String: String]) -> String? { nil }
    public func register(
        server: URL, redirectURI: String, website: String, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError)
        -> OAuthApp
    {
        throw .notSupported("\(platform) apps are registered by hand on the platform")
    }

    /// The account's id on the platform, as the flow names accounts.
    public func identity(of connection: AccountConnection) -> String {
        identitySetting.flatMap { connection.settings[$0] } ?? connection.handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
    }
}

/// The platforms whose accounts connect by signing in. A new platform is
/// one line here.
public enum OAuthSignInRegistry {
    public static let flows: [any OAuthSignInFlow] = [MastodonSignInFlow(), WeiboSignIn(), DouyinSignIn(), BilibiliSignInFlow()]

    public static func flow(_ platform: String) -> (any OAuthSignInFlow)? {
        flows.first { $0.platform == platform }
    }
}

/// A connector whose platform lets the refresh token itself be renewed
/// before it runs out (Douyin's `/oauth/renew_refresh_token/`).
public protocol RefreshTokenRenewing: Sendable {
    /// Credentials with a new refresh token (and its expiry); callers store
    /// `old.updated(with: new)`.
    func renewRefreshToken(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials
}

/// The pieces every flow needs to read a platform's answer.
enum OAuthText {
    /// A form-encoded body.
    static func form(_ fields: [(String, String)]) -> Data { Data(FormEncoding.encode(fields).utf8) }

    /// An answer's number, which platforms send as a number in one answer
    /// and a string of digits in the next (`"expires_in": "7200"`).
    static func number(_ value: Any?) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String, let number = Double(text.trimmingCharacters(in: .whitespaces)) { return number }
        return nil
    }

    /// An id sent as a number or as a string.
    static func identifier(_ value: Any?) -> String? {
        if let text = value as? String, !text.isEmpty { return text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }

    /// `base` + `path`, whatever slashes either has.
    static func url(_ base: URL, _ path: String, query: [(String, String)] = []) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + path.drop { $0 == "/" }
        if !query.isEmpty { text += "?" + FormEncoding.encode(query) }
        return URL(string: text)!
    }

    /// An address an admin typed for testing, or nil for the platform's own.
    static func testingAddress(_ typed: String?, field: String, example: String) throws(ConnectorError) -> URL? {
        let text = (typed ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host?.isEmpty == false,
            url.query == nil
        else { throw .rejected(reason: "\(field) must be an http(s) URL such as \(example)") }
        return url
    }

    /// A key or secret as platforms issue them: visible ASCII, no spaces.
    static func credential(_ typed: String?, field: String, lengths: ClosedRange<Int>, digitsOnly: Bool = false) throws(ConnectorError) -> String {
        let text = (typed ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .rejected(reason: "\(field) is required") }
        guard lengths.contains(text.count), text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0.isPrintable }) else {
            throw .rejected(reason: "\(field) must be \(lengths.lowerBound) to \(lengths.upperBound) letters and digits as the platform shows it")
        }
        if digitsOnly, !text.allSatisfy(\.isNumber) { throw .rejected(reason: "\(field) must be digits only, as the platform shows it") }
        return text
    }
}

extension Character {
    fileprivate var isPrintable: Bool { asciiValue.map { $0 > 0x20 && $0 < 0x7f } ?? false }
}
