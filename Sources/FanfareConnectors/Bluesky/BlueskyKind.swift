import Foundation

/// Bluesky accounts are connected with a handle and an app password
/// (Settings → Privacy and security → App passwords), never the account
/// password. The session's access token lasts about two hours and is
/// refreshed with the refresh token, which rotates on every refresh.
public struct BlueskyKind: ConnectorKind {
    public let platform = "bluesky"
    public var addressField: String? { Field.serviceURL }
    public static let defaultService = "https://bsky.social"

    public enum Field {
        public static let serviceURL = "service_url"
        public static let handle = "handle"
        public static let appPassword = "app_password"
    }

    /// What `connect` stores in `AccountConnection.settings`.
    public enum Setting {
        public static let serviceURL = "service_url"
        public static let did = "did"
        public static let handle = "handle"
    }

    public init() {}

    /// Sessions last two hours: refreshed half an hour ahead, so the inbox
    /// and the metrics, which do not refresh, always find a live one.
    public var refreshAhead: TimeInterval { 30 * 60 }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(
                key: Field.serviceURL, label: "Service address", required: false,
                hint: "\(Self.defaultService), or your own PDS; leave empty for bsky.social"),
            ConnectionField(key: Field.handle, label: "Handle", hint: "alice.bsky.social"),
            ConnectionField(
                key: Field.appPassword, label: "App password", secret: true, hint: "Settings → Privacy and security → App passwords"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        let service = try Self.serviceURL(fields[Field.serviceURL] ?? "")
        let identifier = try Self.identifier(fields[Field.handle] ?? "")
        let password = (fields[Field.appPassword] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !password.isEmpty else {
            throw .rejected(reason: "The app password is empty; create one under Settings → Privacy and security → App passwords.")
        }
        struct Login: Encodable {
            var identifier: String
            var password: String
        }
        let api = BlueskyAPI(service: service, transport: transport)
        let session: BlueskyEntity.Session
        do {
            let body = try BlueskyAPI.json(Login(identifier: identifier, password: password))
            session = try await api.procedure(BlueskyEntity.Session.self, "com.atproto.server.createSession", body: body, token: nil, now: now)
        } catch {
            switch error {
            case .expiredCredentials, .rejected:
                throw .rejected(
                    reason:
                        "\(api.host) refused the handle or app password; check the handle, and use an app password (Settings → Privacy and security → App passwords), not the account password."
                )
            case .notFound:
                throw .rejected(reason: "The service address \(service.absoluteString) is not a Bluesky service; leave it empty for bsky.social.")
            // A login that got no answer made no post: it can be retried.
            case .outcomeUnknown(let reason):
                throw .temporary(reason: reason)
            default:
                throw error
            }
        }
        return AccountConnection(
            handle: "@\(session.handle)",
            settings: [Setting.serviceURL: service.absoluteString, Setting.did: session.did, Setting.handle: session.handle],
            credentials: Self.credentials(session, now: now))
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        BlueskyConnector(connection: connection, transport: transport, clock: clock)
    }

    /// The access token's expiry is read from the token itself; the PDS
    /// default of two hours stands in when it cannot be read.
    static func credentials(_ session: BlueskyEntity.Session, now: Date) -> ConnectorCredentials {
        ConnectorCredentials(
            accessToken: session.accessJwt, refreshToken: session.refreshJwt,
            expiresAt: BlueskyAPI.expiry(ofJWT: session.accessJwt) ?? now.addingTimeInterval(120 * 60))
    }

    static func serviceURL(_ typed: String) throws(ConnectorError) -> URL {
        var text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { text = defaultService }
        if !text.contains("://") { text = "https://" + text }
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty, url.query == nil
        else {
            throw .rejected(reason: "The service address “\(typed)” is not a web address; leave it empty for bsky.social.")
        }
        return url
    }

    /// A handle (`@` optional), or the account's DID or e-mail address,
    /// which the PDS accepts as well.
    static func identifier(_ typed: String) throws(ConnectorError) -> String {
        var text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("@") { text.removeFirst() }
        guard !text.isEmpty else { throw .rejected(reason: "The handle is empty; enter it like alice.bsky.social.") }
        if text.hasPrefix("did:") || text.contains("@") { return text }
        let handle = text.lowercased()
        guard BlueskyRichText.isValidHandle(handle) else {
            throw .rejected(reason: "The handle “\(typed)” is incomplete; enter the full handle, like alice.bsky.social.")
        }
        return handle
    }
}
