import Crypto
import FanfareCore
import Foundation

/// Random tokens and their stored form. Tokens are compared by hash, so
/// the database never holds anything that would let a reader sign in.
enum Secrets {
    static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let raw = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        return raw.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func sha256(_ text: String) -> String {
        HexText.lower(SHA256.hash(data: Data(text.utf8)))
    }

    static func sha256(_ data: Data) -> String {
        HexText.lower(SHA256.hash(data: data))
    }

    /// Compares without stopping at the first difference.
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
