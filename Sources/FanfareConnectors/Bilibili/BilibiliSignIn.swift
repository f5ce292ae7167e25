import FanfareCore
import Foundation

/// Connecting a Bilibili account by signing in on Bilibili (OAuth 2
/// authorisation code; open.bilibili.com 账号授权 and the official demo
/// `bilibili-openplatform/OpenPlatform_CSharpDemo`): the person is sent to
/// Bilibili's consent page with the app's `client_id`, the address to
/// come back to (`gourl`, on the app's registered 授权回调域) and a
/// `state`; Bilibili sends them back with `code` and the same `state`; the
/// code is exchanged once at `/x/account-oauth2/v1/token` for an access
/// token, a refresh token and the time the access token expires. Bilibili
/// documents no PKCE. A refresh token is good for one refresh
/// (`/x/account-oauth2/v1/refresh_token`), whose answer carries the next.
///
/// The pieces are pure or speak only to Bilibili; the server's sign-in
/// flow keeps the state and calls them.
public struct BilibiliSignIn: Sendable {
    /// Fanfare's application on the open platform.
    public struct App: Sendable, Equatable {
        public var clientID: String
        public var clientSecret: String

        public init(clientID: String, clientSecret: String) {
            self.clientID = clientID
            self.clientSecret = clientSecret
        }
    }

    /// The consent page of a web application (the demo's `AccountDomain`).
    public static let consentPage = URL(string: "https://account.bilibili.com/pc/account-pc/auth/oauth")!

    public let app: App
    public let hosts: BilibiliHosts
    let transport: any HTTPTransport

    public init(app: App, hosts: BilibiliHosts = .production, transport: any HTTPTransport) {
        self.app = app
        self.hosts = hosts
        self.transport = transport
    }

    /// Where to send the person: the consent page, asking to come back to
    /// `redirectURI` with `state`.
    public static func authorizeURL(clientID: String, redirectURI: String, state: String, page: URL = consentPage) -> URL {
        var components = URLComponents(url: page, resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "client_id", value: clientID), URLQueryItem(name: "gourl", value: redirectURI),
            URLQueryItem(name: "state", value: state),
        ]
        // `+` and `&` inside the address must not read as query syntax.
        components.percentEncodedQuery = components.queryItems!.map { "\($0.name)=\(FormEncoding.escape($0.value ?? ""))" }.joined(separator: "&")
        return components.url!
    }

    /// The code of the answer Bilibili sent the person back with, once its
    /// `state` is the one this sign-in sent (compared in constant time).
    public static func code(fromCallback query: [String: String], expectedState: String) throws(ConnectorError) -> String {
        guard let state = query["state"], sameBytes(state, expectedState) else {
            throw .rejected(reason: "The answer from Bilibili does not belong to this sign-in; start again from the accounts page")
        }
        guard let code = query["code"]?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
            throw .rejected(reason: "Bilibili sent no authorisation code back: the sign-in was refused or cancelled")
        }
        return code
    }

    /// Compares in time independent of where the texts differ.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count, !x.isEmpty else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The tokens for a code; a code is good once.
    public func exchange(code: String, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        try await token(
            [("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "authorization_code"), ("code", code)],
            path: "/x/account-oauth2/v1/token", now: now)
    }

    /// New tokens for a refresh token; the old refresh token is spent.
    public func refresh(refreshToken: String, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        try await token(
            [("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "refresh_token"), ("refresh_token", refreshToken)],
            path: "/x/account-oauth2/v1/refresh_token", now: now)
    }

    /// The account the credentials open, as connecting by token stores it
    /// (`tid`: the 分区 its videos go to).
    public func connection(credentials: ConnectorCredentials, tid: Int, now: Date) async throws(ConnectorError) -> AccountConnection {
        var connection = try await BilibiliKind.account(app: app, credentials: credentials, tid: tid, hosts: hosts, transport: transport, now: now)
        // A test platform standing in for Bilibili is remembered as such.
        if hosts != .production { connection.settings[BilibiliKind.Key.apiBaseURL] = hosts.member.absoluteString }
        return connection
    }

    func token(_ form: [(String, String)], path: String, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        let request = HTTPRequestData(
            method: "POST", url: BilibiliAPI.url(hosts.oauth, path), headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Data(FormEncoding.encode(form).utf8))
        let data: Any?
        do {
            data = try BilibiliAPI.data(try await transport.send(request, timeout: BilibiliAPI.timeout))
        } catch .outcomeUnknown(let reason) {
            // Nothing fans see: asking again is safe (a spent code or
            // refresh token then says so).
            throw .temporary(reason: reason)
        }
        let answer = data as? [String: Any]
        guard let access = BilibiliValue.string(answer?["access_token"]) else {
            throw .temporary(reason: "Bilibili answered the sign-in without an access token; try again")
        }
        return ConnectorCredentials(
            accessToken: access, refreshToken: BilibiliValue.string(answer?["refresh_token"]),
            expiresAt: Self.expiry(answer?["expires_in"], now: now), secrets: [BilibiliKind.Key.clientSecret: app.clientSecret])
    }

    /// `expires_in` is documented as the expiry time itself (a Unix time,
    /// 1630220614 in the example), not a lifetime; a small number is read
    /// as seconds from now all the same, as OAuth 2 usually means it.
    static func expiry(_ value: Any?, now: Date) -> Date? {
        guard let seconds = BilibiliValue.int(value), seconds > 0 else { return nil }
        return seconds > 1_000_000_000 ? Date(timeIntervalSince1970: TimeInterval(seconds)) : now.addingTimeInterval(TimeInterval(seconds))
    }
}
