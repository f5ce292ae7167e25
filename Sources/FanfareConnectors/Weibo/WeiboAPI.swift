import Foundation

/// What a Weibo call answered: the body, or Weibo's error
/// (`{"error": "...", "error_code": 21327, "request": "/2/..."}`).
enum WeiboReply {
    case ok(Data)
    case failed(code: Int?, message: String, status: Int)
}

/// Speaks Weibo's v2 API through the transport: `access_token` in the query
/// of reads and in the form body of writes, as open.weibo.com documents.
struct WeiboAPI: Sendable {
    let base: URL
    let token: String
    let transport: any HTTPTransport

    static let timeout: TimeInterval = 30

    func url(_ path: String, _ query: [(String, String)]) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + path
        if !query.isEmpty { text += "?" + FormEncoding.encode(query) }
        return URL(string: text)!
    }

    /// A read: safe to repeat, so a lost answer is only a passing fault.
    func get(_ path: String, _ query: [(String, String)]) async throws(ConnectorError) -> WeiboReply {
        let request = HTTPRequestData(method: "GET", url: url(path, [("access_token", token)] + query))
        do {
            return Self.reply(try await transport.send(request, timeout: Self.timeout))
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// A write: a lost answer stays `.outcomeUnknown`.
    func post(_ path: String, _ form: [(String, String)], includeToken: Bool = true) async throws(ConnectorError) -> WeiboReply {
        let fields = (includeToken ? [("access_token", token)] : []) + form
        let request = HTTPRequestData(
            method: "POST", url: url(path, []), headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
            body: Data(FormEncoding.encode(fields).utf8))
        return Self.reply(try await transport.send(request, timeout: Self.timeout))
    }

    /// A write with a file (`statuses/share`'s `pic`), as multipart.
    func post(_ path: String, _ form: [(String, String)], file: MultipartBody.File) async throws(ConnectorError) -> WeiboReply {
        let body = MultipartBody(fields: [("access_token", token)] + form, files: [file])
        let request = HTTPRequestData(method: "POST", url: url(path, []), headers: [("Content-Type", body.contentType)], body: body.body)
        return Self.reply(try await transport.send(request, timeout: Self.timeout))
    }

    static func reply(_ response: HTTPResponseData) -> WeiboReply {
        if let failure = try? JSONDecoder().decode(WeiboFailure.self, from: response.body), failure.errorCode != nil || response.status >= 400 {
            return .failed(code: failure.errorCode?.value, message: failure.error ?? "", status: response.status)
        }
        if response.status >= 400 {
            return .failed(code: nil, message: String(decoding: response.body.prefix(200), as: UTF8.self), status: response.status)
        }
        return .ok(response.body)
    }

    /// The decoded body, or the error Weibo's code stands for.
    static func decode<T: Decodable>(_ reply: WeiboReply, as type: T.Type) throws(ConnectorError) -> T {
        switch reply {
        case .failed(let code, let message, let status):
            throw error(code: code, message: message, status: status)
        case .ok(let data):
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            do {
                return try decoder.decode(T.self, from: data)
            } catch {
                throw .temporary(reason: "Weibo answered in an unexpected form (\(error)); Fanfare will try again")
            }
        }
    }

    /// Weibo's error codes (open.weibo.com/wiki/Error_code) as what the
    /// person or the scheduler can do about them.
    static func error(code: Int?, message: String, status: Int) -> ConnectorError {
        let said = message.isEmpty ? "" : " (\(message))"
        switch code {
        case 21301, 21314, 21315, 21316, 21317, 21319, 21327, 21332, 21501:
            return .expiredCredentials
        case 10022, 10023, 10024, 20016:
            return .rateLimited(retryAfter: 3_600)
        case 10001, 10002, 10003, 10009, 10010, 10011:
            return .temporary(reason: "Weibo had a passing fault, error \(code!)\(said); Fanfare will try again")
        case 20101:
            return .notFound
        case 20017, 20019, 20111:
            return .rejected(
                reason: "Weibo refused this as a repeat of a post already published (error \(code!)); change the text before publishing again")
        case 20012, 20013:
            return .rejected(reason: "Weibo says the text is longer than 140 汉字 (error \(code!)); shorten it")
        case 20008:
            return .rejected(reason: "Weibo says the text is empty (error 20008); write a text")
        case 20018:
            return .rejected(reason: "Weibo refused a link in the text as not allowed (error 20018); remove or replace the link")
        case 20020:
            return .rejected(reason: "Weibo refused the post as advertising (error 20020); reword it or publish it by hand on weibo.com")
        case 20021:
            return .rejected(reason: "Weibo refused the content as not allowed (error 20021); change the text")
        case 10014:
            return .rejected(
                reason:
                    "The Weibo app lacks permission for this call (error 10014)\(said); apply for it under 接口管理 on open.weibo.com")
        case let code? where (20000..<30000).contains(code):
            return .rejected(reason: "Weibo refused the request: error \(code)\(said)")
        case let code?:
            return status >= 500
                ? .temporary(reason: "Weibo answered HTTP \(status), error \(code)\(said); Fanfare will try again")
                : .rejected(reason: "Weibo refused the request: error \(code)\(said)")
        case nil:
            if status == 429 { return .rateLimited(retryAfter: 3_600) }
            if status == 401 { return .expiredCredentials }
            return status >= 500
                ? .temporary(reason: "Weibo answered HTTP \(status); Fanfare will try again")
                : .rejected(reason: "Weibo refused the request with HTTP \(status)\(said)")
        }
    }
}

struct WeiboFailure: Decodable {
    let error: String?
    let errorCode: LenientID?

    enum CodingKeys: String, CodingKey {
        case error
        case errorCode = "error_code"
    }
}

/// A number Weibo sends as a JSON number in one answer and a string in the
/// next (ids, uids, error codes).
struct LenientID: Decodable, Sendable, Equatable {
    let text: String

    var value: Int? { Int(text) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }
}

struct WeiboUser: Decodable {
    let id: LenientID
    let screenName: String?
    let followersCount: Int?
    let friendsCount: Int?
    let statusesCount: Int?
}

struct WeiboStatus: Decodable {
    let id: LenientID
    let idstr: String?
    let text: String?
    let createdAt: String?
    let user: WeiboUser?

    var identifier: String { idstr ?? id.text }
}

struct WeiboComment: Decodable {
    let id: LenientID
    let idstr: String?
    let text: String?
    let createdAt: String?
    let user: WeiboUser?
    let status: WeiboStatus?

    var identifier: String { idstr ?? id.text }
}

struct WeiboTokenInfo: Decodable {
    let uid: LenientID
    let expireIn: Int?
}

struct WeiboStatuses: Decodable {
    let statuses: [WeiboStatus]
}

struct WeiboComments: Decodable {
    let comments: [WeiboComment]
}

struct WeiboCount: Decodable {
    let id: LenientID
    let comments: Int
    let reposts: Int
    let attitudes: Int
}

struct WeiboExpandedURLs: Decodable {
    struct Entry: Decodable {
        let urlShort: String?
        let urlLong: String?
    }
    let urls: [Entry]
}

struct WeiboRateLimitStatus: Decodable {
    let resetTimeInSeconds: Int?
}

/// `application/x-www-form-urlencoded` as Weibo expects it: everything but
/// the unreserved characters percent-encoded (a `+` in a text must not turn
/// into a space).
enum FormEncoding {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    static func decode(_ body: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[0]
            let value = parts.count > 1 ? (parts[1].replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? parts[1]) : ""
            fields[name] = value
        }
        return fields
    }
}

/// Weibo's `created_at`: "Wed Oct 24 23:49:17 +0800 2012". Parsed by hand:
/// the layout never changes and a shared `DateFormatter` is not worth the
/// locking.
enum WeiboDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String?) -> Date? {
        guard let text else { return nil }
        let parts = text.split(separator: " ")
        guard parts.count == 6, let month = months.firstIndex(of: String(parts[1])), let day = Int(parts[2]), let year = Int(parts[5]) else {
            return nil
        }
        let time = parts[3].split(separator: ":").compactMap { Int($0) }
        let zone = parts[4]
        guard time.count == 3, zone.count == 5, let hours = Int(zone.dropFirst().prefix(2)), let minutes = Int(zone.suffix(2)) else { return nil }
        let offset = (hours * 3_600 + minutes * 60) * (zone.first == "-" ? -1 : 1)
        guard let timeZone = TimeZone(secondsFromGMT: offset) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.date(from: DateComponents(year: year, month: month + 1, day: day, hour: time[0], minute: time[1], second: time[2]))
    }
}
