import Crypto
import FanfareCore
import Foundation
import NIOPosix
import Vapor

/// Where uploaded pictures and videos are kept. Files are addressed by
/// content (`<workspace>/<sha256>.<ext>`): uploading the same file twice
/// stores it once, and a key never names two different files, so a file
/// once written is never rewritten and readers need no locking.
protocol MediaStore: Sendable {
    /// Stores `data` under `key` unless a file is there already (the same
    /// file, by construction of the key).
    func put(_ data: Data, key: String) async throws
    func get(_ key: String) async throws -> Data
    /// The file on this machine, for serving with ranges; nil where the
    /// store is elsewhere.
    func localPath(_ key: String) -> String?
}

enum MediaKeys {
    /// `<workspace>/<sha256>.<ext>`, or with `-thumb` before the extension
    /// for a thumbnail.
    static func key(workspace: UUID, sha256: String, format: MediaFormat, thumbnail: Bool = false) -> String {
        "\(workspace.uuidString.lowercased())/\(sha256)\(thumbnail ? "-thumb" : "").\(format.fileExtension)"
    }

    static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// Only keys this code makes are ever read: a stored key that does not
    /// match (a row edited by hand) cannot climb out of the store.
    static func isValid(_ key: String) -> Bool {
        key.wholeMatch(of: #/[0-9a-f\-]{36}/[0-9a-f]{64}(-thumb)?\.[a-z0-9]{2,5}/#) != nil
    }
}

/// The default store: `media/` in the data directory.
struct DirectoryMediaStore: MediaStore {
    let root: URL

    func put(_ data: Data, key: String) async throws {
        guard MediaKeys.isValid(key) else { throw Abort(.internalServerError, reason: "invalid media key") }
        let file = root.appendingPathComponent(key)
        if FileManager.default.fileExists(atPath: file.path) { return }
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Written beside and renamed: a crash leaves a stray temporary
        // file, never a half-written one under the real name.
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).part")
        try await NIOThreadPool.singleton.runIfActive {
            try data.write(to: temporary)
            if rename(temporary.path, file.path) != 0 {
                try? FileManager.default.removeItem(at: temporary)
                throw Abort(.internalServerError, reason: "could not store the file (errno \(errno))")
            }
        }
    }

    func get(_ key: String) async throws -> Data {
        guard MediaKeys.isValid(key) else { throw Abort(.notFound) }
        let file = root.appendingPathComponent(key)
        return try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: file) }
    }

    func localPath(_ key: String) -> String? {
        MediaKeys.isValid(key) ? root.appendingPathComponent(key).path : nil
    }
}

extension Application {
    /// The media store the settings name (the data directory's `media/`).
    var mediaStore: any MediaStore {
        DirectoryMediaStore(root: settings.dataDirectory.appendingPathComponent("media", isDirectory: true))
    }
}
