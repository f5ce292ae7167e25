import FanfareConnectors
import Foundation
import Testing

@Suite struct BlueskyFacetTests {
    typealias Facet = BlueskyRichText.Facet

    static let dids = ["alice.bsky.social": "did:plc:alice", "bob.example.com": "did:web:bob.example.com"]

    func facets(_ text: String) -> [Facet] { BlueskyRichText.facets(in: text, dids: Self.dids) }

    /// What a facet covers, cut from the UTF-8 bytes as Bluesky does.
    func covered(_ text: String, _ facet: Facet) -> String? {
        let bytes = Array(text.utf8)
        guard facet.byteStart >= 0, facet.byteStart < facet.byteEnd, facet.byteEnd <= bytes.count else { return nil }
        return String(validating: bytes[facet.byteStart..<facet.byteEnd], as: UTF8.self)
    }

    @Test func plainASCII() {
        let text = "Hello #swift https://swift.org and @alice.bsky.social"
        #expect(
            facets(text) == [
                Facet(byteStart: 6, byteEnd: 12, feature: .tag("swift")),
                Facet(byteStart: 13, byteEnd: 30, feature: .link(uri: "https://swift.org")),
                Facet(byteStart: 35, byteEnd: 53, feature: .mention(did: "did:plc:alice")),
            ])
    }

    @Test func chineseTextCountsThreeBytesACharacter() {
        // 春季新品 = 12 bytes, then a space.
        let text = "春季新品 #上新 见https://x.cn/a。＃促销"
        let found = facets(text)
        #expect(found.first == Facet(byteStart: 13, byteEnd: 20, feature: .tag("上新")))
        // The link runs on straight after Chinese text and stops before 。
        #expect(found.contains(Facet(byteStart: 24, byteEnd: 38, feature: .link(uri: "https://x.cn/a"))))
        // A full-width ＃ after 。 does not start a word, so it is no tag.
        #expect(found.count == 2)
        let spaced = "新品 ＃促销"
        #expect(facets(spaced) == [Facet(byteStart: 7, byteEnd: 16, feature: .tag("促销"))])
    }

    @Test func emojiWithSkinToneModifiersBeforeATag() {
        // 👍🏽 is two scalars of four bytes each.
        let text = "👍🏽 #tag"
        #expect(facets(text) == [Facet(byteStart: 9, byteEnd: 13, feature: .tag("tag"))])
        let many = "👋🏻👋🏿 @bob.example.com 🏳️‍🌈"
        #expect(facets(many) == [Facet(byteStart: 17, byteEnd: 33, feature: .mention(did: "did:web:bob.example.com"))])
    }

    @Test func zeroWidthJoinerSequencesBeforeATag() {
        // 👨‍👩‍👧‍👦: four emoji of 4 bytes and three joiners of 3 = 25 bytes.
        let text = "👨‍👩‍👧‍👦 #family"
        #expect(facets(text) == [Facet(byteStart: 26, byteEnd: 33, feature: .tag("family"))])
        // A joiner ends a tag, as in Bluesky's own detection.
        #expect(facets("#👨‍👩‍👧 x") == [Facet(byteStart: 0, byteEnd: 5, feature: .tag("👨"))])
    }

    @Test func combiningMarksCountTheirBytes() {
        // e + two combining acute accents: 1 + 2 + 2 bytes.
        let decomposed = "e\u{301}\u{301} #cafe\u{301} fin"
        #expect(facets(decomposed) == [Facet(byteStart: 6, byteEnd: 13, feature: .tag("cafe\u{301}"))])
        let precomposed = "é #café"
        #expect(facets(precomposed) == [Facet(byteStart: 3, byteEnd: 9, feature: .tag("café"))])
        // Swift compares strings by canonical equivalence; the bytes must not be normalised.
        guard case .tag(let tag)? = facets(decomposed).first?.feature else { Issue.record("no tag"); return }
        #expect(Array(tag.utf8) == Array("cafe\u{301}".utf8), "the tag keeps the text's own form")
    }

    @Test func whatIsNotATag() {
        #expect(facets("#123 #1st").map(\.feature) == [.tag("1st")], "digits alone are not a tag")
        #expect(facets("#️⃣ keycap").isEmpty)
        #expect(facets("a#tag (#tag) #").isEmpty, "a tag starts a word")
        #expect(facets("#" + String(repeating: "x", count: 65)).isEmpty, "at most 64 characters")
        #expect(facets("#tag!!! ok").map(\.byteEnd) == [4], "trailing punctuation is not part of it")
        #expect(facets("line\n#tag").map(\.byteStart) == [5])
        #expect(facets("#tag\u{200B}more").map(\.feature) == [.tag("tag")])
    }

    @Test func mentionsNeedAFullHandleAndAKnownDID() {
        #expect(facets("(@alice.bsky.social)").map(\.byteStart) == [1])
        #expect(facets("@alice.bsky.social.").map(\.byteEnd) == [18], "a sentence's full stop is not part of the handle")
        #expect(facets("@alice hi").isEmpty, "no dot: not a handle")
        #expect(facets("mail@alice.bsky.social").isEmpty)
        #expect(facets("@alice.bsky.social@mastodon.social").isEmpty, "a fediverse address")
        #expect(facets("@unknown.example.com").isEmpty, "unresolved handles stay text")
        #expect(
            BlueskyRichText.mentionedHandles(in: "@Alice.bsky.social @bob.example.com @alice.bsky.social @x") == [
                "alice.bsky.social", "bob.example.com",
            ])
    }

    @Test func linksLeaveOutTheSentenceAroundThem() {
        #expect(facets("see https://swift.org.").map(\.feature) == [.link(uri: "https://swift.org")])
        #expect(facets("(https://x.org/a)").map(\.feature) == [.link(uri: "https://x.org/a")])
        #expect(
            facets("https://en.wikipedia.org/wiki/Swift_(language)").map(\.feature) == [.link(uri: "https://en.wikipedia.org/wiki/Swift_(language)")])
        #expect(facets("https://x.org/?q=1#frag #tag").map(\.byteStart) == [0, 24], "a # inside a link is the link's")
    }

    @Test func everyFacetCoversExactlyItsText() {
        let texts = [
            "🇨🇳🇺🇸 #国旗 https://例子.example/路径 @alice.bsky.social",
            "👩🏽‍💻👨‍👩‍👧‍👦\u{200D} #dev @bob.example.com https://a.b/c?d=e&f=g",
            "Ｆｕｌｌ　#全角　＃タグ　@alice.bsky.social",
            "ä\u{308}\u{301}\u{302} #ü\u{308}ber #naïve",
            "\r\n#crlf\t#tab",
        ]
        for text in texts {
            let found = facets(text)
            #expect(!found.isEmpty, "\(text)")
            for (facet, next) in zip(found, found.dropFirst()) { #expect(facet.byteEnd <= next.byteStart, "\(text): ordered, no overlap") }
            for facet in found {
                let piece = covered(text, facet)
                switch facet.feature {
                case .tag(let tag): #expect(piece == "#" + tag || piece == "＃" + tag, "\(text): \(facet)")
                case .link(let uri): #expect(piece == uri, "\(text): \(facet)")
                case .mention(let did): #expect(Self.dids.contains { piece == "@" + $0.key && $0.value == did }, "\(text): \(facet)")
                }
            }
        }
    }
}
