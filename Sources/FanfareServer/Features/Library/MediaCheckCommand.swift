import ArgumentParser
import FanfareConnectors
import Foundation

/// `fanfare media-check`: tries the media store the settings name before
/// people upload into it. With an S3-compatible store it stores a small
/// test object, asks for it, reads it back and removes it, one line per
/// step; the first refusal is named with the setting to check (exit
/// status 1). Reads the settings only; opens no database.
struct MediaCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media-check",
        abstract: "Tries the media store: stores, reads and removes a test object (FANFARE_S3_* or the data directory).")

    @OptionGroup(title: "Settings")
    var settings: SettingsOptions

    func run() async throws {
        let settings = try settings.settings()
        let passed = await Self.check(settings) { print($0) }
        if !passed { throw ExitCode(1) }
    }

    /// Runs the check, reporting each step through `say`; true when every
    /// step worked.
    static func check(_ settings: Settings, client made: S3Client? = nil, say: (String) -> Void) async -> Bool {
        guard let s3 = settings.s3 else {
            let media = settings.dataDirectory.appendingPathComponent("media", isDirectory: true)
            let probe = media.appendingPathComponent(".check-\(UUID().uuidString)")
            do {
                try FileManager.default.createDirectory(at: media, withIntermediateDirectories: true)
                try Data("fanfare".utf8).write(to: probe)
                try FileManager.default.removeItem(at: probe)
                say("ok: files are kept in \(media.path) (set FANFARE_S3_BUCKET to keep them in an S3-compatible store)")
                return true
            } catch {
                say("failed: \(media.path) cannot be written: \(error.localizedDescription)")
                return false
            }
        }
        let client = made ?? S3Client(configuration: s3)
        say("store: \(s3.description)")
        let passed = await steps(client, say: say)
        if made == nil { try? await client.shutdown() }
        return passed
    }

    /// PUT, HEAD, GET, DELETE and HEAD of a test object.
    private static func steps(_ client: S3Client, say: (String) -> Void) async -> Bool {
        let key = "fanfare-check/\(UUID().uuidString.lowercased()).txt"
        let body = Data("Fanfare media store check, \(Date())".utf8)
        do {
            try await client.put(body, key: key, contentType: "text/plain")
            say("ok: stored \(key)")
            guard try await client.head(key) != nil else {
                say("failed: the store does not find \(key) just after storing it")
                return false
            }
            say("ok: found it")
            guard try await client.get(key, maxBytes: 1_024) == body else {
                say("failed: what the store gave back is not what was stored")
                return false
            }
            say("ok: read it back")
            try await client.delete(key)
            guard try await client.head(key) == nil else {
                say("failed: \(key) is still there after removing it")
                return false
            }
            say("ok: removed it; the media store works")
            return true
        } catch {
            say("failed: \(error.description)")
            return false
        }
    }
}
