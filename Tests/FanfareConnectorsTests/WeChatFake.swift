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
        /// The account's tags (用户标签) and the fans tagged with each.
        var tags: [(id: Int, name: String)] = [(2, "星标组")]
        var tagged: [Int: Set<String>] = [:]
        /// Fans who already carry 20 tags (tagging them answers 45059).
        var crowded: Set<String> = []
        /// The openid lists' sizes of the `batchtagging` calls, in order.
        var taggings: [Int] = []
        /// Mass-sends taken: to which tag, which draft, to how many fans, on
        /// which day (Beijing time), under which clientmsgid.
        var sends: [(msgID: Int, dataID: Int, tagID: Int, mediaID: String, fans: Int, day: String, clientMsgID: String?)] = []
        /// Whether the next `sendall` is taken and then never answered.
        var hangAfterSendAll = false
        /// Readers of a sent article at the end of its first, second …
        /// statistics day (cumulative, as `getarticletotal` counts them).
        var readers: [Int] = [4, 9, 11]
        /// Days the statistics' clock is ahead of `now`: how a test reads
        /// the statistics of a send days later.
        var daysLater = 0
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
        case ("POST", "/datacube/getarticletotal"):
            return articleTotal(body)
        case ("POST", "/cgi-bin/tags/create"):
            // As documented: {"tag": {"name"}} → {"tag": {"id", "name"}}.
            guard let name = (body["tag"] as? [String: Any])?["name"] as? String, !name.isEmpty else {
                return Self.error(45157, "invalid tag name")
            }
            guard name.utf8.count <= 30 else { return Self.error(45158, "tag name too long") }
            let id = state.withLock { state -> Int? in
                guard !state.tags.contains(where: { $0.name == name }), state.tags.count < 100 else { return nil }
                let id = 100 + state.tags.count
                state.tags.append((id, name))
                return id
            }
            guard let id else {
                return state.withLock { $0.tags.count } >= 100
                    ? Self.error(45056, "too many tags") : Self.error(45157, "invalid tag name")
            }
            return .json(["tag": ["id": id, "name": name]])
        case ("GET", "/cgi-bin/tags/get"):
            let tags = state.withLock { state in
                state.tags.map { tag -> [String: Any] in ["id": tag.id, "name": tag.name, "count": state.tagged[tag.id]?.count ?? 0] }
            }
            return .json(["tags": tags])
        case ("POST", "/cgi-bin/tags/members/batchtagging"):
            guard let openids = body["openid_list"] as? [String], let tagID = body["tagid"] as? Int else {
                return Self.error(40032, "invalid openid list")
            }
            guard openids.count <= 50 else { return Self.error(40032, "invalid openid list size") }
            return state.withLock { state -> StubResponse in
                guard state.tags.contains(where: { $0.id == tagID }) else { return Self.error(45159, "invalid tag id") }
                if let stranger = openids.first(where: { !state.fans.contains($0) }) {
                    return Self.error(40003, "invalid openid \(stranger)")
                }
                guard !openids.contains(where: { state.crowded.contains($0) }) else {
                    return Self.error(45059, "user tag count exceed limit")
                }
                state.taggings.append(openids.count)
                state.tagged[tagID, default: []].formUnion(openids)
                return .json(["errcode": 0, "errmsg": "ok"])
            }
        case ("POST", "/cgi-bin/message/mass/sendall"):
            return await sendAll(body)
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

    /// `message/mass/sendall` to a tag, as documented: a draft's media_id,
    /// and `clientmsgid` (at most 64 bytes) seen before within 24 hours
    /// answers 45065 with the earlier send's `msg_id` and sends nothing.
    func sendAll(_ body: [String: Any]) async -> StubResponse {
        guard let filter = body["filter"] as? [String: Any], filter["is_to_all"] as? Bool == false, let tagID = filter["tag_id"] as? Int,
            body["msgtype"] as? String == "mpnews", let mediaID = (body["mpnews"] as? [String: Any])?["media_id"] as? String,
            body["send_ignore_reprint"] as? Int == 0
        else { return Self.error(40035, "invalid args") }
        let clientMsgID = body["clientmsgid"] as? String
        if let clientMsgID, clientMsgID.utf8.count > 64 { return Self.error(45067, "clientmsgid size out of limit") }
        let day = MetricDay.of(Date(timeIntervalSince1970: TimeInterval(now)), in: TimeZone(identifier: "Asia/Shanghai")!)
        let (answer, hang) = state.withLock { state -> (StubResponse, Bool) in
            guard state.tags.contains(where: { $0.id == tagID }) else { return (Self.error(40152, "invalid group id"), false) }
            guard state.drafts.contains(where: { $0.mediaID == mediaID }) else { return (Self.error(40007, "invalid media_id"), false) }
            if let clientMsgID, let earlier = state.sends.first(where: { $0.clientMsgID == clientMsgID }) {
                return (.json(["errcode": 45065, "errmsg": "clientmsgid exist", "msg_id": earlier.msgID]), false)
            }
            state.counter += 1
            let send = (
                msgID: 34_000 + state.counter, dataID: 2_247_480_000 + state.counter, tagID: tagID, mediaID: mediaID,
                fans: state.tagged[tagID]?.count ?? 0, day: day, clientMsgID: clientMsgID
            )
            state.sends.append(send)
            let hang = state.hangAfterSendAll
            state.hangAfterSendAll = false
            return (.json(["errcode": 0, "errmsg": "send job submission success", "msg_id": send.msgID, "msg_data_id": send.dataID]), hang)
        }
        if hang { try? await Task.sleep(for: .seconds(30)) }
        return answer
    }

    /// `getarticletotal` as documented: one day (the send's, `ref_date`),
    /// yesterday at the latest; each sent article as "<msg_data_id>_1" with
    /// its cumulative figures for every statistics day so far (at most 7).
    func articleTotal(_ body: [String: Any]) -> StubResponse {
        guard let begin = body["begin_date"] as? String, let end = body["end_date"] as? String, MetricDay.parse(begin) != nil,
            MetricDay.parse(end) != nil
        else { return Self.error(61500, "date format error") }
        let yesterday = statisticsYesterday()
        guard begin == end, end <= yesterday else { return Self.error(61501, "date range error") }
        let (sends, readers) = state.withLock { ($0.sends.filter { $0.day == begin }, $0.readers) }
        return .json([
            "list": sends.map { send -> [String: Any] in
                let days = MetricDay.range(send.day, min(yesterday, MetricDay.adding(6, to: send.day)))
                return [
                    "ref_date": send.day, "msgid": "\(send.dataID)_1", "title": "春季新品上市",
                    "details": days.enumerated().map { index, day -> [String: Any] in
                        [
                            "stat_date": day, "target_user": send.fans, "int_page_read_user": readers[min(index, readers.count - 1)],
                            "int_page_read_count": readers[min(index, readers.count - 1)] + 2, "share_user": 1, "share_count": 1,
                            "add_to_fav_user": 0, "add_to_fav_count": 0,
                        ]
                    },
                ]
            }
        ])
    }

    /// Yesterday in Beijing time by the statistics' clock.
    func statisticsYesterday() -> String {
        let later = state.withLock { $0.daysLater }
        return MetricDay.adding(
            later - 1, to: MetricDay.of(Date(timeIntervalSince1970: TimeInterval(now)), in: TimeZone(identifier: "Asia/Shanghai")!))
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
        let yesterday = statisticsYesterday()
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
