import Crypto
import Foundation

/// Signing and verifying per the Standard Webhooks specification
/// (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (Unix seconds)
/// and `webhook-signature: v1,<base64 HMAC-SHA256>` over
/// `id.timestamp.body`, keyed with the bytes of a `whsec_<base64>` secret.
public enum StandardWebhooks {
    public static let secretPrefix = "whsec_"
    /// How far a timestamp may be from the receiver's clock.
    public static let tolerance: TimeInterval = 5 * 60

    /// A new secret: 24 random bytes, as the reference libraries make them.
    public static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return secretPrefix + Data(bytes).base64EncodedString()
    }

    /// The key bytes of a secret, with or without its `whsec_` prefix; nil
    /// when the rest is not base64 or too short to be a key.
    public static func key(fromSecret secret: String) -> SymmetricKey? {
        let trimmed = secret.trimmingCharacters(in: .whitespacesAndNewlines)
        let encoded = trimmed.hasPrefix(secretPrefix) ? String(trimmed.dropFirst(secretPrefix.count)) : trimmed
        guard let bytes = Data(base64Encoded: encoded), bytes.count >= 16 else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// The `webhook-signature` value for one message.
    public static func signature(id: String, timestamp: Int, body: Data, key: SymmetricKey) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: signedPayload(id: id, timestamp: timestamp, body: body), using: key)
        return "v1," + Data(code).base64EncodedString()
    }

    /// Whether the headers carry a valid signature of `body` made within
    /// the tolerance of `now`. Several space-separated signatures are
    /// accepted (while a secret is rotated); any `v1` one may match.
    public static func verify(headers: [String: String], body: Data, key: SymmetricKey, now: Date) -> Bool {
        let lowered = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let id = lowered["webhook-id"], !id.isEmpty, let stamp = lowered["webhook-timestamp"].flatMap({ Int($0) }),
            let signatures = lowered["webhook-signature"]
        else { return false }
        guard abs(now.timeIntervalSince1970 - TimeInterval(stamp)) <= tolerance else { return false }
        let payload = signedPayload(id: id, timestamp: stamp, body: body)
        return signatures.split(separator: " ").contains { candidate in
            let parts = candidate.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])) else { return false }
            // swift-crypto compares codes in constant time.
            return HMAC<SHA256>.isValidAuthenticationCode(given, authenticating: payload, using: key)
        }
    }

    static func signedPayload(id: String, timestamp: Int, body: Data) -> Data {
        Data("\(id).\(timestamp).".utf8) + body
    }
}
