import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// The S3-compatible media store (docs/media.md § Where files are kept):
/// the client's calls against a stub store that checks every signature,
/// path-style and virtual-hosted; clear errors for wrong settings, a store
/// that hangs or is not there; nothing half-written when the store refuses;
/// files streamed to members with ranges; the settings that name it.
@Suite struct S3MediaStoreTests {
    static let picture = MediaUploadTests.png(640, 480)

    @Test(arguments: [true, false])
    func putHeadGetRangeAndDeleteAreSignedAsTheStoreChecks(pathStyle: Bool) async throws {
        try await withS3Stub { stub in
            let client = stub.client(pathStyle: pathStyle)
            // Shut down also when a step throws: a client dropped open ends
            // the whole test process (AsyncHTTPClient's check), hiding the error.
            do {
                let key = "ws/\(MediaKeys.sha256(Self.picture)).png"
                #expect(try await client.head(key) == nil)
                try await client.put(Self.picture, key: key, contentType: "image/png")
                #expect(stub.object(key) == Self.picture && stub.contentType(key) == "image/png")
                #expect(try await client.head(key) != nil)
                #expect(try await client.get(key, maxBytes: 1 << 20) == Self.picture)
                let part = try #require(try await client.open(key, range: "bytes=0-7"))
                #expect(part.status == 206 && part.contentRange == "bytes 0-7/\(Self.picture.count)")
                var bytes = Data()
                for try await piece in part.body { bytes.append(contentsOf: piece.readableBytesView) }
                #expect(bytes == Self.picture.prefix(8))
                #expect(try await client.get("ws/missing.png", maxBytes: 10) == nil)
                try await client.delete(key)
                try await client.delete(key)
                #expect(stub.keys.isEmpty)
                #expect(!stub.requests.contains { $0.hasSuffix("refused") }, "\(stub.requests)")
                #expect(stub.requests.first == "HEAD \(key)")
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test func wrongSettingsAreRefusedNamingTheSettingToCheckAndNeverTheSecret() async throws {
        try await withS3Stub { stub in
            let wrongSecret = stub.client(secret: "not-the-secret-at-all")
            do {
                try await wrongSecret.put(Data("x".utf8), key: "ws/a.png", contentType: "image/png")
                Issue.record("a wrong secret was accepted")
            } catch let error as S3Error {
                #expect(error == .refused(status: 403, code: "SignatureDoesNotMatch", message: error.message))
                #expect(error.description.contains("FANFARE_S3_SECRET_ACCESS_KEY"))
                #expect(!error.description.contains("not-the-secret-at-all") && !error.description.contains(stub.credentials.secretAccessKey))
            }
            let wrongRegion = stub.client(region: "us-east-1")
            await #expect {
                try await wrongRegion.head("ws/a.png")
            } throws: { ($0 as? S3Error)?.description.contains("FANFARE_S3_REGION") == true }
            var wrongBucket = stub.configuration()
            wrongBucket.bucket = "other-bucket"
            let lost = S3Client(configuration: wrongBucket)
            await #expect {
                try await lost.put(Data("x".utf8), key: "ws/a.png", contentType: "image/png")
            } throws: { ($0 as? S3Error)?.description.contains("FANFARE_S3_BUCKET") == true }
            #expect(stub.keys.isEmpty)
            for client in [wrongSecret, wrongRegion, lost] { try await client.shutdown() }
        }
    }

    @Test func aStoreThatHangsTimesOutAndOneThatIsNotThereIsUnreachable() async throws {
        let silent = try await SilentServer.start()
        let config = S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:\(silent.port)")!, region: "us-east-1", bucket: "media",
            credentials: AWSCredentials(accessKeyID: "k", secretAccessKey: "s"), pathStyle: true, timeout: 1)
        let hanging = S3Client(configuration: config)
        await #expect {
            _ = try await hanging.head("ws/a.png")
        } throws: { error in
            guard let error = error as? S3Error, case .timedOut = error else { return false }
            return error.description.contains("FANFARE_S3_TIMEOUT")
        }
        try await hanging.shutdown()
        try await silent.shutdown()
        // Nothing listens on the port any more.
        let gone = S3Client(configuration: config)
        await #expect {
            _ = try await gone.head("ws/a.png")
        } throws: { error in
            guard let error = error as? S3Error, case .unreachable = error else { return false }
            return error.description.contains("FANFARE_S3_ENDPOINT")
        }
        try await gone.shutdown()
    }

    @Test(arguments: TestDatabase.available)
    func anUploadTheStoreRefusesLeavesNothingAndSaysSoInTheReadersLanguage(_ database: TestDatabase) async throws {
        try await withS3Stub { stub in
            try await withTestApp(database, settings: { $0.s3 = stub.configuration(secret: "a-wrong-secret") }) { t in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let refused = try await MediaUploadTests.upload(t, slug, token: room.admin, file: Self.picture, fields: [("licence", "owned")])
                #expect(refused.status == .badGateway, "\(refused.body)")
                #expect(refused.problemFields == ["file"])
                #expect(refused.body.contains("media_store_failed") && !refused.body.contains("a-wrong-secret"))
                #expect(try await Asset.query(on: t.db).count() == 0)
                #expect(stub.keys.isEmpty)
                #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "asset.uploaded").count() == 0)
                // The page keeps the form and says it in Chinese.
                let user = try await t.makeUser("zh@example.com", locale: "zh-Hans")
                try await t.addMember(user, to: room.ws, as: .editor)
                let browser = Browser(t)
                _ = try await browser.signIn("zh@example.com")
                _ = try await browser.get("/w/\(slug)/library")
                let form = MultipartBody(
                    fields: [("csrf_token", browser.csrf ?? ""), ("licence", "owned"), ("source", "设计部")],
                    files: [.init(field: "file", fileName: "p.png", contentType: "image/png", data: Self.picture)])
                let page = try await browser.send(.POST, "/w/\(slug)/library/assets/upload", body: form.body, contentType: form.contentType)
                #expect(page.status == .badGateway && page.body.contains("id=\"file-error\""))
                #expect(page.body.contains("媒体存储") && page.body.contains("设计部"))
                #expect(try await Asset.query(on: t.db).count() == 0)
            }
        }
    }

    @Test(arguments: TestDatabase.available)
    func filesAreStreamedToMembersWithRangesAndAStoreFaultIsAClearError(_ database: TestDatabase) async throws {
        try await withS3Stub { stub in
            // Virtual-hosted addressing: the bucket's name reaches
            // 127.0.0.1 without a lookup.
            let client = stub.client(pathStyle: false)
            try await withTestApp(database, settings: { $0.s3 = stub.configuration() }) { t in
                t.app.mediaStore = S3MediaStore(client: client)
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let uploaded = try await MediaUploadTests.upload(t, slug, token: room.admin, file: Self.picture, fields: [("licence", "owned")])
                let id = try #require(uploaded.json["id"] as? String, "\(uploaded.body)")
                let path = "/api/v1/workspaces/\(slug)/assets/\(id)/file"
                var headers = HTTPHeaders()
                headers.bearerAuthorization = BearerAuthorization(token: room.admin)
                headers.add(name: .range, value: "bytes=8-15")
                let part = try await t.app.testing().sendRequest(.GET, path, headers: headers)
                #expect(part.status == .partialContent)
                #expect(Data(buffer: part.body) == Self.picture.subdata(in: 8..<16))
                #expect(part.headers.first(name: .contentRange) == "bytes 8-15/\(Self.picture.count)")
                #expect(part.headers.contentType?.description == "image/png")
                #expect(part.headers.first(name: "X-Content-Type-Options") == "nosniff")
                let whole = try await MediaUploadTests.fetch(t, path, token: room.admin)
                #expect(whole.status == .ok && whole.body == Self.picture)
                #expect(!stub.requests.contains { $0.hasSuffix("refused") }, "\(stub.requests)")
                // The store breaks: the member gets a clear error, not a broken file.
                stub.failReads(of: try #require(stub.keys.first))
                let broken = try await MediaUploadTests.fetch(t, path, token: room.admin)
                #expect(broken.status == .badGateway)
                #expect(String(decoding: broken.body, as: UTF8.self).contains("InternalError"))
            }
            try await client.shutdown()
        }
    }

    @Test func mediaCheckStoresReadsAndRemovesATestObjectAndNamesWhatIsWrong() async throws {
        try await withS3Stub { stub in
            var settings = Settings(
                dataDirectory: FileManager.default.temporaryDirectory, databaseURL: nil, secretKey: nil, host: "127.0.0.1", port: 0,
                logLevel: .warning, demo: false)
            settings.s3 = stub.configuration()
            var lines: [String] = []
            let client = stub.client()
            #expect(await MediaCheckCommand.check(settings, client: client) { lines.append($0) }, "\(lines)")
            #expect(lines.last == "ok: removed it; the media store works")
            #expect(stub.requests.map { $0.split(separator: " ")[0] } == ["PUT", "HEAD", "GET", "DELETE", "HEAD"], "\(stub.requests)")
            #expect(stub.keys.isEmpty)
            let wrong = stub.client(secret: "wrong-secret-value")
            lines = []
            #expect(!(await MediaCheckCommand.check(settings, client: wrong) { lines.append($0) }))
            #expect(lines.last?.contains("FANFARE_S3_SECRET_ACCESS_KEY") == true, "\(lines)")
            #expect(!lines.joined().contains("wrong-secret-value") && !lines.joined().contains(stub.credentials.secretAccessKey))
            try await client.shutdown()
            try await wrong.shutdown()
            #expect(FanfareCommand.helpMessage(columns: 400).contains("media-check"))
        }
    }

    @Test func theSettingsNameTheStoreAndEveryWrongValueWithoutRepeatingTheSecret() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fanfare-s3-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let base = ["FANFARE_DATA_DIR": dir]
        let none = try Settings.parse(environment: base, arguments: []).get().settings
        #expect(none.s3 == nil)
        let minio = try Settings.parse(
            environment: base.merging(
                [
                    "FANFARE_S3_BUCKET": "fanfare-media", "FANFARE_S3_ENDPOINT": "http://minio.internal:9000/", "FANFARE_S3_REGION": "cn-east-1",
                    "FANFARE_S3_ACCESS_KEY_ID": "minio", "FANFARE_S3_SECRET_ACCESS_KEY": "s3cr3t/value", "FANFARE_S3_PATH_STYLE": "true",
                    "FANFARE_S3_TIMEOUT": "12",
                ], uniquingKeysWith: { $1 }), arguments: ["--s3-timeout", "20"]
        ).get().settings
        let s3 = try #require(minio.s3)
        #expect(s3.endpoint.absoluteString == "http://minio.internal:9000" && s3.region == "cn-east-1" && s3.bucket == "fanfare-media")
        #expect(s3.pathStyle && s3.timeout == 20 && s3.credentials.secretAccessKey == "s3cr3t/value")
        let aws = try Settings.parse(
            environment: base.merging(
                ["FANFARE_S3_BUCKET": "media", "FANFARE_S3_ACCESS_KEY_ID": "AK", "FANFARE_S3_SECRET_ACCESS_KEY": "sk"], uniquingKeysWith: { $1 }),
            arguments: []
        ).get().settings.s3
        #expect(aws?.endpoint.absoluteString == "https://s3.us-east-1.amazonaws.com" && aws?.pathStyle == false)
        let wrong = Settings.parse(
            environment: base.merging(
                [
                    "FANFARE_S3_BUCKET": "Media_Bucket", "FANFARE_S3_ENDPOINT": "minio:9000/path", "FANFARE_S3_PATH_STYLE": "maybe",
                    "FANFARE_S3_TIMEOUT": "0", "FANFARE_S3_SECRET_ACCESS_KEY": "do-not-print-me",
                ], uniquingKeysWith: { $1 }), arguments: [])
        guard case .failure(let problems) = wrong else {
            Issue.record("wrong S3 settings were accepted")
            return
        }
        let named = problems.lines.map { String($0.prefix { $0 != ":" }) }
        #expect(
            Set(named) == ["FANFARE_S3_BUCKET", "FANFARE_S3_ENDPOINT", "FANFARE_S3_PATH_STYLE", "FANFARE_S3_TIMEOUT", "FANFARE_S3_ACCESS_KEY_ID"],
            "\(problems.lines)")
        #expect(!problems.description.contains("do-not-print-me"))
        let orphan = Settings.parse(environment: base.merging(["FANFARE_S3_SECRET_ACCESS_KEY": "x"], uniquingKeysWith: { $1 }), arguments: [])
        guard case .failure(let missing) = orphan else {
            Issue.record("a secret without a bucket was accepted")
            return
        }
        #expect(missing.lines.count == 1 && missing.lines[0].hasPrefix("FANFARE_S3_BUCKET: must name the bucket"))
    }
}

extension S3Error {
    /// The store's message, for comparing a refusal without spelling it out.
    var message: String? {
        if case .refused(_, _, let message) = self { return message }
        return nil
    }
}
