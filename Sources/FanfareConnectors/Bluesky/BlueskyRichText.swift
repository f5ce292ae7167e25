import FanfareCore
import Foundation

/// Bluesky shows links, mentions and hashtags only where a post's facets
/// say so; the text alone is plain. Facet positions are UTF-8 byte offsets
/// (start inclusive, end exclusive), so they are taken from the string's
/// UTF-8 view, never from characters or UTF-16.
public enum BlueskyRichText {
    public enum Feature: Sendable, Equatable {
        case link(uri: String)
        case mention(did: String)
        /// The tag without its `#`.
        case tag(String)
    }

    public struct Facet: Sendable, Equatable {
        public var byteStart: Int
        public var byteEnd: Int
        public var feature: Feature

        public init(byteStart: Int, byteEnd: Int, feature: Feature) {
            self.byteStart = byteStart
            self.byteEnd = byteEnd
            self.feature = feature
        }
    }

    /// The handles mentioned in `text` (lower-cased, without `@`): the ones
    /// to resolve to DIDs before `facets` is called.
    public static func mentionedHandles(in text: String) -> [String] {
        var seen: Set<String> = []
        return mentions(in: text).map(\.handle).filter { seen.insert($0).inserted }
    }

    /// Every facet of `text`, ordered by position, none overlapping. A
    /// mention whose handle is missing from `dids` stays plain text: a
    /// mention facet needs the DID.
    public static func facets(in text: String, dids: [String: String]) -> [Facet] {
        var found: [(Range<String.Index>, Feature)] = links(in: text).map { ($0.range, .link(uri: $0.uri)) }
        for mention in mentions(in: text) {
            if let did = dids[mention.handle] { found.append((mention.range, .mention(did: did))) }
        }
        found += hashtags(in: text).map { ($0.range, .tag($0.tag)) }
        var kept: [(Range<String.Index>, Feature)] = []
        // Links first: a `#` or `@` inside a link belongs to the link.
        for candidate in found where !kept.contains(where: { $0.0.overlaps(candidate.0) }) { kept.append(candidate) }
        return kept.sorted { $0.0.lowerBound < $1.0.lowerBound }.map { range, feature in
            Facet(byteStart: byteOffset(range.lowerBound, in: text), byteEnd: byteOffset(range.upperBound, in: text), feature: feature)
        }
    }

    static func byteOffset(_ index: String.Index, in text: String) -> Int {
        text.utf8.distance(from: text.utf8.startIndex, to: index)
    }

    /// Links as `TextPatterns` finds them, less the punctuation that ends a
    /// sentence after a link ("see https://x.org." links to x.org).
    static func links(in text: String) -> [(range: Range<String.Index>, uri: String)] {
        TextPatterns.links(in: text).compactMap { range in
            var end = range.upperBound
            while end > range.lowerBound {
                let last = text[text.index(before: end)]
                let unbalanced = last == ")" && !text[range.lowerBound..<end].contains("(")
                guard ".,;:!?\"'".contains(last) || unbalanced else { break }
                end = text.index(before: end)
            }
            let uri = String(text[range.lowerBound..<end])
            return uri.contains("://") && uri.count > "https://".count ? (range.lowerBound..<end, uri) : nil
        }
    }

    /// `@handle.domain` after the start, a space or `(`; handles are domain
    /// names, so one without a dot (`@alice`) is not a mention, and
    /// `@a.b@c.d` is a fediverse address, not a Bluesky handle.
    static func mentions(in text: String) -> [(range: Range<String.Index>, handle: String)] {
        let scalars = text.unicodeScalars
        var result: [(range: Range<String.Index>, handle: String)] = []
        for index in scalars.indices where scalars[index] == "@" && startsWord(at: index, in: scalars, orAfter: "(") {
            let handleStart = scalars.index(after: index)
            var end = handleStart
            while end < scalars.endIndex, isHandleScalar(scalars[end]) { end = scalars.index(after: end) }
            if end < scalars.endIndex, scalars[end] == "@" || scalars[end] == "_" { continue }
            while end > handleStart, [".", "-"].contains(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
            let handle = String(scalars[handleStart..<end]).lowercased()
            if isValidHandle(handle) { result.append((index..<end, handle)) }
        }
        return result
    }

    /// `#tag` after the start or a space, up to the next space, without
    /// trailing punctuation. Read scalar by scalar, as Bluesky's own
    /// detection does: ASCII digits only (`#1`) is not a tag, nor is the keycap
    /// emoji #️⃣ (`#` then U+FE0F), and invisible separators end a tag.
    static func hashtags(in text: String) -> [(range: Range<String.Index>, tag: String)] {
        let scalars = text.unicodeScalars
        var result: [(range: Range<String.Index>, tag: String)] = []
        for index in scalars.indices where (scalars[index] == "#" || scalars[index] == "＃") && startsWord(at: index, in: scalars, orAfter: nil) {
            let tagStart = scalars.index(after: index)
            guard tagStart < scalars.endIndex, scalars[tagStart] != "\u{FE0F}" else { continue }
            var end = tagStart
            while end < scalars.endIndex, !scalars[end].properties.isWhitespace, !isInvisibleBreak(scalars[end]) { end = scalars.index(after: end) }
            while end > tagStart, isPunctuation(scalars[scalars.index(before: end)]) { end = scalars.index(before: end) }
            let tag = String(scalars[tagStart..<end])
            guard !tag.isEmpty, tag.count <= 64, tag.utf8.count <= 640,
                tag.unicodeScalars.contains(where: { !isPunctuation($0) && !("0"..."9").contains($0) })
            else { continue }
            result.append((index..<end, tag))
        }
        return result
    }

    private static func startsWord(at index: String.Index, in scalars: String.UnicodeScalarView, orAfter opener: Unicode.Scalar?) -> Bool {
        guard index > scalars.startIndex else { return true }
        let previous = scalars[scalars.index(before: index)]
        return previous.properties.isWhitespace || previous == opener
    }

    private static func isHandleScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "." || scalar == "-")
    }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation, .finalPunctuation,
            .otherPunctuation:
            true
        default: false
        }
    }

    /// Soft hyphen, word joiner, hair and zero-width spaces and joiners,
    /// and the enclosing keycap end a tag, as on Bluesky.
    private static func isInvisibleBreak(_ scalar: Unicode.Scalar) -> Bool {
        ["\u{00AD}", "\u{2060}", "\u{200A}", "\u{200B}", "\u{200C}", "\u{200D}", "\u{20E2}"].contains(scalar)
    }

    static func isValidHandle(_ handle: String) -> Bool {
        let labels = handle.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, handle.count <= 253, let tld = labels.last, tld.first?.isLetter == true else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
        }
    }
}
