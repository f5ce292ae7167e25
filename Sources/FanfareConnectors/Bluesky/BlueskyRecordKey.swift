import Crypto
import Foundation

/// Record keys for posts made by Fanfare. A post's key is chosen by the
/// client, so deriving it from the idempotency key makes a second send of
/// the same post collide with the first instead of duplicating it, and
/// lets `findPost` look the post up by key alone.
enum BlueskyRecordKey {
    /// `app.bsky.feed.post` keys must be TIDs: 13 characters of
    /// base32-sortable for a 64-bit number whose top bit is 0, 53 bits of
    /// microseconds and 10 bits of clock id. Both parts come from a hash of
    /// the idempotency key; the time is kept within 2023–2031 so the key
    /// looks like any other to tools that read it as a time.
    static func tid(for idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Data("fanfare-bluesky-rkey:\(idempotencyKey)".utf8))
        let bits = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let epoch2023: UInt64 = 1_672_531_200_000_000
        let micros = epoch2023 + (bits >> 16)  // 48 bits: about 8.9 years
        let clockID = bits & 0x3FF
        return encode((micros << 10) | clockID)
    }

    static let alphabet = Array("234567abcdefghijklmnopqrstuvwxyz")

    static func encode(_ value: UInt64) -> String {
        var value = value
        var characters: [Character] = []
        for _ in 0..<13 {
            characters.append(alphabet[Int(value & 31)])
            value >>= 5
        }
        return String(characters.reversed())
    }

    static func isValidTID(_ text: String) -> Bool {
        text.count == 13 && text.allSatisfy { alphabet.contains($0) } && "234567abcdefghij".contains(text.first!)
    }
}
