import Foundation

/// One day of a public account of someone else (a competitor the team
/// tracks), as a platform lets any account read it: the totals where it
/// says them, and the posts it published that day with their engagements
/// (likes + comments + shares) and content types.
public struct PublicAccountDay: Sendable, Equatable, Codable {
    public var day: String
    public var followers: Int?
    public var posts: Int?
    public var postsThatDay: Int
    public var engagements: Int
    /// `text`, `image`, `video`, `link` → posts of that type that day.
    public var contentTypes: [String: Int]

    public init(day: String, followers: Int?, posts: Int?, postsThatDay: Int, engagements: Int, contentTypes: [String: Int]) {
        self.day = day
        self.followers = followers
        self.posts = posts
        self.postsThatDay = postsThatDay
        self.engagements = engagements
        self.contentTypes = contentTypes
    }
}

/// What one read of a public account returns: its name, and its days,
/// oldest first, the last one today (the only one with totals on most
/// platforms).
public struct PublicAccountSnapshot: Sendable, Equatable {
    public var displayName: String
    public var days: [PublicAccountDay]

    public init(displayName: String, days: [PublicAccountDay]) {
        self.displayName = displayName
        self.days = days
    }
}

/// Reading other brands' public accounts with a connected account's
/// access (issue 18, competitor benchmark). A connector that can does so
/// through its own API client, so every call goes through the guarded
/// transport it was built with; the handle only names the account and
/// never decides where Fanfare connects.
public protocol PublicAccountReading: Sendable {
    /// The public account `handle` and its posting over the last `days`
    /// days (where the platform shows recent posts), in `timeZone`.
    func publicAccount(handle: String, days: Int, timeZone: TimeZone) async throws(ConnectorError) -> PublicAccountSnapshot
}

enum PublicAccountDays {
    static func day(_ date: Date, _ zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}

extension SandboxConnector: PublicAccountReading {
    /// The Sandbox's other brands are made from the handle alone, as its
    /// audience is from the account's seed: a size, a steady growth, a
    /// posting rhythm and a mix of content types, the same on every read.
    public func publicAccount(handle: String, days: Int, timeZone: TimeZone) async throws(ConnectorError) -> PublicAccountSnapshot {
        let name = handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        guard !name.isEmpty else { throw .notFound }
        try await ledger.admit(account: account, now: clock(), limit: rateLimit.calls, window: rateLimit.window)
        let seed = SandboxAudience.hash("competitor:" + name.lowercased())
        let base = 2_000 + Int(seed % 80_000)
        let dailyGrowth = 0.0005 + Double((seed >> 20) % 40) / 10_000
        let perWeek = 3 + Int((seed >> 8) % 12)
        let engagementPerPost = 20 + Int((seed >> 32) % 400)
        let types = ["text", "image", "video", "link"]
        let favourite = types[Int((seed >> 40) % 4)]
        let now = clock()
        let epochDay = Int(now.timeIntervalSince1970 / 86_400)
        let count = max(1, min(days, 365))
        let result = (0..<count).reversed().map { back -> PublicAccountDay in
            let at = now.addingTimeInterval(-Double(back) * 86_400)
            let index = epochDay - back
            let mix = SandboxAudience.hash("\(seed):\(index)")
            let posted = Int(mix % 7) < perWeek % 7 + (perWeek >= 7 ? 7 : 0) ? 1 + (perWeek >= 7 ? 1 : 0) : 0
            let followers = Int(Double(base) * pow(1 + dailyGrowth, Double(index % 3_650)) / pow(1 + dailyGrowth, Double(epochDay % 3_650 - 365)))
            var contentTypes: [String: Int] = [:]
            for post in 0..<posted {
                let type = (mix >> UInt64(8 + post)) % 3 == 0 ? types[Int((mix >> 16) % 4)] : favourite
                contentTypes[type, default: 0] += 1
            }
            return PublicAccountDay(
                day: PublicAccountDays.day(at, timeZone), followers: followers, posts: 200 + index / 2, postsThatDay: posted,
                engagements: posted * (engagementPerPost + Int((mix >> 24) % 50)), contentTypes: contentTypes)
        }
        return PublicAccountSnapshot(displayName: name, days: result)
    }
}

extension MastodonConnector: PublicAccountReading {
    /// `GET /api/v1/accounts/lookup?acct=` (the instance resolves a remote
    /// `user@domain` itself), then the account's last 40 public statuses
    /// without replies or boosts: today's totals and the posting of the
    /// days those statuses cover. Content type: `video` or `image` from the
    /// first attachment, `link` with a preview card, else `text`.
    public func publicAccount(handle: String, days: Int, timeZone: TimeZone) async throws(ConnectorError) -> PublicAccountSnapshot {
        struct Status: Decodable {
            struct Media: Decodable { var type: String? }
            struct Card: Decodable { var url: String? }
            var createdAt: String
            var repliesCount: Int?
            var reblogsCount: Int?
            var favouritesCount: Int?
            var mediaAttachments: [Media]?
            var card: Card?
            enum CodingKeys: String, CodingKey {
                case createdAt = "created_at"
                case repliesCount = "replies_count"
                case reblogsCount = "reblogs_count"
                case favouritesCount = "favourites_count"
                case mediaAttachments = "media_attachments"
                case card
            }
        }
        let acct = handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        guard !acct.isEmpty else { throw .notFound }
        let now = clock()
        let account = try await api.call(MastodonEntity.Account.self, "GET", "/api/v1/accounts/lookup", query: [("acct", acct)], now: now)
        let statuses = try await api.call(
            [Status].self, "GET", "/api/v1/accounts/\(account.id)/statuses",
            query: [("limit", "40"), ("exclude_replies", "true"), ("exclude_reblogs", "true")], now: now)
        let today = PublicAccountDays.day(now, timeZone)
        let first = PublicAccountDays.day(now.addingTimeInterval(-Double(max(1, days) - 1) * 86_400), timeZone)
        var byDay: [String: PublicAccountDay] = [:]
        for status in statuses {
            guard let at = MastodonAPI.parseDate(status.createdAt) else { continue }
            let day = PublicAccountDays.day(at, timeZone)
            guard day >= first, day <= today else { continue }
            let type: String =
                switch status.mediaAttachments?.first?.type {
                case "video", "gifv": "video"
                case "image": "image"
                default: status.card != nil ? "link" : "text"
                }
            var entry = byDay[day] ?? PublicAccountDay(day: day, followers: nil, posts: nil, postsThatDay: 0, engagements: 0, contentTypes: [:])
            entry.postsThatDay += 1
            let likes: Int = status.favouritesCount ?? 0
            let replies: Int = status.repliesCount ?? 0
            let boosts: Int = status.reblogsCount ?? 0
            entry.engagements += likes + replies + boosts
            entry.contentTypes[type, default: 0] += 1
            byDay[day] = entry
        }
        var todayEntry = byDay[today] ?? PublicAccountDay(day: today, followers: nil, posts: nil, postsThatDay: 0, engagements: 0, contentTypes: [:])
        todayEntry.followers = account.followersCount
        todayEntry.posts = account.statusesCount
        byDay[today] = todayEntry
        return PublicAccountSnapshot(
            displayName: account.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? account.acct, days: byDay.keys.sorted().map { byDay[$0]! })
    }
}

extension BlueskyConnector: PublicAccountReading {
    /// Bluesky's public AppView, without the account's token (the reads
    /// need none, and the handle never picks the host):
    /// `app.bsky.actor.getProfile` for today's totals, then
    /// `app.bsky.feed.getAuthorFeed` (`posts_no_replies`, 100 a page, at
    /// most 3 pages) for the posts of the days asked, reposts of others
    /// left out. Content type from the post's embed: `video`, `image`
    /// (also a quote with pictures), `link` (an external card), else `text`.
    public func publicAccount(handle: String, days: Int, timeZone: TimeZone) async throws(ConnectorError) -> PublicAccountSnapshot {
        struct Profile: Decodable {
            var did: String
            var handle: String
            var displayName: String?
            var followersCount: Int?
            var postsCount: Int?
        }
        struct Embed: Decodable {
            var type: String?
            var media: Media?
            struct Media: Decodable {
                var type: String?
                enum CodingKeys: String, CodingKey { case type = "$type" }
            }
            enum CodingKeys: String, CodingKey {
                case type = "$type"
                case media
            }
        }
        struct Post: Decodable {
            struct Author: Decodable { var did: String }
            struct Record: Decodable { var createdAt: String? }
            var author: Author
            var record: Record
            var embed: Embed?
            var indexedAt: String?
            var likeCount: Int?
            var replyCount: Int?
            var repostCount: Int?
            var quoteCount: Int?
        }
        struct Item: Decodable {
            struct Reason: Decodable {}
            var post: Post
            var reason: Reason?
        }
        struct Feed: Decodable {
            var feed: [Item]
            var cursor: String?
        }
        let actor = handle.trimmingCharacters(in: CharacterSet(charactersIn: "@ "))
        guard !actor.isEmpty, !actor.contains("/"), !actor.contains("?") else { throw .notFound }
        let now = clock()
        let profile: Profile
        do {
            profile = try await appView.query(Profile.self, "app.bsky.actor.getProfile", params: [("actor", actor)], token: nil, now: now)
        } catch .rejected(let reason) where reason.contains("not found") || reason.contains("InvalidRequest") {
            // The AppView answers an unknown actor 400 "Profile not found".
            throw .notFound
        }
        let today = PublicAccountDays.day(now, timeZone)
        let first = PublicAccountDays.day(now.addingTimeInterval(-Double(max(1, days) - 1) * 86_400), timeZone)
        var byDay: [String: PublicAccountDay] = [:]
        var cursor: String?
        pages: for _ in 0..<3 {
            var params = [("actor", profile.did), ("filter", "posts_no_replies"), ("limit", "100")]
            if let cursor { params.append(("cursor", cursor)) }
            let page = try await appView.query(Feed.self, "app.bsky.feed.getAuthorFeed", params: params, token: nil, now: now)
            for item in page.feed where item.reason == nil && item.post.author.did == profile.did {
                guard let at = (item.post.record.createdAt ?? item.post.indexedAt).flatMap(BlueskyAPI.parseDate) else { continue }
                let day = PublicAccountDays.day(at, timeZone)
                if day < first { break pages }
                guard day <= today else { continue }
                let type = Self.contentType(item.post.embed?.type, media: item.post.embed?.media?.type)
                var entry = byDay[day] ?? PublicAccountDay(day: day, followers: nil, posts: nil, postsThatDay: 0, engagements: 0, contentTypes: [:])
                entry.postsThatDay += 1
                let likes: Int = item.post.likeCount ?? 0
                let replies: Int = item.post.replyCount ?? 0
                let shares: Int = (item.post.repostCount ?? 0) + (item.post.quoteCount ?? 0)
                entry.engagements += likes + replies + shares
                entry.contentTypes[type, default: 0] += 1
                byDay[day] = entry
            }
            guard let next = page.cursor, !next.isEmpty, !page.feed.isEmpty else { break }
            cursor = next
        }
        var todayEntry = byDay[today] ?? PublicAccountDay(day: today, followers: nil, posts: nil, postsThatDay: 0, engagements: 0, contentTypes: [:])
        todayEntry.followers = profile.followersCount
        todayEntry.posts = profile.postsCount
        byDay[today] = todayEntry
        return PublicAccountSnapshot(
            displayName: profile.displayName.flatMap { $0.isEmpty ? nil : $0 } ?? profile.handle, days: byDay.keys.sorted().map { byDay[$0]! })
    }

    /// A post's content type from its embed view's `$type`.
    static func contentType(_ embed: String?, media: String?) -> String {
        switch embed {
        case "app.bsky.embed.video#view": "video"
        case "app.bsky.embed.images#view": "image"
        case "app.bsky.embed.external#view": "link"
        case "app.bsky.embed.recordWithMedia#view":
            media == "app.bsky.embed.video#view" ? "video" : media == "app.bsky.embed.external#view" ? "link" : "image"
        default: "text"
        }
    }
}
