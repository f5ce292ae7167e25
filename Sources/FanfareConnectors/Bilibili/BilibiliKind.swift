import FanfareCore
import Foundation

/// Connecting a Bilibili account with the tokens of an open-platform app
/// it authorised (or through `BilibiliSignIn`). The app's client ID and
/// secret sign every call; the account's access token opens it; a refresh
/// token, when given, renews the access token before it expires. Videos go
/// to one 分区 (category), chosen here.
///
/// Settings: `client_id`, `open_id`, `tid`, `tid_name`, `apiBaseURL`. The
/// app secret is kept sealed with the credentials (`client_secret`).
public struct BilibiliKind: ConnectorKind {
    public init() {}

    enum Key {
        static let clientID = "client_id"
        static let clientSecret = "client_secret"
        static let accessToken = "access_token"
        static let refreshToken = "refresh_token"
        static let tid = "tid"
        static let tidName = "tid_name"
        static let openID = "open_id"
        static let apiBaseURL = "apiBaseURL"
    }

    public var platform: String { "bilibili" }
    public var addressField: String? { Key.apiBaseURL }
    public var pushIntake: PushIntakeStyle? { nil }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(key: Key.clientID, label: "Client ID", hint: "the open-platform app's client_id (open.bilibili.com → 管理中心)"),
            ConnectionField(
                key: Key.clientSecret, label: "App secret", secret: true, hint: "the app's secret, which signs every call (HMAC-SHA256)"),
            ConnectionField(
                key: Key.accessToken, label: "Access token", secret: true,
                hint: "the account's access_token from authorising the app (x/account-oauth2/v1/token)"),
            ConnectionField(
                key: Key.refreshToken, label: "Refresh token", secret: true, required: false,
                hint: "renews the access token before it expires; Fanfare renews it at once to learn when"),
            ConnectionField(key: Key.tid, label: "Category (分区) id", hint: "e.g. 21: the 分区 the account's videos are submitted to"),
            ConnectionField(
                key: Key.apiBaseURL, label: "API address", required: false, hint: "https://member.bilibili.com (change only for testing)"),
        ]
    }

    public func connect(fields: [String: String], transport: any HTTPTransport, now: Date) async throws(ConnectorError) -> AccountConnection {
        func field(_ key: String) -> String { fields[key, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        let (clientID, secret, token, refresh) = (field(Key.clientID), field(Key.clientSecret), field(Key.accessToken), field(Key.refreshToken))
        guard !clientID.isEmpty, clientID.count <= 64, clientID.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .rejected(reason: "Client ID must be the open-platform app's client_id as open.bilibili.com shows it (letters and digits only)")
        }
        guard !secret.isEmpty, secret.count <= 128, !secret.contains(where: \.isWhitespace) else {
            throw .rejected(
                reason: "App secret must be the open-platform app's secret as open.bilibili.com shows it (at most 128 characters, no spaces)")
        }
        guard !token.isEmpty, [token, refresh].allSatisfy({ $0.count <= 512 && !$0.contains(where: \.isWhitespace) }) else {
            throw .rejected(reason: "Access token and Refresh token must be at most 512 characters without spaces, as Bilibili gives them")
        }
        guard let tid = Int(field(Key.tid)), tid > 0 else {
            throw .rejected(reason: "Category (分区) id must be a whole number such as 21: the 分区 the account's videos are submitted to")
        }
        var hosts = BilibiliHosts.production
        let givenBase = field(Key.apiBaseURL)
        if !givenBase.isEmpty {
            guard let url = URL(string: givenBase), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw .rejected(reason: "API address must be an http(s) URL such as https://member.bilibili.com")
            }
            hosts = .all(at: url)
        }
        let app = BilibiliSignIn.App(clientID: clientID, clientSecret: secret)
        var credentials = ConnectorCredentials(accessToken: token, secrets: [Key.clientSecret: secret])
        if !refresh.isEmpty {
            // Renewing now says when the token expires (a pasted token does
            // not), and checks the refresh token while the person is here.
            do {
                credentials = try await BilibiliSignIn(app: app, hosts: hosts, transport: transport).refresh(refreshToken: refresh, now: now)
            } catch .expiredCredentials {
                throw .rejected(
                    reason: "Refresh token: Bilibili does not accept it (each one works once); authorise the app again and paste the new tokens")
            }
        }
        var connection: AccountConnection
        do {
            connection = try await Self.account(app: app, credentials: credentials, tid: tid, hosts: hosts, transport: transport, now: now)
        } catch .expiredCredentials {
            throw .rejected(reason: "Access token: Bilibili says it has expired or was revoked; authorise the app again and paste the new token")
        }
        if !givenBase.isEmpty { connection.settings[Key.apiBaseURL] = hosts.member.absoluteString }
        return connection
    }

    /// Reads the account the credentials open (`user/account/info`) and
    /// checks the 分区 against Bilibili's list (`archive/type/list`).
    static func account(
        app: BilibiliSignIn.App, credentials: ConnectorCredentials, tid: Int, hosts: BilibiliHosts, transport: any HTTPTransport, now: Date
    ) async throws(ConnectorError) -> AccountConnection {
        let api = BilibiliAPI(
            hosts: hosts, clientID: app.clientID, secret: app.clientSecret, token: credentials.accessToken, transport: transport, clock: { now })
        let info = try await api.get("/arcopen/fn/user/account/info") as? [String: Any]
        guard let openID = BilibiliValue.string(info?["openid"]) else {
            throw .temporary(reason: "Bilibili answered without the account's openid; try again")
        }
        let types = try await api.get("/arcopen/fn/archive/type/list")
        guard let category = Self.category(tid, in: types) else {
            throw .rejected(
                reason: "Category (分区) id \(tid) is not one Bilibili takes submissions in; the 分区 list (archive/type/list) has the ids")
        }
        var stored = credentials
        stored.secrets[Key.clientSecret] = app.clientSecret
        return AccountConnection(
            handle: BilibiliValue.string(info?["name"]) ?? openID,
            settings: [Key.clientID: app.clientID, Key.openID: openID, Key.tid: String(tid), Key.tidName: category], credentials: stored)
    }

    /// The name of the 分区 `tid` in the list, which nests children under
    /// their parents (`[{"id", "name", "children": […]}]`).
    static func category(_ tid: Int, in list: Any?) -> String? {
        if let items = list as? [Any] {
            for item in items { if let found = category(tid, in: item) { return found } }
        } else if let item = list as? [String: Any] {
            if BilibiliValue.int(item["id"]) == tid { return BilibiliValue.string(item["name"]) ?? String(tid) }
            for key in ["children", "list"] { if let found = category(tid, in: item[key]) { return found } }
        }
        return nil
    }

    public func connector(for connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date) -> any Connector {
        let settings = connection.settings
        let hosts = settings[Key.apiBaseURL].flatMap(URL.init(string:)).map(BilibiliHosts.all(at:)) ?? .production
        return BilibiliConnector(
            clientID: settings[Key.clientID, default: ""], secret: connection.credentials.secrets[Key.clientSecret, default: ""],
            accessToken: connection.credentials.accessToken, tid: Int(settings[Key.tid, default: ""]) ?? 0, hosts: hosts, transport: transport,
            clock: clock)
    }
}
