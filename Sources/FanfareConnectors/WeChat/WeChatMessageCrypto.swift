import Crypto
import Foundation
import _CryptoExtras

/// WeChat's safe mode (安全模式) message encryption, as the Official
/// Account and open-platform docs describe it: AES-256-CBC with the key
/// `Base64Decode(EncodingAESKey + "=")`, the first 16 key bytes as the IV,
/// PKCS#7 padding to 32-byte blocks (not AES's 16), and the plaintext
/// `random(16) ‖ length(4, big-endian) ‖ message ‖ AppID`.
public struct WeChatMessageCrypto: Sendable {
    public enum Failure: Error, Sendable, Equatable {
        /// The EncodingAESKey is not 43 Base64 characters of a 32-byte key.
        case invalidKey
        /// Not Base64, not whole blocks, bad padding or a length that does
        /// not fit: not encrypted with this key.
        case invalidCiphertext
        /// Decrypted fine but for another account.
        case wrongAppID(String)
    }

    public let appID: String
    private let key: SymmetricKey
    private let iv: [UInt8]

    static let blockSize = 32

    public init(encodingAESKey: String, appID: String) throws(Failure) {
        guard encodingAESKey.count == 43, let bytes = Data(base64Encoded: encodingAESKey + "="), bytes.count == 32 else {
            throw .invalidKey
        }
        self.appID = appID
        self.key = SymmetricKey(data: bytes)
        self.iv = Array(bytes.prefix(16))
    }

    /// The Base64 ciphertext of `message`. `random` is for tests; WeChat
    /// only needs it to differ between messages.
    public func encrypt(_ message: String, random: [UInt8]? = nil) -> String {
        let prefix = random ?? (0..<16).map { _ in UInt8.random(in: .min ... .max) }
        let body = Array(message.utf8)
        var plain = Array(prefix.prefix(16))
        let length = UInt32(body.count).bigEndian
        withUnsafeBytes(of: length) { plain.append(contentsOf: $0) }
        plain += body + Array(appID.utf8)
        let pad = Self.blockSize - plain.count % Self.blockSize
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        do {
            return try AES._CBC.encrypt(plain, using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: true).base64EncodedString()
        } catch {
            // The key, IV and whole blocks were checked above; nothing else fails.
            preconditionFailure("AES-CBC refused checked input: \(error)")
        }
    }

    /// The message inside `encrypted` (the `Encrypt` element), checked to be
    /// for this AppID.
    public func decrypt(_ encrypted: String) throws(Failure) -> String {
        guard let cipher = Data(base64Encoded: encrypted), !cipher.isEmpty, cipher.count % 16 == 0 else { throw .invalidCiphertext }
        let plain: [UInt8]
        do {
            plain = Array(try AES._CBC.decrypt(cipher, using: key, iv: AES._CBC.IV(ivBytes: iv), noPadding: true))
        } catch {
            throw .invalidCiphertext
        }
        guard let last = plain.last, (1...Self.blockSize).contains(Int(last)), plain.count >= Int(last) + 20,
            plain.suffix(Int(last)).allSatisfy({ $0 == last })
        else { throw .invalidCiphertext }
        let content = plain.dropLast(Int(last))
        let lengthBytes = content.dropFirst(16).prefix(4)
        let length = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
        guard content.count >= 20 + length else { throw .invalidCiphertext }
        let messageStart = content.startIndex + 20
        let message = content[messageStart..<messageStart + length]
        let sender = String(decoding: content[(messageStart + length)...], as: UTF8.self)
        guard sender == appID else { throw .wrongAppID(sender) }
        return String(decoding: message, as: UTF8.self)
    }

    /// `msg_signature`: SHA-1 over the lexicographically sorted token,
    /// timestamp, nonce and ciphertext, joined without separators.
    public static func signature(token: String, timestamp: String, nonce: String, encrypted: String) -> String {
        WeChatSignature.sha1(sorted: [token, timestamp, nonce, encrypted])
    }
}

/// WeChat's push signatures: SHA-1 hex of the sorted parts concatenated.
enum WeChatSignature {
    static func sha1(sorted parts: [String]) -> String {
        HexSignature.sha1(Data(parts.sorted().joined().utf8))
    }

}
