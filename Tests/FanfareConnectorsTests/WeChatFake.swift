import FanfareConnectors
import FanfareCore
import Foundation
import Synchronization

/// The Official Account API in memory, answering with the shapes of
/// developers.weixin.qq.com: `{"errcode", "errmsg"}` errors with HTTP 200,
/// drafts that publishing jobs turn into published articles, and publishing
/// jobs whose `publish_status` the test scripts.
final class WeChatFake: Sendable {
    static let appID = "wx1234567890abcdef"
    static let secret = "0123456789abcdef0123456789abcdef"

    struct Article {
        var title: String
        var content: String
        var sourceURL: String
        var thumb: String
    }

    struct State {
        var tokens: Set<String> = []
        var issued = 0
        var drafts: [(mediaID: String, article: Article, updated: Int)] = []
        var jobs: [String: String] = [:]
        var published: [(articleID: String, article: Article, updated: Int)] = []
        /// `publish_status` answers for the next `freepublish/get` calls;
        /// 0 when empty.
        var script: [Int] = []
        var forced: [StubResponse] = []
        var hangAfterSubmit = false
        /// Pictures uploaded: which call and content type.
        var uploads: [(call: String, type: String)] = []
        var counter = 0
        /// The first day the statistics keep (older weeks answer 61501).
        var statisticsFrom = "2026-01-01"
        /// Customer-service messages delivered: to whom, what.
        var messages: [(touser: String, content: String)] = []
        /// Template messages delivered: to whom, which template, the fields' values.
        var templates: [(touser: String, templateID: String, url: String?, data: [String: String], clientMsgID: String?)] = []
        /// Fans who follow the account (others answer 40003).
        var fans: Set<String> = ["oFan1", "oFan2"]
        /// Template ids the account chose (others answer 40037).
        var templateIDs: Set<String> = ["TPL_SHIPPED_0000000000000000000000000000001"]
    }

    let state = Mutex(State())
    let now: Int

    init(now: Date) {
        self.now = Int(now.timeIntervalSince1970)
    }

    func force(_ responses: StubResponse...) { state.withLock { $0.forced += responses } }

    static func error(_ code: Int, _ message: String) -> StubResponse {
        .json(["errcode": code, "errmsg": message])
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if let forced = state.withLock({ $0.forced.isEmpty ? nil : $0.forced.removeFirst() }) { return forced }
        let body = request.json ?? [:]
        if request.path == "/cgi-bin/stable_token" {
            guard request.method == "POST", body["grant_type"] as? String == "client_credential", body["force_refresh"] as? Bool == false
            else { return Self.error(40002, "invalid grant_type") }
            guard body["appid"] as? String == Self.appID else { return Self.error(40013, "invalid appid") }
            guard body["secret"] as? String == Self.secret else { return Self.error(40125, "invalid appsecret") }
            let token = state.withLock { state -> String in
                state.issued += 1
                let token = "ACCESS_TOKEN_\(state.issued)"
                state.tokens.insert(token)
                return token
            }
            return .json(["access_token": token, "expires_in": 7200])
        }
        guard state.withLock({ $0.tokens.contains(request.query["access_token"] ?? "") }) else {
            return Self.error(40001, "invalid credential, access_token is invalid or not latest")
        }
        switch (request.method, request.path) {
        case ("POST", "/cgi-bin/material/add_material"), ("POST", "/cgi-bin/media/uploadimg"):
            let text = String(decoding: request.body, as: UTF8.self)
            guard request.headers["content-type"]?.hasPrefix("multipart/form-data") == true,
                let type = text.firstMatch(of: #/name="media"; filename="[^"]+"\r\nContent-Type: (image/[a-z]+)/#)
            else { return Self.error(40005, "invalid file type") }
            let permanent = request.path.hasSuffix("add_material")
            if permanent, request.query["type"] != "image" { return Self.error(40004, "invalid media type") }
            let id = state.withLock { state -> Int in
                state.counter += 1
                state.uploads.append((permanent ? "material" : "uploadimg", String(type.1)))
                return state.counter
            }
            return permanent
                ? .json(["media_id": "PERM_\(id)", "url": "http://mmbiz.qpic.cn/perm_\(id)"]) : .json(["url": "http://mmbiz.qpic.cn/img_\(id)"])
        case ("POST", "/cgi-bin/draft/add"):
            guard let article = (body["articles"] as? [[String: Any]])?.first, let title = article["title"] as? String,
                let content = article["content"] as? String, let thumb = article["thumb_media_id"] as? String
            else { return Self.error(40007, "invalid media_id") }
            let mediaID = state.withLock { state -> String in
                state.counter += 1
                let id = "MEDIA_ID_\(state.counter)"
                let stored = Article(title: title, content: content, sourceURL: article["content_source_url"] as? String ?? "", thumb: thumb)
                state.drafts.insert((id, stored, now), at: 0)
                return id
            }
            return .json(["media_id": mediaID])
        case ("POST", "/cgi-bin/freepublish/submit"):
            guard let mediaID = body["media_id"] as? String else { return Self.error(40007, "invalid media_id") }
            let (publishID, hang) = state.withLock { state -> (String, Bool) in
                state.counter += 1
                let id = "10000000\(state.counter)"
                state.jobs[id] = mediaID
                let hang = state.hangAfterSubmit
                state.hangAfterSubmit = false
                return (id, hang)
            }
            if hang { try? await Task.sleep(for: .seconds(30)) }
            return .json(["errcode": 0, "errmsg": "ok", "publish_id": publishID, "msg_data_id": "2247483650"])
        case ("POST", "/cgi-bin/freepublish/get"):
            guard let publishID = body["publish_id"] as? String else { return Self.error(40002, "invalid publish_id") }
            let status = state.withLock { $0.script.isEmpty ? 0 : $0.script.removeFirst() }
            switch status {
            case 0:
                guard let articleID = finish(publishID) else { return Self.error(53600, "Article ID invalid") }
                return .json([
                    "publish_id": publishID, "publish_status": 0, "article_id": articleID,
                    "article_detail": ["count": 1, "item": [["idx": 1, "article_url": Self.url(articleID)]]], "fail_idx": [],
                ])
            case 1:
                return .json(["publish_id": publishID, "publish_status": 1, "fail_idx": []])
            default:
                return .json(["publish_id": publishID, "publish_status": status, "fail_idx": [1]])
            }
        case ("POST", "/cgi-bin/freepublish/batchget"):
            let items = state.withLock { $0.published }.map { entry -> [String: Any] in
                [
                    "article_id": entry.articleID,
                    "content": [
                        "news_item": [Self.newsItem(entry.article, url: Self.url(entry.articleID))], "create_time": entry.updated,
                        "update_time": entry.updated,
                    ],
                    "update_time": entry.updated,
                ]
            }
            let offset = body["offset"] as? Int ?? 0
            let count = body["count"] as? Int ?? 20
            let page = Array(items.dropFirst(offset).prefix(count))
            return .json(["total_count": items.count, "item_count": page.count, "item": page])
        case ("POST", "/cgi-bin/draft/batchget"):
            let items = state.withLock { $0.drafts }.map { draft -> [String: Any] in
                ["media_id": draft.mediaID, "content": ["news_item": [Self.newsItem(draft.article, url: "")]], "update_time": draft.updated]
            }
            return .json(["total_count": items.count, "item_count": items.count, "item": items])
        case ("POST", "/cgi-bin/freepublish/getarticle"):
            guard let entry = state.withLock({ state in state.published.first { $0.articleID == body["article_id"] as? String } }) else {
                return Self.error(53600, "Article ID invalid")
            }
            return .json(["news_item": [Self.newsItem(entry.article, url: Self.url(entry.articleID))]])
        case ("POST", "/cgi-bin/freepublish/delete"):
            let removed = state.withLock { state -> Bool in
                let before = state.published.count
                state.published.removeAll { $0.articleID == body["article_id"] as? String }
                return state.published.count < before
            }
            return removed ? .json(["errcode": 0, "errmsg": "ok"]) : Self.error(53600, "Article ID invalid")
        case ("POST", "/datacube/getusercumulate"), ("POST", "/datacube/getusersummary"):
            return datacube(request.path, body)
        case ("POST", "/cgi-bin/message/custom/send"):
            // As documented: {touser, msgtype: "text", text: {content}}.
            guard let touser = body["touser"] as? String, state.withLock({ $0.fans.contains(touser) }) else {
                return Self.error(40003, "invalid openid")
            }
            guard body["msgtype"] as? String == "text", let content = (body["text"] as? [String: Any])?["content"] as? String, !content.isEmpty
            else { return Self.error(44004, "empty content") }
            state.withLock { $0.messages.append((touser, content)) }
            return .json(["errcode": 0, "errmsg": "ok"])
        case ("POST", "/cgi-bin/message/template/send"):
            guard let touser = body["touser"] as? String, state.withLock({ $0.fans.contains(touser) }) else {
                return Self.error(40003, "invalid openid")
            }
            guard let templateID = body["template_id"] as? String, state.withLock({ $0.templateIDs.contains(templateID) }) else {
                return Self.error(40037, "invalid template_id")
            }
            guard let data = body["data"] as? [String: Any] else { return Self.error(47001, "data format error") }
            var values: [String: String] = [:]
            for (key, field) in data {
                guard let value = (field as? [String: Any])?["value"] as? String else {
                    return Self.error(47003, "argument invalid! data.\(key).value invalid")
                }
                values[key] = value
            }
            let id = state.withLock { state -> Int in
                state.counter += 1
                state.templates.append((touser, templateID, body["url"] as? String, values, body["client_msg_id"] as? String))
                return state.counter
            }
            return .json(["errcode": 0, "errmsg": "ok", "msgid": 200_228_332 + id])
        case ("GET", "/cgi-bin/user/get"):
            return .json(["total": 23_000, "count": 2, "data": ["openid": ["OPENID1", "OPENID2"]], "next_openid": "OPENID2"])
        default:
            return Self.error(40066, "invalid url")
        }
    }

    /// Followers at the end of a day: 20,000 on 2026-01-01, 3 more each day
    /// (5 new, 2 lost: 2 and 2 from 其他, 3 and 0 from scanning a QR code).
    static func followers(_ day: String) -> Int { 20_000 + 3 * MetricDay.distance(from: "2026-01-01", to: day) }

    /// The statistics interfaces as documented: yyyy-MM-dd dates, at most 7
    /// days a call, yesterday (Beijing time) at the latest.
    func datacube(_ path: String, _ body: [String: Any]) -> StubResponse {
        guard let begin = body["begin_date"] as? String, let end = body["end_date"] as? String, MetricDay.parse(begin) != nil,
            MetricDay.parse(end) != nil
        else { return Self.error(61500, "date format error") }
        let yesterday = MetricDay.adding(
            -1, to: MetricDay.of(Date(timeIntervalSince1970: TimeInterval(now)), in: TimeZone(identifier: "Asia/Shanghai")!))
        let from = state.withLock { $0.statisticsFrom }
        guard begin <= end, MetricDay.distance(from: begin, to: end) < 7, end <= yesterday, end >= from else {
            return Self.error(61501, "date range error")
        }
        let days = MetricDay.range(max(begin, from), end)
        if path.hasSuffix("getusercumulate") {
            return .json(["list": days.map { ["ref_date": $0, "user_source": 0, "cumulate_user": Self.followers($0)] as [String: Any] }])
        }
        return .json([
            "list": days.flatMap { day -> [[String: Any]] in
                [
                    ["ref_date": day, "user_source": 0, "new_user": 2, "cancel_user": 2],
                    ["ref_date": day, "user_source": 30, "new_user": 3, "cancel_user": 0],
                ]
            }
        ])
    }

    /// Publishes the job's draft (a published draft leaves the draft box).
    func finish(_ publishID: String) -> String? {
        state.withLock { state in
            guard let mediaID = state.jobs.removeValue(forKey: publishID), let index = state.drafts.firstIndex(where: { $0.mediaID == mediaID })
            else {
                return nil
            }
            let draft = state.drafts.remove(at: index)
            let articleID = "ARTICLE_ID_\(publishID)"
            state.published.insert((articleID, draft.article, now + 60), at: 0)
            return articleID
        }
    }

    func finishAll() {
        for id in state.withLock({ Array($0.jobs.keys) }) { _ = finish(id) }
    }

    static func url(_ articleID: String) -> String { "https://mp.weixin.qq.com/s/\(articleID)" }

    static func newsItem(_ article: Article, url: String) -> [String: Any] {
        [
            "title": article.title, "author": "", "digest": "", "content_source_url": article.sourceURL, "thumb_media_id": article.thumb,
            "show_cover_pic": 1, "need_open_comment": 0, "only_fans_can_comment": 0, "url": url, "is_deleted": false,
        ]
    }
}
