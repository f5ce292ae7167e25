import Foundation

/// Speaks Douyin's open platform (open.douyin.com) through the transport:
/// the user's token in the `access-token` header and the account's
/// `open_id` in the query. Every answer wraps its payload and its error in
/// `data` (`{"data": {"error_code": 0, "description": "", …}, "extra": {…}}`).
struct DouyinAPI: Sendable {
    let base: URL
    let token: String
    let openID: String
    let transport: any HTTPTransport

    static let defaultBase = URL(string: "https://open.douyin.com")!
    static let timeout: TimeInterval = 30

    func url(_ path: String, _ query: [(String, String)]) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + path + "?" + FormEncoding.encode([("open_id", openID)] + query)
        return URL(string: text)!
    }

    /// A read: safe to repeat, so a lost answer is only a passing fault.
    func get(_ path: String, _ query: [(String, String)]) async throws(ConnectorError) -> [String: Any] {
        let request = HTTPRequestData(method: "GET", url: url(path, query), headers: [("access-token", token)])
        do {
            return try Self.payload(try await transport.send(request, timeout: Self.timeout))
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// A write: a lost answer stays `.outcomeUnknown`.
    func post(_ path: String, json: [String: String]) async throws(ConnectorError) -> [String: Any] {
        let body = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data()
        let request = HTTPRequestData(
            method: "POST", url: url(path, []), headers: [("access-token", token), ("Content-Type", "application/json")], body: body)
        return try Self.payload(try await transport.send(request, timeout: Self.timeout))
    }

    /// A form POST without the user's token or open_id (`oauth/refresh_token/`).
    func postForm(_ path: String, _ form: [(String, String)]) async throws(ConnectorError) -> [String: Any] {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        let request = HTTPRequestData(
            method: "POST", url: URL(string: text + "/" + path)!, headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Data(FormEncoding.encode(form).utf8))
        do {
            return try Self.payload(try await transport.send(request, timeout: Self.timeout))
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// The `data` object, or the error its `error_code` stands for.
    static func payload(_ response: HTTPResponseData) throws(ConnectorError) -> [String: Any] {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let data = object?["data"] as? [String: Any]
        // Douyin sends the code as a number, or as a string in some answers.
        let code = OAuthText.number(data?["error_code"]).map { Int($0) } ?? 0
        let said = (data?["description"] as? String).map { $0.isEmpty ? "" : " (\($0))" } ?? ""
        if let data, code == 0, response.status < 400 { return data }
        switch code {
        // 10010: the refresh token has expired.
        case 2_190_002, 2_190_008, 10_008, 10_010, 28_001_003, 28_001_008:
            throw .expiredCredentials
        case 2_100_004, 2_100_005:
            throw .rateLimited(retryAfter: 60)
        case 0 where response.status == 401:
            throw .expiredCredentials
        case 0 where response.status == 429:
            throw .rateLimited(retryAfter: 60)
        case 0 where response.status >= 500 || data == nil:
            throw .temporary(reason: "Douyin answered HTTP \(response.status) without its usual data; Fanfare will try again")
        default:
            throw .rejected(reason: "Douyin refused the request: error \(code)\(said)")
        }
    }
}
