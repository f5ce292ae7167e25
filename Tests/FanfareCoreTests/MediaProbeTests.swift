import FanfareCore
import Foundation
import Testing

/// What a file is, read from its header bytes, and the platform checks
/// that use it (docs/media.md).
@Suite struct MediaProbeTests {
    static func be(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) } }
    static func le(_ value: Int, _ bytes: Int) -> [UInt8] { (0..<bytes).map { UInt8((value >> ($0 * 8)) & 0xFF) } }
    static func box(_ type: String, _ content: [UInt8]) -> [UInt8] { be(content.count + 8, 4) + Array(type.utf8) + content }

    static func png(_ width: Int, _ height: Int) -> Data {
        Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13, 4) + Array("IHDR".utf8) + be(width, 4) + be(height, 4) + [8, 6, 0, 0, 0])
    }

    static func jpeg(_ width: Int, _ height: Int) -> Data {
        let app0: [UInt8] = [0xFF, 0xE0] + be(16, 2) + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let dht: [UInt8] = [0xFF, 0xC4] + be(5, 2) + [0, 0, 0]
        let sof: [UInt8] = [0xFF, 0xC2] + be(17, 2) + [8] + be(height, 2) + be(width, 2) + [3] + Array(repeating: 1, count: 9)
        return Data([0xFF, 0xD8] + app0 + dht + sof + [0xFF, 0xD9])
    }

    static func mp4(brand: String = "isom", width: Int, height: Int, version: UInt8 = 0) -> Data {
        let times = version == 1 ? 32 : 20
        let tkhd = [version, 0, 0, 3] + Array(repeating: UInt8(0), count: times + 8 + 8 + 36) + be(width << 16, 4) + be(height << 16, 4)
        let audio = [UInt8(0), 0, 0, 3] + Array(repeating: UInt8(0), count: 20 + 8 + 8 + 36 + 8)
        let moov = box("moov", box("mvhd", Array(repeating: 0, count: 100)) + box("trak", box("tkhd", audio)) + box("trak", box("tkhd", tkhd)))
        return Data(box("ftyp", Array(brand.utf8) + [0, 0, 2, 0] + Array("isommp41".utf8)) + box("mdat", [1, 2, 3, 4]) + moov)
    }

    @Test func picturesAreKnownByTheirHeadersWithTheirSize() {
        #expect(MediaProbe.read(Self.png(1200, 800)) == MediaProbe(format: .png, width: 1200, height: 800))
        #expect(MediaProbe.read(Self.jpeg(4032, 3024)) == MediaProbe(format: .jpeg, width: 4032, height: 3024))
        let gif = Data(Array("GIF89a".utf8) + Self.le(320, 2) + Self.le(240, 2) + [0, 0, 0])
        #expect(MediaProbe.read(gif) == MediaProbe(format: .gif, width: 320, height: 240))
        let vp8x = Data(
            Array("RIFF".utf8) + Self.le(30, 4) + Array("WEBPVP8X".utf8) + Self.le(10, 4) + [0, 0, 0, 0] + Self.le(1919, 3) + Self.le(1079, 3))
        #expect(MediaProbe.read(vp8x) == MediaProbe(format: .webp, width: 1920, height: 1080))
        #expect(MediaProbe.read(Self.png(1, 1))?.kind == .image)
        #expect(MediaProbe.read(gif)?.kind == .gif)
    }

    @Test func videosAreKnownByBrandAndTheWidestTrack() {
        #expect(MediaProbe.read(Self.mp4(width: 1080, height: 1920)) == MediaProbe(format: .mp4, width: 1080, height: 1920))
        #expect(
            MediaProbe.read(Self.mp4(brand: "qt  ", width: 1280, height: 720, version: 1)) == MediaProbe(format: .quicktime, width: 1280, height: 720)
        )
        // moov missing (not yet written): still a video, size unknown.
        let noMoov = Data(Self.box("ftyp", Array("mp42".utf8) + [0, 0, 0, 0]) + Self.box("mdat", [0]))
        #expect(MediaProbe.read(noMoov) == MediaProbe(format: .mp4, width: nil, height: nil))
        #expect(MediaProbe.read(Self.mp4(width: 1, height: 1))?.kind == .video)
    }

    @Test func anythingElseIsNotMedia() {
        for text in ["<html><script>alert(1)</script>", "%PDF-1.7", "", "GIF8", "RIFF0000WAVEfmt "] {
            #expect(MediaProbe.read(Data(text.utf8)) == nil, "\(text)")
        }
        // A brand Fanfare does not publish (HEIF pictures, 3GP).
        #expect(MediaProbe.read(Data(Self.box("ftyp", Array("heic".utf8) + [0, 0, 0, 0]))) == nil)
    }

    @Test func hostileHeadersEndTheReadWithoutCrashing() {
        // A box that claims 2^63 bytes, a JPEG segment of length 0, a PNG cut short.
        let huge = Data(Self.box("ftyp", Array("isom".utf8)) + [0, 0, 0, 1] + Array("moov".utf8) + [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(MediaProbe.read(huge) == MediaProbe(format: .mp4, width: nil, height: nil))
        #expect(MediaProbe.read(Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0, 0, 0, 0, 0, 0])) == nil)
        #expect(MediaProbe.read(Data(Self.png(10, 10).prefix(20))) == nil)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var bytes = [UInt8](Self.mp4(width: 640, height: 480))
            for _ in 0..<8 { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            _ = MediaProbe.read(Data(bytes))
        }
    }

    @Test func platformsNameTheFormatsTheyTakeAndWarnWhenTheyScaleDown() {
        let webp = MediaAttachment(kind: .image, bytes: 200_000, format: .webp, width: 800, height: 600)
        let weibo = VariantValidator.violations(of: Variant(text: "新品", media: [webp]), against: PlatformRules.standard["weibo"]!)
        #expect(weibo.map(\.rule) == ["media.format_not_accepted"])
        #expect(weibo.first?.field == "media[0]")
        #expect(weibo.first?.message == "is WebP; weibo accepts GIF, JPEG, PNG")
        let big = MediaAttachment(kind: .image, bytes: 900_000, format: .jpeg, width: 6000, height: 4000)
        let mastodon = VariantValidator.violations(of: Variant(text: "hi", media: [big]), against: PlatformRules.standard["mastodon"]!)
        #expect(mastodon.map(\.rule) == ["media.scaled_down"])
        #expect(mastodon.first?.severity == .warning)
        // Files registered by address only have no format: nothing more is checked.
        let unknown = MediaAttachment(kind: .image, bytes: 200_000)
        #expect(VariantValidator.violations(of: Variant(text: "新品", media: [unknown]), against: PlatformRules.standard["weibo"]!).isEmpty)
    }
}

/// What each platform shows of a variant before anything is published.
@Suite struct VariantPreviewTests {
    let picture = MediaAttachment(kind: .image, bytes: 1_000, format: .jpeg, width: 800, height: 600)

    @Test func titlesAreHeadlinesWarningsOrDroppedByPlatform() {
        let variant = Variant(title: "新品发布", text: "春季新品今天上市", media: [picture, picture])
        let mastodon = VariantPreview(variant: variant, rules: PlatformRules.standard["mastodon"]!)
        #expect(mastodon.titleRole == .contentWarning && mastodon.title == "新品发布" && mastodon.layout == .grid && mastodon.shownMedia == 2)
        let weibo = VariantPreview(variant: variant, rules: PlatformRules.standard["weibo"]!)
        #expect(weibo.titleRole == .dropped && weibo.title == nil && weibo.shownMedia == 1)
        let wechat = VariantPreview(variant: variant, rules: PlatformRules.standard["wechat"]!)
        #expect(wechat.titleRole == .headline && wechat.layout == .cover)
        let plain = VariantPreview(variant: Variant(text: "hi"), rules: PlatformRules.standard["bluesky"]!)
        #expect(plain.layout == .none && plain.shownMedia == 0 && plain.titleRole == .dropped)
    }

    @Test func longTextIsFoldedWhereTheFeedFoldsIt() {
        let long = String(repeating: "好", count: 200)
        let weibo = VariantPreview(variant: Variant(text: long), rules: PlatformRules.standard["weibo"]!)
        #expect(weibo.folded && weibo.text.count == 140)
        let mastodon = VariantPreview(variant: Variant(text: long), rules: PlatformRules.standard["mastodon"]!)
        #expect(!mastodon.folded && mastodon.text.count == 200)
    }
}
