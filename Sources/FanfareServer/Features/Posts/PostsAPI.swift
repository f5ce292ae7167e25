import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/posts`: writing, reviewing, scheduling and
/// following posts.
struct PostsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("posts", use: list)
        ws.post("posts", use: create)
        ws.post("posts", "import", use: importCSV)
        ws.get("posts", ":post_id", use: show)
        ws.put("posts", ":post_id", use: update)
        ws.delete("posts", ":post_id", use: delete)
        ws.post("posts", ":post_id", "submit", use: submit)
        ws.post("posts", ":post_id", "review", use: review)
        ws.post("posts", ":post_id", "schedule", use: schedule)
        ws.post("posts", ":post_id", "unschedule", use: unschedule)
        ws.post("posts", ":post_id", "publish-now", use: publishNow)
        ws.post("posts", ":post_id", "metrics", "refresh", use: refreshMetrics)
        ws.post("posts", ":post_id", "variants", ":variant_id", "published", use: recordPublished)
    }

    struct ListItem: Content {
        var id: UUID
        var title: String?
        var excerpt: String
        var status: String
        var pillar: String
        var scheduledAt: Date?
        var updatedAt: Date
    }

    @Sendable func list(req: Request) async throws -> Page<ListItem> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let page = try req.pageRequest()
        let query = access.query(Post.self, on: req.db)
        if let status = req.query[String.self, at: "status"], !status.isEmpty {
            guard Post.Status(rawValue: status) != nil else {
                throw ValidationErrors("status", .oneOf(choices: Post.Status.allCases.map(\.rawValue)))
            }
            query.filter(\.$status == status)
        }
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(
            items: items.map {
                ListItem(
                    id: $0.id!, title: $0.title, excerpt: String($0.body.prefix(120)), status: $0.status, pillar: $0.pillar,
                    scheduledAt: $0.scheduledAt,
                    updatedAt: $0.updatedAt)
            }, nextCursor: next)
    }

    struct VariantInput: Content {
        var title: String?
        var text: String?
        var tags: [String]?
    }

    struct PostInput: Content {
        var title: String?
        var body: String?
        var pillar: String?
        var format: String?
        var pool: String?
        var topicId: String?
        var campaign: String?
        var campaignId: String?
        var tags: [String]?
        var accountIds: [String]?
        var assetIds: [String]?
        /// Keyed by account id: wording for that account instead of the
        /// adapter's proposal.
        var variants: [String: VariantInput]?

        var draft: PostService.Draft {
            PostService.Draft(
                title: title, body: body ?? "", pillar: pillar, format: format, pool: pool, topicID: topicId, campaign: campaign, tags: tags ?? [],
                accountIDs: accountIds ?? [], assetIDs: assetIds ?? [],
                variants: (variants ?? [:]).mapValues { PostService.VariantDraft(title: $0.title, text: $0.text ?? "", tags: $0.tags) },
                campaignID: campaignId)
        }
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(PostInput.self)
        let post = try await service(req).create(input.draft, in: access, actor: req.actor)
        return try await PostDTO.load(post, on: req.db).encodeResponse(status: .created, for: req)
    }

    @Sendable func show(req: Request) async throws -> PostDTO {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        return try await PostDTO.load(try await access.find(Post.self, req.parameters.get("post_id"), on: req.db, what: "Post"), on: req.db)
    }

    @Sendable func update(req: Request) async throws -> PostDTO {
        let access = try req.workspaceAccess
        let input = try req.decodeInput(PostInput.self)
        let post = try await service(req).update(req.parameters.get("post_id"), with: input.draft, in: access, actor: req.actor)
        return try await PostDTO.load(post, on: req.db)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await service(req).delete(req.parameters.get("post_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    struct SubmitResult: Content {
        var post: PostDTO
        /// What the automatic check found; when not empty the post stays a
        /// draft until they are fixed.
        var problems: [String]
    }

    @Sendable func submit(req: Request) async throws -> SubmitResult {
        let (post, problems) = try await service(req).submit(req.parameters.get("post_id"), in: try req.workspaceAccess, actor: req.actor)
        return SubmitResult(post: try await PostDTO.load(post, on: req.db), problems: problems)
    }

    struct ReviewInput: Content {
        var decision: String?
        var comment: String?
    }

    @Sendable func review(req: Request) async throws -> PostDTO {
        _ = try await req.workspaceAccess.find(Post.self, req.parameters.get("post_id"), on: req.db, what: "Post")
        let input = try req.decodeInput(ReviewInput.self)
        guard let decision = input.decision, ["approve", "reject"].contains(decision) else {
            throw ValidationErrors("decision", .either(choices: ["approve", "reject"]))
        }
        let post = try await service(req).decide(
            req.parameters.get("post_id"), approve: decision == "approve", comment: input.comment, in: try req.workspaceAccess, actor: req.actor)
        return try await PostDTO.load(post, on: req.db)
    }

    struct ScheduleInput: Content {
        var scheduledAt: String?
    }

    @Sendable func schedule(req: Request) async throws -> PostDTO {
        let access = try req.workspaceAccess
        _ = try await access.find(Post.self, req.parameters.get("post_id"), on: req.db, what: "Post")
        let input = try req.decodeInput(ScheduleInput.self)
        guard let raw = input.scheduledAt, let at = ScheduleTime.parse(raw, timeZone: access.workspace.zone) else {
            throw ValidationErrors("scheduled_at", .scheduleTime)
        }
        let post = try await service(req).schedule(req.parameters.get("post_id"), at: at, in: access, actor: req.actor)
        return try await PostDTO.load(post, on: req.db)
    }

    @Sendable func unschedule(req: Request) async throws -> PostDTO {
        let post = try await service(req).unschedule(req.parameters.get("post_id"), in: try req.workspaceAccess, actor: req.actor)
        return try await PostDTO.load(post, on: req.db)
    }

    @Sendable func publishNow(req: Request) async throws -> PostDTO {
        let post = try await service(req).schedule(req.parameters.get("post_id"), at: nil, in: try req.workspaceAccess, actor: req.actor)
        return try await PostDTO.load(post, on: req.db)
    }

    @Sendable func refreshMetrics(req: Request) async throws -> PostDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let post = try await access.find(Post.self, req.parameters.get("post_id"), on: req.db, what: "Post")
        try await MetricsRefresh.refresh(post, app: req.application, db: req.db)
        return try await PostDTO.load(post, on: req.db)
    }

    struct PublishedInput: Content {
        var url: String?
    }

    /// A hand-off variant was published by a person: record its link.
    @Sendable func recordPublished(req: Request) async throws -> PostDTO {
        let access = try req.workspaceAccess
        _ = try await access.find(Post.self, req.parameters.get("post_id"), on: req.db, what: "Post")
        let input = try req.decodeInput(PublishedInput.self)
        let post = try await HandOffService.recordPublished(
            postID: req.parameters.get("post_id"), variantID: req.parameters.get("variant_id"), url: input.url ?? "", in: access, actor: req.actor,
            db: req.db)
        return try await PostDTO.load(post, on: req.db)
    }

    struct ImportInput: Content {
        var csv: String?
    }

    /// Creates one draft per CSV row, or nothing with every row's problems.
    @Sendable func importCSV(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let input = try req.decodeInput(ImportInput.self)
        guard let csv = input.csv, !csv.isEmpty else { throw ValidationErrors("csv", .importCsvRequired) }
        let report = try await PostImportService(db: req.db, app: req.application).run(csv: csv, in: access, actor: req.actor)
        return try await report.encodeResponse(status: report.errors.isEmpty ? .created : .unprocessableEntity, for: req)
    }

    private func service(_ req: Request) -> PostService { PostService(db: req.db, app: req.application) }
}

/// Pulls the latest numbers of every published variant of a post now.
enum MetricsRefresh {
    static func refresh(_ post: Post, app: Application, db: any Database) async throws {
        let variants = try await PostVariant.query(on: db).filter(\.$post.$id == post.id!).filter(\.$state == PostVariant.State.published.rawValue)
            .all()
        for variant in variants {
            do {
                try await PublishingService.takeSnapshot(variant, label: "latest", app: app, now: Date())
            } catch let error as ConnectorError {
                throw Problem(.badGateway, ConnectorMessages.text(error), type: "connector")
            }
        }
    }
}

/// Schedule times as people and programs write them.
enum ScheduleTime {
    /// ISO 8601 with an offset, or `YYYY-MM-DD HH:mm` / `YYYY-MM-DDTHH:mm`
    /// (what a browser's datetime-local field sends) in the workspace's
    /// time zone.
    static func parse(_ raw: String, timeZone: TimeZone) -> Date? {
        // Years 1 to 9999 only: a time outside them cannot be written back
        // as RFC 3339 (`APITime`).
        parseAnyYear(raw, timeZone: timeZone).flatMap { APITime.isWritable($0) ? $0 : nil }
    }

    private static func parseAnyYear(_ raw: String, timeZone: TimeZone) -> Date? {
        let value = raw.trimmingCharacters(in: .whitespaces)
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: value) { return date }
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = iso.date(from: value) { return date }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = timeZone
        for format in ["yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss"] {
            local.dateFormat = format
            if let date = local.date(from: value) { return date }
        }
        return nil
    }

    /// The value of a datetime-local field for `date` in `timeZone`.
    static func local(_ date: Date, timeZone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        return formatter.string(from: date)
    }
}
