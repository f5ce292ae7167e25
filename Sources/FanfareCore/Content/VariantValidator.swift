import Foundation

/// Lists every rule a variant breaks for a platform, with the position in
/// the text where it can be seen. Nothing is fixed here: the adapter
/// proposes, the person decides.
public enum VariantValidator {
    public static func violations(of variant: Variant, against rules: PlatformRules) -> [RuleViolation] {
        textViolations(variant, rules) + titleViolations(variant, rules) + hashtagViolations(variant, rules) + mediaViolations(variant, rules)
    }

    private static func textViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        var found: [RuleViolation] = []
        let text = variant.text
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, variant.media.isEmpty {
            found.append(RuleViolation(rule: "text.required", field: "text", .textOrMediaRequired))
        }
        var limits: [(Int, LengthCounting, String)] = []
        if let limit = rules.textLimit { limits.append((limit, rules.counting, "text.too_long")) }
        if let second = rules.secondLimit { limits.append((second.limit, second.counting, "text.too_long_bytes")) }
        for (limit, counting, rule) in limits {
            let count = counting.count(text)
            guard count > limit, let start = counting.overflowStart(text, limit: limit) else { continue }
            found.append(
                RuleViolation(
                    rule: rule, field: "text", tooLong(count: count, limit: limit, counting: counting, platform: rules.platform),
                    span: TextSpan(start..<text.endIndex, in: text)))
        }
        return found
    }

    private static func titleViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        let title = variant.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let limit = rules.titleLimit else {
            if !title.isEmpty {
                return [
                    RuleViolation(rule: "title.not_supported", field: "title", severity: .warning, .titleNotSupported(platform: rules.platform))
                ]
            }
            return []
        }
        if title.isEmpty {
            return rules.titleRequired
                ? [
                    RuleViolation(
                        rule: "title.required", field: "title",
                        rules.titleCounting.isHalfWidth
                            ? .titleRequiredHalfWidth(platform: rules.platform, max: limit) : .titleRequired(platform: rules.platform, max: limit))
                ]
                : []
        }
        let raw = variant.title!
        let count = rules.titleCounting.count(raw)
        guard count > limit, let start = rules.titleCounting.overflowStart(raw, limit: limit) else { return [] }
        return [
            RuleViolation(
                rule: "title.too_long", field: "title", tooLong(count: count, limit: limit, counting: rules.titleCounting, platform: rules.platform),
                span: TextSpan(start..<raw.endIndex, in: raw))
        ]
    }

    // Compiled once: a regex literal in a function is parsed again on
    // every call (a tenth of a post page's time). A compiled `Regex` may be
    // used from any thread.
    nonisolated(unsafe) private static let inlineTopic = #/#([^#\s]{1,40})#/#
    nonisolated(unsafe) private static let hashWord = #/(?:^|\s)#[^\s#]+/#

    private static func hashtagViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        let text = variant.text
        var found: [RuleViolation] = []
        switch rules.hashtags {
        case .paired:
            // Every topic needs its closing `#`; an odd one out is shown.
            let marks = text.indices.filter { text[$0] == "#" || text[$0] == "＃" }
            let links = marks.isEmpty ? [] : TextPatterns.links(in: text)
            let outsideLinks = marks.filter { mark in !links.contains { $0.contains(mark) } }
            if outsideLinks.count % 2 == 1, let last = outsideLinks.last {
                found.append(
                    RuleViolation(
                        rule: "hashtag.unclosed", field: "text", .hashtagUnclosed(platform: rules.platform),
                        span: TextSpan(last..<text.index(after: last), in: text)))
            }
        case .inline:
            // `#话题#` (Weibo style) shows a stray # elsewhere.
            for match in text.matches(of: Self.inlineTopic) {
                found.append(
                    RuleViolation(
                        rule: "hashtag.foreign_syntax", field: "text", severity: .warning,
                        .hashtagForeignSyntax(platform: rules.platform, tag: String(match.output.1)),
                        span: TextSpan(match.range, in: text)))
            }
        case .field, .none:
            if rules.hashtags == .field, let first = text.firstRange(of: Self.hashWord) {
                found.append(
                    RuleViolation(
                        rule: "hashtag.use_tags_field", field: "text", severity: .warning, .hashtagUseTagsField(platform: rules.platform),
                        span: TextSpan(first, in: text)))
            }
        }
        return found
    }

    private static func mediaViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        var found: [RuleViolation] = []
        let media = rules.media
        if variant.media.count > media.maxCount {
            found.append(
                RuleViolation(
                    rule: "media.too_many", field: "media", .mediaTooMany(count: variant.media.count, platform: rules.platform, max: media.maxCount)))
        }
        if !media.required.isEmpty, !variant.media.contains(where: { media.required.contains($0.kind) }) {
            let kinds = media.required.map(\.rawValue).sorted()
            found.append(RuleViolation(rule: "media.required", field: "media", .mediaRequired(kinds: kinds, platform: rules.platform)))
        }
        for kind in media.requiredEach.sorted(by: { $0.rawValue > $1.rawValue }) where !variant.media.contains(where: { $0.kind == kind }) {
            found.append(RuleViolation(rule: "media.required", field: "media", .mediaRequired(kinds: [kind.rawValue], platform: rules.platform)))
        }
        if media.videoAlone, variant.media.contains(where: { $0.kind == .video }), variant.media.count > 1 {
            found.append(
                RuleViolation(rule: "media.video_alone", field: "media", .mediaVideoAlone(platform: rules.platform)))
        }
        for (index, item) in variant.media.enumerated() {
            if !media.kinds.contains(item.kind) {
                let kinds = media.kinds.map(\.rawValue).sorted()
                found.append(
                    RuleViolation(
                        rule: "media.kind_not_allowed", field: "media[\(index)]",
                        .mediaKindNotAllowed(kind: item.kind.rawValue, platform: rules.platform, kinds: kinds)))
            } else if let max = media.maxBytes[item.kind], item.bytes > max {
                found.append(
                    RuleViolation(
                        rule: "media.too_large", field: "media[\(index)]",
                        .mediaTooLarge(size: item.bytes, platform: rules.platform, kind: item.kind.rawValue, max: max)))
            } else if let format = item.format, let formats = media.formats, !formats.contains(format) {
                found.append(
                    RuleViolation(
                        rule: "media.format_not_accepted", field: "media[\(index)]",
                        .mediaFormatNotAccepted(format: format, platform: rules.platform, formats: formats)))
            } else if let width = item.width, let height = item.height, let max = media.scaledAbove[item.kind], width * height > max {
                found.append(
                    RuleViolation(
                        rule: "media.scaled_down", field: "media[\(index)]", severity: .warning,
                        .mediaScaledDown(width: width, height: height, platform: rules.platform, max: max)))
            }
        }
        return found
    }

    /// "is 212 characters long; weibo accepts at most 140 (…)", the unit
    /// and how it is counted said the platform's way.
    static func tooLong(count: Int, limit: Int, counting: LengthCounting, platform: String) -> CodedMessage {
        switch counting {
        case .graphemes: .tooLongGraphemes(count: count, platform: platform, max: limit)
        case .mastodon(let cost): .tooLongMastodon(count: count, platform: platform, max: limit, link: cost)
        case .halfWidth(let link?): .tooLongHalfWidthLinks(count: count, platform: platform, max: limit, link: link / 2)
        case .halfWidth(nil): .tooLongHalfWidth(count: count, platform: platform, max: limit)
        case .utf8Bytes: .tooLongBytes(count: count, platform: platform, max: limit)
        }
    }
}

extension LengthCounting {
    /// Counted in 汉字 units (Chinese 1, Latin ½), as Weibo and
    /// Xiaohongshu titles count.
    var isHalfWidth: Bool {
        if case .halfWidth = self { return true }
        return false
    }
}
