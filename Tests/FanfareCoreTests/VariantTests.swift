import FanfareCore
import Foundation
import Testing

@Suite struct VariantValidatorTests {
    let weibo = PlatformRules.standard["weibo"]!
    let mastodon = PlatformRules.standard["mastodon"]!

    @Test func everyBrokenRuleIsListedWithItsPosition() throws {
        let text = String(repeating: "新品", count: 80) + "#上新"
        let variant = Variant(
            title: "标题", text: text,
            media: [
                MediaAttachment(kind: .image, bytes: 6 << 20), MediaAttachment(kind: .video, bytes: 1_000),
            ])
        let found = VariantValidator.violations(of: variant, against: weibo)
        #expect(
            Set(found.map(\.rule)) == [
                "text.too_long", "title.not_supported", "hashtag.unclosed", "media.too_many", "media.too_large", "media.kind_not_allowed",
            ])
        let tooLong = try #require(found.first { $0.rule == "text.too_long" })
        #expect(tooLong.span?.utf16Start == 140, "the 141st 汉字 is where it stops fitting")
        #expect(tooLong.message.contains("at most 140"))
        let unclosed = try #require(found.first { $0.rule == "hashtag.unclosed" })
        #expect(unclosed.span?.scalarStart == 160)
        #expect(found.first { $0.field == "media[0]" }?.rule == "media.too_large")
        #expect(found.first { $0.field == "media[1]" }?.rule == "media.kind_not_allowed")
    }

    @Test func aValidVariantHasNoViolations() {
        let variant = Variant(text: "#上新# 春季新品今天开售 https://example.com/spring", media: [MediaAttachment(kind: .image, bytes: 1 << 20)])
        #expect(VariantValidator.violations(of: variant, against: weibo) == [])
    }

    @Test func titlesAreRequiredAndCountedThePlatformsWay() throws {
        let xhs = PlatformRules.standard["xiaohongshu"]!
        let missing = VariantValidator.violations(of: Variant(text: "笔记", media: [MediaAttachment(kind: .image, bytes: 1)]), against: xhs)
        #expect(missing.map(\.rule) == ["title.required"])
        // 18 Chinese characters and 4 Latin letters: 18 + 2 = 20, just fits.
        let fits = Variant(title: String(repeating: "春", count: 18) + "ABCD", text: "笔记", media: [MediaAttachment(kind: .image, bytes: 1)])
        #expect(VariantValidator.violations(of: fits, against: xhs) == [])
        let over = Variant(title: String(repeating: "春", count: 19) + "ABCD", text: "笔记", media: [MediaAttachment(kind: .image, bytes: 1)])
        let found = try #require(VariantValidator.violations(of: over, against: xhs).first)
        #expect(found.rule == "title.too_long" && found.span?.scalarStart == 21, "19 汉字 and AB make 20; C is the first that does not fit")
    }

    @Test func foreignHashtagSyntaxAndMediaMixesAreNamed() {
        let variant = Variant(text: "New #话题# here", media: [MediaAttachment(kind: .video, bytes: 1), MediaAttachment(kind: .image, bytes: 1)])
        let found = VariantValidator.violations(of: variant, against: mastodon)
        #expect(found.map(\.rule) == ["hashtag.foreign_syntax", "media.video_alone"])
        #expect(found[0].severity == .warning && found[0].span?.scalarStart == 4)
    }

    /// A Bilibili 稿件 is a video with its cover beside it, a title and
    /// tags (PLATFORMS.md, Bilibili).
    @Test func aBilibiliVideoNeedsItsCoverAndATitle() throws {
        let bilibili = PlatformRules.standard["bilibili"]!
        let video = MediaAttachment(kind: .video, bytes: 50 << 20, format: .mp4, width: 1920, height: 1080)
        let cover = MediaAttachment(kind: .image, bytes: 1 << 20, format: .png, width: 1146, height: 717)
        let full = Variant(title: "春季新品开箱", text: "全场第二件半价", tags: ["开箱"], media: [video, cover])
        #expect(VariantValidator.violations(of: full, against: bilibili) == [])
        let noCover = VariantValidator.violations(of: Variant(title: "开箱", text: "x", media: [video]), against: bilibili)
        #expect(noCover.map(\.rule) == ["media.required"] && noCover[0].coded == .mediaRequired(kinds: ["image"], platform: "bilibili"))
        let nothing = VariantValidator.violations(of: Variant(text: "只有文字"), against: bilibili)
        #expect(nothing.map(\.rule) == ["title.required", "media.required", "media.required"])
        #expect(
            nothing.dropFirst().map(\.coded) == [
                .mediaRequired(kinds: ["video"], platform: "bilibili"), .mediaRequired(kinds: ["image"], platform: "bilibili"),
            ])
        let webp = MediaAttachment(kind: .image, bytes: 1 << 20, format: .webp)
        let large = MediaAttachment(kind: .image, bytes: 6 << 20, format: .jpeg)
        for (picture, rule) in [(webp, "media.format_not_accepted"), (large, "media.too_large")] {
            let found = VariantValidator.violations(of: Variant(title: "开箱", text: "x", media: [video, picture]), against: bilibili)
            #expect(found.map(\.rule) == [rule] && found.first?.field == "media[1]")
        }
        let titled = VariantValidator.violations(
            of: Variant(title: String(repeating: "长", count: 81), text: "x", media: [video, cover]), against: bilibili)
        #expect(titled.map(\.rule) == ["title.too_long"])
        #expect(bilibili.replyLimit == nil, "nothing on Bilibili is answered through its open platform")
        // Proposed from a draft with two pictures before its video: the
        // video and one picture for the cover.
        let draft = ContentDraft(
            title: "开箱", body: "全场第二件半价", hashtags: ["开箱"],
            media: [MediaAttachment(kind: .image, bytes: 1), MediaAttachment(kind: .image, bytes: 2), video])
        #expect(VariantAdapter.propose(draft, for: bilibili).media == [MediaAttachment(kind: .image, bytes: 1), video])
    }

    @Test func blueskyHasTwoLimits() {
        let bluesky = PlatformRules.standard["bluesky"]!
        let manyFamilies = String(repeating: "👨‍👩‍👧‍👦", count: 130)  // 130 graphemes, 3,250 bytes
        #expect(VariantValidator.violations(of: Variant(text: manyFamilies), against: bluesky).map(\.rule) == ["text.too_long_bytes"])
    }
}

@Suite struct VariantAdapterTests {
    let draft = ContentDraft(
        title: nil,
        body: "春季新品今天开售！全场第二件半价，活动持续到周日。" + String(repeating: "详细介绍新品的特点与用法。", count: 30),
        hashtags: ["春季上新", "#新品"],
        media: [MediaAttachment(kind: .image, bytes: 2 << 20), MediaAttachment(kind: .video, bytes: 50 << 20)])

    @Test func proposalsRenderHashtagsThePlatformsWayAndFit() throws {
        let weibo = VariantAdapter.propose(draft, for: PlatformRules.standard["weibo"]!)
        #expect(weibo.text.hasSuffix("#春季上新# #新品#"))
        #expect(weibo.text.contains("…"))
        #expect(LengthCounting.halfWidth(linkCost: 20).count(weibo.text) <= 120, "Weibo aims for its preferred length")
        #expect(weibo.media == [MediaAttachment(kind: .image, bytes: 2 << 20)])

        let bilibili = VariantAdapter.propose(draft, for: PlatformRules.standard["bilibili"]!)
        #expect(bilibili.tags == ["春季上新", "新品"])
        #expect(!bilibili.text.contains("#"))
        #expect(bilibili.title == "春季新品今天开售", "a required title comes from the first sentence")
        #expect(Set(bilibili.media.map(\.kind)) == [.video, .image], "the video and a picture for its cover")

        let mastodon = VariantAdapter.propose(draft, for: PlatformRules.standard["mastodon"]!)
        #expect(mastodon.text.hasSuffix("#春季上新 #新品"))
        #expect(mastodon.media.map(\.kind) == [.image], "pictures win over a video that must stand alone")
    }

    @Test func everyProposalPassesItsOwnTextAndTitleRules() {
        for (platform, rules) in PlatformRules.standard {
            let variant = VariantAdapter.propose(draft, for: rules)
            let found = VariantValidator.violations(of: variant, against: rules).filter { $0.field == "text" || $0.field == "title" }
            #expect(found.filter { $0.severity == .error } == [], "\(platform): \(found.map(\.rule))")
        }
    }

    @Test func generatedDraftsAlwaysFitAfterAdaptation() {
        var rng = LengthCountingProperties.SeededGenerator(state: 99)
        for body in LengthCountingProperties.samples(count: 150) {
            let repeated = String(repeating: body, count: Int.random(in: 1...40, using: &rng))
            let draft = ContentDraft(body: repeated.isEmpty ? "x" : repeated, hashtags: ["话题"])
            for (platform, rules) in PlatformRules.standard {
                let variant = VariantAdapter.propose(draft, for: rules)
                let tooLong = VariantValidator.violations(of: variant, against: rules).filter { $0.rule.hasPrefix("text.too_long") }
                #expect(tooLong.isEmpty, "\(platform) proposal too long for \(repeated.prefix(30).debugDescription)")
            }
        }
    }
}

@Suite struct WrittenVariantTests {
    @Test func theWrittenVariantKeepsEveryCharacterAndStillBreaksTheRule() {
        let rules = PlatformRules.standard["weibo"]!
        let body = String(repeating: "春季新品今天上市欢迎光临", count: 15)
        let draft = ContentDraft(body: body, hashtags: ["新品"])
        let written = VariantAdapter.written(draft, for: rules)
        let proposed = VariantAdapter.propose(draft, for: rules)
        #expect(written.text.hasPrefix(body), "nothing is cut")
        #expect(written.text.contains("#新品#"), "the platform's hashtag syntax")
        #expect(VariantValidator.violations(of: written, against: rules).contains { $0.rule == "text.too_long" })
        #expect(proposed.text.count < written.text.count && proposed.text.contains(VariantAdapter.ellipsis))
        #expect(!VariantValidator.violations(of: proposed, against: rules).contains { $0.rule == "text.too_long" })
    }
}
