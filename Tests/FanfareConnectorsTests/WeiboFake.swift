import FanfareConnectors
import Foundation
import Synchronization

/// Weibo's API v2 in memory, answering with the JSON shapes of the
/// open.weibo.com wiki: statuses with `idstr` and `created_at` like "Wed Oct
/// 24 23:49:17 +0800 2012", errors as `{"error", "error_code", "request"}`,
/// and every link in a stored text replaced by a t.cn short link.
final class WeiboFake: Sendable {
    static let token = "2.00weibo-token"
    static let uid = "1404376560"

    struct Post {
        var id: String
        var text: String
        var createdAt: String
        /// The content type of the `pic` sent with it.
        var picture: String? = nil
    }

    struct State {
        var posts: [Post] = []
        var shortLinks: [String: String] = [:]
        var nextID = 4_900_000_000_000_001
        var forced: [StubResponse] = []
        /// Store the next share, then never answer it.
        var hangAfterSharing = false
        var comments: [[String: String]] = []
        var mentions: [[String: String]] = []
    }

    let state = Mutex(State())

    var posts: [Post] { state.withLock { $0.posts } }

    func force(_ responses: StubResponse...) { state.withLock { $0.forced += responses } }

    static func error(_ code: Int, _ message: String, _ path: String, status: Int = 400) -> StubResponse {
        .json(["error": message, "error_code": code, "request": path], status: status)
    }

    static var user: [String: Any] {
        [
            "id": 1_404_376_560, "idstr": uid, "screen_name": "品牌官方微博", "name": "品牌官方微博", "followers_count": 1204,
            "friends_count": 447, "statuses_count": 2908, "created_at": "Fri Aug 28 00:00:00 +0800 2009",
        ]
    }

    static func statusJSON(_ post: Post, user: [String: Any] = user) -> [String: Any] {
        [
            "created_at": post.createdAt, "id": Int64(post.id)!, "mid": post.id, "idstr": post.id, "text": post.text,
            "source": "<a href=\"http://app.weibo.com\" rel=\"nofollow\">Fanfare</a>", "reposts_count": 0, "comments_count": 0,
            "attitudes_count": 0, "user": user,
        ]
    }

    func handle(_ request: StubRequest) async -> StubResponse {
        if let forced = state.withLock({ $0.forced.isEmpty ? nil : $0.forced.removeFirst() }) { return forced }
        var fields = request.method == "POST" ? request.form : request.query
        var picture: String?
        if request.headers["content-type"]?.hasPrefix("multipart/form-data") == true {
            let text = String(decoding: request.body, as: UTF8.self)
            fields = Dictionary(
                text.matches(of: #/name="([a-z_]+)"\r\n\r\n([^\r]*)\r\n/#).map { (String($0.1), String($0.2)) }, uniquingKeysWith: { a, _ in a })
            picture = text.firstMatch(of: #/name="pic"; filename="[^"]+"\r\nContent-Type: ([a-z/]+)/#).map { String($0.1) }
        }
        if request.path == "/oauth2/get_token_info" {
            guard request.method == "POST", fields["access_token"] == Self.token else {
                return Self.error(21327, "expired_token", request.path)
            }
            return .json(["uid": Int64(Self.uid)!, "appkey": "3107116953", "scope": "", "create_at": 1_779_000_000, "expire_in": 86_400])
        }
        guard fields["access_token"] == Self.token else { return Self.error(21332, "invalid_access_token", request.path, status: 401) }
        switch (request.method, request.path) {
        case ("GET", "/2/users/show.json"):
            guard request.query["uid"] == Self.uid else { return Self.error(20003, "User does not exists!", request.path) }
            return .json(Self.user)
        case ("POST", "/2/statuses/share.json"):
            return await share(fields["status"] ?? "", picture: picture)
        case ("GET", "/2/statuses/user_timeline.json"):
            let posts = state.withLock { $0.posts }.reversed().map { Self.statusJSON($0, user: ["id": Int64(Self.uid)!]) }
            return .json(["statuses": Array(posts), "total_number": posts.count])
        case ("GET", "/2/short_url/expand.json"):
            let links = state.withLock { $0.shortLinks }
            let asked = (request.query["url_short"] ?? "").split(separator: ",").map(String.init)
            return .json([
                "urls": asked.map { ["url_short": $0, "url_long": links[$0] ?? "", "type": 0, "result": links[$0] != nil] as [String: Any] }
            ])
        case ("GET", "/2/comments/to_me.json"):
            let since = UInt64(request.query["since_id"] ?? "0") ?? 0
            let comments = state.withLock { $0.comments }.filter { UInt64($0["id"]!)! > since }.reversed().map(Self.commentJSON)
            return .json(["comments": Array(comments), "total_number": comments.count, "previous_cursor": 0, "next_cursor": 0])
        case ("GET", "/2/statuses/mentions.json"):
            let since = UInt64(request.query["since_id"] ?? "0") ?? 0
            let mentions = state.withLock { $0.mentions }.filter { UInt64($0["id"]!)! > since }.reversed().map {
                Self.statusJSON(
                    Post(id: $0["id"]!, text: $0["text"]!, createdAt: $0["at"]!),
                    user: ["id": Int64($0["user"]!)!, "idstr": $0["user"]!, "screen_name": $0["name"]!])
            }
            return .json(["statuses": Array(mentions), "total_number": mentions.count])
        case ("POST", "/2/comments/destroy.json"):
            let cid = fields["cid"] ?? ""
            let removed = state.withLock { state in
                let before = state.comments.count
                state.comments.removeAll { $0["id"] == cid }
                return before != state.comments.count
            }
            guard removed else { return Self.error(20101, "target weibo does not exist!", request.path) }
            return .json(["id": Int64(cid) ?? 0, "idstr": cid, "text": "deleted", "created_at": "Wed Oct 24 23:49:17 +0800 2012"])
        case ("POST", "/2/comments/reply.json"), ("POST", "/2/comments/create.json"):
            guard let comment = fields["comment"], fields["rip"] != nil else { return Self.error(10016, "miss required parameter", request.path) }
            return .json([
                "created_at": "Wed Oct 24 23:49:17 +0800 2012", "id": 3_504_803_600_590_001, "idstr": "3504803600590001", "text": comment,
                "user": Self.user, "status": ["id": Int64(fields["id"]!)!, "idstr": fields["id"]!],
            ])
        case ("GET", "/2/statuses/count.json"):
            let ids = (request.query["ids"] ?? "").split(separator: ",").map(String.init)
            let known = Set(state.withLock { $0.posts.map(\.id) })
            return .json(
                ids.filter(known.contains).map { ["id": Int64($0)!, "comments": 12, "reposts": 5, "attitudes": 48] as [String: Any] })
        case ("GET", "/2/account/rate_limit_status.json"):
            return .json([
                "ip_limit": 10_000, "limit_time_unit": "HOURS", "remaining_ip_hits": 10_000, "remaining_user_hits": 0,
                "reset_time": "2026-11-23 18:00:00", "reset_time_in_seconds": 1_234, "user_limit": 150,
            ])
        default:
            return Self.error(10020, "Request api not found!", request.path, status: 404)
        }
    }

    func share(_ text: String, picture: String? = nil) async -> StubResponse {
        let (post, hang) = state.withLock { state -> (Post, Bool) in
            var stored = text
            for match in text.matches(of: #/https?://[^\s]+/#).reversed() {
                let short = "http://t.cn/A6\(state.shortLinks.count + 100)"
                state.shortLinks[short] = String(match.output)
                stored.replaceSubrange(match.range, with: short)
            }
            let post = Post(id: String(state.nextID), text: stored, createdAt: "Mon Nov 23 10:00:00 +0800 2026", picture: picture)
            state.nextID += 1
            state.posts.append(post)
            let hang = state.hangAfterSharing
            state.hangAfterSharing = false
            return (post, hang)
        }
        if hang { try? await Task.sleep(for: .seconds(30)) }
        return .json(Self.statusJSON(post))
    }

    static func commentJSON(_ comment: [String: String]) -> [String: Any] {
        [
            "created_at": comment["at"]!, "id": Int64(comment["id"]!)!, "idstr": comment["id"]!, "text": comment["text"]!,
            "user": ["id": Int64(comment["user"]!)!, "idstr": comment["user"]!, "screen_name": comment["name"]!],
            "status": ["id": Int64(comment["post"]!)!, "idstr": comment["post"]!, "text": "our post"],
        ]
    }
}
