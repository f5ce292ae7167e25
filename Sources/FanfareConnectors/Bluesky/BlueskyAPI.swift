import Foundation

/// XRPC calls to a Bluesky PDS (the service the account lives on; it
/// forwards `app.bsky.*` reads to the AppView) and the mapping of XRPC
/// errors to `ConnectorError`.
struct BlueskyAPI: Sendable {
    let service: URL
    let transport: any HTTPTransport
    var timeout: TimeInterval = 30

    var host: String { service.host ?? service.absoluteString }

    func send(
        _ method: String, _ nsid: String, params: [(String, String)] = [], body: Data? = nil, contentType: String = "application/json",
        token: String?
    ) async throws(ConnectorError) -> HTTPResponseData {
        var components = URLComponents(url: service, resolvingAgainstBaseURL: false)!
        components.path = (service.path.hasSuffix("/") ? String(service.path.dropLast()) : service.path) + "/xrpc/" + nsid
        if !params.isEmpty { components.queryItems = params.map { URLQueryItem(name: $0.0, value: $0.1) } }
        // `+` is legal in a query but read as a space by many servers.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", contentType)) }
        let request = HTTPRequestData(method: method, url: components.url!, headers: headers, body: body)
        do {
            return try await transport.send(request, timeout: timeout)
        } catch {
            // Queries only read: one that got no answer can simply be asked again.
            if method == "GET", case .outcomeUnknown(let reason) = error { throw .temporary(reason: reason) }
            throw error
        }
    }

    func query<T: Decodable>(
        _ type: T.Type, _ nsid: String, params: [(String, String)] = [], token: String?, now: Date
    ) async throws(ConnectorError) -> T {
        let response = try await send("GET", nsid, params: params, token: token)
        return try decode(T.self, response, write: false, now: now)
    }

    func procedure<T: Decodable>(_ type: T.Type, _ nsid: String, body: Data?, token: String?, now: Date) async throws(ConnectorError) -> T {
        let response = try await send("POST", nsid, body: body, token: token)
        return try decode(T.self, response, write: true, now: now)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponseData, write: Bool, now: Date) throws(ConnectorError) -> T {
        guard (200..<300).contains(response.status) else { throw error(for: response, now: now) }
        do {
            return try JSONDecoder().decode(T.self, from: response.body)
        } catch {
            let reason = "\(host) answered in a form Fanfare does not understand; check that the service address is a Bluesky PDS."
            throw write ? .outcomeUnknown(reason: reason) : .temporary(reason: reason)
        }
    }

    struct XRPCError: Decodable {
        var error: String?
        var message: String?
    }

    static func xrpcError(_ body: Data) -> XRPCError {
        (try? JSONDecoder().decode(XRPCError.self, from: body)) ?? XRPCError()
    }

    func error(for response: HTTPResponseData, now: Date) -> ConnectorError {
        let body = Self.xrpcError(response.body)
        let detail = body.message ?? body.error
        switch (response.status, body.error) {
        case (401, _), (400, "ExpiredToken"), (400, "InvalidToken"):
            return .expiredCredentials
        case (404, _), (400, "RecordNotFound"), (400, "NotFound"):
            return .notFound
        case (429, _):
            return .rateLimited(retryAfter: Self.retryAfter(response, now: now))
        case (500..., _):
            return .temporary(reason: "\(host) had a server error (HTTP \(response.status)); Fanfare will retry.")
        case (403, _):
            return .rejected(
                reason: "Bluesky refused this\(detail.map { ": \($0)" } ?? ""). Check the account's standing on bsky.app, then reconnect it.")
        default:
            return .rejected(reason: "Bluesky refused this: \(detail ?? "HTTP \(response.status)"). Edit it and try again.")
        }
    }

    /// Bluesky sends `ratelimit-reset` as Unix seconds.
    static func retryAfter(_ response: HTTPResponseData, now: Date) -> TimeInterval {
        if let reset = response.header("ratelimit-reset").flatMap(TimeInterval.init) {
            return max(1, (reset - now.timeIntervalSince1970).rounded(.up))
        }
        if let seconds = response.header("retry-after").flatMap(TimeInterval.init) { return max(1, seconds) }
        return 60
    }

    static func json(_ value: some Encodable) throws(ConnectorError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            throw .rejected(reason: "Fanfare could not write this post for Bluesky (\(error)); edit its text and try again.")
        }
    }

    static func parseDate(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    /// Bluesky writes datetimes with milliseconds and a `Z`.
    static func formatDate(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// When an access JWT expires, from its `exp` claim.
    static func expiry(ofJWT jwt: String) -> Date? {
        let parts = jwt.split(separator: ".")
        guard parts.count >= 2 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        struct Claims: Decodable { var exp: TimeInterval? }
        guard let data = Data(base64Encoded: payload), let exp = (try? JSONDecoder().decode(Claims.self, from: data))?.exp else { return nil }
        return Date(timeIntervalSince1970: exp)
    }
}

/// An `at://did/collection/rkey` address.
struct ATURI: Equatable {
    var repo: String
    var collection: String
    var rkey: String

    init(repo: String, collection: String, rkey: String) {
        self.repo = repo
        self.collection = collection
        self.rkey = rkey
    }

    init?(_ text: String) {
        guard text.hasPrefix("at://") else { return nil }
        let parts = text.dropFirst(5).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        self.init(repo: String(parts[0]), collection: String(parts[1]), rkey: String(parts[2]))
    }

    var string: String { "at://\(repo)/\(collection)/\(rkey)" }
}
