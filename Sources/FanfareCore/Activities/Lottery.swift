import Crypto
import Foundation

/// The secret of a lottery draw: 32 random bytes written as 64 lowercase hex
/// characters. Its hash is published before entries close, the seed itself
/// after the draw.
public enum LotterySeed {
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    public static func generate(using generator: inout some RandomNumberGenerator) -> String {
        HexText.lower((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The seed's 32 bytes, or the problem with the text ("seed").
    public static func bytes(fromHex hex: String) throws(ValidationErrors) -> [UInt8] {
        let chars = Array(hex.utf8)
        guard chars.count == 64 else {
            throw ValidationErrors("seed", .seedLength(count: hex.count))
        }
        var bytes: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let high = nibble(chars[i]), let low = nibble(chars[i + 1]) else {
                throw ValidationErrors("seed", .hexOnly)
            }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// The commitment published before entries close: lowercase hex of
    /// SHA-256 over the seed's 32 bytes (not over its hex text).
    public static func commitment(seedHex: String) throws(ValidationErrors) -> String {
        HexText.lower(SHA256.hash(data: try bytes(fromHex: seedHex)))
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// The verifiable draw. Everything a re-run needs is public after the draw:
/// the seed, the entrant list and the number of winners.
public enum Lottery {
    public static let algorithm = "fanfare-draw-v1"

    /// The text published on every lottery page, next to the seed hash.
    public static let algorithmText = """
        fanfare-draw-v1
        1. Seed: 32 random bytes, published as 64 lowercase hex characters. \
        Before entries close we publish the commitment: SHA-256 of the 32 seed bytes, in lowercase hex. \
        After the draw we publish the seed; anyone can check that its hash is the commitment.
        2. Entrants: the published list of entrant ids, with exact duplicates removed, \
        sorted by the bytes of their UTF-8 encoding (unsigned, a prefix before the longer id). \
        Ids are used exactly as published, with no trimming or Unicode normalization. \
        Call the sorted list E and its length n.
        3. Random stream: block k (k = 0, 1, 2, …) is SHA-256 of the ASCII text "<seed hex>:<k>", \
        the lowercase hex seed, a colon and k in decimal, e.g. "…9f:0". \
        Each 32-byte block gives four 64-bit unsigned integers, big-endian, bytes 0-7, 8-15, 16-23, 24-31; \
        the stream is these integers in order, block after block.
        4. Unbiased index below m: take the next integer x from the stream; \
        if x >= 2^64 - (2^64 mod m), discard it and take the next; otherwise the index is x mod m.
        5. Winners: for i = 0, 1, …, w - 1, pick j = i + (index below n - i) and swap E[i] and E[j]. \
        The winners are E[0], E[1], …, E[w - 1], in that order (first drawn first).
        Check by hand: printf '%s' <seed hex> | xxd -r -p | sha256sum gives the commitment; \
        printf '%s:%d' <seed hex> 0 | sha256sum gives block 0.
        """

    /// The entrants in draw order before shuffling: duplicates removed,
    /// sorted by UTF-8 bytes. Comparison is by bytes, not by Swift string
    /// equality, so that any implementation gets the same list.
    public static func canonicalEntrants(_ entrants: [String]) -> [String] {
        var seen: Set<[UInt8]> = []
        var unique: [[UInt8]] = []
        for entrant in entrants {
            let bytes = Array(entrant.utf8)
            if seen.insert(bytes).inserted { unique.append(bytes) }
        }
        unique.sort { $0.lexicographicallyPrecedes($1) }
        return unique.map { String(decoding: $0, as: UTF8.self) }
    }

    /// SHA-256 of the canonical list, one id per line each ending in "\n",
    /// so the list itself can be published as a fingerprint when entries close.
    public static func entrantListHash(_ entrants: [String]) -> String {
        HexText.lower(SHA256.hash(data: canonicalEntrants(entrants).flatMap { Array($0.utf8) + [0x0A] }))
    }

    /// The winners, in the order drawn. Throws the problems with the input:
    /// a seed that is not 64 hex characters, no entrants, an empty id or one
    /// with a line break (it could not be published one per line), a winner
    /// count outside 1…number of distinct entrants.
    public static func draw(seedHex: String, entrants: [String], winners: Int) throws(ValidationErrors) -> [String] {
        var errors = ValidationErrors()
        _ = errors.collect { () throws(ValidationErrors) in try LotterySeed.bytes(fromHex: seedHex) }
        let pool = canonicalEntrants(entrants)
        if pool.isEmpty {
            errors.add("entrants", .entrantsRequired)
        } else if pool.contains(where: { $0.isEmpty || $0.contains(where: \.isNewline) }) {
            errors.add("entrants", .entrantIds)
        } else if winners < 1 || winners > pool.count {
            errors.add("winners", .winnersBetween(count: pool.count))
        }
        try errors.throwIfAny()

        var stream = DrawStream(seedHex: seedHex.lowercased())
        var order = pool
        for i in 0..<winners {
            let j = i + stream.index(below: UInt64(order.count - i))
            order.swapAt(i, j)
        }
        return Array(order.prefix(winners))
    }

    public struct VerificationResult: Sendable, Equatable, Codable {
        public enum Outcome: String, Sendable, Codable {
            case ok
            case hashMismatch = "hash_mismatch"
            case winnersMismatch = "winners_mismatch"
            case invalid
        }

        public var outcome: Outcome
        public var message: String
        /// The winners the re-run gives, when it could run.
        public var recomputed: [String]?

        public var isOK: Bool { outcome == .ok }
    }

    /// Re-runs a published draw: the seed must hash to the commitment, and
    /// the draw from the seed and entrants must give exactly the claimed
    /// winners in the claimed order.
    public static func verify(
        seedHex: String, seedHash: String, entrants: [String], winners: Int, claimed: [String]
    )
        -> VerificationResult
    {
        let actualHash: String
        do {
            actualHash = try LotterySeed.commitment(seedHex: seedHex)
        } catch {
            return VerificationResult(outcome: .invalid, message: Self.describe(error), recomputed: nil)
        }
        guard actualHash == seedHash.lowercased() else {
            return VerificationResult(
                outcome: .hashMismatch,
                message: "The seed does not match the published commitment: SHA-256 of the seed is \(actualHash), the commitment is \(seedHash)",
                recomputed: nil)
        }
        let recomputed: [String]
        do {
            recomputed = try draw(seedHex: seedHex, entrants: entrants, winners: winners)
        } catch {
            return VerificationResult(outcome: .invalid, message: Self.describe(error), recomputed: nil)
        }
        guard recomputed == claimed else {
            let position =
                zip(recomputed, claimed).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(recomputed.count, claimed.count)
            return VerificationResult(
                outcome: .winnersMismatch,
                message:
                    "The claimed winners differ from the re-run from position \(position + 1): the re-run gives \(recomputed.joined(separator: ", ")); the claim is \(claimed.joined(separator: ", "))",
                recomputed: recomputed)
        }
        return VerificationResult(
            outcome: .ok,
            message:
                "Verified with \(algorithm): the seed matches the commitment and the \(recomputed.count) winner(s) follow from the seed and the \(canonicalEntrants(entrants).count) entrant(s)",
            recomputed: recomputed)
    }

    private static func describe(_ errors: ValidationErrors) -> String {
        errors.joined { .fieldSays(field: $0.field, message: $0.coded) }?.english ?? ""
    }
}

/// Step 3 and 4 of fanfare-draw-v1: SHA-256 in counter mode as a stream of
/// 64-bit integers, and unbiased indexes by rejection.
struct DrawStream {
    let prefix: [UInt8]
    var counter = 0
    var buffer: [UInt64] = []

    init(seedHex: String) {
        prefix = Array(seedHex.utf8) + [UInt8(ascii: ":")]
    }

    mutating func next() -> UInt64 {
        if buffer.isEmpty {
            let block = Array(SHA256.hash(data: prefix + Array(String(counter).utf8)))
            counter += 1
            buffer = stride(from: 0, to: 32, by: 8).map { start in
                block[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            }
            buffer.reverse()
        }
        return buffer.removeLast()
    }

    /// A uniform integer in 0..<m (m >= 1).
    mutating func index(below m: UInt64) -> Int {
        let remainder = (UInt64.max % m &+ 1) % m  // 2^64 mod m
        while true {
            let x = next()
            if x <= UInt64.max - remainder { return Int(x % m) }
        }
    }
}
