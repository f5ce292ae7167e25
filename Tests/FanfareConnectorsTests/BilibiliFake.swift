import FanfareConnectors
import Foundation
import Synchronization

/// Bilibili's open platform in memory, following its documented flow and
/// shapes: every answer `{"code", "message", "ttl", "data"}`; the API host
/// checks each call's signature (`BilibiliSignature`, version 2.0) and the
/// `access-token`; the upload host takes parts by `upload_token` without
/// one; a 稿件 is made only from an upload whose parts were joined, and
/// an upload token makes one 稿件.
final class BilibiliFake: Sendable {
    static let clientID = "34c0f583f0414123"
    static let secret = "abc7736bb78947d5a4a90690c861c456"
    static let token = "0594436e79c607569b8d387e5f29311"
    static let refresh = "WxFDKwqScZIQDm4iWmKDvetyFugM6HkX"
    static let openID = "9205eeaa1879skxys969ed47874f225c"
    static let code = "c0de-from-bilibili"
    /// The fake's clock, which the connectors under test share.
    static let now = Date(timeIntervalSince1970: 1_795_000_000)

    struct Upload {
        var name: String
        var parts: [Int: Data] = [:]
        var partAttempts: [Int: Int] = [:]
        var joined = false
        var used = false
        var video: Data { parts.keys.sorted().reduce(into: Data()) { $0 += parts[$1]! } }
    }

    struct Archive {
        var id: String
        var title: String
        var desc: String
        var tag: String
        var tid: Int
        var cover: String
        var video: Data
        var copyright: Int
    }

    struct State {
        var accessTokens: Set<String> = [BilibiliFake.token]
        var refreshTokens: Set<String> = [BilibiliFake.refresh]
        var issued = 0
        var uploads: [String: Upload] = [:]
        var covers: [String: Int] = [:]
        var archives: [Archive] = []
        var forced: [String: [StubResponse]] = [:]
        var unsigned: [String] = []
        /// Store the next 稿件, then never answer.
        var hangAfterSubmitting = false
        var listHasDescriptions = true
        /// Parts that fail (HTTP 502) this many more times before one is taken.
        var partFaults: [Int: Int] = [:]
    }

    let state = Mutex(State())

    var archives: [Archive] { state.withLock { $0.archives } }
    var uploads: [String: Upload] { state.withLock { $0.uploads } }
    /// Calls to the API host whose signature did not check out.
    var unsigned: [String] { state.withLock { $0.unsigned } }

    /// Answers the next calls to `path` with these, in order.
    func force(_ path: String, _ responses: StubResponse...) { state.withLock { $0.forced[path, default: []] += responses } }

    static func ok(_ data: Any? = nil) -> StubResponse {
        var body: [String: Any] = ["code": 0, "message": "0", "ttl": 1]
        if let data { body["data"] = data }
        return .json(body)
    }

    static func failure(_ code: Int, _ message: String, status: Int = 200) -> StubResponse {
        .json(["code": code, "message": message, "ttl": 1], status: status)
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if let forced = state.withLock({ state -> StubResponse? in
            guard var queue = state.forced[request.path], !queue.isEmpty else { return nil }
            let first = queue.removeFirst()
            state.forced[request.path] = queue
            return first
        }) {
            return forced
        }
        switch (request.method, request.path) {
        case ("POST", "/x/account-oauth2/v1/token"), ("POST", "/x/account-oauth2/v1/refresh_token"):
            return oauth(request)
        case ("POST", "/video/v2/part/upload"):
            return part(request)
        default:
            break
        }
        // The API host: a signed call by the app, for a live token.
        guard BilibiliSignature.verify(headers: request.headers, body: signedBody(request), secret: Self.secret, now: Self.now),
            request.headers["x-bili-accesskeyid"] == Self.clientID
        else {
            state.withLock { $0.unsigned.append(request.path) }
            return Self.failure(127_012, "鉴权错误")
        }
        guard let token = request.headers["access-token"], state.withLock({ $0.accessTokens.contains(token) }) else {
            return Self.failure(127_001, "access_token验证错误")
        }
        switch (request.method, request.path) {
        case ("GET", "/arcopen/fn/user/account/info"):
            return Self.ok(["name": "品牌官方", "face": "http://i0.hdslb.com/bfs/face/e1c9.jpg", "openid": Self.openID])
        case ("GET", "/arcopen/fn/archive/type/list"):
            return Self.ok([
                ["id": 160, "name": "生活", "children": [["id": 21, "name": "日常"], ["id": 138, "name": "搞笑"]]],
                ["id": 36, "name": "知识", "children": [["id": 201, "name": "科学科普"]]],
            ])
        case ("POST", "/arcopen/fn/archive/video/init"):
            guard let name = request.json?["name"] as? String, request.json?["utype"] as? String == "0" else {
                return Self.failure(127_100, "请求参数错误")
            }
            let token = state.withLock { state -> String in
                state.issued += 1
                let token = "utoken-\(state.issued)"
                state.uploads[token] = Upload(name: name)
                return token
            }
            return Self.ok(["upload_token": token])
        case ("POST", "/arcopen/fn/archive/video/complete"):
            let token = request.query["upload_token"] ?? ""
            let joined = state.withLock { state -> Bool in
                guard var upload = state.uploads[token], !upload.parts.isEmpty else { return false }
                upload.joined = true
                state.uploads[token] = upload
                return true
            }
            return joined ? Self.ok() : Self.failure(127_022, "upload_token验证错误")
        case ("POST", "/arcopen/fn/archive/cover/upload"):
            let text = String(decoding: request.body, as: UTF8.self)
            guard request.headers["content-type"]?.hasPrefix("multipart/form-data") == true,
                text.firstMatch(of: #/name="file"; filename="[^"]+"\r\nContent-Type: image/(png|jpeg)/#) != nil
            else { return Self.failure(127_102, "文件类型错误") }
            let url = state.withLock { state -> String in
                let url = "https://archive.biliimg.com/bfs/archive/cover\(state.covers.count + 1).png"
                state.covers[url] = request.body.count
                return url
            }
            return Self.ok(["url": url])
        case ("POST", "/arcopen/fn/archive/add-by-utoken"):
            return await submit(request)
        case ("GET", "/arcopen/fn/archive/viewlist"):
            let (archives, descriptions) = state.withLock { ($0.archives, $0.listHasDescriptions) }
            let (number, size) = (Int(request.query["pn"] ?? "") ?? 1, Int(request.query["ps"] ?? "") ?? 20)
            let newestFirst = Array(archives.reversed())
            let page = newestFirst.dropFirst((number - 1) * size).prefix(size).map { archive -> [String: Any] in
                var item = Self.json(archive)
                if !descriptions { item["desc"] = nil }
                return item
            }
            return Self.ok(["page": ["pn": number, "ps": size, "total": archives.count], "list": Array(page)])
        case ("GET", "/arcopen/fn/archive/view"):
            guard let archive = archives.first(where: { $0.id == request.query["resource_id"] }) else { return Self.failure(127_124, "不存在该稿件") }
            return Self.ok(Self.json(archive))
        case ("GET", "/arcopen/fn/data/arc/stat"):
            guard archives.contains(where: { $0.id == request.query["resource_id"] }) else { return Self.failure(127_124, "不存在该稿件") }
            return Self.ok(["view": 198, "danmaku": 166, "reply": 11, "favorite": 36, "coin": 8, "share": 79, "like": 135])
        case ("GET", "/arcopen/fn/data/user/stat"):
            return Self.ok(["following": 98, "follower": 166, "arc_passed_total": 11])
        default:
            return Self.failure(-404, "啥都木有", status: 404)
        }
    }

    /// What the signature covers: the body as text, files left out (a
    /// multipart upload of a file alone covers nothing).
    func signedBody(_ request: StubRequest) -> Data {
        request.headers["content-type"]?.hasPrefix("multipart/form-data") == true ? Data() : request.body
    }

    static func json(_ archive: Archive) -> [String: Any] {
        [
            "resource_id": archive.id, "title": archive.title, "cover": archive.cover, "tid": archive.tid, "no_reprint": 0, "desc": archive.desc,
            "tag": archive.tag, "copyright": archive.copyright, "ctime": 1_795_000_100,
        ]
    }

    func oauth(_ request: StubRequest) -> StubResponse {
        let form = request.form
        guard form["client_id"] == Self.clientID else { return Self.failure(122_000, "client_id错误") }
        guard form["client_secret"] == Self.secret else { return Self.failure(122_001, "client_secret 错误") }
        let granted = state.withLock { state -> (String, String)? in
            switch form["grant_type"] {
            case "authorization_code" where form["code"] == Self.code: break
            case "refresh_token" where state.refreshTokens.remove(form["refresh_token"] ?? "") != nil: break
            default: return nil
            }
            state.issued += 1
            let pair = ("access-\(state.issued)", "refresh-\(state.issued)")
            state.accessTokens.insert(pair.0)
            state.refreshTokens.insert(pair.1)
            return pair
        }
        guard let pair = granted else {
            return form["grant_type"] == "refresh_token" ? Self.failure(122_007, "refreshToken不合法") : Self.failure(122_002, "code未找到")
        }
        return Self.ok([
            "access_token": pair.0, "refresh_token": pair.1, "expires_in": Int(Self.now.timeIntervalSince1970) + 30 * 86_400,
            "scopes": ["USER_INFO", "ATC_DATA", "ATC_BASE"],
        ])
    }

    func part(_ request: StubRequest) -> StubResponse {
        guard request.headers["authorization"] == nil, request.headers["content-type"] == "application/octet-stream",
            let number = Int(request.query["part_number"] ?? "")
        else { return Self.failure(127_100, "请求参数错误") }
        let token = request.query["upload_token"] ?? ""
        let stored = state.withLock { state -> Bool? in
            guard var upload = state.uploads[token], !upload.joined else { return false }
            upload.partAttempts[number, default: 0] += 1
            defer { state.uploads[token] = upload }
            if let faults = state.partFaults[number], faults > 0 {
                state.partFaults[number] = faults - 1
                return nil
            }
            upload.parts[number] = request.body
            return true
        }
        switch stored {
        case true?: return .json(["code": 0, "message": "0"])
        case false?: return Self.failure(127_022, "upload_token验证错误")
        case nil: return .text("<html>502 Bad Gateway</html>", status: 502)
        }
    }

    func submit(_ request: StubRequest) async -> StubResponse {
        let token = request.query["upload_token"] ?? ""
        guard let body = request.json, let title = body["title"] as? String, !title.isEmpty, let cover = body["cover"] as? String,
            let tid = body["tid"] as? Int, let tag = body["tag"] as? String, !tag.isEmpty
        else { return Self.failure(127_100, "请求参数错误") }
        let made = state.withLock { state -> (Archive?, Bool) in
            guard var upload = state.uploads[token], upload.joined, !upload.used, state.covers[cover] != nil else { return (nil, false) }
            upload.used = true
            state.uploads[token] = upload
            let archive = Archive(
                id: "BV1fake\(state.archives.count + 1)x", title: title, desc: body["desc"] as? String ?? "", tag: tag, tid: tid, cover: cover,
                video: upload.video, copyright: body["copyright"] as? Int ?? 0)
            state.archives.append(archive)
            let hang = state.hangAfterSubmitting
            state.hangAfterSubmitting = false
            return (archive, hang)
        }
        guard let archive = made.0 else { return Self.failure(127_022, "upload_token验证错误") }
        if made.1 { try? await Task.sleep(for: .seconds(30)) }
        return Self.ok(["resource_id": archive.id])
    }
}
