import FanfareCore
import Foundation

/// Mastodon accounts are connected with an instance address and an access
/// token made in the account's settings (Preferences → Development); such
/// tokens do not expire.
public struct MastodonKind: ConnectorKind {
    public let platform = "mastodon"
    public var addressField: String? { Field.instanceURL }

    public enum Field {
        public static let instanceURL = "instance_url"
        public static let accessToken = "access_token"
    }

    /// What `connect` stores in `AccountConnection.settings`.
    public enum Setting {
        public static let instanceURL = "instance_url"
        public static let accountID = "account_id"
        public static let maxCharacters = "max_characters"
        public static let charactersReservedPerURL = "characters_reserved_per_url"
        public static let maxMediaAttachments = "max_media_attachments"
    }

    public init() {}

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(key: Field.instanceURL, label: "Instance address", hint: "https://mastodon.social"),
            ConnectionField(
                key: Field.accessToken, label: "Access token", secret: true,
                hint: "Preferences → Development → New application, with the read and write scopes"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        let instance = try Self.instanceURL(fields[Field.instanceURL] ?? "")
        let token = (fields[Field.accessToken] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw .rejected(reason: "The access token is empty; paste the token shown under Preferences → Development on your instance.")
        }
        let api = MastodonAPI(instance: instance, token: token, transport: transport)
        let account: MastodonEntity.Account
        do {
            account = try await api.call(MastodonEntity.Account.self, "GET", "/api/v1/accounts/verify_credentials", now: now)
        } catch {
            switch error {
            case .expiredCredentials:
                throw .rejected(
                    reason: "\(api.host) refused the access token; copy it again in full, or create a new one if it was revoked.")
            case .notFound:
                throw .rejected(reason: "The instance address \(instance.absoluteString) has no Mastodon API; check the address.")
            default:
                throw error
            }
        }
        var settings = [Setting.instanceURL: instance.absoluteString, Setting.accountID: account.id]
        // The limits are the instance's own; when it does not say (older
        // versions), Mastodon's defaults apply.
        let limits = try? await api.call(MastodonEntity.Instance.self, "GET", "/api/v2/instance", now: now).configuration?.statuses
        let defaults = PlatformRules.standard["mastodon"]!
        settings[Setting.maxCharacters] = String(limits?.maxCharacters ?? defaults.textLimit ?? 500)
        settings[Setting.charactersReservedPerURL] = String(limits?.charactersReservedPerURL ?? 23)
        settings[Setting.maxMediaAttachments] = String(limits?.maxMediaAttachments ?? defaults.media.maxCount)
        return AccountConnection(
            handle: "@\(account.username)@\(api.host)", settings: settings, credentials: ConnectorCredentials(accessToken: token))
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        MastodonConnector(connection: connection, transport: transport, clock: clock)
    }

    /// Mastodon's standard rules with this instance's limits.
    public static func rules(for settings: [String: String]) -> PlatformRules {
        var rules = PlatformRules.standard["mastodon"]!
        if let limit = settings[Setting.maxCharacters].flatMap(Int.init) { rules.textLimit = limit }
        if let cost = settings[Setting.charactersReservedPerURL].flatMap(Int.init) { rules.counting = .mastodon(linkCost: cost) }
        if let count = settings[Setting.maxMediaAttachments].flatMap(Int.init) { rules.media.maxCount = count }
        return rules
    }

    /// Accepts `mastodon.social` as well as `https://mastodon.social/`.
    static func instanceURL(_ typed: String) throws(ConnectorError) -> URL {
        var text = typed.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw .rejected(reason: "The instance address is empty; enter it like https://mastodon.social.") }
        if !text.contains("://") { text = "https://" + text }
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            let host = url.host, !host.isEmpty, url.query == nil
        else {
            throw .rejected(reason: "The instance address “\(typed)” is not a web address; enter it like https://mastodon.social.")
        }
        return url
    }
}
