import Crypto
import FanfareCore
import Foundation

/// A Bilibili account through the open platform (open.bilibili.com, 视频稿件
/// and 数据开放服务): videos are submitted (投稿) with a cover, and the
/// numbers of each video and of the account are read. The open platform
/// offers no comment, danmaku or message API to third parties, so nothing
/// reaches the inbox from Bilibili and nothing is answered from it; nor
/// does it publish 动态. PLATFORMS.md, "Bilibili", has the sources.
///
/// Publishing a video is five calls: `archive/video/init` (an upload
/// token), the file in 8 MiB parts to the upload host, `video/complete`,
/// `cover/upload`, then `add-by-utoken`, which makes the 稿件. The first
/// four make nothing fans see, so each is repeated on a passing fault; the
/// submission alone is never repeated: a lost answer is `.outcomeUnknown`
/// and `findPost` looks for the marker the description carries.
public struct BilibiliConnector: Connector {
    public let platform = "bilibili"
    /// The 分区 (category) the account's videos are submitted to.
    public let tid: Int
    let api: BilibiliAPI
    let chunkSize: Int
    let attempts: Int
    let pause: Duration

    public static let defaultChunkSize = 8 << 20

    public init(
        clientID: String, secret: String, accessToken: String, tid: Int, hosts: BilibiliHosts = .production, transport: any HTTPTransport,
        clock: @escaping @Sendable () -> Date = { Date() }, chunkSize: Int = BilibiliConnector.defaultChunkSize, attempts: Int = 3,
        pause: Duration = .milliseconds(500)
    ) {
        self.tid = tid
        self.api = BilibiliAPI(hosts: hosts, clientID: clientID, secret: secret, token: accessToken, transport: transport, clock: clock)
        self.chunkSize = max(1, chunkSize)
        self.attempts = max(1, attempts)
        self.pause = pause
    }

    public var capabilities: ConnectorCapabilities {
        ConnectorCapabilities(
            unattendedPublishing: true, canDelete: false, canReply: false, interactionKinds: [], postMetrics: true, receivesWebhooks: false)
    }

    // MARK: Publishing

    public func publish(_ request: PublishRequest) async throws(ConnectorError) -> PublishedPost {
        let submission = try BilibiliSubmission(request, tid: tid)
        let uploadToken = try await repeating("preparing the upload") { () async throws(ConnectorError) -> String in
            let answer = try await api.post("/arcopen/fn/archive/video/init", json: ["name": submission.video.fileName, "utype": "0"])
            guard let token = BilibiliValue.string((answer as? [String: Any])?["upload_token"]) else {
                throw .temporary(reason: "Bilibili prepared the upload without an upload_token; Fanfare will try again")
            }
            return token
        }
        let data = submission.video.data
        var start = data.startIndex
        var part = 1
        while start < data.endIndex {
            let end = data.index(start, offsetBy: chunkSize, limitedBy: data.endIndex) ?? data.endIndex
            let bytes = data.subdata(in: start..<end)
            let number = part
            try await repeating("uploading part \(number) of the video") { () async throws(ConnectorError) in
                try await api.uploadPart(token: uploadToken, number: number, bytes: bytes)
            }
            start = end
            part += 1
        }
        try await repeating("joining the video's parts") { () async throws(ConnectorError) in
            _ = try await api.post("/arcopen/fn/archive/video/complete", query: [("upload_token", uploadToken)], json: [:])
        }
        let cover = try await repeating("uploading the cover") { () async throws(ConnectorError) -> String in
            let answer = try await api.post(
                "/arcopen/fn/archive/cover/upload",
                file: .init(
                    field: "file", fileName: submission.cover.fileName, contentType: submission.cover.format.mimeType, data: submission.cover.data))
            guard let url = BilibiliValue.string((answer as? [String: Any])?["url"]) else {
                throw .temporary(reason: "Bilibili took the cover without giving its address; Fanfare will try again")
            }
            return url
        }
        // The one call that makes the 稿件: sent once. A lost answer stays
        // `.outcomeUnknown`, and the scheduler asks `findPost` first.
        let answer = try await api.post(
            "/arcopen/fn/archive/add-by-utoken", query: [("upload_token", uploadToken)], json: submission.body(cover: cover))
        guard let id = BilibiliValue.string((answer as? [String: Any])?["resource_id"]) else {
            throw .outcomeUnknown(reason: "Bilibili accepted the video without naming it; Fanfare will look for it before submitting again")
        }
        return Self.post(id: id, at: api.clock())
    }

    /// A preparing call, again after a passing fault (a lost answer here
    /// makes nothing fans see): `attempts` tries in all.
    func repeating<T>(_ step: String, _ call: () async throws(ConnectorError) -> T) async throws(ConnectorError) -> T {
        var attempt = 1
        while true {
            do {
                return try await call()
            } catch {
                switch error {
                case .temporary where attempt < attempts, .outcomeUnknown where attempt < attempts:
                    attempt += 1
                    try? await Task.sleep(for: pause * (attempt - 1))
                case .temporary(let reason), .outcomeUnknown(let reason):
                    // Nothing was submitted: trying the whole post again later is safe.
                    throw .temporary(reason: "Bilibili failed while \(step) \(attempts) times (\(reason)); nothing was submitted")
                default:
                    throw error
                }
            }
        }
    }

    /// The 稿件 whose description carries the key's marker, among the
    /// account's newest (`archive/viewlist`, every state: a new 稿件 waits
    /// in review), 20 a page as the official demo asks, three pages deep.
    public func findPost(idempotencyKey: String) async throws(ConnectorError) -> PublishedPost? {
        let marker = BilibiliSubmission.marker(for: idempotencyKey)
        for number in 1...Self.pagesSearched {
            let page =
                try await api.get(
                    "/arcopen/fn/archive/viewlist", [("pn", String(number)), ("ps", String(Self.pageSize)), ("status", "all")]) as? [String: Any]
            let list = page?["list"] as? [[String: Any]] ?? []
            for item in list {
                guard let id = BilibiliValue.string(item["resource_id"]) else { continue }
                var description = item["desc"] as? String
                if description == nil {
                    // A list without descriptions: the 稿件's own page has it.
                    description = (try await api.get("/arcopen/fn/archive/view", [("resource_id", id)]) as? [String: Any])?["desc"] as? String
                }
                guard BilibiliSubmission.carries(description ?? "", marker: marker) else { continue }
                let seconds = BilibiliValue.int(item["ctime"]) ?? BilibiliValue.int(item["ptime"])
                return Self.post(id: id, at: seconds.map { Date(timeIntervalSince1970: TimeInterval($0)) } ?? api.clock())
            }
            if list.count < Self.pageSize { break }
        }
        return nil
    }

    static let pageSize = 20
    static let pagesSearched = 3

    static func post(id: String, at: Date) -> PublishedPost {
        PublishedPost(remoteID: id, url: "https://www.bilibili.com/video/\(id)", publishedAt: at)
    }

    /// The open platform documents 视频稿件删除, but its address is not in
    /// the public material this connector was built from; deleting is left
    /// to the person rather than guessed.
    public func delete(remoteID: String) async throws(ConnectorError) {
        throw .notSupported("Delete the video in Bilibili's 创作中心 (member.bilibili.com); Fanfare does not delete Bilibili videos")
    }

    // MARK: Fans

    /// The open platform gives third parties no comments, danmaku or
    /// messages: there is nothing to read.
    public func interactions(since cursor: String?, limit: Int) async throws(ConnectorError) -> InteractionPage {
        InteractionPage(interactions: [], nextCursor: cursor ?? "")
    }

    public func reply(to interactionID: String, text: String, idempotencyKey: String) async throws(ConnectorError) -> String {
        throw .notSupported(
            "Reply in the Bilibili app or 创作中心: Bilibili's open platform has no comment or message API for other applications")
    }

    // MARK: Numbers

    /// `data/arc/stat`: plays, danmaku, comments, favourites, coins,
    /// shares and likes of one video, totals since publishing.
    public func metrics(of remoteID: String) async throws(ConnectorError) -> PostMetrics {
        guard let stat = try await api.get("/arcopen/fn/data/arc/stat", [("resource_id", remoteID)]) as? [String: Any] else { throw .notFound }
        func value(_ key: String) -> Int? { BilibiliValue.int(stat[key]) }
        return PostMetrics(
            impressions: nil, likes: value("like") ?? 0, comments: value("reply") ?? 0, shares: value("share") ?? 0, at: api.clock(),
            saves: value("favorite"), plays: value("view"),
            platformValues: PlatformValues.of(["view", "danmaku", "reply", "favorite", "coin", "share", "like"].map { ($0, value($0)) }))
    }

    /// `data/user/stat`: followers, followings and passed videos.
    public func accountStats() async throws(ConnectorError) -> AccountStats {
        guard let stat = try await api.get("/arcopen/fn/data/user/stat") as? [String: Any] else {
            throw .temporary(reason: "Bilibili answered the account's numbers without them; Fanfare will try again")
        }
        func value(_ key: String) -> Int? { BilibiliValue.int(stat[key]) }
        return AccountStats(
            followers: value("follower") ?? 0, posts: value("arc_passed_total") ?? 0, at: api.clock(), following: value("following"),
            platformValues: PlatformValues.of(["follower", "following", "arc_passed_total"].map { ($0, value($0)) }))
    }

    /// A new access token from the refresh token (which works once: the
    /// answer carries the next one).
    public func refreshCredentials(_ credentials: ConnectorCredentials, now: Date) async throws(ConnectorError) -> ConnectorCredentials {
        guard let refresh = credentials.refreshToken, !refresh.isEmpty else { throw .expiredCredentials }
        let signIn = BilibiliSignIn(
            app: .init(clientID: api.clientID, clientSecret: api.secret), hosts: api.hosts, transport: api.transport)
        var renewed = try await signIn.refresh(refreshToken: refresh, now: now)
        renewed.secrets = credentials.secrets
        return renewed
    }
}

/// What `add-by-utoken` is sent, checked before anything is uploaded.
struct BilibiliSubmission {
    var video: MediaUpload
    var cover: MediaUpload
    var title: String
    var description: String
    var tags: [String]
    var tid: Int

    /// Title ≤ 80 characters [3P, PLATFORMS.md]; the description as the
    /// platform rules count it, marker included.
    static let titleLimit = 80
    static let descriptionLimit = 2_000
    static let coverFormats: Set<MediaFormat> = [.jpeg, .png]
    static let coverMaxBytes = 5 << 20
    static let videoMaxBytes = 4 << 30

    init(_ request: PublishRequest, tid: Int) throws(ConnectorError) {
        let variant = request.variant
        if request.media.count != variant.media.count {
            throw .rejected(reason: "A file of this post has no copy in the library; upload it and try again")
        }
        guard let video = request.media.first(where: { $0.format.kind == .video }) else {
            throw .rejected(
                reason:
                    "Fanfare publishes videos to Bilibili: attach an MP4 video (Bilibili's open platform has no API for 动态, and Fanfare does not publish 专栏 articles)"
            )
        }
        guard let cover = request.media.first(where: { $0.format.kind == .image }) else {
            throw .rejected(reason: "A Bilibili video needs a cover: attach a JPEG or PNG picture of at least 960 × 600 pixels, up to 5 MB")
        }
        if request.media.filter({ $0.format.kind == .video }).count > 1 || request.media.count > 2 {
            throw .rejected(reason: "A Bilibili 稿件 carries one video and its cover; keep one of each")
        }
        if video.data.count > Self.videoMaxBytes {
            throw .rejected(reason: "Bilibili takes videos up to 4 GB; this one is larger")
        }
        if !Self.coverFormats.contains(cover.format) || cover.data.count > Self.coverMaxBytes {
            throw .rejected(reason: "Bilibili takes a JPEG or PNG cover up to 5 MB; replace the cover picture")
        }
        if let width = cover.width, let height = cover.height, width < 960 || height < 600 {
            throw .rejected(reason: "Bilibili's cover must be at least 960 × 600 pixels; this one is \(width) × \(height)")
        }
        let title = (variant.title ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty else { throw .rejected(reason: "A Bilibili video needs a title (up to 80 characters)") }
        if title.count > Self.titleLimit {
            throw .rejected(reason: "The title is \(title.count) characters long; Bilibili accepts \(Self.titleLimit)")
        }
        let tags = variant.tags.map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "#＃")) }
            .filter { !$0.isEmpty }
        guard !tags.isEmpty else { throw .rejected(reason: "Bilibili needs at least one tag on a video; add tags to the post") }
        if let comma = tags.first(where: { $0.contains(",") || $0.contains("，") }) {
            throw .rejected(reason: "Bilibili separates tags with commas, so a tag cannot contain one: “\(comma)”")
        }
        let text = variant.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let description = Self.compose(text, marker: Self.marker(for: request.idempotencyKey))
        if description.count > Self.descriptionLimit {
            throw .rejected(
                reason:
                    "With the reference Fanfare adds to find the video again, the description is \(description.count) characters long; Bilibili accepts \(Self.descriptionLimit), so shorten the text by \(description.count - Self.descriptionLimit)"
            )
        }
        self.video = video
        self.cover = cover
        self.title = title
        self.description = description
        self.tags = tags
        self.tid = tid
    }

    /// `copyright` 1 is 自制 (the brand's own video); `no_reprint` 0 leaves
    /// reposting to Bilibili's default.
    func body(cover: String) -> [String: Any] {
        ["title": title, "cover": cover, "tid": tid, "tag": tags.joined(separator: ","), "desc": description, "copyright": 1, "no_reprint": 0]
    }

    /// The reference on the description's last line that finds the 稿件
    /// again: the only field of a 稿件 Fanfare writes that the list of the
    /// account's videos gives back (Bilibili takes no idempotency key).
    static let prefix = "ref: ff-"

    static func marker(for idempotencyKey: String) -> String {
        HexText.lower(SHA256.hash(data: Data(idempotencyKey.utf8)).prefix(6))
    }

    static func compose(_ text: String, marker: String) -> String {
        text.isEmpty ? prefix + marker : text + "\n\n" + prefix + marker
    }

    static func carries(_ description: String, marker: String) -> Bool {
        description.contains(prefix + marker)
    }
}
