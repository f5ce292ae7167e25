import Crypto
import FanfareCore
import Foundation

/// Bilibili's open-platform request signature, version 2.0
/// (open.bilibili.com/doc/4/8673959e-f7bb-56e6-6e68-d225f971b81b, 接口签名实现标准;
/// the official C# demo `bilibili-openplatform/SignatureAlgorithm_DotnetDemo`):
///
/// 1. `x-bili-content-md5` is the lower-case hex MD5 of the body as text,
///    files left out (a GET, an empty body and a multipart upload of a
///    file alone all hash the empty string);
/// 2. the `x-bili-*` headers, sorted by name, written `name:value` and
///    joined with `\n` (no newline at the end), are the string to sign;
/// 3. `Authorization` is the lower-case hex HMAC-SHA256 of that string
///    with the app's secret.
///
/// Version 2.0 also carries the user's OAuth token in `access-token`,
/// which is not signed. The timestamp may be at most 10 minutes from
/// Bilibili's clock. Pure: the nonce and the time are given.
public enum BilibiliSignature {
    public static let version = "2.0"
    public static let method = "HMAC-SHA256"

    /// The headers of one signed request, `Authorization` last.
    public static func headers(
        clientID: String, secret: String, accessToken: String, body: Data, nonce: String, timestamp: Int
    ) -> [(name: String, value: String)] {
        let signed: [(name: String, value: String)] = [
            ("x-bili-accesskeyid", clientID), ("x-bili-content-md5", md5(body)), ("x-bili-signature-method", method),
            ("x-bili-signature-nonce", nonce), ("x-bili-signature-version", version), ("x-bili-timestamp", String(timestamp)),
        ]
        var all: [(name: String, value: String)] = [("Accept", "application/json")]
        all += signed
        all.append(("access-token", accessToken))
        all.append(("Authorization", signature(of: stringToSign(signed), secret: secret)))
        return all
    }

    /// The `x-bili-*` headers among `headers`, sorted by name, as
    /// `name:value` lines. Other headers (`access-token`, `Accept`) are
    /// not signed.
    public static func stringToSign(_ headers: [(name: String, value: String)]) -> String {
        headers.map { (name: $0.name.lowercased(), value: $0.value) }.filter { $0.name.hasPrefix("x-bili-") }
            .sorted { $0.name < $1.name }.map { "\($0.name):\($0.value)" }.joined(separator: "\n")
    }

    public static func signature(of stringToSign: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return HexText.lower(Data(code))
    }

    public static func md5(_ body: Data) -> String {
        HexText.lower(Insecure.MD5.hash(data: body))
    }

    /// Whether a request's headers carry a valid signature of `body` by
    /// `secret`, with a timestamp within `skew` of `now`: what Bilibili
    /// checks, and what the stub platform of the tests checks.
    public static func verify(headers: [String: String], body: Data, secret: String, now: Date, skew: TimeInterval = 600) -> Bool {
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name }?.value }
        guard let given = header("authorization"), header("x-bili-signature-version") == version,
            header("x-bili-signature-method") == method, header("x-bili-content-md5") == md5(body),
            let nonce = header("x-bili-signature-nonce"), !nonce.isEmpty,
            let timestamp = header("x-bili-timestamp").flatMap(Int.init), abs(Double(timestamp) - now.timeIntervalSince1970) <= skew
        else { return false }
        let signed = headers.map { (name: $0.key, value: $0.value) }
        return HexSignature.matches(signature(of: stringToSign(signed), secret: secret), given)
    }
}
