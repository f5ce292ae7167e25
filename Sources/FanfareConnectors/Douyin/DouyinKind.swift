import FanfareCore
import Foundation

/// Connecting a Douyin account. Publishing is handed to a person (see
/// `HandOffPlatform.douyin`), so the profile link is all a team needs.
/// An enterprise account whose open-platform app has the
/// `im.direct_message` scope can also give the app's client secret and the
/// account's open_id: then fans' direct messages are pushed to
/// `POST /hooks/{account_id}` (event `im_receive_msg`) and reach the inbox.
public struct DouyinKind: ConnectorKind {
    public init() {}

    enum Key {
        static let clientSecret = "client_secret"
        static let openID = "open_id"
    }

    public var platform: String { HandOffPlatform.douyin.rawValue }

    public var connectionFields: [ConnectionField] {
        HandOffKind.douyin.connectionFields + [
            ConnectionField(
                key: Key.clientSecret, label: "Client secret (direct messages)", secret: true, required: false,
                hint: "the open-platform app's client_secret, which signs its webhook pushes; leave empty for publishing only"),
            ConnectionField(
                key: Key.openID, label: "Account open_id (direct messages)", required: false,
                hint: "the open_id the app sees for this account; pushes for another account are refused"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        var connection = try await HandOffKind.douyin.connect(fields: fields, transport: transport, now: now)
        let secret = fields[Key.clientSecret, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
        let openID = fields[Key.openID, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
        if !secret.isEmpty, secret.count < 16 || secret.count > 128 || secret.contains(where: \.isWhitespace) {
            throw .rejected(
                reason: "Client secret must be the app's client_secret as the Douyin open platform shows it (16 to 128 characters, no spaces)")
        }
        if !openID.isEmpty, openID.count > 128 || openID.contains(where: \.isWhitespace) {
            throw .rejected(reason: "Account open_id must be the open_id the app sees for this account (at most 128 characters, no spaces)")
        }
        if secret.isEmpty != openID.isEmpty {
            throw .rejected(reason: "Client secret and Account open_id go together: give both to receive direct messages, or neither")
        }
        if !secret.isEmpty {
            connection.credentials = ConnectorCredentials(accessToken: "", secrets: [Key.clientSecret: secret])
            connection.settings[Key.openID] = openID
        }
        return connection
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        DouyinConnector(
            handOff: HandOffConnector(platform: .douyin, profileURL: connection.settings["profileURL", default: ""]),
            clientSecret: connection.credentials.secrets[Key.clientSecret], openID: connection.settings[Key.openID])
    }
}
