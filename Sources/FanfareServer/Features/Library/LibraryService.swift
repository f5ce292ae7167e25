import FanfareCore
import Fluent
import Vapor

/// The topic library and the asset library with its copyright register.
struct LibraryService {
    let db: any Database
    /// Where a refused upload's cause is written for the operator.
    var logger: Logger?

    struct TopicInput {
        var title: String
        var notes: String?
        var hot: Bool
    }

    func addTopic(_ input: TopicInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Topic {
        try access.require(.contentEdit)
        var errors = ValidationErrors()
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...120).contains(title.count) { errors.add("title", .lengthBetween(min: 1, max: 120)) }
        let notes = (input.notes ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if notes.count > 5_000 { errors.add("notes", .lengthAtMost(max: 5_000)) }
        try errors.throwIfAny()
        let topic = Topic()
        topic.id = TimeOrderedID.make(at: now)
        topic.$workspace.id = access.workspaceID
        topic.title = title
        topic.notes = notes
        topic.hot = input.hot
        topic.status = Topic.Status.open.rawValue
        topic.raisedAt = now
        topic.createdBy = actor.userID
        try await db.writeTransaction { tx in
            try await topic.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "topic.created", targetType: "topic", targetID: topic.id,
                after: ["title": title, "hot": String(input.hot)], now: now)
        }
        return topic
    }

    func setTopicStatus(_ rawID: String?, status raw: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> Topic {
        try access.require(.contentEdit)
        _ = try await access.find(Topic.self, rawID, on: db, what: "Topic")
        guard let status = Topic.Status(rawValue: raw) else {
            throw ValidationErrors("status", .oneOf(choices: Topic.Status.allCases.map(\.rawValue)))
        }
        return try await db.writeTransaction { tx in
            let topic = try await access.find(Topic.self, rawID, on: tx, what: "Topic")
            let before = topic.status
            topic.status = status.rawValue
            try await topic.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "topic.status", targetType: "topic", targetID: topic.id,
                before: ["status": before], after: ["status": status.rawValue], now: now)
            return topic
        }
    }

    struct AssetInput {
        var name: String
        var kind: String
        var bytes: Int64?
        var location: String
        var source: String
        var licence: String
        var licenceExpiresAt: String?
        var proof: String?
    }

    /// An asset enters the library with its register entry. An unknown or
    /// expired licence is accepted into the library (the register should
    /// know about it) but such an asset cannot be scheduled.
    func addAsset(
        _ input: AssetInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date(), file: (Asset) -> Void = { _ in }
    ) async throws -> Asset {
        try access.require(.contentEdit)
        var errors = ValidationErrors()
        let name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...200).contains(name.count) { errors.add("name", .lengthBetween(min: 1, max: 200)) }
        let kind = MediaKind(rawValue: input.kind.trimmingCharacters(in: .whitespaces).lowercased())
        if kind == nil { errors.add("kind", .oneOf(choices: MediaKind.allCases.map(\.rawValue))) }
        let bytes = input.bytes ?? 0
        if bytes < 0 || bytes > 10 * 1_073_741_824 { errors.add("bytes", .assetSize) }
        let location = input.location.trimmingCharacters(in: .whitespacesAndNewlines)
        if !(1...2_000).contains(location.count) { errors.add("location", .assetLocation) }
        let source = input.source.trimmingCharacters(in: .whitespacesAndNewlines)
        if source.count > 500 { errors.add("source", .lengthAtMost(max: 500)) }
        let licence = errors.collect { () throws(ValidationErrors) in
            try LicenceKind(validating: input.licence.isEmpty ? "unknown" : input.licence, field: "licence")
        }
        var expires: Date?
        if let raw = input.licenceExpiresAt?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            expires = APITime.parse(raw) ?? (try? CalendarDate(parsing: raw).start(in: access.workspace.zone))
            if expires == nil { errors.add("licence_expires_at", .dateOrIsoTime) }
        }
        let proof = input.proof?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let proof, proof.count > 2_000 { errors.add("proof", .lengthAtMost(max: 2_000)) }
        try errors.throwIfAny()
        let asset = Asset()
        asset.id = TimeOrderedID.make(at: now)
        asset.$workspace.id = access.workspaceID
        asset.name = name
        asset.kind = kind!.rawValue
        asset.bytes = bytes
        asset.location = location
        asset.source = source
        asset.licence = licence!.rawValue
        asset.licenceExpiresAt = expires
        asset.proof = proof?.isEmpty == true ? nil : proof
        asset.createdAt = now
        file(asset)
        try await db.writeTransaction { tx in
            try await asset.create(on: tx)
            var after = ["name": name, "licence": asset.licence, "source": source]
            if let sha = asset.sha256 { after["sha256"] = sha }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: asset.storageKey == nil ? "asset.registered" : "asset.uploaded",
                targetType: "asset", targetID: asset.id, after: after, now: now)
        }
        return asset
    }
}

extension LibraryService {
    /// The largest file an upload takes: Mastodon's video limit (99 MB)
    /// with room to spare. Larger videos (Douyin, Bilibili) are registered
    /// by their address, as before (docs/media.md).
    static let maxUpload = 100 * 1_048_576
    /// A thumbnail the page made in the browser (a canvas snapshot).
    static let maxThumbnail = 256 * 1_024

    struct UploadInput {
        var name: String
        var data: Data
        var altText: String?
        var thumbnail: Data?
        var source: String
        var licence: String
        var licenceExpiresAt: String?
        var proof: String?
    }

    /// An uploaded file enters the library: what it is is read from its
    /// bytes (never from its name or claimed type), it is stored by
    /// content, then registered with its copyright entry in one
    /// transaction. The same file uploaded twice is one stored file and
    /// two register entries (two licences may cover it).
    func upload(_ input: UploadInput, in access: WorkspaceAccess, actor: Actor, store: any MediaStore, now: Date = Date()) async throws -> Asset {
        try access.require(.contentEdit)
        var errors = ValidationErrors()
        var probe: MediaProbe?
        if input.data.isEmpty {
            errors.add("file", .required)
        } else if input.data.count > Self.maxUpload {
            errors.add("file", .uploadTooLarge(size: input.data.count, max: Self.maxUpload))
        } else {
            probe = MediaProbe.read(input.data)
            if probe == nil { errors.add("file", .mediaUnreadable) }
        }
        var thumbnailFormat: MediaFormat?
        if let thumbnail = input.thumbnail, !thumbnail.isEmpty {
            let found = MediaProbe.read(thumbnail)
            if thumbnail.count > Self.maxThumbnail || ![MediaFormat.jpeg, .png].contains(found?.format) {
                errors.add("thumbnail", .thumbnailInvalid(max: Self.maxThumbnail))
            } else {
                thumbnailFormat = found?.format
            }
        }
        let alt = input.altText?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if alt.count > 1_500 { errors.add("alt_text", .lengthAtMost(max: 1_500)) }
        var name = input.name.trimmingCharacters(in: .whitespacesAndNewlines)
        if name.isEmpty { name = "upload" }
        name = String(name.prefix(200))
        try errors.throwIfAny()
        let found = probe!
        let sha = MediaKeys.sha256(input.data)
        let key = MediaKeys.key(workspace: access.workspaceID, sha256: sha, format: found.format)
        // Files first, then the row: a crash or a refusal between leaves an
        // unreferenced file (harmless, and reused by the next upload of
        // it), never a row without its file.
        var thumbnailKey: String?
        do {
            try await store.put(input.data, key: key)
            if let thumbnail = input.thumbnail, let format = thumbnailFormat {
                thumbnailKey = MediaKeys.key(workspace: access.workspaceID, sha256: MediaKeys.sha256(thumbnail), format: format, thumbnail: true)
                try await store.put(thumbnail, key: thumbnailKey!)
            }
        } catch let problem as Problem where problem.type.hasSuffix("/media-store") {
            // The operator's reason (which setting to check) goes to the
            // log; the member hears that nothing was kept, in their language.
            logger?.error("upload not stored", metadata: ["workspace": .string(access.workspace.slug), "error": .string(problem.detail ?? "")])
            throw Problem(.badGateway, .mediaStoreFailed, errors: [FieldIssue(field: "file", .mediaStoreFailed)], type: "media-store")
        }
        let asset = try await addAsset(
            AssetInput(
                name: name, kind: found.kind.rawValue, bytes: Int64(input.data.count), location: "upload:\(key)", source: input.source,
                licence: input.licence, licenceExpiresAt: input.licenceExpiresAt, proof: input.proof),
            in: access, actor: actor, now: now
        ) { asset in
            asset.storageKey = key
            asset.format = found.format.rawValue
            asset.width = found.width
            asset.height = found.height
            asset.sha256 = sha
            asset.thumbnailKey = thumbnailKey
            asset.altText = alt.isEmpty ? nil : alt
        }
        return asset
    }
}

struct AssetDTO: Content {
    var id: UUID
    var name: String
    var kind: String
    var bytes: Int64
    var location: String
    var source: String
    var licence: String
    var licenceExpiresAt: Date?
    var proof: String?
    /// Uploaded files: what the file is, its pixels, checksum and alt text.
    var format: String?
    var contentType: String?
    var width: Int?
    var height: Int?
    var sha256: String?
    var altText: String?
    var uploaded: Bool
    /// Why it cannot be published today, if it cannot.
    var usable: Bool
    var problem: String?

    init(_ asset: Asset, now: Date = Date()) {
        id = asset.id!
        name = asset.name
        kind = asset.kind
        bytes = asset.bytes
        location = asset.location
        source = asset.source
        licence = asset.licence
        licenceExpiresAt = asset.licenceExpiresAt
        proof = asset.proof
        format = asset.format
        contentType = asset.format.flatMap(MediaFormat.init(rawValue:))?.mimeType
        width = asset.width
        height = asset.height
        sha256 = asset.sha256
        altText = asset.altText
        uploaded = asset.storageKey != nil
        problem = AssetRights.problem(for: asset.licenceEntry, at: now)?.english
        usable = problem == nil
    }
}
