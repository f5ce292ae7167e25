import FanfareCore
import Foundation

/// One public post a platform's search found, as listening hears it.
public struct FoundPost: Sendable, Equatable {
    /// The post's global id (Bluesky's `at://` URI, a Mastodon status's
    /// `uri`): the key that de-duplicates it whichever search finds it.
    public var id: String
    /// Where the platform pages forward from this post: Bluesky's
    /// `indexedAt`, a Mastodon status's id on the instance asked.
    public var marker: String
    public var link: URL?
    public var author: String
    public var text: String
    public var published: Date?

    public init(id: String, marker: String, link: URL?, author: String, text: String, published: Date?) {
        self.id = id
        self.marker = marker
        self.link = link
        self.author = author
        self.text = text
        self.published = published
    }
}

/// What one poll of a search found, newest first, and where the next
/// poll starts (nil: start where this one started).
public struct SearchPoll: Sendable, Equatable {
    public var posts: [FoundPost]
    public var marker: String?
}

/// Bluesky's post search, `app.bsky.feed.searchPosts`, asked of the public
/// AppView without an account, or of a connected account's PDS with its
/// session (the PDS forwards `app.bsky.*` reads to the AppView).
/// Anonymously a poll asks for one page of the latest 100 posts since the
/// newest one the last poll saw: the public AppView refuses a `cursor` from
/// anonymous callers (bluesky-social/bsky-docs#296), and has at times
/// refused anonymous search altogether (bluesky-social/atproto#3423), which
/// a poll reports as its error; more than 100 posts between two polls keeps
/// the newest 100. With an account's session a poll pages on with the
/// cursor, up to `maxPages` pages (docs/listening.md § Public search).
public enum BlueskySearch {
    public static let publicAppView = URL(string: "https://public.api.bsky.app")!
    public static let pageSize = 100
    /// Pages a poll with an account reads at most (the same three calls a
    /// Mastodon poll may make).
    public static let maxPages = 3

    struct Answer: Decodable {
        struct Post: Decodable {
            struct Author: Decodable {
                var did: String
                var handle: String
                var displayName: String?
            }
            struct Record: Decodable {
                var text: String?
                var createdAt: String?
            }
            var uri: String
            var author: Author
            var record: Record
            var indexedAt: String?
        }
        var posts: [Post]
        var cursor: String?
    }

    /// `since` is the marker of the last poll (an `indexedAt`); nil on the
    /// first poll, which reads the latest posts (one page). `appView` is
    /// the AppView asked anonymously, or with `token` (an account's access
    /// token) the account's PDS.
    public static func poll(
        _ query: String, since: String?, appView: URL = publicAppView, token: String? = nil, transport: any HTTPTransport,
        now: Date = Date()
    ) async throws(ConnectorError) -> SearchPoll {
        let api = BlueskyAPI(service: appView, transport: transport, timeout: 20)
        var posts: [FoundPost] = []
        var cursor: String?
        for _ in 0..<(token == nil || since == nil ? 1 : maxPages) {
            var params = [("q", query), ("sort", "latest"), ("limit", String(pageSize))]
            // `since` is inclusive: the newest post of the last poll comes
            // again and is dropped by its key.
            if let since { params.append(("since", since)) }
            if let cursor { params.append(("cursor", cursor)) }
            let response = try await api.send("GET", "app.bsky.feed.searchPosts", params: params, token: token)
            if token == nil, response.status == 403 || response.status == 401 {
                // Passing: Bluesky turns anonymous search off under load and on again.
                throw .temporary(
                    reason:
                        "\(api.host) refused to search without an account (HTTP \(response.status)); Bluesky turns anonymous search off at times. Fanfare will try again at the next poll."
                )
            }
            // With an account, 401 is its session (expired credentials), as everywhere.
            let answer = try api.decode(Answer.self, response, write: false, now: now)
            posts += answer.posts.map(post)
            // A short page is the last; every page is after `since`.
            guard let next = answer.cursor, !next.isEmpty, answer.posts.count >= pageSize else { break }
            cursor = next
        }
        let newest = posts.map(\.marker).max()
        return SearchPoll(posts: posts, marker: newest ?? since)
    }

    static func post(_ post: Answer.Post) -> FoundPost {
        let rkey = ATURI(post.uri)?.rkey
        let link = rkey.flatMap { URL(string: "https://bsky.app/profile/\(post.author.handle)/post/\($0)") }
        let published = post.record.createdAt.flatMap(BlueskyAPI.parseDate)
        let name = post.author.displayName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        // `indexedAt` is what `since` compares with; a post without it pages from its creation.
        let marker = post.indexedAt ?? post.record.createdAt ?? ""
        return FoundPost(
            id: post.uri, marker: normalized(marker), link: link,
            author: name.isEmpty ? "@\(post.author.handle)" : "\(name) (@\(post.author.handle))",
            text: post.record.text ?? "", published: published)
    }

    /// Markers compare as text: written back in one form (UTC, milliseconds).
    static func normalized(_ stamp: String) -> String {
        BlueskyAPI.parseDate(stamp).map(BlueskyAPI.formatDate) ?? stamp
    }
}

/// Mastodon: a hashtag's public timeline (`/api/v1/timelines/tag/:tag`,
/// no token needed on most instances) or full-text status search
/// (`/api/v2/search?type=statuses`, only with an account's token). Both
/// page forward with `min_id`, the newest status id the last poll saw.
public enum MastodonSearch {
    public static let pageSize = 40
    public static let maxPages = 3

    public enum Query: Sendable, Equatable {
        case hashtag(String)
        case statuses(String)
    }

    struct Results: Decodable {
        var statuses: [MastodonEntity.Status]
    }

    /// `token` may be empty for a hashtag; a search without one is refused
    /// before anything is sent.
    public static func poll(
        _ query: Query, instance: URL, token: String, since: String?, transport: any HTTPTransport, now: Date = Date()
    ) async throws(ConnectorError) -> SearchPoll {
        let api = MastodonAPI(instance: instance, token: token, transport: transport, timeout: 20)
        var posts: [FoundPost] = []
        var minID = since
        for _ in 0..<(since == nil ? 1 : maxPages) {
            var params: [(String, String)] = [("limit", String(pageSize))]
            if let minID { params.append(("min_id", minID)) }
            let page: [MastodonEntity.Status]
            switch query {
            case .hashtag(let tag):
                page = try await api.call(
                    [MastodonEntity.Status].self, "GET", "/api/v1/timelines/tag/\(segment(tag))", query: params, now: now)
            case .statuses(let text):
                guard !token.isEmpty else {
                    throw .notSupported("searching a Mastodon instance's posts needs a connected account; follow a hashtag instead")
                }
                params += [("q", text), ("type", "statuses")]
                page = try await api.call(Results.self, "GET", "/api/v2/search", query: params, now: now).statuses
            }
            posts += page.map { post($0, host: api.host) }
            guard page.count == pageSize, let newest = page.map(\.id).max(by: isOlder) else { break }
            minID = newest
        }
        let newest = posts.map(\.marker).max(by: isOlder)
        return SearchPoll(posts: posts.sorted { isOlder($1.marker, $0.marker) }, marker: newest ?? since)
    }

    /// A tag as one path segment: every byte outside ASCII letters and
    /// digits escaped (Foundation's `alphanumerics` would let 星巴克 through raw).
    static func segment(_ tag: String) -> String {
        let allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        return tag.addingPercentEncoding(withAllowedCharacters: allowed) ?? tag
    }

    /// Status ids are decimal numbers of up to 19 digits, kept as text.
    static func isOlder(_ a: String, _ b: String) -> Bool {
        a.count != b.count ? a.count < b.count : a < b
    }

    static func post(_ status: MastodonEntity.Status, host: String) -> FoundPost {
        let account = status.account
        let handle = account.map { "@\($0.acct)" } ?? ""
        let name = account?.displayName?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return FoundPost(
            id: status.uri ?? "https://\(host)/statuses/\(status.id)", marker: status.id, link: status.url.flatMap(URL.init(string:)),
            author: name.isEmpty ? handle : "\(name) (\(handle))", text: FeedReader.text(ofHTML: status.content ?? ""),
            published: MastodonAPI.parseDate(status.createdAt))
    }
}
