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
            found.append(RuleViolation(rule: "text.required", field: "text", message: "is empty; write a text or attach media"))
        }
        var limits: [(Int, LengthCounting, String)] = []
        if let limit = rules.textLimit { limits.append((limit, rules.counting, "text.too_long")) }
        if let second = rules.secondLimit { limits.append((second.limit, second.counting, "text.too_long_bytes")) }
        for (limit, counting, rule) in limits {
            let count = counting.count(text)
            guard count > limit, let start = counting.overflowStart(text, limit: limit) else { continue }
            found.append(
                RuleViolation(
                    rule: rule, field: "text",
                    message: "is \(count) \(unit(counting)) long; \(rules.platform) accepts at most \(limit) (\(describe(counting)))",
                    span: TextSpan(start..<text.endIndex, in: text)))
        }
        return found
    }

    private static func titleViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        let title = variant.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let limit = rules.titleLimit else {
            if !title.isEmpty {
                return [
                    RuleViolation(
                        rule: "title.not_supported", field: "title", severity: .warning,
                        message: "\(rules.platform) has no title field; the title will not be published")
                ]
            }
            return []
        }
        if title.isEmpty {
            return rules.titleRequired
                ? [
                    RuleViolation(
                        rule: "title.required", field: "title",
                        message: "is required on \(rules.platform) (at most \(limit) \(unit(rules.titleCounting)))")
                ]
                : []
        }
        let raw = variant.title!
        let count = rules.titleCounting.count(raw)
        guard count > limit, let start = rules.titleCounting.overflowStart(raw, limit: limit) else { return [] }
        return [
            RuleViolation(
                rule: "title.too_long", field: "title",
                message:
                    "is \(count) \(unit(rules.titleCounting)) long; \(rules.platform) accepts at most \(limit) (\(describe(rules.titleCounting)))",
                span: TextSpan(start..<raw.endIndex, in: raw))
        ]
    }

    private static func hashtagViolations(_ variant: Variant, _ rules: PlatformRules) -> [RuleViolation] {
        let text = variant.text
        var found: [RuleViolation] = []
        switch rules.hashtags {
        case .paired:
            // Every topic needs its closing `#`; an odd one out is shown.
            let marks = text.indices.filter { text[$0] == "#" || text[$0] == "＃" }
            let outsideLinks = marks.filter { mark in !TextPatterns.links(in: text).contains { $0.contains(mark) } }
            if outsideLinks.count % 2 == 1, let last = outsideLinks.last {
                found.append(
                    RuleViolation(
                        rule: "hashtag.unclosed", field: "text",
                        message: "has a topic without its closing #: \(rules.platform) writes topics as #话题#",
                        span: TextSpan(last..<text.index(after: last), in: text)))
            }
        case .inline:
            // `#话题#` (Weibo style) shows a stray # elsewhere.
            for match in text.matches(of: #/#([^#\s]{1,40})#/#) {
                found.append(
                    RuleViolation(
                        rule: "hashtag.foreign_syntax", field: "text", severity: .warning,
                        message: "uses Weibo's #话题# form; \(rules.platform) writes #\(match.output.1) without the closing #",
                        span: TextSpan(match.range, in: text)))
            }
        case .field, .none:
            if rules.hashtags == .field, let first = text.firstRange(of: #/(?:^|\s)#[^\s#]+/#) {
                found.append(
                    RuleViolation(
                        rule: "hashtag.use_tags_field", field: "text", severity: .warning,
                        message: "contains a hashtag; \(rules.platform) takes tags in the tags field, not in the text",
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
                    rule: "media.too_many", field: "media",
                    message: "has \(variant.media.count) attachments; \(rules.platform) accepts at most \(media.maxCount)"))
        }
        if !media.required.isEmpty, !variant.media.contains(where: { media.required.contains($0.kind) }) {
            let kinds = media.required.map(\.rawValue).sorted().joined(separator: " or ")
            found.append(RuleViolation(rule: "media.required", field: "media", message: "needs at least one \(kinds) on \(rules.platform)"))
        }
        if media.videoAlone, variant.media.contains(where: { $0.kind == .video }), variant.media.count > 1 {
            found.append(
                RuleViolation(
                    rule: "media.video_alone", field: "media",
                    message: "mixes a video with other attachments; \(rules.platform) takes a video on its own"))
        }
        for (index, item) in variant.media.enumerated() {
            if !media.kinds.contains(item.kind) {
                let kinds = media.kinds.map(\.rawValue).sorted().joined(separator: ", ")
                found.append(
                    RuleViolation(
                        rule: "media.kind_not_allowed", field: "media[\(index)]",
                        message: "is a \(item.kind.rawValue); \(rules.platform) accepts \(kinds)"))
            } else if let max = media.maxBytes[item.kind], item.bytes > max {
                found.append(
                    RuleViolation(
                        rule: "media.too_large", field: "media[\(index)]",
                        message: "is \(megabytes(item.bytes)); \(rules.platform) accepts a \(item.kind.rawValue) up to \(megabytes(max))"))
            }
        }
        return found
    }

    static func unit(_ counting: LengthCounting) -> String {
        switch counting {
        case .graphemes, .mastodon: "characters"
        case .halfWidth: "汉字 units"
        case .utf8Bytes: "bytes"
        }
    }

    static func describe(_ counting: LengthCounting) -> String {
        switch counting {
        case .graphemes: "each visible character counts 1"
        case .mastodon(let cost): "each visible character counts 1, each link \(cost)"
        case .halfWidth(let link?): "Chinese characters and emoji count 1, Latin letters and digits ½, each link \(link / 2)"
        case .halfWidth(nil): "Chinese characters and emoji count 1, Latin letters and digits ½"
        case .utf8Bytes: "UTF-8 bytes: Chinese characters count 3, emoji 4 or more"
        }
    }

    static func megabytes(_ bytes: Int) -> String {
        String(format: "%.1f MB", Double(bytes) / 1_048_576)
    }
}
