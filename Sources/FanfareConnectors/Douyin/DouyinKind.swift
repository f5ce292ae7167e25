import FanfareCore
import Foundation

/// Connecting a Douyin account. Publishing is handed to a person (see
/// `HandOffPlatform.douyin`), so the profile link is all a team needs.
/// An enterprise account whose open-platform app has the scopes can give
/// more, each part optional:
/// - the app's client secret and the account's open_id: fans' direct
///   messages are pushed to `POST /hooks/{account_id}` (`im_receive_msg`);
/// - the account's access token (and open_id): comments on its newest
///   videos are polled, and replies go out (`item.comment`);
/// - the app's client key and a refresh token: the access token (15 days)
///   is renewed before it expires.
public struct DouyinKind: ConnectorKind {
    public init() {}

    enum Key {
        static let clientSecret = "client_secret"
        static let openID = "open_id"
        static let accessToken = "access_token"
        static let refreshToken = "refresh_token"
        static let clientKey = "client_key"
        static let apiBaseURL = "apiBaseURL"
    }

    /// Douyin's access tokens last 15 days.
    static let tokenLifetime: TimeInterval = 15 * 86_400

    public var platform: String { HandOffPlatform.douyin.rawValue }
    public var addressField: String? { Key.apiBaseURL }
    /// Douyin's events are JSON.
    public var pushIntake: PushIntakeStyle? { PushIntakeStyle(mediaTypes: ["application/json"], acknowledgement: .receipt) }

    public var connectionFields: [ConnectionField] {
        HandOffKind.douyin.connectionFields + [
            ConnectionField(
                key: Key.openID, label: "Account open_id", required: false,
                hint: "the open_id the app sees for this account; needed for direct messages and comments"),
            ConnectionField(
                key: Key.clientSecret, label: "Client secret (direct messages)", secret: true, required: false,
                hint: "the open-platform app's client_secret, which signs its webhook pushes; leave empty for publishing only"),
            ConnectionField(
                key: Key.accessToken, label: "Access token (comments)", secret: true, required: false,
                hint: "the account's token with the item.comment scope; comments on its newest videos reach the inbox"),
            ConnectionField(key: Key.clientKey, label: "Client key (token renewal)", required: false, hint: "the app's client_key"),
            ConnectionField(
                key: Key.refreshToken, label: "Refresh token (token renewal)", secret: true, required: false,
                hint: "renews the access token before its 15 days run out"),
            ConnectionField(key: Key.apiBaseURL, label: "API address", required: false, hint: "https://open.douyin.com (change only for testing)"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        var connection = try await HandOffKind.douyin.connect(fields: fields, transport: transport, now: now)
        func field(_ key: String) -> String { fields[key, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        let (secret, openID, token, refresh, clientKey) = (
            field(Key.clientSecret), field(Key.openID), field(Key.accessToken), field(Key.refreshToken), field(Key.clientKey)
        )
        if !secret.isEmpty, secret.count < 16 || secret.count > 128 || secret.contains(where: \.isWhitespace) {
            throw .rejected(
                reason: "Client secret must be the app's client_secret as the Douyin open platform shows it (16 to 128 characters, no spaces)")
        }
        if !openID.isEmpty, openID.count > 128 || openID.contains(where: \.isWhitespace) {
            throw .rejected(reason: "Account open_id must be the open_id the app sees for this account (at most 128 characters, no spaces)")
        }
        if openID.isEmpty, !secret.isEmpty || !token.isEmpty {
            throw .rejected(reason: "Account open_id goes together with the client secret and the access token: give it too")
        }
        if !openID.isEmpty, secret.isEmpty, token.isEmpty {
            throw .rejected(reason: "Account open_id goes together with the client secret and the access token: give one of them, or leave it empty")
        }
        if !refresh.isEmpty, token.isEmpty || clientKey.isEmpty {
            throw .rejected(reason: "Refresh token renews an access token with the app's Client key: give both of them too, or leave it empty")
        }
        if [token, refresh, clientKey].contains(where: { $0.count > 512 || $0.contains(where: \.isWhitespace) }) {
            throw .rejected(reason: "Access token, Refresh token and Client key must be at most 512 characters without spaces, as Douyin gives them")
        }
        var base = DouyinAPI.defaultBase
        let givenBase = field(Key.apiBaseURL)
        if !givenBase.isEmpty {
            guard let url = URL(string: givenBase), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw .rejected(reason: "API address must be an http(s) URL such as https://open.douyin.com")
            }
            base = url
            connection.settings[Key.apiBaseURL] = url.absoluteString
        }
        if !token.isEmpty {
            // The token is checked by the call polling makes: the newest video.
            do {
                _ = try await DouyinAPI(base: base, token: token, openID: openID, transport: transport).get(
                    "video/list/", [("cursor", "0"), ("count", "1")])
            } catch .expiredCredentials {
                throw .rejected(reason: "Access token: Douyin says it has expired or was revoked; authorise the app again and paste the new token")
            } catch .rejected(let reason) {
                throw .rejected(
                    reason: "Access token: \(reason); check that it belongs to this open_id and has the video.list and item.comment scopes")
            }
        }
        if !openID.isEmpty { connection.settings[Key.openID] = openID }
        if !clientKey.isEmpty { connection.settings[Key.clientKey] = clientKey }
        connection.credentials = ConnectorCredentials(
            accessToken: token, refreshToken: refresh.isEmpty ? nil : refresh,
            expiresAt: token.isEmpty ? nil : now.addingTimeInterval(Self.tokenLifetime),
            secrets: secret.isEmpty ? [:] : [Key.clientSecret: secret])
        return connection
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        let openID = connection.settings[Key.openID]
        let base = connection.settings[Key.apiBaseURL].flatMap(URL.init(string:)) ?? DouyinAPI.defaultBase
        let token = connection.credentials.accessToken
        return DouyinConnector(
            handOff: HandOffConnector(platform: .douyin, profileURL: connection.settings["profileURL", default: ""]),
            clientSecret: connection.credentials.secrets[Key.clientSecret], openID: openID,
            api: token.isEmpty || openID == nil ? nil : DouyinAPI(base: base, token: token, openID: openID!, transport: transport),
            clientKey: connection.settings[Key.clientKey])
    }
}
