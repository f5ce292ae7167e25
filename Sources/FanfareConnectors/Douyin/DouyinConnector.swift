import FanfareCore
import Foundation

/// A Douyin account: publishing, deleting and statistics as a hand-off
/// (a person does them in the app); fans' direct messages by push when the
/// account was connected with its app's client secret; comments on its
/// newest videos polled, and answered, when it was connected with its
/// access token.
///
/// Douyin signs each push with `X-Douyin-Signature: hex(sha1(client_secret
/// + body))` and names it with `Msg-Id`, which it repeats when it retries.
/// The body carries no signed time, so a push is refused when the message's
/// own `create_time` is more than 5 minutes from the server's clock.
public struct DouyinConnector: Connector {
    let handOff: HandOffConnector
    let clientSecret: String?
    let openID: String?
    var api: DouyinAPI? = nil
    var clientKey: String? = nil

    /// Each poll reads the comments of this many newest videos…
    static let videosPerPoll = 10
    /// …up to this many comments each (Douyin's page size).
    static let commentsPerVideo = 50

    public var platform: String { handOff.platform }

    public var capabilities: ConnectorCapabilities {
        var capabilities = handOff.capabilities
        if clientSecret != nil {
            capabilities.interactionKinds.insert(.directMessage)
            capabilities.receivesWebhooks = true
        }
        if api != nil {
            capabilities.interactionKinds.insert(.comment)
            capabilities.canReply = true
        }
        return capabilities
    }

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost { try await handOff.publish(request) }
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        try await handOff.findPost(idempotencyKey: idempotencyKey)
    }
    public func delete(remoteID: String) async throws(ConnectorError) { try await handOff.delete(remoteID: remoteID) }
    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics { try await handOff.metrics(of: remoteID) }
    public func accountStats() async throws(ConnectorError) -> AccountStats { try await handOff.accountStats() }

    /// Comments on the newest videos since the cursor (the newest comment's
    /// time seen, in seconds). A comment of that same second comes again and
    /// is stored once, by its id. Direct messages come by push only.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        guard let api else { return InteractionPage(interactions: [], nextCursor: cursor ?? "") }
        let since: Int64
        if let cursor, !cursor.isEmpty {
            guard let seconds = Int64(cursor), seconds >= 0 else {
                throw .rejected(reason: "'\(cursor)' is not a Douyin comments cursor (expected the newest comment's time in seconds)")
            }
            since = seconds
        } else {
            since = 0
        }
        let videos = try await api.get("video/list/", [("cursor", "0"), ("count", String(Self.videosPerPoll))])
        var found: [(Interaction, Int64)] = []
        for video in videos["list"] as? [[String: Any]] ?? [] {
            guard let item = video["item_id"] as? String, !item.isEmpty else { continue }
            let page = try await api.get("item/comment/list/", [("item_id", item), ("cursor", "0"), ("count", String(Self.commentsPerVideo))])
            for comment in page["list"] as? [[String: Any]] ?? [] {
                guard let id = comment["comment_id"] as? String, let author = comment["comment_user_id"] as? String,
                    let created = (comment["create_time"] as? NSNumber)?.int64Value, created >= since
                else { continue }
                let interaction = Interaction(
                    remoteID: "comment:\(item):\(id)", kind: .comment, postRemoteID: item, authorID: author,
                    authorName: comment["nick_name"] as? String ?? author, text: comment["content"] as? String ?? "",
                    at: Date(timeIntervalSince1970: TimeInterval(created)))
                found.append((interaction, created))
            }
        }
        found.sort { ($0.1, $0.0.remoteID) < ($1.1, $1.0.remoteID) }
        let page = found.prefix(max(1, limit))
        return InteractionPage(interactions: page.map(\.0), nextCursor: String(page.last?.1 ?? since))
    }

    /// Answers a comment under its video (`item/comment/reply/`). Direct
    /// messages are answered in the app: sending them needs the enterprise
    /// send permission.
    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        guard interactionID.hasPrefix("comment:"), let api else {
            throw .notSupported(
                "Reply in the Douyin app: sending direct messages needs the enterprise im.direct_message send permission, which Fanfare does not use")
        }
        let parts = interactionID.dropFirst("comment:".count).split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw .rejected(reason: "'\(interactionID)' is not a Douyin comment, so Fanfare cannot reply to it")
        }
        let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else { throw .rejected(reason: "A reply needs text") }
        let answer = try await api.post("item/comment/reply/", json: ["item_id": parts[0], "comment_id": parts[1], "content": content])
        guard let id = answer["comment_id"] as? String, !id.isEmpty else {
            throw .outcomeUnknown(reason: "Douyin accepted the reply without naming it; look under the video before replying again")
        }
        return id
    }

    /// A new access token from the refresh token, when the account gave the
    /// app's client key; otherwise the person authorises again.
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        guard let api, let clientKey, let refresh = credentials.refreshToken, !refresh.isEmpty else { throw .expiredCredentials }
        let answer = try await api.postForm(
            "oauth/refresh_token/", [("client_key", clientKey), ("grant_type", "refresh_token"), ("refresh_token", refresh)])
        guard let token = answer["access_token"] as? String, !token.isEmpty else { throw .expiredCredentials }
        let lifetime = OAuthText.number(answer["expires_in"]) ?? DouyinKind.tokenLifetime
        // Refreshing leaves the refresh token's own expiry where it was;
        // Douyin says how long it has left.
        return ConnectorCredentials(
            accessToken: token, refreshToken: answer["refresh_token"] as? String ?? refresh, expiresAt: now.addingTimeInterval(lifetime),
            refreshExpiresAt: OAuthText.number(answer["refresh_expires_in"]).map { now.addingTimeInterval($0) } ?? credentials.refreshExpiresAt,
            secrets: credentials.secrets)
    }

    public func verifyWebhook(_ call: WebhookCall, now: Date) -> Bool {
        guard let clientSecret, let given = call.header("X-Douyin-Signature") else { return false }
        guard HexSignature.matches(HexSignature.sha1(Data(clientSecret.utf8) + call.body), given) else { return false }
        guard let push = DouyinPush(call.body) else { return false }
        if let openID, let to = push.toUserID, push.event == DouyinPush.received, to != openID { return false }
        if let created = push.createdAt, abs(created.timeIntervalSince(now)) > 300 { return false }
        return true
    }

    public func interactions(inPush call: WebhookCall) throws(ConnectorError) -> [Interaction] {
        guard let push = DouyinPush(call.body) else { throw .rejected(reason: "The push is not a Douyin event (a JSON object with \"event\")") }
        // Messages the account sent (im_send_msg) and other events are not fans' messages.
        guard push.event == DouyinPush.received, push.messageType == "text", let id = push.messageID, let from = push.fromUserID,
            from != openID, let text = push.text
        else { return [] }
        return [
            Interaction(
                remoteID: id, kind: .directMessage, postRemoteID: nil, authorID: from, authorName: push.nickname(of: from) ?? from, text: text,
                at: push.createdAt ?? Date())
        ]
    }

    /// `Msg-Id`, which Douyin repeats on a retry; without it, the message id.
    public func pushID(of call: WebhookCall) -> String? {
        call.header("Msg-Id") ?? DouyinPush(call.body)?.messageID
    }

    /// Douyin checks the address with a signed `verify_webhook` event and
    /// expects its challenge back as JSON.
    public func handshakeAnswer(toPush call: WebhookCall) -> PushHandshake? {
        guard let push = DouyinPush(call.body), push.event == DouyinPush.verify, let challenge = push.challenge else { return nil }
        return PushHandshake(contentType: "application/json", body: #"{"challenge":\#(challenge)}"#)
    }
}

/// The parts of a Douyin event Fanfare reads:
/// `{"event", "from_user_id", "to_user_id", "client_key", "content": {…}}`.
struct DouyinPush {
    static let received = "im_receive_msg"
    static let verify = "verify_webhook"

    var event: String
    var fromUserID: String?
    var toUserID: String?
    var content: [String: Any]

    init?(_ body: Data) {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any], let event = object["event"] as? String else {
            return nil
        }
        self.event = event
        fromUserID = object["from_user_id"] as? String
        toUserID = object["to_user_id"] as? String
        // Some deliveries carry content as a JSON string rather than an object.
        if let nested = object["content"] as? [String: Any] {
            content = nested
        } else if let text = object["content"] as? String, let nested = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] {
            content = nested
        } else {
            content = [:]
        }
    }

    var messageID: String? { content["server_message_id"] as? String }
    var messageType: String? { content["message_type"] as? String }
    var text: String? { (content["text"] as? String).flatMap { $0.isEmpty ? nil : $0 } }

    /// `create_time` is a 13-digit millisecond timestamp.
    var createdAt: Date? {
        guard let milliseconds = (content["create_time"] as? NSNumber)?.doubleValue else { return nil }
        return Date(timeIntervalSince1970: milliseconds / 1_000)
    }

    /// The challenge as it came, a number or a string of digits.
    var challenge: String? {
        if let number = content["challenge"] as? NSNumber { return number.stringValue }
        if let text = content["challenge"] as? String, !text.isEmpty, text.allSatisfy(\.isNumber) { return text }
        return nil
    }

    func nickname(of openID: String) -> String? {
        let users = content["user_infos"] as? [[String: Any]] ?? []
        return users.first { $0["open_id"] as? String == openID }?["nick_name"] as? String
    }
}
