import Foundation

/// Where Bilibili's open platform answers: the API (`member.bilibili.com`),
/// the upload service (`openupos.bilivideo.com`) and OAuth
/// (`api.bilibili.com`). A test points all three at one stub.
public struct BilibiliHosts: Sendable, Equatable {
    public var member: URL
    public var upload: URL
    public var oauth: URL

    public init(member: URL, upload: URL, oauth: URL) {
        self.member = member
        self.upload = upload
        self.oauth = oauth
    }

    public static let production = BilibiliHosts(
        member: URL(string: "https://member.bilibili.com")!, upload: URL(string: "https://openupos.bilivideo.com")!,
        oauth: URL(string: "https://api.bilibili.com")!)

    /// One address standing in for all three (a test platform).
    public static func all(at base: URL) -> BilibiliHosts { BilibiliHosts(member: base, upload: base, oauth: base) }
}

/// Speaks the open platform through the transport. Every call to the API
/// host is signed (`BilibiliSignature`) with the app's client id and
/// secret and carries the account's token; the upload host takes the
/// `upload_token` in the query instead and no signature. Every answer is
/// `{"code": 0, "message": "0", "ttl": 1, "data": …}`; `code` other than
/// 0 is Bilibili's error.
struct BilibiliAPI: Sendable {
    let hosts: BilibiliHosts
    let clientID: String
    let secret: String
    let token: String
    let transport: any HTTPTransport
    let clock: @Sendable () -> Date

    static let timeout: TimeInterval = 30
    /// An 8 MiB chunk on a slow line.
    static let uploadTimeout: TimeInterval = 180

    static func url(_ base: URL, _ path: String, _ query: [(String, String)] = []) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += path
        if !query.isEmpty { text += "?" + FormEncoding.encode(query) }
        return URL(string: text)!
    }

    func signed(
        _ method: String, _ path: String, query: [(String, String)], signedBody: Data, contentType: String?, body: Data?
    )
        -> HTTPRequestData
    {
        var headers = BilibiliSignature.headers(
            clientID: clientID, secret: secret, accessToken: token, body: signedBody, nonce: UUID().uuidString.lowercased(),
            timestamp: Int(clock().timeIntervalSince1970))
        if let contentType { headers.insert(("Content-Type", contentType), at: 1) }
        return HTTPRequestData(method: method, url: Self.url(hosts.member, path, query), headers: headers, body: body)
    }

    /// A read: safe to repeat, so a lost answer is only a passing fault.
    func get(_ path: String, _ query: [(String, String)] = []) async throws(ConnectorError) -> Any? {
        let request = signed("GET", path, query: query, signedBody: Data(), contentType: nil, body: nil)
        do {
            return try Self.data(try await transport.send(request, timeout: Self.timeout))
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// A JSON write: a lost answer stays `.outcomeUnknown`.
    func post(_ path: String, query: [(String, String)] = [], json: [String: Any]) async throws(ConnectorError) -> Any? {
        let body = (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        let request = signed("POST", path, query: query, signedBody: body, contentType: "application/json", body: body)
        return try Self.data(try await transport.send(request, timeout: Self.timeout))
    }

    /// A file as `multipart/form-data` (`file`); the signed body is the
    /// body without the file, which is empty.
    func post(_ path: String, file: MultipartBody.File) async throws(ConnectorError) -> Any? {
        let multipart = MultipartBody(fields: [], files: [file])
        let request = signed("POST", path, query: [], signedBody: Data(), contentType: multipart.contentType, body: multipart.body)
        return try Self.data(try await transport.send(request, timeout: Self.uploadTimeout))
    }

    /// One part of a video to the upload host: the bytes as they are,
    /// authorised by the upload token alone ("该请求无需header携带签名").
    func uploadPart(token uploadToken: String, number: Int, bytes: Data) async throws(ConnectorError) {
        let request = HTTPRequestData(
            method: "POST", url: Self.url(hosts.upload, "/video/v2/part/upload", [("upload_token", uploadToken), ("part_number", String(number))]),
            headers: [("Content-Type", "application/octet-stream")], body: bytes)
        _ = try Self.data(try await transport.send(request, timeout: Self.uploadTimeout))
    }

    /// The `data` of a successful answer, or the error its `code` stands for.
    static func data(_ response: HTTPResponseData) throws(ConnectorError) -> Any? {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let code = (object?["code"] as? NSNumber)?.intValue
        if let object, code == 0, response.status < 400 { return object["data"] }
        throw error(code: code, message: object?["message"] as? String ?? "", status: response.status)
    }

    /// Bilibili's codes (open.bilibili.com 状态码, and the main site's
    /// general ones) as what the person or the scheduler can do about them.
    static func error(code: Int?, message: String, status: Int) -> ConnectorError {
        let said = message.isEmpty || message == "0" ? "" : " (\(message))"
        switch code {
        // 127001 access_token 验证错误, 122007 refreshToken 不合法,
        // -101 账号未登录: the authorisation is gone.
        case 127_001, 122_007, -101:
            return .expiredCredentials
        case 127_009:
            return .rateLimited(retryAfter: 3_600)
        case 127_201, -500, -503:
            return .temporary(reason: "Bilibili is busy, error \(code!)\(said); Fanfare will try again")
        case 127_107, 127_124, -404:
            return .notFound
        case 127_011:
            return .rejected(
                reason:
                    "The account has not granted the open-platform app this permission (error 127011); authorise the app again and allow everything it asks for"
            )
        case 127_007:
            return .rejected(reason: "The open-platform app has no permission for this call (error 127007); apply for it on open.bilibili.com")
        case 127_005, 127_006:
            return .rejected(reason: "Bilibili has not approved the app or its company yet (error \(code!)); see 管理中心 on open.bilibili.com")
        case 127_000, 127_004, 127_012, 122_000, 122_001:
            return .rejected(
                reason:
                    "Bilibili refused the app's signature (error \(code!))\(said); check the client ID and the app secret of the open-platform app")
        case 122_002:
            return .rejected(reason: "Bilibili did not find the sign-in code (error 122002): it was used or has expired; sign in again")
        case 127_022:
            return .rejected(reason: "Bilibili no longer accepts the video's upload (error 127022); publish again to upload it anew")
        case 127_102:
            return .rejected(reason: "Bilibili refused the file's type (error 127102); use an MP4 video and a JPEG or PNG cover")
        case 127_207:
            return .rejected(
                reason:
                    "Bilibili's category (分区) for this account takes no submissions now (error 127207); reconnect the account with another category id"
            )
        case let code?:
            if status == 429 { return .rateLimited(retryAfter: 60) }
            if status >= 500 { return .temporary(reason: "Bilibili answered HTTP \(status), error \(code)\(said); Fanfare will try again") }
            return .rejected(reason: "Bilibili refused the request: error \(code)\(said)")
        case nil:
            if status == 429 { return .rateLimited(retryAfter: 60) }
            if status == 401 { return .expiredCredentials }
            if status >= 500 || status < 300 {
                return .temporary(reason: "Bilibili answered HTTP \(status) without its usual code; Fanfare will try again")
            }
            return .rejected(reason: "Bilibili refused the request with HTTP \(status)")
        }
    }
}

/// Bilibili's numbers and ids arrive as JSON numbers in one answer and as
/// strings in another.
enum BilibiliValue {
    static func int(_ value: Any?) -> Int? {
        if let number = value as? NSNumber { return number.intValue }
        if let text = value as? String { return Int(text) }
        return nil
    }

    static func string(_ value: Any?) -> String? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let number = value as? NSNumber { return number.stringValue }
        return nil
    }
}
