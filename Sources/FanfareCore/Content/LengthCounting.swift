import Foundation

/// How a platform counts the length of a text. Each method splits the text
/// into tokens (a link, a mention, a grapheme) with a cost, so that the
/// validator can point at the first character past the limit, not only say
/// that there is one.
public enum LengthCounting: Sendable, Equatable {
    /// Extended grapheme clusters: what a person sees as one character.
    case graphemes
    /// Mastodon: graphemes, every link counts `linkCost` (23), and a mention
    /// `@user@domain` counts as `@user` (its `StatusLengthValidator`).
    case mastodon(linkCost: Int)
    /// Sina Weibo's "汉字": UTF-16 code units above U+00FF count 2, the rest 1,
    /// and the length is half the total, rounded up. A link up to 140 such
    /// units counts 20 (10 汉字). Xiaohongshu titles count the same way
    /// (Chinese 1, Latin ½), without the link rule.
    case halfWidth(linkCost: Int?)
    /// UTF-8 bytes (Bluesky's second limit).
    case utf8Bytes

    /// The length as the platform states its limit.
    public func count(_ text: String) -> Int {
        finish(tokens(text).reduce(0) { $0 + $1.cost })
    }

    /// Where the text goes past `limit`: the start of the first token that
    /// does not fit, or nil when it all fits.
    public func overflowStart(_ text: String, limit: Int) -> String.Index? {
        let budget = internalLimit(limit)
        var used = 0
        for token in tokens(text) {
            used += token.cost
            if used > budget { return token.range.lowerBound }
        }
        return nil
    }

    struct Token {
        let range: Range<String.Index>
        let cost: Int
    }

    private func finish(_ units: Int) -> Int {
        if case .halfWidth = self { return (units + 1) / 2 }
        return units
    }

    private func internalLimit(_ limit: Int) -> Int {
        if case .halfWidth = self { return limit * 2 }
        return limit
    }

    func tokens(_ text: String) -> [Token] {
        var special: [(Range<String.Index>, Int)] = []
        switch self {
        case .mastodon(let linkCost):
            special += TextPatterns.links(in: text).map { ($0, linkCost) }
            for mention in TextPatterns.remoteMentions(in: text) where !special.contains(where: { $0.0.overlaps(mention.range) }) {
                special.append((mention.range, text[mention.localPart].count))
            }
        case .halfWidth(let linkCost?):
            for link in TextPatterns.links(in: text) {
                let units = Self.halfWidthUnits(text[link])
                special.append((link, units <= 140 ? linkCost : units))
            }
        default:
            break
        }
        special.sort { $0.0.lowerBound < $1.0.lowerBound }
        var result: [Token] = []
        var index = text.startIndex
        var next = special.makeIterator()
        var pending = next.next()
        while index < text.endIndex {
            if let (range, cost) = pending, range.lowerBound == index {
                result.append(Token(range: range, cost: cost))
                index = range.upperBound
                pending = next.next()
                continue
            }
            let after = text.index(after: index)
            result.append(Token(range: index..<after, cost: cost(of: text[index..<after])))
            index = after
        }
        return result
    }

    private func cost(of character: Substring) -> Int {
        switch self {
        case .graphemes, .mastodon: return 1
        case .halfWidth: return Self.halfWidthUnits(character)
        case .utf8Bytes: return character.utf8.count
        }
    }

    /// Sina's `bLength`: every UTF-16 unit above 0xFF counts 2. Iterating
    /// UTF-16 (not scalars) is what makes an emoji count 2 汉字, as on Weibo.
    static func halfWidthUnits(_ text: Substring) -> Int {
        text.utf16.reduce(0) { $0 + ($1 > 0xFF ? 2 : 1) }
    }
}

/// Links, mentions and hashtags as the platforms recognise them.
public enum TextPatterns {
    // Compiled once (a literal in the function is parsed on every call).
    nonisolated(unsafe) private static let link = #/https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+/#
    nonisolated(unsafe) private static let remoteMention = #/(@[A-Za-z0-9_]+)@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+/#

    /// `http(s)://` up to whitespace or the first character outside URL
    /// syntax (Chinese text often runs straight on after a link).
    public static func links(in text: String) -> [Range<String.Index>] {
        text.ranges(of: link)
    }

    /// `@user@domain` mentions, with the `@user` part.
    public static func remoteMentions(in text: String) -> [(range: Range<String.Index>, localPart: Range<String.Index>)] {
        text.matches(of: remoteMention).map { ($0.range, $0.output.1.startIndex..<$0.output.1.endIndex) }
    }
}
