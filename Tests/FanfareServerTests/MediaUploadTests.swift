import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Testing
import Vapor

@testable import FanfareServer

/// Pictures and videos uploaded into the library (API and page), served
/// back to members only, and published with a post (docs/media.md); the
/// main paths run with the data directory and with an S3-compatible store.
@Suite struct MediaUploadTests {
    /// Where the files go: the data directory, or an S3 stub named by the
    /// settings (FANFARE_S3_*) as an operator would.
    enum Store: String, CaseIterable, Sendable {
        case directory, s3
    }

    static func withStore(
        _ store: Store, _ database: TestDatabase, settings adjust: (inout Settings) -> Void = { _ in },
        _ body: (TestApp, S3Stub?) async throws -> Void
    ) async throws {
        guard store == .s3 else {
            try await withTestApp(database, settings: adjust) { try await body($0, nil) }
            return
        }
        try await withS3Stub { stub in
            try await withTestApp(
                database,
                settings: {
                    adjust(&$0)
                    $0.s3 = stub.configuration()
                }
            ) { t in
                #expect(t.app.mediaStore is S3MediaStore)
                try await body(t, stub)
            }
        }
    }

    /// The stored files' names, wherever they are kept.
    static func stored(_ t: TestApp, _ s3: S3Stub?) -> [String] {
        if let s3 { return s3.keys }
        let media = t.dataDirectory.appendingPathComponent("media")
        return ((try? FileManager.default.subpathsOfDirectory(atPath: media.path)) ?? []).filter { $0.contains(".") && !$0.hasPrefix(".") }
    }

    static func png(_ width: Int, _ height: Int, salt: UInt8 = 0) -> Data {
        func be(_ value: Int) -> [UInt8] { (0..<4).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) } }
        return Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be(13) + Array("IHDR".utf8) + be(width) + be(height) + [8, 6, 0, 0, 0, salt])
    }

    static func upload(
        _ t: TestApp, _ slug: String, token: String, file: Data?, fileName: String = "poster.png", contentType: String = "image/png",
        fields: [(String, String)] = []
    ) async throws -> Reply {
        let body = MultipartBody(
            fields: fields, files: file.map { [.init(field: "file", fileName: fileName, contentType: contentType, data: $0)] } ?? [])
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        headers.replaceOrAdd(name: .contentType, value: body.contentType)
        let response = try await t.app.testing().sendRequest(
            .POST, "/api/v1/workspaces/\(slug)/assets/upload", headers: headers, body: ByteBuffer(data: body.body))
        return Reply(status: response.status, headers: response.headers, body: response.body.string)
    }

    static func fetch(_ t: TestApp, _ path: String, token: String) async throws -> (status: HTTPStatus, headers: HTTPHeaders, body: Data) {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        let response = try await t.app.testing().sendRequest(.GET, path, headers: headers)
        return (response.status, response.headers, Data(buffer: response.body))
    }

    @Test(arguments: TestDatabase.available, Store.allCases)
    func anUploadIsKnownByItsBytesStoredOnceAndServedOnlyToMembers(_ database: TestDatabase, _ store: Store) async throws {
        try await Self.withStore(store, database) { t, s3 in
            let room = try await Newsroom.make(t)
            let slug = room.ws.slug
            let picture = Self.png(1200, 800)
            // act: uploaded twice under a misleading name and type
            let first = try await Self.upload(
                t, slug, token: room.admin, file: picture, fileName: "海报.jpg", contentType: "image/jpeg",
                fields: [("alt_text", "红色瓶子"), ("licence", "owned"), ("source", "设计部")])
            let second = try await Self.upload(t, slug, token: room.admin, file: picture, fields: [("licence", "owned")])
            // check
            #expect(first.status == .created, "\(first.body)")
            #expect(first.json["format"] as? String == "png" && first.json["content_type"] as? String == "image/png")
            #expect(first.json["width"] as? Int == 1200 && first.json["height"] as? Int == 800)
            #expect(first.json["kind"] as? String == "image" && first.json["bytes"] as? Int == picture.count)
            #expect(first.json["alt_text"] as? String == "红色瓶子" && first.json["uploaded"] as? Bool == true)
            #expect(first.json["name"] as? String == "海报.jpg")
            #expect(second.json["sha256"] as? String == first.json["sha256"] as? String)
            let stored = Self.stored(t, s3)
            #expect(stored.filter { $0.hasSuffix(".png") }.count == 1, "\(stored)")
            if let s3 {
                // Stored once, with its type; the second upload only asked whether it was there.
                #expect(s3.requests.filter { $0.hasPrefix("PUT ") }.count == 1, "\(s3.requests)")
                #expect(!s3.requests.contains { $0.hasSuffix("refused") })
                #expect(s3.contentType(stored[0]) == "image/png")
            }
            let id = try #require(first.json["id"] as? String)
            let served = try await Self.fetch(t, "/api/v1/workspaces/\(slug)/assets/\(id)/file", token: room.admin)
            #expect(served.status == .ok && served.body == picture)
            #expect(served.headers.contentType?.description == "image/png")
            #expect(served.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(served.headers.first(name: "Content-Security-Policy")?.contains("sandbox") == true)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "asset.uploaded").count() == 2)
            // Another workspace's member does not reach it, by any address.
            let (_, stranger, other) = try await t.makeWorkspaceAdmin("stranger@example.com", workspace: "Rival")
            let foreign = try await Self.fetch(t, "/api/v1/workspaces/\(other.slug)/assets/\(id)/file", token: stranger)
            #expect(foreign.status == .notFound)
            let direct = try await Self.fetch(t, "/api/v1/workspaces/\(slug)/assets/\(id)/file", token: stranger)
            #expect(direct.status == .notFound || direct.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available, Store.allCases)
    func whatIsNotAPictureOrVideoIsRefusedNamingTheFieldAndNothingIsStored(_ database: TestDatabase, _ store: Store) async throws {
        try await Self.withStore(store, database) { t, s3 in
            let room = try await Newsroom.make(t)
            let slug = room.ws.slug
            let page = try await Self.upload(
                t, slug, token: room.admin, file: Data("<html><script>alert(1)</script></html>".utf8), fileName: "x.png")
            #expect(page.status == .unprocessableEntity)
            #expect(page.problemFields == ["file"], "\(page.body)")
            #expect(page.body.contains("media_unreadable"))
            let none = try await Self.upload(t, slug, token: room.admin, file: nil, fields: [("licence", "owned")])
            #expect(none.status == .unprocessableEntity && none.problemFields == ["file"], "\(none.body)")
            let badThumb = MultipartBody(
                fields: [],
                files: [
                    .init(field: "file", fileName: "a.png", contentType: "image/png", data: Self.png(10, 10)),
                    .init(field: "thumbnail", fileName: "t.gif", contentType: "image/gif", data: Data("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8)),
                ])
            var headers = HTTPHeaders()
            headers.bearerAuthorization = BearerAuthorization(token: room.admin)
            headers.replaceOrAdd(name: .contentType, value: badThumb.contentType)
            let thumb = try await t.app.testing().sendRequest(
                .POST, "/api/v1/workspaces/\(slug)/assets/upload", headers: headers, body: ByteBuffer(data: badThumb.body))
            #expect(thumb.status == .unprocessableEntity && thumb.body.string.contains("\"thumbnail\""), "\(thumb.body.string)")
            let json = try await t.api(.POST, "/api/v1/workspaces/\(slug)/assets/upload", token: room.admin, json: ["file": "x"])
            #expect(json.status == .unsupportedMediaType)
            #expect(try await Asset.query(on: t.db).count() == 0)
            #expect(Self.stored(t, s3) == [])
            #expect(s3?.requests ?? [] == [], "nothing refused reaches the store")
            // A reader may look but not upload.
            let readerUser = try await t.makeUser("reader@example.com")
            try await t.addMember(readerUser, to: room.ws, as: .viewer)
            let reader = try await t.makeToken(readerUser)
            let refused = try await Self.upload(t, slug, token: reader, file: Self.png(4, 4))
            #expect(refused.status == .forbidden)
        }
    }

    @Test(arguments: TestDatabase.available, Store.allCases)
    func theLibraryPageUploadsWithAThumbnailAndShowsIt(_ database: TestDatabase, _ store: Store) async throws {
        try await Self.withStore(store, database) { t, s3 in
            let room = try await Newsroom.make(t)
            let base = "/w/\(room.ws.slug)/library"
            let author = Browser(t)
            _ = try await author.signIn("author@example.com")
            let page = try await author.get(base)
            #expect(page.body.contains("id=\"upload-form\"") && page.body.contains("enctype=\"multipart/form-data\""))
            let form = MultipartBody(
                fields: [("csrf_token", author.csrf ?? ""), ("licence", "owned"), ("alt_text", "新品海报")],
                files: [
                    .init(field: "file", fileName: "poster.png", contentType: "image/png", data: Self.png(2000, 1000)),
                    .init(field: "thumbnail", fileName: "thumbnail.jpg", contentType: "image/png", data: Self.png(320, 160, salt: 1)),
                ])
            let sent = try await author.send(.POST, "\(base)/assets/upload", body: form.body, contentType: form.contentType)
            #expect(sent.status == .seeOther, "\(sent.body)")
            let asset = try #require(try await Asset.query(on: t.db).first())
            #expect(asset.thumbnailKey?.contains("-thumb.png") == true && asset.width == 2000)
            let library = try await author.get(base)
            let id = asset.id!.uuidString.lowercased()
            #expect(library.body.contains("src=\"\(base)/assets/\(id)/thumbnail\""))
            #expect(library.body.contains("PNG · 2000 × 1000"))
            let thumbnail = try await author.get("\(base)/assets/\(id)/thumbnail")
            #expect(thumbnail.status == .ok && thumbnail.headers.contentType?.description == "image/png")
            #expect(Self.stored(t, s3).count == 2, "the picture and its thumbnail")
            // Without the CSRF token nothing is stored.
            let forged = MultipartBody(
                fields: [("licence", "owned")], files: [.init(field: "file", fileName: "p.png", contentType: "image/png", data: Self.png(5, 5))])
            let refused = try await author.send(.POST, "\(base)/assets/upload", body: forged.body, contentType: forged.contentType)
            #expect(refused.status == .forbidden)
            #expect(try await Asset.query(on: t.db).count() == 1)
            // A bad file comes back to the form with the error beside the field.
            let bad = MultipartBody(
                fields: [("csrf_token", author.csrf ?? ""), ("licence", "owned")],
                files: [.init(field: "file", fileName: "p.png", contentType: "image/png", data: Data("not a picture".utf8))])
            let again = try await author.send(.POST, "\(base)/assets/upload", body: bad.body, contentType: bad.contentType)
            #expect(again.status == .unprocessableEntity && again.body.contains("id=\"file-error\""))
        }
    }

    @Test(arguments: TestDatabase.available)
    func thePostPageShowsHowEachPlatformWillShowThePicture(_ database: TestDatabase) async throws {
        try await withTestApp(database) { t in
            let room = try await Newsroom.make(t)
            let uploaded = try await Self.upload(t, room.ws.slug, token: room.admin, file: Self.png(800, 600), fields: [("licence", "owned")])
            let assetID = try #require(uploaded.json["id"] as? String)
            let id = try await room.create("春季新品今天上市", extra: ["asset_ids": [assetID], "title": "新品"])
            let author = Browser(t)
            _ = try await author.signIn("author@example.com")
            let page = try await author.get("/w/\(room.ws.slug)/posts/\(id)")
            #expect(page.body.contains("id=\"previews\""))
            #expect(page.body.components(separatedBy: "<article class=\"preview\"").count == 3)
            #expect(page.body.contains("class=\"preview-image\" src=\"/w/\(room.ws.slug)/library/assets/\(assetID.lowercased())/thumbnail\""))
            #expect(page.body.contains("class=\"preview-text\""))
        }
    }

    /// A Mastodon instance on loopback: media uploads and statuses.
    static func mastodon(_ hit: LoopbackStub.Hit) -> (status: HTTPStatus, json: String) {
        switch (hit.method, hit.path) {
        case ("GET", "/x/api/v1/accounts/verify_credentials"): (.ok, #"{"id":"109","username":"brand","acct":"brand"}"#)
        case ("GET", "/x/api/v2/instance"): (.ok, #"{"configuration":{"statuses":{"max_characters":500}}}"#)
        case ("POST", "/x/api/v2/media"): (.ok, #"{"id":"m1","type":"image","url":"https://files.example/m1.png"}"#)
        case ("POST", "/x/api/v1/statuses"):
            (.ok, #"{"id":"111","created_at":"2026-12-06T10:00:00.000Z","url":"https://mastodon.example/@brand/111","content":"<p>x</p>"}"#)
        default: (.notFound, #"{"error":"not found"}"#)
        }
    }

    @Test(arguments: TestDatabase.available, Store.allCases)
    func aPostWithAnUploadedPictureIsPublishedWithItAndOneRegisteredByAddressOnlyIsNot(_ database: TestDatabase, _ store: Store) async throws {
        try await withLoopbackStub(Self.mastodon) { stub in
            try await Self.withStore(store, database, settings: { $0.outboundAllow = OutboundGuardTests.loopbackAllowed }) { t, s3 in
                let room = try await Newsroom.make(t)
                let slug = room.ws.slug
                let connected = try await OutboundGuardTests.connect(
                    t, slug, room.admin, "mastodon", ["instance_url": "\(stub.baseURL)/x", "access_token": "t"])
                let mastodon = try #require(connected.json["id"] as? String, "\(connected.body)")
                let uploaded = try await Self.upload(
                    t, slug, token: room.admin, file: Self.png(800, 600), fields: [("licence", "owned"), ("alt_text", "瓶子")])
                let assetID = try #require(uploaded.json["id"] as? String)
                let id = try await room.create("新品上市", accounts: [mastodon], extra: ["asset_ids": [assetID]])
                try await room.approve(id)
                _ = try await t.api(.POST, "\(room.posts)/\(id)/publish-now", token: room.admin)
                try await room.drain()
                let post = try await room.post(id)
                #expect(post.json["status"] as? String == "published", "\(post.body)")
                let uploads = stub.hits.filter { $0.path == "/x/api/v2/media" }
                #expect(uploads.count == 1)
                #expect(uploads.first?.headers["content-type"]?.hasPrefix("multipart/form-data") == true)
                #expect(uploads.first?.body.contains("Content-Type: image/png") == true)
                #expect(uploads.first?.body.contains("瓶子") == true)
                let status = try #require(stub.hits.first { $0.path == "/x/api/v1/statuses" })
                #expect(status.body.contains("media_ids%5B%5D=m1"), "\(status.body)")
                if let s3 {
                    // The publisher read the file from the store.
                    #expect(s3.requests.contains { $0.hasPrefix("GET ") && $0.hasSuffix(".png") }, "\(s3.requests)")
                }

                // An asset known only by its address cannot be sent: the
                // variant fails saying so, and nothing reaches the platform.
                let registered = try await t.api(
                    .POST, "/api/v1/workspaces/\(slug)/assets", token: room.admin,
                    json: ["name": "旧海报", "kind": "image", "location": "https://cdn.example/a.png", "licence": "owned"])
                let old = try await room.create(
                    "旧图", accounts: [mastodon], extra: ["asset_ids": [try #require(registered.json["id"] as? String)]])
                try await room.approve(old)
                let before = stub.hits.count
                _ = try await t.api(.POST, "\(room.posts)/\(old)/publish-now", token: room.admin)
                try await room.drain()
                let failed = try await room.post(old)
                let variant = try #require((failed.json["variants"] as? [[String: Any]])?.first)
                #expect(variant["state"] as? String == "failed", "\(failed.body)")
                #expect(variant["error_code"] as? String == "media_not_uploaded")
                #expect((variant["last_error"] as? String)?.contains("旧海报") == true)
                #expect(stub.hits.count == before)
            }
        }
    }
}
