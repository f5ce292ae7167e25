import Crypto
import FanfareCore
import Foundation

/// Hex digests that platforms put in push headers and queries.
enum HexSignature {
    static func sha1(_ data: Data) -> String {
        HexText.lower(Insecure.SHA1.hash(data: data))
    }

    /// Compares in time independent of where the strings differ, so a
    /// forger learns nothing from how long the check took.
    static func matches(_ expected: String, _ given: String) -> Bool {
        let a = Array(expected.lowercased().utf8)
        let b = Array(given.lowercased().utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
