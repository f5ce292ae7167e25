import FanfareCore
import Foundation

/// Speaks the Official Account API (api.weixin.qq.com/cgi-bin) through the
/// transport: JSON bodies, `access_token` in the query, and errors as
/// `{"errcode": 40001, "errmsg": "..."}` (usually with HTTP 200).
struct WeChatAPI: Sendable {
    let base: URL
    let transport: any HTTPTransport

    static let timeout: TimeInterval = 30

    func url(_ path: String, token: String?, query: [(String, String)] = []) -> URL {
        var text = base.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        var components = URLComponents(string: text + "/" + path)!
        let items = (token.map { [URLQueryItem(name: "access_token", value: $0)] } ?? []) + query.map { URLQueryItem(name: $0.0, value: $0.1) }
        if !items.isEmpty { components.queryItems = items }
        return components.url!
    }

    /// A POST with a JSON body. A lost answer stays `.outcomeUnknown`; the
    /// caller decides whether the call was safe to repeat. `delivers` marks a
    /// call that puts something in front of a fan (a message): then a server
    /// error or an unreadable answer is an unknown outcome too, since WeChat
    /// may have delivered it, and `errors` may say what an errcode means for
    /// that call before the global meaning applies. An errcode in `answers`
    /// is an answer, not an error: its body is decoded as `Answer` (sendall's
    /// 45065 carries the earlier send's `msg_id`).
    func post<Body: Encodable, Answer: Decodable>(
        _ path: String, token: String?, _ body: Body, as answer: Answer.Type, now: Date, delivers: Bool = false,
        errors: (@Sendable (Int, String) -> ConnectorError?)? = nil, answers: Set<Int> = []
    ) async throws(ConnectorError) -> Answer {
        let encoder = JSONEncoder()
        // WeChat stores what it is sent: no `\/` in links, no `\u` escapes.
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data: Data
        do {
            data = try encoder.encode(body)
        } catch {
            throw .rejected(reason: "Fanfare could not encode the request for WeChat: \(error)")
        }
        let request = HTTPRequestData(
            method: "POST", url: url(path, token: token), headers: [("Content-Type", "application/json; charset=utf-8")], body: data)
        return try Self.decode(
            try await transport.send(request, timeout: Self.timeout), as: answer, now: now, delivers: delivers, errors: errors, answers: answers)
    }

    /// A file upload (`media` part, multipart). Uploads publish nothing, so
    /// one whose answer was lost is only a passing fault.
    func upload<Answer: Decodable>(
        _ path: String, token: String, query: [(String, String)] = [], file: MultipartBody.File, as answer: Answer.Type, now: Date
    ) async throws(ConnectorError) -> Answer {
        let body = MultipartBody(fields: [], files: [file])
        let request = HTTPRequestData(
            method: "POST", url: url(path, token: token, query: query), headers: [("Content-Type", body.contentType)], body: body.body)
        do {
            return try Self.decode(try await transport.send(request, timeout: Self.timeout), as: answer, now: now)
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    /// A GET: reads only, so a lost answer is a passing fault.
    func get<Answer: Decodable>(
        _ path: String, token: String, query: [(String, String)] = [], as answer: Answer.Type, now: Date
    )
        async throws(ConnectorError) -> Answer
    {
        let request = HTTPRequestData(method: "GET", url: url(path, token: token, query: query))
        do {
            return try Self.decode(try await transport.send(request, timeout: Self.timeout), as: answer, now: now)
        } catch .outcomeUnknown(let reason) {
            throw .temporary(reason: reason)
        }
    }

    static func decode<Answer: Decodable>(
        _ response: HTTPResponseData, as answer: Answer.Type, now: Date, delivers: Bool = false,
        errors: (@Sendable (Int, String) -> ConnectorError?)? = nil, answers: Set<Int> = []
    ) throws(ConnectorError) -> Answer {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        if let status = try? decoder.decode(WeChatStatus.self, from: response.body), let code = status.errcode, code != 0, !answers.contains(code) {
            throw errors?(code, status.errmsg ?? "") ?? error(errcode: code, errmsg: status.errmsg ?? "", now: now)
        }
        if response.status >= 500 {
            if delivers {
                throw .outcomeUnknown(reason: "WeChat answered HTTP \(response.status) after the message was sent; it may have reached the fan")
            }
            throw .temporary(reason: "WeChat answered HTTP \(response.status); Fanfare will try again")
        }
        if response.status == 429 { throw .rateLimited(retryAfter: 60) }
        if response.status >= 400 { throw .rejected(reason: "WeChat refused the request with HTTP \(response.status)") }
        do {
            return try decoder.decode(Answer.self, from: response.body)
        } catch {
            if delivers { throw .outcomeUnknown(reason: "WeChat answered the message in an unexpected form; it may have reached the fan") }
            throw .temporary(reason: "WeChat answered in an unexpected form (\(error)); Fanfare will try again")
        }
    }

    /// WeChat's global return codes as what the person or the scheduler can
    /// do about them.
    static func error(errcode: Int, errmsg: String, now: Date) -> ConnectorError {
        let said = "errcode \(errcode)\(errmsg.isEmpty ? "" : ": \(errmsg)")"
        switch errcode {
        case 40001, 40014, 42001, 40082:
            return .expiredCredentials
        case -1:
            return .temporary(reason: "WeChat is busy (\(said)); Fanfare will try again")
        case 45009:
            // The daily API quota resets at midnight Beijing time.
            let quota = PublishQuota.wechat(accountType: .subscription)
            guard case .refused(_, let midnight) = quota.check(existing: [now], proposed: now) else { return .rateLimited(retryAfter: 3_600) }
            return .rateLimited(retryAfter: max(60, midnight.timeIntervalSince(now)))
        case 45011, 45047:
            return .rateLimited(retryAfter: 60)
        case 40164, 61004, 89503:
            return .rejected(
                reason:
                    "WeChat refuses calls from this server's IP address (\(said)); add it to the IP whitelist under 设置与开发 → 基本配置 in the WeChat backend"
            )
        case 40013, 40125, 41002, 41004:
            return .rejected(reason: "WeChat does not accept the AppID and AppSecret (\(said)); check both under 设置与开发 → 基本配置")
        case 48001:
            return .rejected(reason: "This account has no permission for the call (\(said)); WeChat grants it only to verified accounts")
        case 40007:
            return .rejected(
                reason:
                    "WeChat does not know the cover media ID (\(said)); upload the cover as a permanent image (素材管理) and enter its media ID in the account's settings"
            )
        case 45002, 45166:
            return .rejected(reason: "WeChat refused the article content (\(said)); shorten it or remove unusual formatting")
        case 45003:
            return .rejected(reason: "WeChat says the title is too long (\(said)); keep it to 32 characters")
        case 45004:
            return .rejected(reason: "WeChat says the digest is too long (\(said)); shorten it")
        case 45028:
            return .rejected(reason: "The account has no mass-send quota left (\(said)); try again in the next quota period")
        case 53503:
            return .rejected(reason: "The draft did not pass WeChat's publishing check (\(said)); open it in the WeChat backend to see why")
        case 53600:
            return .notFound
        case 61500:
            return .rejected(reason: "WeChat did not accept the statistics dates (\(said)); Fanfare sends them as YYYY-MM-DD")
        case 61501:
            return .rejected(reason: "WeChat's statistics do not reach back to those dates (\(said))")
        case 45000..<46000:
            return .rejected(reason: "WeChat refused the content (\(said))")
        default:
            return .rejected(reason: "WeChat refused the request (\(said))")
        }
    }
}

struct WeChatStatus: Decodable {
    let errcode: Int?
    let errmsg: String?
}

/// A value WeChat documents as a string and sometimes sends as a number
/// (`publish_id`, `article_id`).
struct WeChatText: Decodable, Sendable, Equatable {
    let value: String

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else {
            value = try container.decode(String.self)
        }
    }
}

struct WeChatToken: Decodable {
    let accessToken: String?
    let expiresIn: Int?
}

struct WeChatStableTokenRequest: Encodable {
    let grantType = "client_credential"
    let appid: String
    let secret: String
    let forceRefresh = false
}

struct WeChatNewsItem: Decodable {
    let title: String?
    let contentSourceUrl: String?
    let url: String?
}

struct WeChatNewsContent: Decodable {
    let newsItem: [WeChatNewsItem]
}

struct WeChatPublishedItem: Decodable {
    let articleId: WeChatText
    let content: WeChatNewsContent
    let updateTime: Int?
}

struct WeChatPublishedList: Decodable {
    let totalCount: Int?
    let itemCount: Int?
    let item: [WeChatPublishedItem]?
}

struct WeChatDraftItem: Decodable {
    let mediaId: String
    let content: WeChatNewsContent
    let updateTime: Int?
}

struct WeChatDraftList: Decodable {
    let item: [WeChatDraftItem]?
}

struct WeChatListRequest: Encodable {
    let offset: Int
    let count: Int
    let noContent = 1
}

struct WeChatMediaID: Codable {
    let mediaId: String
}

/// `material/add_material`: the permanent material's ID (and its link).
struct WeChatMaterial: Decodable {
    let mediaId: String
    let url: String?
}

/// `media/uploadimg`: a picture's link for use inside an article.
struct WeChatImageURL: Decodable {
    let url: String
}

struct WeChatSubmitted: Decodable {
    let publishId: WeChatText
}

struct WeChatPublishID: Encodable {
    let publishId: String
}

struct WeChatPublishState: Decodable {
    struct Detail: Decodable {
        struct Item: Decodable {
            let idx: Int?
            let articleUrl: String?
        }
        let item: [Item]?
    }
    let publishStatus: Int
    let articleId: WeChatText?
    let articleDetail: Detail?
    let failIdx: [Int]?
}

struct WeChatArticleID: Encodable {
    let articleId: String
}

struct WeChatArticleContent: Decodable {
    let newsItem: [WeChatNewsItem]
}

struct WeChatFollowers: Decodable {
    let total: Int
}

struct WeChatEmpty: Decodable {}

/// `message/custom/send` with a text message.
struct WeChatCustomText: Encodable {
    struct Text: Encodable {
        let content: String
    }
    let touser: String
    let msgtype = "text"
    let text: Text
}

/// `message/template/send`: the fan, the template, an optional link, the
/// fields' values, and the id WeChat deduplicates by (10 minutes).
struct WeChatTemplateSend: Encodable {
    struct Value: Encodable {
        let value: String
    }
    let touser: String
    let templateId: String
    let url: String?
    let clientMsgId: String
    let data: [String: Value]
}

struct WeChatTemplateSent: Decodable {
    let msgid: WeChatText?
}
