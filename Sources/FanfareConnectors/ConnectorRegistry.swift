import FanfareCore
import Foundation

/// One thing a person types to connect an account: an instance address, a
/// handle, an app password. Secret fields are sealed with the credentials
/// and never shown again.
public struct ConnectionField: Sendable, Equatable {
    public var key: String
    public var label: String
    public var secret: Bool
    public var required: Bool
    /// What the field expects, shown under it ("https://mastodon.social").
    public var hint: String

    public init(key: String, label: String, secret: Bool = false, required: Bool = true, hint: String = "") {
        self.key = key
        self.label = label
        self.secret = secret
        self.required = required
        self.hint = hint
    }
}

/// What the server stores for a connected account: a handle to show,
/// settings that are not secret (instance address, account type), and the
/// credentials (sealed at rest).
public struct AccountConnection: Sendable, Equatable {
    public var handle: String
    public var settings: [String: String]
    public var credentials: ConnectorCredentials

    public init(handle: String, settings: [String: String], credentials: ConnectorCredentials) {
        self.handle = handle
        self.settings = settings
        self.credentials = credentials
    }
}

/// How one platform's accounts are connected and spoken to. Each platform
/// folder has one; `ConnectorRegistry` lists them.
public protocol ConnectorKind: Sendable {
    var platform: String { get }
    var connectionFields: [ConnectionField] { get }
    /// Checks what the person typed against the platform (signs in,
    /// verifies the token) and returns what to store. Field problems throw
    /// `.rejected` with a sentence that names the field.
    func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection
    func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector
    /// The connection field holding the address Fanfare calls (an instance
    /// or API address, an endpoint), if the person gives one: where a
    /// failure to reach it is reported.
    var addressField: String? { get }
    /// How the platform pushes fans' messages, if it does (`PushIntakeStyle`).
    var pushIntake: PushIntakeStyle? { get }
    /// How long before an access token runs out the token watch refreshes
    /// it: a day for tokens that last days (Douyin's 15), less for
    /// sessions of hours (Bluesky's two).
    var refreshAhead: TimeInterval { get }
    /// Whether the connector can renew these credentials without a person:
    /// with a refresh token (the default), or with an app secret the
    /// account holds (WeChat). When not, the authorisation ends at its
    /// expiry and someone signs in again.
    func renewsUnattended(_ credentials: ConnectorCredentials) -> Bool
}

extension ConnectorKind {
    public var addressField: String? { nil }
    public var refreshAhead: TimeInterval { 86_400 }
    public func renewsUnattended(_ credentials: ConnectorCredentials) -> Bool { !(credentials.refreshToken ?? "").isEmpty }
}

/// The platforms Fanfare can connect, besides the Sandbox (which the server
/// wires to its own storage). A new platform is one line here.
public enum ConnectorRegistry {
    public static let kinds: [any ConnectorKind] = [
        MastodonKind(), BlueskyKind(), WebhookKind(), WeiboKind(), WeChatKind(), HandOffKind.xiaohongshu, DouyinKind(),
        BilibiliKind(),
    ]

    public static func kind(_ platform: String) -> (any ConnectorKind)? {
        kinds.first { $0.platform == platform }
    }

    /// The account's send quota on its platform, if the platform has one.
    public static func publishQuota(platform: String, settings: [String: String]) -> PublishQuota? {
        (kind(platform) as? any PublishQuotaProviding)?.publishQuota(settings: settings)
    }
}
