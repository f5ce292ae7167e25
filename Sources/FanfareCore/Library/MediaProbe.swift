import Foundation

/// What an uploaded file really is, read from its first bytes rather than
/// from its name or the type the browser claimed: the library stores only
/// pictures and videos it recognises, serves them with the type found
/// here, and checks each platform's formats and dimensions against it.
public struct MediaProbe: Sendable, Equatable {
    public var format: MediaFormat
    /// Pixels, when the header says (every picture format below; MP4 and
    /// QuickTime when a track header carries them).
    public var width: Int?
    public var height: Int?

    public var kind: MediaKind { format.kind }

    public init(format: MediaFormat, width: Int?, height: Int?) {
        self.format = format
        self.width = width
        self.height = height
    }

    /// Nil when the bytes are none of the formats Fanfare publishes.
    /// Reads headers only — no decoding — so a hostile file costs at most
    /// one pass over its boxes or segments.
    public static func read(_ data: Data) -> MediaProbe? {
        let bytes = [UInt8](data.prefix(16))
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return png(data) }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return jpeg(data) }
        if bytes.starts(with: Array("GIF87a".utf8)) || bytes.starts(with: Array("GIF89a".utf8)) { return gif(data) }
        if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return webp(data) }
        if bytes.count >= 12, Array(bytes[4..<8]) == Array("ftyp".utf8) { return isoMedia(data) }
        return nil
    }

    // MARK: Pictures

    private static func png(_ data: Data) -> MediaProbe? {
        // The IHDR chunk comes first: width and height at bytes 16 and 20.
        guard data.count >= 24, data.ascii(12, 4) == "IHDR" else { return nil }
        return MediaProbe(format: .png, width: data.bigEndian(16, 4), height: data.bigEndian(20, 4))
    }

    private static func gif(_ data: Data) -> MediaProbe? {
        guard data.count >= 10 else { return nil }
        return MediaProbe(format: .gif, width: data.littleEndian(6, 2), height: data.littleEndian(8, 2))
    }

    /// Walks the segments to the first start-of-frame marker (SOF0–SOF15
    /// but the three that are not frames: DHT, JPG and DAC).
    private static func jpeg(_ data: Data) -> MediaProbe? {
        var at = 2
        while at + 9 < data.count {
            guard data.byte(at) == 0xFF else { return nil }
            let marker = data.byte(at + 1)
            if marker == 0xFF {
                at += 1
                continue
            }
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) || marker == 0x01 {
                at += 2
                continue
            }
            let length = data.bigEndian(at + 2, 2)
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                return MediaProbe(format: .jpeg, width: data.bigEndian(at + 7, 2), height: data.bigEndian(at + 5, 2))
            }
            guard length >= 2 else { return nil }
            at += 2 + length
        }
        return nil
    }

    private static func webp(_ data: Data) -> MediaProbe? {
        guard data.count >= 30 else { return nil }
        switch data.ascii(12, 4) {
        case "VP8X":
            return MediaProbe(format: .webp, width: data.littleEndian(24, 3) + 1, height: data.littleEndian(27, 3) + 1)
        case "VP8L":
            let bits = data.littleEndian(21, 4)
            return MediaProbe(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8 ":
            return MediaProbe(format: .webp, width: data.littleEndian(26, 2) & 0x3FFF, height: data.littleEndian(28, 2) & 0x3FFF)
        default:
            return nil
        }
    }

    // MARK: Video

    /// MP4 and QuickTime share the ISO box structure; the brand tells them
    /// apart, and the widest track header (`moov/trak/tkhd`) gives the
    /// picture size (audio tracks say 0 × 0).
    private static func isoMedia(_ data: Data) -> MediaProbe? {
        let brand = data.ascii(8, 4)
        let format: MediaFormat
        switch brand {
        case "qt  ": format = .quicktime
        case "isom", "iso2", "iso4", "iso5", "iso6", "mp41", "mp42", "avc1", "M4V ", "dash", "MSNV": format = .mp4
        default: return nil
        }
        var size: (Int, Int)?
        for moov in boxes(in: data, from: 0, to: data.count) where moov.type == "moov" {
            for trak in boxes(in: data, from: moov.content, to: moov.end) where trak.type == "trak" {
                for tkhd in boxes(in: data, from: trak.content, to: trak.end) where tkhd.type == "tkhd" {
                    let offset = tkhd.content + (data.byte(tkhd.content) == 1 ? 88 : 76)
                    guard offset + 8 <= tkhd.end else { continue }
                    let width = data.bigEndian(offset, 4) >> 16
                    let height = data.bigEndian(offset + 4, 4) >> 16
                    if width > 0, height > 0, width * height > (size.map { $0.0 * $0.1 } ?? 0) { size = (width, height) }
                }
            }
        }
        return MediaProbe(format: format, width: size?.0, height: size?.1)
    }

    private struct Box {
        var type: String
        var content: Int
        var end: Int
    }

    /// The boxes between two offsets; stops at the first malformed size.
    private static func boxes(in data: Data, from start: Int, to end: Int) -> [Box] {
        var found: [Box] = []
        var at = start
        while at + 8 <= end, found.count < 4_096 {
            var size = data.bigEndian(at, 4)
            var header = 8
            if size == 1 {
                guard at + 16 <= end else { break }
                size = data.bigEndian(at + 8, 8)
                header = 16
            } else if size == 0 {
                size = end - at
            }
            guard size >= header, size <= end - at else { break }
            found.append(Box(type: data.ascii(at + 4, 4), content: at + header, end: at + size))
            at += size
        }
        return found
    }
}

/// The file formats the library accepts, each with its MIME type and the
/// extension files are stored under.
public enum MediaFormat: String, Sendable, Equatable, Codable, CaseIterable {
    case jpeg
    case png
    case gif
    case webp
    case mp4
    case quicktime

    public var kind: MediaKind {
        switch self {
        case .jpeg, .png, .webp: .image
        case .gif: .gif
        case .mp4, .quicktime: .video
        }
    }

    public var mimeType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .gif: "image/gif"
        case .webp: "image/webp"
        case .mp4: "video/mp4"
        case .quicktime: "video/quicktime"
        }
    }

    /// How people write the format's name.
    public var displayName: String {
        switch self {
        case .jpeg: "JPEG"
        case .png: "PNG"
        case .gif: "GIF"
        case .webp: "WebP"
        case .mp4: "MP4"
        case .quicktime: "MOV"
        }
    }

    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .gif: "gif"
        case .webp: "webp"
        case .mp4: "mp4"
        case .quicktime: "mov"
        }
    }

    public init?(mimeType: String) {
        guard let found = Self.allCases.first(where: { $0.mimeType == mimeType.lowercased() }) else { return nil }
        self = found
    }
}

extension Data {
    fileprivate func byte(_ offset: Int) -> UInt8 {
        offset >= 0 && offset < count ? self[startIndex + offset] : 0
    }

    fileprivate func bigEndian(_ offset: Int, _ length: Int) -> Int {
        (0..<length).reduce(0) { ($0 << 8) | Int(byte(offset + $1)) }
    }

    fileprivate func littleEndian(_ offset: Int, _ length: Int) -> Int {
        (0..<length).reversed().reduce(0) { ($0 << 8) | Int(byte(offset + $1)) }
    }

    fileprivate func ascii(_ offset: Int, _ length: Int) -> String {
        String(decoding: (0..<length).map { byte(offset + $0) }, as: UTF8.self)
    }
}
