import FanfareConnectors
import Foundation
import Testing

@Suite struct CredentialSealerTests {
    let key = Data(repeating: 7, count: 32)

    @Test func sealedCredentialsOpenWithTheSameKeyAndContext() throws {
        let sealer = try CredentialSealer(secretKey: key)
        let secret = Data("access-token-微博".utf8)
        let sealed = try sealer.seal(secret, context: "account-1")
        #expect(sealed.range(of: secret) == nil, "plaintext must not appear in the sealed form")
        #expect(try sealer.open(sealed, context: "account-1") == secret)
    }

    @Test func anotherKeyAnotherContextOrATamperedBoxFail() throws {
        let sealer = try CredentialSealer(secretKey: key)
        var sealed = try sealer.seal(Data("x".utf8), context: "a")
        #expect(throws: CredentialSealer.Failure.wrongKeyOrTampered) {
            try CredentialSealer(secretKey: Data(repeating: 8, count: 32)).open(sealed, context: "a")
        }
        #expect(throws: CredentialSealer.Failure.wrongKeyOrTampered) { try sealer.open(sealed, context: "b") }
        sealed[sealed.count - 1] ^= 1
        #expect(throws: CredentialSealer.Failure.wrongKeyOrTampered) { try sealer.open(sealed, context: "a") }
        #expect(throws: CredentialSealer.Failure.malformed) { try sealer.open(Data([9, 9]), context: "a") }
    }

    @Test func theKeyMustBe32Bytes() {
        #expect(throws: CredentialSealer.Failure.keyLength(16)) { try CredentialSealer(secretKey: Data(count: 16)) }
    }
}
