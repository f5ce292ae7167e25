import FanfareCore
import Foundation
import Testing

@Suite struct LengthCountingTests {
    @Test func graphemesCountWhatAPersonSees() {
        #expect(LengthCounting.graphemes.count("中文") == 2)
        #expect(LengthCounting.graphemes.count("e\u{301}") == 1, "combining acute")
        #expect(LengthCounting.graphemes.count("👍🏽") == 1, "skin-tone modifier")
        #expect(LengthCounting.graphemes.count("👨‍👩‍👧‍👦") == 1, "ZWJ family")
        #expect(LengthCounting.graphemes.count("🇨🇳") == 1, "flag")
    }

    @Test func blueskyBytesMatchTheAtprotoVectors() {
        #expect(LengthCounting.utf8Bytes.count("👨‍👩‍👧‍👦") == 25)
        #expect(LengthCounting.utf8Bytes.count("中") == 3)
    }

    @Test func mastodonCountsLinksAs23AndRemoteMentionsByTheirLocalPart() {
        let mastodon = LengthCounting.mastodon(linkCost: 23)
        #expect(mastodon.count("hello https://example.com/a/very/long/path/that/goes/on?and=on") == 6 + 23)
        #expect(mastodon.count("@alice@mastodon.social hi") == "@alice hi".count)
        #expect(mastodon.count("👨‍👩‍👧 ok") == 4)
    }

    @Test func weiboCountsHalfWidthUnitsRoundedUp() {
        let weibo = LengthCounting.halfWidth(linkCost: 20)
        #expect(weibo.count("你好") == 2)
        #expect(weibo.count("abc") == 2, "3 half units round up to 2")
        #expect(weibo.count("你好abc") == 4)
        #expect(weibo.count("é") == 1, "U+00E9 is within 0xFF: half a unit")
        #expect(weibo.count("😀") == 2, "a surrogate pair is two units above 0xFF")
        #expect(weibo.count("看 https://example.com/a") == 12, "2 + 1 + 20 half units")
        let long = "https://example.com/" + String(repeating: "a", count: 150)
        #expect(weibo.count(long) == (long.count + 1) / 2, "a link over 140 units counts as written")
    }

    @Test func theOverflowPointIsTheFirstCharacterThatDoesNotFit() throws {
        let text = "一二三四五六"
        let start = try #require(LengthCounting.graphemes.overflowStart(text, limit: 4))
        #expect(text[start...] == "五六")
        #expect(LengthCounting.graphemes.overflowStart(text, limit: 6) == nil)
        let weibo = LengthCounting.halfWidth(linkCost: 20)
        let link = "ab https://example.com/x 中"
        let cut = try #require(weibo.overflowStart(link, limit: 2))
        #expect(link[cut...].hasPrefix("https://"), "a link is one piece: it fits whole or not at all")
    }

    @Test func spansAreGivenInUTF16AndScalars() {
        let text = "😀ab"
        let start = text.index(after: text.startIndex)
        let span = TextSpan(start..<text.endIndex, in: text)
        #expect(span.utf16Start == 2 && span.utf16End == 4)
        #expect(span.scalarStart == 1 && span.scalarEnd == 3)
    }
}

/// Properties of the counters over generated text, from a fixed seed so
/// that a failure can be replayed.
@Suite struct LengthCountingProperties {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let pieces = [
        "a", "Z", "7", " ", ",", "é", "e\u{301}", "a\u{300}\u{316}", "中", "文", "，", "。", "😀", "👍🏽", "👩🏾‍💻", "👨‍👩‍👧‍👦", "🇨🇳",
        "https://example.com/path?q=1", "http://t.cn/A6abc", "@bob@example.social", "#话题#", "#tag", "\n",
    ]

    static func samples(count: Int = 400) -> [String] {
        var rng = SeededGenerator(state: 20_261_123)
        return (0..<count).map { _ in
            let length = Int.random(in: 0...40, using: &rng)
            var text = ""
            for _ in 0..<length {
                let piece = pieces.randomElement(using: &rng)!
                // Keep links and mentions separate from what follows, as a writer would.
                text += piece.hasPrefix("http") || piece.hasPrefix("@") ? piece + " " : piece
            }
            return text
        }
    }

    @Test func countsAgreeWithTheirDefinitions() {
        for text in Self.samples() {
            #expect(LengthCounting.graphemes.count(text) == text.count)
            #expect(LengthCounting.utf8Bytes.count(text) == text.utf8.count)
            let units = text.utf16.reduce(0) { $0 + ($1 > 0xFF ? 2 : 1) }
            #expect(LengthCounting.halfWidth(linkCost: nil).count(text) == (units + 1) / 2, "\(text.debugDescription)")
        }
    }

    @Test func combiningMarksAndModifiersNeverAddCharacters() {
        for text in Self.samples() where !text.isEmpty {
            let marked = text.map { String($0) + ($0.isLetter ? "\u{301}" : "") }.joined()
            #expect(LengthCounting.graphemes.count(marked) == text.count)
        }
    }

    @Test func everyLinkCostsTheSameOnMastodon() {
        let mastodon = LengthCounting.mastodon(linkCost: 23)
        for text in Self.samples() {
            let links = TextPatterns.links(in: text)
            var withoutLinks = text
            for link in links.reversed() { withoutLinks.replaceSubrange(link, with: "") }
            let mentions = TextPatterns.remoteMentions(in: withoutLinks)
            let saved = mentions.reduce(0) { $0 + withoutLinks[$1.range].count - withoutLinks[$1.localPart].count }
            #expect(mastodon.count(text) == withoutLinks.count - saved + 23 * links.count, "\(text.debugDescription)")
        }
    }

    @Test func theOverflowPointIsTight() {
        let countings: [LengthCounting] = [.graphemes, .utf8Bytes, .halfWidth(linkCost: 20), .mastodon(linkCost: 23)]
        var rng = SeededGenerator(state: 7)
        for text in Self.samples(count: 200) {
            for counting in countings {
                let total = counting.count(text)
                guard total > 0 else { continue }
                let limit = Int.random(in: 0..<total, using: &rng)
                guard let cut = counting.overflowStart(text, limit: limit) else {
                    Issue.record("no overflow for \(text.debugDescription) at \(limit) of \(total)")
                    continue
                }
                #expect(counting.count(String(text[..<cut])) <= limit, "the part before the cut fits")
                #expect(counting.overflowStart(text, limit: total) == nil)
            }
        }
    }
}
