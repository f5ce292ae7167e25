import Foundation

/// How a platform will show a variant, as far as Fanfare can tell before
/// publishing: what stands above the text (a headline, a content warning,
/// nothing), how much of the text shows before the platform folds it, and
/// how its pictures are laid out. Pages draw previews from it; no rule of
/// a platform is decided in a page.
public struct VariantPreview: Sendable, Equatable {
    public enum TitleRole: String, Sendable, Equatable {
        /// The title is the headline (WeChat articles, Xiaohongshu notes, Bilibili videos).
        case headline
        /// Mastodon shows a title as a content warning that hides the text until opened.
        case contentWarning = "content_warning"
        /// The platform has no title; it is not published.
        case dropped
    }

    public enum Layout: String, Sendable, Equatable {
        /// Pictures under the text in a grid (Mastodon, Bluesky, Weibo).
        case grid
        /// The first picture is the cover above the title (WeChat, Xiaohongshu, Bilibili, Douyin).
        case cover
        /// No pictures.
        case none
    }

    public var platform: String
    public var title: String?
    public var titleRole: TitleRole
    /// The text as the feed shows it: whole, or up to the fold.
    public var text: String
    /// Whether the feed cuts the text ("全文" / "Show more").
    public var folded: Bool
    public var layout: Layout
    /// How many of the attachments show (the platform's limit).
    public var shownMedia: Int

    /// Where each platform folds long text in the feed: Weibo after 140
    /// characters (全文), Xiaohongshu's card after its title, WeChat's card
    /// shows only the digest (the first 54 characters).
    static let fold: [String: Int] = ["weibo": 140, "wechat": 54, "xiaohongshu": 60, "douyin": 55]

    public init(variant: Variant, rules: PlatformRules) {
        platform = rules.platform
        let hasTitle = !(variant.title?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true)
        switch rules.platform {
        case "mastodon": titleRole = hasTitle ? .contentWarning : .dropped
        case _ where rules.titleLimit != nil: titleRole = .headline
        default: titleRole = .dropped
        }
        title = hasTitle && titleRole != .dropped ? variant.title : nil
        let body = variant.text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let fold = Self.fold[rules.platform], body.count > fold {
            text = String(body.prefix(fold))
            folded = true
        } else {
            text = body
            folded = false
        }
        shownMedia = min(variant.media.count, rules.media.maxCount)
        if shownMedia == 0 {
            layout = .none
        } else {
            layout = ["wechat", "xiaohongshu", "bilibili", "douyin"].contains(rules.platform) ? .cover : .grid
        }
    }
}
