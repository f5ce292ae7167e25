import FanfareCore
import Foundation

/// Connects a Weibo account with an access token from Fanfare's Weibo app
/// (OAuth2 authorisation code flow, done outside Fanfare).
///
/// Settings: `uid`, `safeDomainURL`, `rip`, `apiBaseURL`. The token is the
/// credentials' access token; it expires after 1 to 90 days by app level and
/// cannot be refreshed.
public struct WeiboKind: ConnectorKind {
    public static let defaultAPIBase = URL(string: "https://api.weibo.com")!

    public init() {}

    public var platform: String { "weibo" }
    public var addressField: String? { "apiBaseURL" }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(
                key: "accessToken", label: "Access token", secret: true,
                hint: "from authorising Fanfare's Weibo app (oauth2/access_token), e.g. 2.00AbCdEf…"),
            ConnectionField(
                key: "safeDomainURL", label: "Safe-domain URL",
                hint: "https://brand.example/ — a page on the 安全域名 registered for your Weibo app; every post links to it"),
            ConnectionField(
                key: "rip", label: "Poster's IP address",
                hint: "203.0.113.7 — Weibo requires the real public IP of the person posting (rip) with every post and reply"),
            ConnectionField(key: "apiBaseURL", label: "API address", required: false, hint: "https://api.weibo.com (change only for testing)"),
        ]
    }

    /// Verifies the token (`oauth2/get_token_info`: owner and time left) and
    /// reads the account's name (`users/show`).
    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        let token = fields["accessToken", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw .rejected(reason: "Access token is required: paste the token from authorising Fanfare's Weibo app") }
        guard let safeDomain = Self.webURL(fields["safeDomainURL"]) else {
            throw .rejected(reason: "Safe-domain URL must be an http(s) address on your Weibo app's 安全域名, e.g. https://brand.example/")
        }
        let rip = fields["rip", default: ""].trimmingCharacters(in: .whitespaces)
        guard Self.isIPAddress(rip) else {
            throw .rejected(reason: "Poster's IP address must be an IPv4 or IPv6 address such as 203.0.113.7 (Weibo's rip parameter)")
        }
        let base: URL
        if let given = fields["apiBaseURL"]?.trimmingCharacters(in: .whitespaces), !given.isEmpty {
            guard let url = Self.webURL(given) else { throw .rejected(reason: "API address must be an http(s) URL such as https://api.weibo.com") }
            base = url
        } else {
            base = Self.defaultAPIBase
        }
        let api = WeiboAPI(base: base, token: token, transport: transport)
        let info: WeiboTokenInfo
        do {
            info = try WeiboAPI.decode(
                try await api.post("oauth2/get_token_info", [("access_token", token)], includeToken: false), as: WeiboTokenInfo.self)
        } catch .expiredCredentials {
            throw .rejected(
                reason: "Weibo says the access token has expired or was revoked; authorise Fanfare's Weibo app again and paste the new token")
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
        let user = try WeiboAPI.decode(try await api.get("2/users/show.json", [("uid", info.uid.text)]), as: WeiboUser.self)
        var settings = ["uid": info.uid.text, "safeDomainURL": safeDomain.absoluteString, "rip": rip]
        if base != Self.defaultAPIBase { settings["apiBaseURL"] = base.absoluteString }
        return AccountConnection(
            handle: user.screenName ?? info.uid.text, settings: settings,
            credentials: ConnectorCredentials(accessToken: token, expiresAt: info.expireIn.map { now.addingTimeInterval(TimeInterval($0)) }))
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        let settings = connection.settings
        return WeiboConnector(
            uid: settings["uid", default: ""], safeDomainURL: Self.webURL(settings["safeDomainURL"]), rip: settings["rip", default: ""],
            accessToken: connection.credentials.accessToken, apiBase: Self.webURL(settings["apiBaseURL"]) ?? Self.defaultAPIBase,
            transport: transport, clock: clock)
    }

    /// What to tell a person whose Weibo token cannot be refreshed.
    public static func reauthorisation(expiresAt: Date?) -> String {
        let when = expiresAt.map { " before \($0.formatted(.iso8601.year().month().day()))" } ?? ""
        return
            "Weibo gives web apps no refresh token: authorise Fanfare's Weibo app again\(when) and paste the new access token into this account, or its posts will stop"
    }

    static func webURL(_ text: String?) -> URL? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", url.host?.isEmpty == false
        else { return nil }
        return url
    }

    static func isIPAddress(_ text: String) -> Bool {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4 { return octets.allSatisfy { $0.count <= 3 && UInt8($0) != nil } }
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        return groups.count >= 3 && groups.count <= 8 && groups.allSatisfy { $0.count <= 4 && ($0.isEmpty || UInt16($0, radix: 16) != nil) }
    }
}
