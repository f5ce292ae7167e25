import FanfareCore
import Foundation

/// Connects a WeChat Official Account with its developer credentials
/// (设置与开发 → 基本配置): AppID and AppSecret for API tokens, the server
/// Token and EncodingAESKey for verifying and decrypting pushes.
///
/// Settings: `appID`, `accountType`, `readOriginalURL`, `coverMediaID`,
/// `accountName`, `apiBaseURL`. Secrets: `appSecret`, `serverToken`,
/// `encodingAESKey`.
public struct WeChatKind: ConnectorKind, PublishQuotaProviding {
    public static let defaultAPIBase = URL(string: "https://api.weixin.qq.com")!

    public enum Key {
        public static let appID = "appID"
        public static let appSecret = "appSecret"
        public static let accountType = "accountType"
        public static let serverToken = "serverToken"
        public static let encodingAESKey = "encodingAESKey"
        public static let readOriginalURL = "readOriginalURL"
        public static let coverMediaID = "coverMediaID"
        public static let accountName = "accountName"
        public static let apiBaseURL = "apiBaseURL"
    }

    public init() {}

    public var platform: String { "wechat" }
    public var addressField: String? { Key.apiBaseURL }
    /// XML (`text/xml`; some gateways say `application/xml`), or JSON when
    /// the account's server configuration chose the JSON format; answered
    /// with the word WeChat waits for.
    public var pushIntake: PushIntakeStyle? {
        PushIntakeStyle(mediaTypes: ["text/xml", "application/xml", "application/json"], acknowledgement: .plainText("success"))
    }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(key: Key.appID, label: "AppID", hint: "wx followed by 16 characters, under 设置与开发 → 基本配置"),
            ConnectionField(
                key: Key.appSecret, label: "AppSecret", secret: true, hint: "under 设置与开发 → 基本配置; this server's IP must be whitelisted there"),
            ConnectionField(key: Key.accountType, label: "Account type", hint: "subscription (订阅号) or service (服务号)"),
            ConnectionField(key: Key.serverToken, label: "Server token", secret: true, hint: "the Token set for the server URL (服务器配置)"),
            ConnectionField(
                key: Key.encodingAESKey, label: "EncodingAESKey", secret: true, required: false,
                hint: "43 characters; needed when messages are encrypted (安全模式)"),
            ConnectionField(
                key: Key.readOriginalURL, label: "Read-original link",
                hint: "https://brand.example/ — shown as 阅读原文 under every article; Fanfare adds ?fanfare=… to find its articles again"),
            ConnectionField(
                key: Key.coverMediaID, label: "Cover media ID", required: false,
                hint: "media ID of a permanent image (素材管理) used as the article cover; articles cannot be published without one"),
            ConnectionField(key: Key.accountName, label: "Account name", required: false, hint: "shown in Fanfare; the AppID when empty"),
            ConnectionField(
                key: Key.apiBaseURL, label: "API address", required: false, hint: "https://api.weixin.qq.com (change only for testing)"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        func field(_ key: String) -> String { fields[key, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        let appID = field(Key.appID)
        guard appID.hasPrefix("wx"), appID.count == 18, appID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .rejected(reason: "AppID must be wx followed by 16 letters or digits, as shown under 设置与开发 → 基本配置")
        }
        let secret = field(Key.appSecret)
        guard !secret.isEmpty else { throw .rejected(reason: "AppSecret is required: copy it from 设置与开发 → 基本配置") }
        guard let accountType = PublishQuota.WeChatAccountType(rawValue: field(Key.accountType).lowercased()) else {
            throw .rejected(reason: "Account type must be subscription (订阅号) or service (服务号)")
        }
        let serverToken = field(Key.serverToken)
        guard (3...32).contains(serverToken.count), serverToken.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .rejected(reason: "Server token must be the 3 to 32 letters or digits entered as Token under 服务器配置")
        }
        let aesKey = field(Key.encodingAESKey)
        if !aesKey.isEmpty {
            do {
                _ = try WeChatMessageCrypto(encodingAESKey: aesKey, appID: appID)
            } catch {
                throw .rejected(reason: "EncodingAESKey must be the 43 letters and digits shown under 服务器配置")
            }
        }
        guard let readOriginal = Self.webURL(field(Key.readOriginalURL)) else {
            throw .rejected(reason: "Read-original link must be an http(s) address on your own site, e.g. https://brand.example/")
        }
        let base: URL
        if field(Key.apiBaseURL).isEmpty {
            base = Self.defaultAPIBase
        } else {
            guard let url = Self.webURL(field(Key.apiBaseURL)) else {
                throw .rejected(reason: "API address must be an http(s) URL such as https://api.weixin.qq.com")
            }
            base = url
        }
        // Fetching a token proves the AppID, the AppSecret and the IP whitelist.
        var credentials = try await Self.stableToken(api: WeChatAPI(base: base, transport: transport), appID: appID, secret: secret, now: now)
        credentials.secrets = [Key.appSecret: secret, Key.serverToken: serverToken]
        if !aesKey.isEmpty { credentials.secrets[Key.encodingAESKey] = aesKey }
        var settings = [Key.appID: appID, Key.accountType: accountType.rawValue, Key.readOriginalURL: readOriginal.absoluteString]
        if !field(Key.coverMediaID).isEmpty { settings[Key.coverMediaID] = field(Key.coverMediaID) }
        if !field(Key.accountName).isEmpty { settings[Key.accountName] = field(Key.accountName) }
        if base != Self.defaultAPIBase { settings[Key.apiBaseURL] = base.absoluteString }
        return AccountConnection(handle: settings[Key.accountName] ?? appID, settings: settings, credentials: credentials)
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        let settings = connection.settings
        return WeChatConnector(
            appID: settings[Key.appID, default: ""], readOriginalURL: Self.webURL(settings[Key.readOriginalURL]),
            coverMediaID: settings[Key.coverMediaID], credentials: connection.credentials,
            apiBase: Self.webURL(settings[Key.apiBaseURL]) ?? Self.defaultAPIBase, transport: transport, clock: clock)
    }

    /// The mass-send (群发) quota of the account's type. Articles published
    /// through the publishing API (发布) do not use it; it applies to sends
    /// that notify followers.
    public func publishQuota(settings: [String: String]) -> PublishQuota? {
        settings[Key.accountType].flatMap { PublishQuota.WeChatAccountType(rawValue: $0) }.map { PublishQuota.wechat(accountType: $0) }
    }

    /// `POST /cgi-bin/stable_token`. Safe to repeat, so a lost answer is a
    /// passing fault; a missing token is never stored in place of one.
    static func stableToken(api: WeChatAPI, appID: String, secret: String, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        let answer: WeChatToken
        do {
            answer = try await api.post(
                "cgi-bin/stable_token", token: nil, WeChatStableTokenRequest(appid: appID, secret: secret), as: WeChatToken.self, now: now)
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        } catch .expiredCredentials {
            throw .rejected(reason: "WeChat does not accept the AppID and AppSecret; check both under 设置与开发 → 基本配置")
        }
        guard let token = answer.accessToken, !token.isEmpty else {
            throw .temporary(reason: "WeChat answered the token request without a token; Fanfare will try again")
        }
        return ConnectorCredentials(accessToken: token, expiresAt: now.addingTimeInterval(TimeInterval(answer.expiresIn ?? 7_200)))
    }

    static func webURL(_ text: String?) -> URL? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", url.host?.isEmpty == false
        else { return nil }
        return url
    }
}
