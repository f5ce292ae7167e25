import FanfareCore
import Foundation

/// Everything a person needs to publish a variant by hand: the title and
/// body ready to paste, the media in order, and the steps, ending with
/// pasting the published link back into Fanfare.
public struct HandOffPackage: Sendable, Equatable, Codable {
    public struct MediaItem: Sendable, Equatable, Codable {
        /// 1-based, in the order to attach.
        public var position: Int
        public var kind: MediaKind
        public var bytes: Int
    }

    public var platform: String
    public var title: String?
    public var body: String
    /// Topics in the body, without `#`, in order of appearance.
    public var topics: [String]
    public var media: [MediaItem]
    public var checklist: [String]
    /// Rules the package breaks (from `VariantValidator`); errors must be
    /// fixed in the variant before the person can post it as it is.
    public var problems: [RuleViolation]

    public var isReady: Bool { !problems.contains { $0.severity == .error } }

    /// Topics are written `#话题` in the body, the form a person types.
    /// Xiaohongshu stores topics internally as `#话题[话题]#` (seen in
    /// unofficial clients), a form that would show as literal text when
    /// pasted; a topic becomes a link when picked from the app's list, hence
    /// the checklist step for topics.
    public static func build(from variant: Variant, rules: PlatformRules, account: String? = nil) -> HandOffPackage {
        var body = variant.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let extra = variant.tags.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "#＃ ")) }.filter { !$0.isEmpty }
            .map { HashtagStyle.inline.render($0) }.filter { !body.contains($0) }
        if !extra.isEmpty { body += (body.isEmpty ? "" : "\n\n") + extra.joined(separator: " ") }
        let title = variant.title?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfBlank
        let media = variant.media.enumerated().map { MediaItem(position: $0.offset + 1, kind: $0.element.kind, bytes: $0.element.bytes) }
        let topics = body.matches(of: #/[#＃]([^\s#＃]{1,40})/#).map { String($0.output.1) }
        let built = Variant(title: title, text: body, tags: [], media: variant.media)
        let problems = VariantValidator.violations(of: built, against: rules)
        let platform = HandOffPlatform(rawValue: rules.platform)
        let checklist = steps(for: platform, name: platform?.name ?? rules.platform, title: title, topics: topics, media: media, account: account)
        return HandOffPackage(
            platform: rules.platform, title: title, body: body, topics: topics, media: media, checklist: checklist, problems: problems)
    }

    static func steps(
        for platform: HandOffPlatform?, name: String, title: String?, topics: [String], media: [MediaItem], account: String?
    )
        -> [String]
    {
        let who = account.map { "signed in as \($0)" } ?? "signed in to the account"
        let video = media.first { $0.kind == .video }
        var steps: [String] = []
        switch platform {
        case .xiaohongshu:
            if video != nil {
                steps.append("Open Xiaohongshu on a phone \(who), tap + and pick the video.")
                steps.append("Tap 选封面 and set the cover.")
            } else {
                steps.append("Open Xiaohongshu on a phone \(who), tap + and pick the images in this order: \(describe(media)).")
                steps.append("Check the cover: it is the first image; tap 编辑封面 to change it.")
            }
        case .douyin:
            steps.append("Open Douyin on a phone \(who), tap + and pick the video.")
            steps.append("Tap 选封面 and set the cover.")
        case nil:
            steps.append("Open \(name) \(who) and start a new post.")
            if !media.isEmpty { steps.append("Attach the media in this order: \(describe(media)).") }
        }
        if let title { steps.append("Paste the title: \(title)") }
        steps.append(platform == .douyin ? "Paste the description (作品描述)." : "Paste the body.")
        if !topics.isEmpty {
            let list = topics.map { "#\($0)" }.joined(separator: ", ")
            steps.append(
                "Check the topics \(list): each should show as a link; if one stays plain text, delete it, type # and pick it from the suggestions.")
        }
        switch platform {
        case .xiaohongshu: steps.append("Tap 发布笔记 to publish.")
        case .douyin: steps.append("Tap 发布 to publish.")
        case nil: steps.append("Publish the post.")
        }
        let what = platform == .douyin ? "video" : platform == .xiaohongshu ? "note" : "post"
        steps.append("Open the published \(what), tap 分享 → 复制链接 (share → copy link), and paste the link back into Fanfare.")
        return steps
    }

    static func describe(_ media: [MediaItem]) -> String {
        guard !media.isEmpty else { return "none attached to this variant" }
        return media.map { "\($0.position). \($0.kind.rawValue) (\(String(format: "%.1f MB", Double($0.bytes) / 1_048_576)))" }
            .joined(separator: ", ")
    }

    /// The published post's link, from what the person pasted (a bare link
    /// or the app's share text around it), checked to be a post on
    /// `platform`: xiaohongshu.com/explore/<id> or xhslink.com/… for
    /// Xiaohongshu; douyin.com/video/<id> or v.douyin.com/… for Douyin.
    public static func validatePublishedURL(_ pasted: String, platform: String) throws(ConnectorError) -> HandOffLink {
        guard let target = HandOffPlatform(rawValue: platform) else {
            throw .notSupported("\(platform) posts are not handed off, so there is no link to check")
        }
        guard let link = HandOffLinks.firstLink(in: pasted) else {
            throw .rejected(reason: "There is no link in what was pasted; paste the published post's link, e.g. \(target.postExample)")
        }
        let host = link.host ?? ""
        if let owner = HandOffPlatform.owning(host: host), owner != target {
            throw .rejected(reason: "That is a \(owner.name) link, but this post is for \(target.name); paste the \(target.name) link")
        }
        guard HandOffPlatform.owning(host: host) == target else {
            throw .rejected(reason: "\(host) is not a \(target.name) address; paste the published post's link, e.g. \(target.postExample)")
        }
        guard let id = HandOffLinks.identify(link, on: target, shape: .post) else {
            if HandOffLinks.identify(link, on: target, shape: .profile) != nil {
                throw .rejected(reason: "That is a profile link, not a post; open the published post and copy its link (\(target.postExample))")
            }
            throw .rejected(reason: "That \(target.name) link does not point to a post; paste a link such as \(target.postExample)")
        }
        return HandOffLink(url: link.string ?? pasted, remoteID: id)
    }
}

extension String {
    fileprivate var nilIfBlank: String? { isEmpty ? nil : self }
}
