import FanfareConnectors
import Foundation
import Testing

@Suite struct WeChatMessageCryptoTests {
    static let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    static let appID = "wxb11529c136998cb6"
    static let message = "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Content><![CDATA[你好，品牌 😀]]></Content></xml>"

    @Test func encryptingAndDecryptingRoundTrips() throws {
        let crypto = try WeChatMessageCrypto(encodingAESKey: Self.key, appID: Self.appID)
        for message in [Self.message, "", String(repeating: "长", count: 1_000)] {
            let encrypted = crypto.encrypt(message)
            #expect(try crypto.decrypt(encrypted) == message)
        }
        #expect(crypto.encrypt("x") != crypto.encrypt("x"), "the random prefix differs between messages")
    }

    /// A known answer, computed independently (Python's `cryptography`,
    /// AES-256-CBC without padding) from the layout the docs define: 16
    /// random bytes (here 0…15), the length big-endian, the message, the
    /// AppID, then PKCS#7 padding to a multiple of 32 bytes.
    @Test func theCiphertextHasWeChatsLayout() throws {
        let crypto = try WeChatMessageCrypto(encodingAESKey: Self.key, appID: Self.appID)
        let encrypted = crypto.encrypt(Self.message, random: Array(0..<16))
        #expect(
            encrypted
                == "IG+0eOkLdhYW9kHtuT3HY1R4h0Lb0o3Tc9jE9iQG3m0KjC/TLSGyedoC8Y3EHnV7G5K3NB8KkG4V/y/PnO2fV4zK8K3J8MR3SlZ7WulAn5gt3T3xlDgzWpMQ3ISz93PDz8G4Q79Zes/rniUbPeioIiJQekS2mqiJH0BUevZEBVZ25LSin8ZvXzpF0I0bS+Aqw2q0iTisexvuDJzDJRKa2A=="
        )
        #expect(Data(base64Encoded: encrypted)!.count % 32 == 0)
        #expect(try crypto.decrypt(encrypted) == Self.message)
    }

    @Test func aMessageForAnotherAccountOrTamperedIsRefused() throws {
        let ours = try WeChatMessageCrypto(encodingAESKey: Self.key, appID: Self.appID)
        let theirs = try WeChatMessageCrypto(encodingAESKey: Self.key, appID: "wx0000000000000000")
        #expect(throws: WeChatMessageCrypto.Failure.wrongAppID("wx0000000000000000")) { try ours.decrypt(theirs.encrypt(Self.message)) }
        var bytes = Array(Data(base64Encoded: ours.encrypt(Self.message))!)
        bytes[bytes.count - 1] ^= 0x5A
        #expect(throws: WeChatMessageCrypto.Failure.self) { try ours.decrypt(Data(bytes).base64EncodedString()) }
        #expect(throws: WeChatMessageCrypto.Failure.invalidCiphertext) { try ours.decrypt("not base64!") }
        #expect(throws: WeChatMessageCrypto.Failure.invalidCiphertext) { try ours.decrypt(Data([1, 2, 3]).base64EncodedString()) }
        #expect(throws: WeChatMessageCrypto.Failure.invalidKey) { try WeChatMessageCrypto(encodingAESKey: "short", appID: Self.appID) }
    }

    @Test func theMessageSignatureSortsItsParts() {
        // sha1("1409304348" + "encrypted" + "pamtest" + "xxxxxx"): the parts in byte order.
        let signature = WeChatMessageCrypto.signature(token: "pamtest", timestamp: "1409304348", nonce: "xxxxxx", encrypted: "encrypted")
        #expect(signature == "010499173f70e9ed3d8adf020e518b56c3f3a691")
    }
}
