import Foundation

/// Calls to one Mastodon instance's REST API with one account's token,
/// and the mapping of its answers to `ConnectorError`.
struct MastodonAPI: Sendable {
    let instance: URL
    let token: String
    let transport: any HTTPTransport
    var timeout: TimeInterval = 30

    var host: String { instance.host ?? instance.absoluteString }

    func send(
        _ method: String, _ path: String, query: [(String, String)] = [], form: [(String, String)]? = nil, multipart: MultipartBody? = nil,
        idempotencyKey: String? = nil
    ) async throws(ConnectorError) -> HTTPResponseData {
        var components = URLComponents(url: instance, resolvingAgainstBaseURL: false)!
        components.percentEncodedPath = instance.path.trimmingSuffix("/") + path
        if !query.isEmpty { components.percentEncodedQuery = Self.formEncode(query) }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        // Without a token only public reads work (a tag's timeline); an
        // empty bearer would be refused as a bad token.
        if !token.isEmpty { headers.append(("Authorization", "Bearer \(token)")) }
        var body: Data?
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"))
            body = Data(Self.formEncode(form).utf8)
        }
        if let multipart {
            headers.append(("Content-Type", multipart.contentType))
            body = multipart.body
        }
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let request = HTTPRequestData(method: method, url: components.url!, headers: headers, body: body)
        do {
            return try await transport.send(request, timeout: timeout)
        } catch {
            // Reading twice is harmless, so a read that got no answer is
            // only a passing fault.
            if method == "GET", case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            throw error
        }
    }

    /// Sends and requires a 2xx answer decoding as `T`.
    func call<T: Decodable>(
        _ type: T.Type, _ method: String, _ path: String, query: [(String, String)] = [], form: [(String, String)]? = nil,
        multipart: MultipartBody? = nil, idempotencyKey: String? = nil, now: Date
    ) async throws(ConnectorError) -> T {
        let response = try await send(method, path, query: query, form: form, multipart: multipart, idempotencyKey: idempotencyKey)
        guard (200..<300).contains(response.status) else { throw error(for: response, now: now) }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            let reason = "\(host) answered in a form Fanfare does not understand (\(T.self)); check that the address is a Mastodon instance."
            // After a write, an unreadable answer does not say whether it
            // took effect.
            throw method == "GET" ? .temporary(reason: reason) : .outcomeUnknown(reason: reason)
        }
    }

    func error(for response: HTTPResponseData, now: Date) -> ConnectorError {
        let message = Self.errorMessage(response.body)
        switch response.status {
        case 401:
            return .expiredCredentials
        case 403:
            return .rejected(
                reason:
                    "\(host) refused the request\(message.map { " (\($0))" } ?? ""). The access token may lack a scope; create a token with read and write scopes and reconnect the account."
            )
        case 404, 410:
            return .notFound
        case 422:
            return .rejected(reason: "Mastodon refused this: \(message ?? "the content is not valid"). Edit it and try again.")
        case 429:
            return .rateLimited(retryAfter: Self.retryAfter(response, now: now))
        case 500...:
            return .temporary(reason: "\(host) had a server error (HTTP \(response.status)); Fanfare will retry.")
        default:
            return .rejected(reason: "\(host) refused the request with HTTP \(response.status)\(message.map { ": \($0)" } ?? "").")
        }
    }

    static func errorMessage(_ body: Data) -> String? {
        struct Body: Decodable { var error: String? }
        return (try? JSONDecoder().decode(Body.self, from: body))?.error?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `X-RateLimit-Reset` is a timestamp; `Retry-After` seconds is the
    /// fallback some proxies in front of instances send.
    static func retryAfter(_ response: HTTPResponseData, now: Date) -> TimeInterval {
        if let reset = response.header("x-ratelimit-reset").flatMap(parseDate) { return max(1, reset.timeIntervalSince(now).rounded(.up)) }
        if let seconds = response.header("retry-after").flatMap(TimeInterval.init) { return max(1, seconds) }
        return 60
    }

    static func parseDate(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    /// `application/x-www-form-urlencoded`, with every byte outside the
    /// unreserved set escaped (a `+` or `&` in a post must survive).
    static func formEncode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "" }
        return fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}

/// The parts of Mastodon's entities Fanfare reads.
enum MastodonEntity {
    struct Account: Decodable {
        var id: String
        var username: String
        var acct: String
        var displayName: String?
        var url: String?
        var followersCount: Int?
        var followingCount: Int?
        var statusesCount: Int?

        enum CodingKeys: String, CodingKey {
            case id, username, acct, url
            case displayName = "display_name"
            case followersCount = "followers_count"
            case followingCount = "following_count"
            case statusesCount = "statuses_count"
        }
    }

    struct Status: Decodable {
        var id: String
        var createdAt: String
        var url: String?
        var uri: String?
        var content: String?
        var visibility: String?
        var inReplyToID: String?
        var repliesCount: Int?
        var reblogsCount: Int?
        var favouritesCount: Int?
        var account: Account?

        enum CodingKeys: String, CodingKey {
            case id, url, uri, content, visibility, account
            case createdAt = "created_at"
            case inReplyToID = "in_reply_to_id"
            case repliesCount = "replies_count"
            case reblogsCount = "reblogs_count"
            case favouritesCount = "favourites_count"
        }
    }

    /// `POST /api/v2/media` and `GET /api/v1/media/:id`: `url` stays null
    /// while the instance is still processing the file.
    struct Attachment: Decodable {
        var id: String
        var type: String?
        var url: String?
    }

    /// `POST /api/v1/accounts/:id/block`'s answer.
    struct Relationship: Decodable {
        var id: String
        var blocking: Bool?
    }

    struct Notification: Decodable {
        var id: String
        var type: String
        var createdAt: String
        var account: Account
        var status: Status?

        enum CodingKeys: String, CodingKey {
            case id, type, account, status
            case createdAt = "created_at"
        }
    }

    /// `GET /api/v2/instance`, only the limits.
    struct Instance: Decodable {
        struct Configuration: Decodable {
            struct Statuses: Decodable {
                var maxCharacters: Int?
                var maxMediaAttachments: Int?
                var charactersReservedPerURL: Int?

                enum CodingKeys: String, CodingKey {
                    case maxCharacters = "max_characters"
                    case maxMediaAttachments = "max_media_attachments"
                    case charactersReservedPerURL = "characters_reserved_per_url"
                }
            }
            var statuses: Statuses?
        }
        var configuration: Configuration?
    }
}
