import Crypto
import FanfareCore
import Foundation

/// Where a notice can go outside the app (issue 20, scope 3): the group
/// robots Chinese teams already read (企业微信, DingTalk, Feishu) and a
/// signed generic webhook. Every notice of the product — alerts, service
/// level breaches, failed publishes, anomalies — leaves through these.
/// The calls and their sources are in PLATFORMS.md § Notification robots.
public enum NotifyChannelKind: String, Sendable, Codable, CaseIterable {
    /// 企业微信群机器人: POST …/cgi-bin/webhook/send?key=…; no signature
    /// (the key in the address is the secret).
    case wecomRobot = "wecom_robot"
    /// 钉钉自定义机器人 with 加签: `timestamp` (ms) and `sign` =
    /// urlencode(base64(HMAC-SHA256(secret, "timestamp\nsecret"))) added to the address.
    case dingtalkRobot = "dingtalk_robot"
    /// 飞书自定义机器人 with 签名校验: `timestamp` (s) and `sign` =
    /// base64(HMAC-SHA256(key: "timestamp\nsecret", message: empty)) in the body.
    case feishuBot = "feishu_bot"
    /// Any receiver: Standard Webhooks signing (`webhook-id`,
    /// `webhook-timestamp`, `webhook-signature`), JSON body.
    case webhook

    /// The official address a robot's webhook starts with; a robot address
    /// elsewhere is refused when the channel is saved (the generic webhook
    /// goes anywhere the guarded transport allows).
    public var officialPrefixes: [String] {
        switch self {
        case .wecomRobot: ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="]
        case .dingtalkRobot: ["https://oapi.dingtalk.com/robot/send?access_token="]
        case .feishuBot: ["https://open.feishu.cn/open-apis/bot/v2/hook/", "https://open.larksuite.com/open-apis/bot/v2/hook/"]
        case .webhook: []
        }
    }

    /// Whether the channel needs a signing secret (DingTalk's 加签 and
    /// Feishu's 签名校验 are optional on the platform; Fanfare asks for
    /// them, so a leaked address alone cannot post to the group).
    public var signs: Bool { self != .wecomRobot }
}

/// A notice as every channel writes it: a title, lines, an optional link.
public struct NotifyMessage: Sendable, Equatable, Codable {
    /// What happened, in the product's vocabulary (`alert.raised`, `alert.escalated`, `channel.test`…).
    public var event: String
    public var title: String
    public var lines: [String]
    public var link: URL?
    /// Machine-readable facts for the webhook receiver (grade, monitor id…).
    public var facts: [String: String]

    public init(event: String, title: String, lines: [String], link: URL? = nil, facts: [String: String] = [:]) {
        self.event = event
        self.title = title
        self.lines = lines
        self.link = link
        self.facts = facts
    }

    /// Markdown for the robots (each group robot renders a subset: bold, links, line breaks).
    var markdown: String {
        var text = "**\(title)**\n"
        for line in lines { text += "\n\(line)" }
        if let link { text += "\n\n[\(link.absoluteString)](\(link.absoluteString))" }
        return text
    }

    var plain: String {
        ([title] + lines + (link.map { [$0.absoluteString] } ?? [])).joined(separator: "\n")
    }
}

/// One channel's address and secret, and how a notice goes through it.
public struct NotifyChannel: Sendable {
    public let kind: NotifyChannelKind
    public let address: URL
    public let secret: String?

    public init(kind: NotifyChannelKind, address: URL, secret: String?) {
        self.kind = kind
        self.address = address
        self.secret = secret
    }

    /// Checks a channel as a form gives it: the address (https, the
    /// robot's official one for robots) and the secret where one is needed.
    /// `plainHTTPAllowed` lets a webhook use http: the server allows it
    /// only for an address literal the operator allowed on purpose
    /// (`FANFARE_OUTBOUND_ALLOW`, a receiver on the same machine or network).
    public static func checked(
        kind: NotifyChannelKind, address text: String, secret: String?, plainHTTPAllowed: (URL) -> Bool = { _ in false }
    ) throws(ValidationErrors) -> NotifyChannel {
        var errors = ValidationErrors()
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let url = URL(string: trimmed)
        let scheme = url?.scheme?.lowercased()
        let plain = kind == .webhook && scheme == "http" && url.map(plainHTTPAllowed) == true
        if url == nil || (scheme != "https" && !plain) || (url?.host ?? "").isEmpty {
            errors.add("address", .typeUrl)
        } else if !kind.officialPrefixes.isEmpty, !kind.officialPrefixes.contains(where: { trimmed.hasPrefix($0) && trimmed.count > $0.count }) {
            errors.add("address", .channelAddress(prefixes: kind.officialPrefixes))
        }
        let secret = secret?.trimmingCharacters(in: .whitespacesAndNewlines)
        if kind.signs {
            if kind == .webhook {
                if let secret, !secret.isEmpty, StandardWebhooks.key(fromSecret: secret) == nil { errors.add("secret", .channelSecretWebhook) }
            } else if secret?.isEmpty ?? true {
                errors.add("secret", .required)
            } else if let secret, secret.count > 200 || secret.contains(where: { $0.isWhitespace }) {
                errors.add("secret", .visibleAsciiBetween(min: 1, max: 200))
            }
        }
        try errors.throwIfAny()
        let kept = kind == .webhook && (secret?.isEmpty ?? true) ? StandardWebhooks.generateSecret() : secret
        return NotifyChannel(kind: kind, address: url!, secret: kind.signs ? kept : nil)
    }

    /// The request that delivers `message`, signed for `now`. `id` is the
    /// delivery's id: a webhook receiver deduplicates on it, so a retry of
    /// the same delivery is never shown twice there.
    public func request(_ message: NotifyMessage, id: String, now: Date) -> HTTPRequestData {
        let json = [("Content-Type", "application/json; charset=utf-8")]
        switch kind {
        case .wecomRobot:
            let body: [String: Any] = ["msgtype": "markdown", "markdown": ["content": Self.clip(message.markdown, bytes: 4_096)]]
            return HTTPRequestData(method: "POST", url: address, headers: json.map { ($0.0, $0.1) }, body: Self.json(body))
        case .dingtalkRobot:
            let stamp = String(Int64((now.timeIntervalSince1970 * 1_000).rounded(.down)))
            let sign = Self.dingTalkSign(timestamp: stamp, secret: secret ?? "")
            var components = URLComponents(url: address, resolvingAgainstBaseURL: false)!
            components.percentEncodedQueryItems =
                (components.percentEncodedQueryItems ?? [])
                + [URLQueryItem(name: "timestamp", value: stamp), URLQueryItem(name: "sign", value: Self.formEncoded(sign))]
            let body: [String: Any] = [
                "msgtype": "markdown", "markdown": ["title": message.title, "text": Self.clip(message.markdown, bytes: 20_000)],
            ]
            return HTTPRequestData(method: "POST", url: components.url!, headers: json.map { ($0.0, $0.1) }, body: Self.json(body))
        case .feishuBot:
            let stamp = String(Int64(now.timeIntervalSince1970))
            let body: [String: Any] = [
                "timestamp": stamp, "sign": Self.feishuSign(timestamp: stamp, secret: secret ?? ""), "msg_type": "text",
                "content": ["text": Self.clip(message.plain, bytes: 20_000)],
            ]
            return HTTPRequestData(method: "POST", url: address, headers: json.map { ($0.0, $0.1) }, body: Self.json(body))
        case .webhook:
            let stamp = Int(now.timeIntervalSince1970)
            var data: [String: Any] = ["title": message.title, "lines": message.lines, "facts": message.facts]
            if let link = message.link { data["link"] = link.absoluteString }
            let body = Self.json(["type": message.event, "timestamp": now.formatted(.iso8601), "data": data])
            var headers = json.map { ($0.0, $0.1) }
            headers.append(("webhook-id", id))
            headers.append(("webhook-timestamp", String(stamp)))
            if let key = secret.flatMap(StandardWebhooks.key(fromSecret:)) {
                headers.append(("webhook-signature", StandardWebhooks.signature(id: id, timestamp: stamp, body: body, key: key)))
            }
            return HTTPRequestData(method: "POST", url: address, headers: headers, body: body)
        }
    }

    /// Reads the receiver's answer: nil when delivered, else why not. The
    /// robots answer 200 with an error code in the body.
    public func failure(of response: HTTPResponseData) -> ConnectorError? {
        if response.status == 429 { return .rateLimited(retryAfter: Double(response.header("retry-after") ?? "") ?? 60) }
        if response.status >= 500 { return .temporary(reason: "HTTP \(response.status)") }
        guard (200..<300).contains(response.status) else { return .rejected(reason: "HTTP \(response.status)") }
        guard kind != .webhook else { return nil }
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let code = (object?["errcode"] ?? object?["code"] ?? object?["StatusCode"]) as? Int
        let text = (object?["errmsg"] ?? object?["msg"] ?? object?["StatusMessage"]) as? String ?? ""
        guard let code else { return .rejected(reason: "unreadable answer") }
        switch (kind, code) {
        case (_, 0): return nil
        // 企业微信 45009, DingTalk 130101 and Feishu 9499: sending too fast
        // (each robot takes 20 messages a minute).
        case (.wecomRobot, 45009), (.dingtalkRobot, 130101), (.feishuBot, 9499): return .rateLimited(retryAfter: 60)
        case (.wecomRobot, -1), (.dingtalkRobot, -1): return .temporary(reason: "\(code) \(text)")
        default: return .rejected(reason: "\(code) \(text)")
        }
    }

    /// Sends one notice; throws why it was not delivered.
    public func send(
        _ message: NotifyMessage, id: String, now: Date, transport: any HTTPTransport, timeout: TimeInterval = 10
    )
        async throws(ConnectorError)
    {
        let response = try await transport.send(request(message, id: id, now: now), timeout: timeout)
        if let failure = failure(of: response) { throw failure }
    }

    // MARK: Signatures

    public static func dingTalkSign(timestamp: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("\(timestamp)\n\(secret)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return Data(code).base64EncodedString()
    }

    public static func feishuSign(timestamp: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(), using: SymmetricKey(data: Data("\(timestamp)\n\(secret)".utf8)))
        return Data(code).base64EncodedString()
    }

    /// Base64 in a query: `+`, `/` and `=` percent-encoded.
    static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    static func json(_ object: [String: Any]) -> Data {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }

    /// At most `bytes` of UTF-8, cut at a character, with an ellipsis when cut.
    static func clip(_ text: String, bytes: Int) -> String {
        guard text.utf8.count > bytes else { return text }
        var out = ""
        var used = 0
        for character in text {
            let size = String(character).utf8.count
            guard used + size <= bytes - 3 else { break }
            out.append(character)
            used += size
        }
        return out + "…"
    }
}
