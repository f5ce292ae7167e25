import Crypto
import FanfareConnectors
import FanfareCore
import Foundation
import NIOCore
import NIOPosix
import Vapor

/// Where uploaded pictures and videos are kept. Files are addressed by
/// content (`<workspace>/<sha256>.<ext>`): uploading the same file twice
/// stores it once, and a key never names two different files, so a file
/// once written is never rewritten and readers need no locking.
///
/// Every failure is a `Problem` (502, type `media-store`) whose detail
/// names the cause for the operator and never a secret.
protocol MediaStore: Sendable {
    /// Stores `data` under `key` unless a file is there already (the same
    /// file, by construction of the key). Returns once the file is kept.
    func put(_ data: Data, key: String) async throws
    /// The whole file; a `Problem` (404) when there is none.
    func get(_ key: String) async throws -> Data
    func exists(_ key: String) async throws -> Bool
    /// Removes the file; removing one that is not there succeeds.
    func delete(_ key: String) async throws
    /// The file sent to the member who asked, as `type`, with ranges; never
    /// a redirect to the store, since files are never public.
    func response(for key: String, as type: HTTPMediaType, to req: Request) async throws -> Response
}

enum MediaKeys {
    /// `<workspace>/<sha256>.<ext>`, or with `-thumb` before the extension
    /// for a thumbnail.
    static func key(workspace: UUID, sha256: String, format: MediaFormat, thumbnail: Bool = false) -> String {
        "\(workspace.uuidString.lowercased())/\(sha256)\(thumbnail ? "-thumb" : "").\(format.fileExtension)"
    }

    static func sha256(_ data: Data) -> String {
        HexText.lower(SHA256.hash(data: data))
    }

    /// Only keys this code makes are ever read: a stored key that does not
    /// match (a row edited by hand) cannot climb out of the store.
    static func isValid(_ key: String) -> Bool {
        key.wholeMatch(of: #/[0-9a-f\-]{36}/[0-9a-f]{64}(-thumb)?\.[a-z0-9]{2,5}/#) != nil
    }

    /// The format a key's extension names.
    static func format(ofKey key: String) -> MediaFormat? {
        let ext = key.split(separator: ".").last.map(String.init) ?? ""
        return MediaFormat.allCases.first { $0.fileExtension == ext }
    }

    /// A failure of the store, said for the operator.
    static func failure(_ detail: String) -> Problem { Problem(.badGateway, detail, type: "media-store") }
}

/// The default store: `media/` in the data directory.
struct DirectoryMediaStore: MediaStore {
    let root: URL

    func put(_ data: Data, key: String) async throws {
        guard MediaKeys.isValid(key) else { throw Abort(.internalServerError, reason: "invalid media key") }
        let file = root.appendingPathComponent(key)
        if FileManager.default.fileExists(atPath: file.path) { return }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw MediaKeys.failure("The media directory \(root.path) could not be written: \(error.localizedDescription)")
        }
        // Written beside and renamed: a crash leaves a stray temporary
        // file, never a half-written one under the real name.
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(UUID().uuidString).part")
        try await NIOThreadPool.singleton.runIfActive {
            do {
                try data.write(to: temporary)
            } catch {
                try? FileManager.default.removeItem(at: temporary)
                throw MediaKeys.failure("The media directory \(root.path) could not be written: \(error.localizedDescription)")
            }
            if rename(temporary.path, file.path) != 0 {
                try? FileManager.default.removeItem(at: temporary)
                throw MediaKeys.failure("The file could not be stored in \(root.path) (errno \(errno)).")
            }
        }
    }

    func get(_ key: String) async throws -> Data {
        guard MediaKeys.isValid(key) else { throw Abort(.notFound) }
        let file = root.appendingPathComponent(key)
        return try await NIOThreadPool.singleton.runIfActive {
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw Problem(.notFound, "The file \(key) is not in the media directory \(root.path).", type: "media-store")
            }
            return try Data(contentsOf: file)
        }
    }

    func exists(_ key: String) async throws -> Bool {
        MediaKeys.isValid(key) && FileManager.default.fileExists(atPath: root.appendingPathComponent(key).path)
    }

    func delete(_ key: String) async throws {
        guard MediaKeys.isValid(key) else { return }
        try? FileManager.default.removeItem(at: root.appendingPathComponent(key))
    }

    func response(for key: String, as type: HTTPMediaType, to req: Request) async throws -> Response {
        guard MediaKeys.isValid(key) else { throw Abort(.notFound) }
        let path = root.appendingPathComponent(key).path
        guard FileManager.default.fileExists(atPath: path) else { throw Abort(.notFound) }
        return try await req.fileio.asyncStreamFile(at: path, mediaType: type)
    }
}

/// Files kept in a bucket of an S3-compatible store (AWS S3, MinIO, Aliyun
/// OSS, Tencent COS), set by the operator with `FANFARE_S3_*`. Objects are
/// private: members get them through Fanfare, streamed as they arrive.
struct S3MediaStore: MediaStore {
    let client: S3Client
    /// The largest object read whole (for publishing): the upload limit.
    var maxObject = LibraryService.maxUpload

    func put(_ data: Data, key: String) async throws {
        guard MediaKeys.isValid(key) else { throw Abort(.internalServerError, reason: "invalid media key") }
        do {
            // The same content is stored once: a HEAD costs less than
            // sending a 100 MiB video again.
            if try await client.head(key) != nil { return }
            try await client.put(data, key: key, contentType: MediaKeys.format(ofKey: key)?.mimeType ?? "application/octet-stream")
        } catch {
            throw MediaKeys.failure(error.description)
        }
    }

    func get(_ key: String) async throws -> Data {
        guard MediaKeys.isValid(key) else { throw Abort(.notFound) }
        let data: Data?
        do {
            data = try await client.get(key, maxBytes: maxObject)
        } catch {
            throw MediaKeys.failure(error.description)
        }
        guard let data else {
            throw Problem(.notFound, "The file \(key) is not in the media store (\(client.configuration.description)).", type: "media-store")
        }
        return data
    }

    func exists(_ key: String) async throws -> Bool {
        guard MediaKeys.isValid(key) else { return false }
        do {
            return try await client.head(key) != nil
        } catch {
            throw MediaKeys.failure(error.description)
        }
    }

    func delete(_ key: String) async throws {
        guard MediaKeys.isValid(key) else { return }
        do {
            try await client.delete(key)
        } catch {
            throw MediaKeys.failure(error.description)
        }
    }

    func response(for key: String, as type: HTTPMediaType, to req: Request) async throws -> Response {
        guard MediaKeys.isValid(key) else { throw Abort(.notFound) }
        // Only a single range is passed on, as the browser wrote it; the
        // store answers 206 with its Content-Range, or 416.
        let range = req.headers.first(name: .range).flatMap { $0.wholeMatch(of: #/bytes=\d*-\d*/#) != nil ? $0 : nil }
        let download: S3Download?
        do {
            download = try await client.open(key, range: range)
        } catch {
            req.logger.warning("media store read failed", metadata: ["key": .string(key), "error": .string(error.description)])
            throw MediaKeys.failure(error.description)
        }
        guard let download else { throw Abort(.notFound) }
        var headers = HTTPHeaders()
        headers.contentType = type
        headers.replaceOrAdd(name: .acceptRanges, value: "bytes")
        if let range = download.contentRange { headers.replaceOrAdd(name: .contentRange, value: range) }
        let body = download.body
        let logger = req.logger
        let pass: @Sendable (any AsyncBodyStreamWriter) async throws -> Void = { writer in
            do {
                for try await piece in body { try await writer.writeBuffer(piece) }
                try await writer.write(.end)
            } catch {
                // The head has gone out: the member's connection is cut,
                // so the browser sees a broken file, not a short one.
                logger.warning("media store stream broke", metadata: ["key": .string(key), "error": .string(String(describing: error))])
                try? await writer.write(.error(error))
            }
        }
        let stream = download.contentLength.map { Response.Body(asyncStream: pass, count: $0) } ?? Response.Body(asyncStream: pass)
        return Response(status: HTTPResponseStatus(statusCode: download.status), headers: headers, body: stream)
    }
}

extension Application {
    private struct MediaStoreKey: StorageKey { typealias Value = any MediaStore }

    /// The media store the settings name: an S3-compatible bucket, or the
    /// data directory's `media/`. Installed at start by the library
    /// feature; tests may set another.
    var mediaStore: any MediaStore {
        get {
            storage[MediaStoreKey.self] ?? DirectoryMediaStore(root: settings.dataDirectory.appendingPathComponent("media", isDirectory: true))
        }
        set { storage[MediaStoreKey.self] = newValue }
    }

    /// Installs the S3 store when the settings name one; its client's
    /// connections close when the application shuts down.
    func installMediaStore() {
        guard let s3 = settings.s3 else { return }
        let client = S3Client(configuration: s3)
        mediaStore = S3MediaStore(client: client)
        lifecycle.use(S3Shutdown(client: client))
        logger.info("media files are kept in an S3-compatible store", metadata: ["store": .string(s3.description)])
    }

    private struct S3Shutdown: LifecycleHandler {
        let client: S3Client
        func shutdownAsync(_ application: Application) async { try? await client.shutdown() }
    }
}
