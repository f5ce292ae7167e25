import Foundation

/// How a platform writes a hashtag.
public enum HashtagStyle: String, Sendable, Equatable, Codable {
    /// `#tag` inline (Mastodon, Bluesky, Douyin, Sandbox).
    case inline
    /// `#话题#`, closed by a second `#` (Weibo).
    case paired
    /// Not in the text: a separate tags field (Bilibili).
    case field
    /// The platform has no hashtags (WeChat articles, webhooks).
    case none

    public func render(_ tag: String) -> String {
        switch self {
        case .inline: "#\(tag)"
        case .paired: "#\(tag)#"
        case .field, .none: tag
        }
    }
}

/// Kinds of media a post can carry.
public enum MediaKind: String, Sendable, Equatable, Codable, CaseIterable {
    case image
    case gif
    case video
}

/// A platform's media limits.
public struct MediaRules: Sendable, Equatable {
    public var maxCount: Int
    public var kinds: Set<MediaKind>
    public var maxBytes: [MediaKind: Int]
    /// A video must be the only attachment (Mastodon, Bluesky).
    public var videoAlone: Bool
    /// At least one attachment of one of these kinds is needed (a cover for
    /// WeChat, the video for Douyin and Bilibili).
    public var required: Set<MediaKind>
    /// Kinds of which each must be there: Bilibili's video and the cover
    /// picture its submission takes beside it.
    public var requiredEach: Set<MediaKind>
    /// The file formats the platform takes (nil: any Fanfare reads).
    public var formats: Set<MediaFormat>?
    /// Pixels above which the platform scales a picture or video down:
    /// accepted, but what fans see is smaller (a warning, not an error).
    public var scaledAbove: [MediaKind: Int]

    public init(
        maxCount: Int, kinds: Set<MediaKind>, maxBytes: [MediaKind: Int] = [:], videoAlone: Bool = false, required: Set<MediaKind> = [],
        requiredEach: Set<MediaKind> = [], formats: Set<MediaFormat>? = nil, scaledAbove: [MediaKind: Int] = [:]
    ) {
        self.requiredEach = requiredEach
        self.maxCount = maxCount
        self.kinds = kinds
        self.maxBytes = maxBytes
        self.videoAlone = videoAlone
        self.required = required
        self.formats = formats
        self.scaledAbove = scaledAbove
    }
}

/// Everything Fanfare checks a variant against for one platform. Values
/// follow each platform's documentation as collected in PLATFORMS.md; where
/// a platform makes a value per account or instance (Mastodon's length), the
/// connector overrides the default when it connects.
public struct PlatformRules: Sendable, Equatable {
    public var platform: String
    public var textLimit: Int?
    public var counting: LengthCounting
    /// A second limit counted another way (Bluesky: 3,000 UTF-8 bytes).
    public var secondLimit: (limit: Int, counting: LengthCounting)?
    public var titleLimit: Int?
    public var titleCounting: LengthCounting
    public var titleRequired: Bool
    public var hashtags: HashtagStyle
    public var media: MediaRules
    /// A length the adapter aims for, shorter than the limit (a Weibo post
    /// reads best short; a Xiaohongshu note long).
    public var preferredLength: Int?
    /// How long a reply (a comment reply or a direct message) may be,
    /// counted as the text is and held to the same second limit; nil when
    /// the platform has nothing to reply to (a webhook). Platforms whose
    /// documentation is silent on replies hold them to the post limit.
    public var replyLimit: Int?

    public static func == (lhs: PlatformRules, rhs: PlatformRules) -> Bool {
        lhs.platform == rhs.platform && lhs.textLimit == rhs.textLimit && lhs.counting == rhs.counting
            && lhs.secondLimit?.limit == rhs.secondLimit?.limit && lhs.secondLimit?.counting == rhs.secondLimit?.counting
            && lhs.titleLimit == rhs.titleLimit && lhs.titleCounting == rhs.titleCounting && lhs.titleRequired == rhs.titleRequired
            && lhs.hashtags == rhs.hashtags && lhs.media == rhs.media && lhs.preferredLength == rhs.preferredLength
            && lhs.replyLimit == rhs.replyLimit
    }

    static let mib = 1 << 20

    /// The rules Fanfare ships, by platform id.
    public static let standard: [String: PlatformRules] = [
        // Replies kept shorter than posts, so a test meets the reply limit
        // without a 2,000-character text.
        "sandbox": PlatformRules(
            platform: "sandbox", textLimit: 2_000, counting: .graphemes, titleLimit: 60, titleCounting: .graphemes,
            titleRequired: false, hashtags: .inline,
            media: MediaRules(maxCount: 9, kinds: [.image, .gif, .video], maxBytes: [.image: 10 * mib, .gif: 10 * mib, .video: 200 * mib]),
            preferredLength: nil, replyLimit: 1_000),
        // 500 by default; the instance says its own (configuration.statuses.max_characters).
        // A reply is a status with `in_reply_to_id`, held to the same limit.
        "mastodon": PlatformRules(
            platform: "mastodon", textLimit: 500, counting: .mastodon(linkCost: 23), titleLimit: nil, titleCounting: .graphemes,
            titleRequired: false, hashtags: .inline,
            media: MediaRules(
                maxCount: 4, kinds: [.image, .gif, .video], maxBytes: [.image: 16 * mib, .gif: 16 * mib, .video: 99 * mib], videoAlone: true,
                formats: [.jpeg, .png, .gif, .webp, .mp4, .quicktime], scaledAbove: [.image: 3_840 * 2_160, .video: 1_920 * 1_200]),
            preferredLength: nil, replyLimit: 500),
        "bluesky": PlatformRules(
            platform: "bluesky", textLimit: 300, counting: .graphemes, secondLimit: (3_000, .utf8Bytes), titleLimit: nil,
            titleCounting: .graphemes, titleRequired: false, hashtags: .inline,
            media: MediaRules(
                maxCount: 4, kinds: [.image, .video], maxBytes: [.image: 1_000_000, .video: 50_000_000], videoAlone: true,
                formats: [.jpeg, .png, .webp, .mp4], scaledAbove: [.image: 2_000 * 2_000]),
            preferredLength: nil, replyLimit: 300),
        "webhook": PlatformRules(
            platform: "webhook", textLimit: nil, counting: .graphemes, titleLimit: nil, titleCounting: .graphemes,
            titleRequired: false, hashtags: .inline, media: MediaRules(maxCount: 20, kinds: Set(MediaKind.allCases)), preferredLength: nil,
            replyLimit: nil),
        // statuses/share: 140 汉字, one picture under 5 MB; comments/create
        // and comments/reply hold `comment` to the same 140.
        "weibo": PlatformRules(
            platform: "weibo", textLimit: 140, counting: .halfWidth(linkCost: 20), titleLimit: nil, titleCounting: .graphemes,
            titleRequired: false, hashtags: .paired,
            media: MediaRules(maxCount: 1, kinds: [.image, .gif], maxBytes: [.image: 5 * mib, .gif: 5 * mib], formats: [.jpeg, .png, .gif]),
            preferredLength: 120, replyLimit: 140),
        // Article (图文): title required, kept to 32 in practice (45003 beyond).
        "wechat": PlatformRules(
            platform: "wechat", textLimit: 20_000, counting: .graphemes, titleLimit: 32, titleCounting: .graphemes,
            titleRequired: true, hashtags: .none,
            media: MediaRules(maxCount: 20, kinds: [.image], maxBytes: [.image: 10 * mib], required: [.image], formats: [.jpeg, .png, .gif]),
            preferredLength: nil,
            replyLimit: 20_000),
        "douyin": PlatformRules(
            platform: "douyin", textLimit: 55, counting: .graphemes, titleLimit: nil, titleCounting: .graphemes,
            titleRequired: false, hashtags: .inline,
            media: MediaRules(maxCount: 1, kinds: [.video], maxBytes: [.video: 4_096 * mib], required: [.video]), preferredLength: nil, replyLimit: 55
        ),
        // Note: title ≤ 20 (Chinese 1, Latin ½), body ≤ 1,000, 1–18 pictures.
        "xiaohongshu": PlatformRules(
            platform: "xiaohongshu", textLimit: 1_000, counting: .graphemes, titleLimit: 20, titleCounting: .halfWidth(linkCost: nil),
            titleRequired: true, hashtags: .inline,
            media: MediaRules(
                maxCount: 18, kinds: [.image, .video], maxBytes: [.image: 20 * mib, .video: 1_024 * mib], videoAlone: true,
                required: [.image, .video]),
            preferredLength: 800, replyLimit: 1_000),
        // A video 稿件 (open.bilibili.com 视频稿件投递): title required, ≤ 80
        // [3P]; the description as text, ≤ 2,000 [3P; 250 in some 分区];
        // tags in their own field; the video (≤ 4 GB, MP4 recommended) and a
        // JPEG or PNG cover ≤ 5 MB, both required. Comments cannot be read
        // or answered through the open platform: nothing to reply to.
        "bilibili": PlatformRules(
            platform: "bilibili", textLimit: 2_000, counting: .graphemes, titleLimit: 80, titleCounting: .graphemes,
            titleRequired: true, hashtags: .field,
            media: MediaRules(
                maxCount: 2, kinds: [.video, .image], maxBytes: [.video: 4_096 * mib, .image: 5 * mib], requiredEach: [.video, .image],
                formats: [.mp4, .quicktime, .jpeg, .png]),
            preferredLength: nil, replyLimit: nil),
    ]
}
