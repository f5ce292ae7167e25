import Foundation

/// A generic outgoing webhook: each published post is POSTed as JSON to an
/// address the person owns, signed per Standard Webhooks.
public struct WebhookKind: ConnectorKind {
    public let platform = "webhook"

    public enum Field {
        public static let url = "url"
        public static let signingSecret = "signing_secret"
    }

    /// What `connect` stores in `AccountConnection.settings`.
    public enum Setting {
        public static let url = "url"
    }

    /// Where the signing secret is kept in `ConnectorCredentials.secrets`.
    public static let secretKey = "signing_secret"

    public init() {}

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(key: Field.url, label: "Endpoint address", hint: "https://example.com/hooks/fanfare"),
            ConnectionField(
                key: Field.signingSecret, label: "Signing secret", secret: true, required: false,
                hint: "whsec_… from your receiver; leave empty and Fanfare makes one to copy into it"),
        ]
    }

    public var addressField: String? { Field.url }
    /// Standard Webhooks payloads are JSON.
    public var pushIntake: PushIntakeStyle? { PushIntakeStyle(mediaTypes: ["application/json"], acknowledgement: .receipt) }

    /// Nothing is sent while connecting: a test message could be taken for
    /// a real post by a receiver that is already live. An address the
    /// transport would refuse anyway is refused now, not at the first post.
    /// A secret left empty is generated and returned in the credentials for
    /// the server to show once.
    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        let url = try Self.endpoint(fields[Field.url] ?? "")
        try transport.checkDestination(url)
        var secret = (fields[Field.signingSecret] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if secret.isEmpty {
            secret = StandardWebhooks.generateSecret()
        } else if StandardWebhooks.key(fromSecret: secret) == nil {
            throw .rejected(
                reason:
                    "The signing secret is not a Standard Webhooks secret; it should look like whsec_ followed by base64 text (at least 16 bytes). Leave it empty to have one made."
            )
        }
        return AccountConnection(
            handle: url.host ?? url.absoluteString, settings: [Setting.url: url.absoluteString],
            credentials: ConnectorCredentials(accessToken: "", secrets: [Self.secretKey: secret]))
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        WebhookConnector(connection: connection, transport: transport, clock: clock)
    }

    static func endpoint(_ typed: String) throws(ConnectorError) -> URL {
        let text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .rejected(reason: "The endpoint address is empty; enter the https:// address that receives the posts.") }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty
        else {
            throw .rejected(reason: "The endpoint address “\(typed)” is not a web address; enter it like https://example.com/hooks/fanfare.")
        }
        return url
    }
}
