import Foundation

/// The piece of content an editor writes once.
public struct ContentDraft: Sendable, Equatable, Codable {
    public var title: String?
    public var body: String
    public var hashtags: [String]
    public var media: [MediaAttachment]

    public init(title: String? = nil, body: String, hashtags: [String] = [], media: [MediaAttachment] = []) {
        self.title = title
        self.body = body
        self.hashtags = hashtags
        self.media = media
    }
}

/// Proposes a variant of a draft for a platform: hashtags in the platform's
/// syntax (or its tags field), a title where one is needed, the text
/// shortened at a character boundary when it would not fit, and the media
/// the platform can take. The proposal is then validated like any variant.
public enum VariantAdapter {
    public static let ellipsis = "…"

    public static func propose(_ draft: ContentDraft, for rules: PlatformRules) -> Variant {
        let tags = draft.hashtags.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "#＃ ")) }.filter { !$0.isEmpty }
        var variant = Variant(text: draft.body.trimmingCharacters(in: .whitespacesAndNewlines))
        let renderedTags: String
        switch rules.hashtags {
        case .inline, .paired:
            renderedTags = tags.map(rules.hashtags.render).joined(separator: " ")
        case .field:
            variant.tags = tags
            renderedTags = ""
        case .none:
            renderedTags = ""
        }
        // The text is shortened to leave room for the tags, which carry reach.
        if let limit = rules.preferredLength ?? rules.textLimit {
            let suffix = renderedTags.isEmpty ? "" : "\n\n" + renderedTags
            variant.text = fit(variant.text, suffix: suffix, limit: limit, counting: rules.counting)
            if let second = rules.secondLimit {
                variant.text = fit(variant.text, suffix: "", limit: second.limit, counting: second.counting)
            }
        } else if !renderedTags.isEmpty {
            variant.text += "\n\n" + renderedTags
        }
        if let titleLimit = rules.titleLimit {
            let source =
                draft.title?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
                ?? (rules.titleRequired ? firstSentence(of: draft.body) : nil)
            variant.title = source.map { fit($0, suffix: "", limit: titleLimit, counting: rules.titleCounting) }
        }
        variant.media = pickMedia(draft.media, rules.media)
        return variant
    }

    /// `text + suffix` shortened (with an ellipsis) so that it fits `limit`.
    public static func fit(_ text: String, suffix: String, limit: Int, counting: LengthCounting) -> String {
        if counting.count(text + suffix) <= limit { return text + suffix }
        var kept = text
        // Cut at the overflow point, then step back until text, ellipsis and
        // suffix fit together (costs are not additive under halfWidth's
        // rounding and Mastodon's links).
        if let cut = counting.overflowStart(text + ellipsis + suffix, limit: limit), cut < kept.endIndex {
            kept = String(kept[..<cut])
        }
        while !kept.isEmpty, counting.count(kept + ellipsis + suffix) > limit { kept.removeLast() }
        kept = String(kept.reversed().drop(while: { $0.isWhitespace }).reversed())
        return kept.isEmpty ? String(suffix.drop(while: { $0.isNewline })) : kept + ellipsis + suffix
    }

    static func firstSentence(of body: String) -> String? {
        let line = body.split(whereSeparator: \.isNewline).first.map(String.init) ?? body
        let end = line.firstIndex(where: { "。！？!?".contains($0) }) ?? line.endIndex
        return String(line[..<end]).trimmingCharacters(in: .whitespaces).nilIfEmpty
    }

    static func pickMedia(_ media: [MediaAttachment], _ rules: MediaRules) -> [MediaAttachment] {
        let usable = media.filter { rules.kinds.contains($0.kind) && $0.bytes <= (rules.maxBytes[$0.kind] ?? .max) }
        if !rules.requiredEach.isEmpty {
            // One of each kind the platform needs (Bilibili's video and its
            // cover) before any other, kept in the draft's order.
            var picked = Set(rules.requiredEach.compactMap { kind in usable.firstIndex { $0.kind == kind } })
            for index in usable.indices where picked.count < rules.maxCount { picked.insert(index) }
            return picked.sorted().prefix(rules.maxCount).map { usable[$0] }
        }
        guard rules.videoAlone else { return Array(usable.prefix(rules.maxCount)) }
        // Pictures win over a video that would have to stand alone.
        let pictures = usable.filter { $0.kind != .video }
        if pictures.isEmpty, let video = usable.first(where: { $0.kind == .video }) { return [video] }
        return Array(pictures.prefix(rules.maxCount))
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}

extension VariantAdapter {
    /// The draft as the platform would write it (its hashtag syntax, its
    /// title field), but not shortened: what the person wrote, so that a
    /// rule it breaks is shown rather than silently cut away. `propose`
    /// gives the shortened version to offer as the fix.
    public static func written(_ draft: ContentDraft, for rules: PlatformRules) -> Variant {
        var open = rules
        open.textLimit = nil
        open.preferredLength = nil
        open.secondLimit = nil
        open.titleLimit = rules.titleLimit.map { _ in Int.max }
        return propose(draft, for: open)
    }
}
