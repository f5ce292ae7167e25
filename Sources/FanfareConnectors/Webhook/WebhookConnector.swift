import Crypto
import FanfareCore
import Foundation

/// Publishes by POSTing a signed `post.published` message to the endpoint.
/// Receivers deduplicate on `webhook-id`, which is the same for every send
/// of one idempotency key, so sending again is always safe.
public struct WebhookConnector: Connector {
    public let platform = "webhook"
    let endpoint: URL
    let secret: String
    let transport: any HTTPTransport
    let clock: @Sendable () -> Date
    var timeout: TimeInterval = 15

    public init(connection: AccountConnection, transport: any HTTPTransport, clock: @escaping @Sendable () -> Date = { Date() }) {
        endpoint = connection.settings[WebhookKind.Setting.url].flatMap(URL.init(string:)) ?? URL(string: "https://invalid.invalid")!
        secret = connection.credentials.secrets[WebhookKind.secretKey] ?? ""
        self.transport = transport
        self.clock = clock
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: false, canReply: false, interactionKinds: [], postMetrics: false, receivesWebhooks: false)
    }

    /// `msg_` and 32 hex digits of a hash of the key: stable across sends,
    /// and it does not show the key itself.
    public static func messageID(forIdempotencyKey key: String) -> String {
        "msg_" + HexText.lower(SHA256.hash(data: Data("fanfare-webhook:\(key)".utf8)).prefix(16))
    }

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        guard let key = StandardWebhooks.key(fromSecret: secret) else {
            throw .rejected(reason: "This webhook account has no valid signing secret; reconnect it to make a new one.")
        }
        let now = clock()
        let id = Self.messageID(forIdempotencyKey: request.idempotencyKey)
        let body = try Self.body(id: id, request: request, now: now)
        let timestamp = Int(now.timeIntervalSince1970)
        let headers: [(name: String, value: String)] = [
            ("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", StandardWebhooks.signature(id: id, timestamp: timestamp, body: body, key: key)),
        ]
        let response = try await transport.send(HTTPRequestData(method: "POST", url: endpoint, headers: headers, body: body), timeout: timeout)
        guard (200..<300).contains(response.status) else { throw error(for: response, now: now) }
        // A receiver may name what it made; otherwise the message id stands.
        struct Receipt: Decodable {
            var id: String?
            var url: String?
        }
        let receipt = try? JSONDecoder().decode(Receipt.self, from: response.body)
        return PublishedPost(remoteID: receipt?.id ?? id, url: receipt?.url ?? "", publishedAt: now)
    }

    /// Endpoints cannot be asked what they received. Nil makes the
    /// scheduler send again, which is safe: the message id is the same, so
    /// the receiver drops the repeat.
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? { nil }

    public func delete(remoteID: String) async throws(ConnectorError) {
        throw .notSupported("A webhook cannot take a post back; remove it on the receiving side.")
    }

    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        throw .notSupported("A webhook sends posts out and receives no interactions.")
    }

    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        throw .notSupported("A webhook has no interactions to reply to.")
    }

    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        throw .notSupported("A webhook reports no metrics.")
    }

    public func accountStats() async throws(ConnectorError) -> AccountStats {
        throw .notSupported("A webhook has no followers or posts to count.")
    }

    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        credentials
    }

    /// The receiving side of the same scheme, for messages signed with
    /// this account's secret.
    public func verifyWebhook(_ call: WebhookCall, now: Date) -> Bool {
        guard let key = StandardWebhooks.key(fromSecret: secret) else { return false }
        return StandardWebhooks.verify(headers: call.headers, body: call.body, key: key, now: now)
    }

    /// Fans' messages pushed to `/hooks/{account}` by the system behind
    /// this webhook, signed with the account's secret:
    /// `{"interactions":[{"id","kind","post_id","author_id","author_name","text","at"}]}`,
    /// `kind` one of comment, mention, direct_message; at most 500.
    public func interactions(inPush call: WebhookCall) throws(ConnectorError) -> [Interaction] {
        struct Push: Decodable {
            struct Item: Decodable {
                var id: String
                var kind: String
                var postID: String?
                var authorID: String
                var authorName: String?
                var text: String
                var at: String?

                enum CodingKeys: String, CodingKey {
                    case id, kind, text, at
                    case postID = "post_id"
                    case authorID = "author_id"
                    case authorName = "author_name"
                }
            }
            var interactions: [Item]
        }
        let push: Push
        do {
            push = try JSONDecoder().decode(Push.self, from: call.body)
        } catch {
            throw .rejected(
                reason: "The body must be {\"interactions\":[{\"id\",\"kind\",\"author_id\",\"text\",…}]}; \(DecodingSentence.of(error)).")
        }
        guard push.interactions.count <= 500 else { throw .rejected(reason: "A push carries at most 500 interactions") }
        let formatter = ISO8601DateFormatter()
        var result: [Interaction] = []
        for (index, item) in push.interactions.enumerated() {
            guard let kind = InteractionKind(rawValue: item.kind), [.comment, .mention, .directMessage].contains(kind) else {
                throw .rejected(reason: "interactions[\(index)].kind must be comment, mention or direct_message")
            }
            guard !item.id.isEmpty, item.id.count <= 200, !item.authorID.isEmpty, item.text.count <= 10_000 else {
                throw .rejected(
                    reason: "interactions[\(index)] needs an id (at most 200 characters), an author_id and a text of at most 10,000 characters")
            }
            let at = item.at.flatMap { formatter.date(from: $0) } ?? clock()
            result.append(
                Interaction(
                    remoteID: item.id, kind: kind, postRemoteID: item.postID, authorID: item.authorID,
                    authorName: item.authorName ?? item.authorID, text: item.text, at: at))
        }
        return result
    }

    /// Standard Webhooks' `webhook-id`: a retry carries the same one.
    public func pushID(of call: WebhookCall) -> String? {
        call.headers.first { $0.key.lowercased() == "webhook-id" }?.value
    }

    struct Message: Encodable {
        var id: String
        var type = "post.published"
        var timestamp: String
        var data: Payload

        struct Payload: Encodable {
            var text: String
            var title: String?
            var tags: [String]
            var media: [MediaAttachment]
            var idempotencyKey: String

            enum CodingKeys: String, CodingKey {
                case text, title, tags, media
                case idempotencyKey = "idempotency_key"
            }

            // `title` is written as null when absent, so every message has
            // the same fields.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(text, forKey: .text)
                try container.encode(title, forKey: .title)
                try container.encode(tags, forKey: .tags)
                try container.encode(media, forKey: .media)
                try container.encode(idempotencyKey, forKey: .idempotencyKey)
            }
        }
    }

    static func body(id: String, request: PublishRequest, now: Date) throws(ConnectorError) -> Data {
        let variant = request.variant
        let message = Message(
            id: id, timestamp: now.formatted(Date.ISO8601FormatStyle()),
            data: .init(
                text: variant.text, title: variant.title, tags: variant.tags, media: variant.media, idempotencyKey: request.idempotencyKey))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(message)
        } catch {
            throw .rejected(reason: "Fanfare could not write this post as JSON (\(error)); edit it and try again.")
        }
    }

    func error(for response: HTTPResponseData, now: Date) -> ConnectorError {
        let host = endpoint.host ?? endpoint.absoluteString
        let said = String(decoding: response.body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let detail = said.isEmpty ? "" : ": \(said)"
        switch response.status {
        case 401, 403:
            return .rejected(
                reason:
                    "\(host) refused the message (HTTP \(response.status))\(detail). Check that the receiver uses the signing secret shown when the account was connected."
            )
        case 404, 410:
            return .rejected(reason: "\(host) has nothing at this address (HTTP \(response.status)); check the endpoint address.")
        case 408, 425:
            return .temporary(reason: "\(host) timed out handling the message (HTTP \(response.status)); Fanfare will retry.")
        case 429:
            let wait = response.header("retry-after").flatMap(TimeInterval.init) ?? 60
            return .rateLimited(retryAfter: max(1, wait))
        case 500...:
            return .temporary(reason: "\(host) had a server error (HTTP \(response.status)); Fanfare will retry.")
        default:
            return .rejected(reason: "\(host) refused the message with HTTP \(response.status)\(detail); check the receiver.")
        }
    }
}
