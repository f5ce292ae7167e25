import Crypto
import Foundation

/// Encrypts connector credentials at rest with the installation's secret key
/// (AES-256-GCM). The sealed form carries a version byte so that a later key
/// rotation can tell old boxes from new ones.
public struct CredentialSealer: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case keyLength(Int)
        case malformed
        case wrongKeyOrTampered

        public var description: String {
            switch self {
            case .keyLength(let n): "the secret key must be 32 bytes, not \(n)"
            case .malformed: "the sealed credential is not in Fanfare's format"
            case .wrongKeyOrTampered: "the sealed credential was made with another secret key or has been altered"
            }
        }
    }

    private static let version: UInt8 = 1
    private let key: SymmetricKey

    public init(secretKey: Data) throws(Failure) {
        guard secretKey.count == 32 else { throw .keyLength(secretKey.count) }
        key = SymmetricKey(data: secretKey)
    }

    /// `context` (for example the account id) is authenticated but not
    /// stored, so a box copied onto another account does not open.
    public func seal(_ plaintext: Data, context: String) throws -> Data {
        let box = try AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8))
        guard let combined = box.combined else { throw Failure.malformed }
        return Data([Self.version]) + combined
    }

    public func open(_ sealed: Data, context: String) throws(Failure) -> Data {
        guard sealed.first == Self.version, sealed.count > 1 + 12 + 16 else { throw .malformed }
        do {
            let box = try AES.GCM.SealedBox(combined: sealed.dropFirst())
            return try AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
        } catch {
            throw .wrongKeyOrTampered
        }
    }
}
