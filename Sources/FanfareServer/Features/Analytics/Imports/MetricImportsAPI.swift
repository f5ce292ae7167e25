import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/analytics/imports`: the data exports of
/// Weibo, WeChat Official Accounts and Douyin imported into the metric
/// store. Listing needs `analytics.view`; importing `accounts.connect`
/// (the people who hold the accounts' platform logins and their exports).
struct MetricImportsAPI {
    /// The largest export accepted (ten years of days are well under 1 MB).
    static let maxBody: ByteCount = "4mb"

    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("analytics", "imports", use: list)
        ws.on(.POST, "analytics", "imports", maxBody: Self.maxBody, use: create)
    }

    @Sendable func list(req: Request) async throws -> Page<MetricImportDTO> {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let (items, next) = try await MetricImportService(db: req.db).list(page: try req.pageRequest(), in: access)
        return Page(items: items.map(MetricImportDTO.init), nextCursor: next)
    }

    /// `dry_run: true`: the preview (200), nothing written. Else the import
    /// (201 with the record and what it did), or 422 naming each line and
    /// column of the file that is wrong, and nothing written.
    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.accountsConnect)
        let input = try req.decodeInput(MetricImportService.Input.self)
        let service = MetricImportService(db: req.db)
        let upload = try await service.check(input, in: access)
        if input.dryRun == true {
            return try await PreviewDTO(try await service.preview(upload, in: access)).encodeResponse(status: .ok, for: req)
        }
        let outcome = try await service.commit(upload, in: access, by: req.auth.get(User.self)?.id)
        guard outcome.record != nil else {
            let field = input.csv?.isEmpty == false ? "csv" : "file_base64"
            if outcome.errors.isEmpty, let posts = outcome.posts {
                // Read without a problem, but no row names one of the account's posts.
                throw ValidationErrors(field, .importPostsNoneMatched(rows: posts.parsed.rows.count))
            }
            throw Problem(
                .unprocessableEntity, "The file has \(outcome.errors.count) problem(s); nothing was imported.",
                errors: outcome.errors.map {
                    FieldIssue(field: field, .onLine(line: $0.line, message: .fieldSays(field: $0.field, message: $0.coded)))
                },
                type: "validation")
        }
        return try await PreviewDTO(outcome).encodeResponse(status: .created, for: req)
    }

    /// What an import does (or would do), day by day; for a per-post
    /// export, post by post (`posts`), with the rows not imported and why.
    struct PreviewDTO: Content {
        struct Day: Content {
            var line: Int
            var day: String
            var action: String
            var followers: Int?
            var values: [String: Double]
            var snapshotKept: Bool
        }
        struct Candidate: Content {
            var variantId: UUID?
            var title: String
            var publishedDay: String

            init(_ post: PostCandidate) {
                (variantId, title, publishedDay) = (UUID(uuidString: post.id), post.name, post.publishedDay)
            }
        }
        struct PostDay: Content {
            var line: Int
            var variantId: UUID?
            var title: String
            var day: String
            var action: String
            /// The stored columns (`impressions`, `likes`, …) after the import.
            var metrics: [String: Double]
            var values: [String: Double]
            /// A day a connector read from the platform: kept as it was.
            var liveKept: Bool
        }
        struct NotImported: Content {
            var line: Int
            /// The row's title (else its link or id), as the file writes it.
            var title: String
            var day: String
            /// `unmatched`, `ambiguous`, `before_published` or `twice`.
            var reason: String
            var candidates: [Candidate]
            /// `before_published`: the post's publishing day.
            var publishedDay: String?
            /// `twice`: the line the same post and day are first on.
            var firstLine: Int?
        }
        var accountId: UUID
        var platform: String
        var kind: String?
        var fileName: String
        var headerLine: Int?
        var ignoredColumns: [String]
        var skippedLines: [Int]
        var rows: Int
        var from: String?
        var to: String?
        var added: Int
        var updated: Int
        var unchanged: Int
        var snapshotKept: Int
        var olderThanExportWindow: Int
        var exportWindowDays: Int?
        var importedBefore: Date?
        var importable: Bool
        var errors: [RowError]
        var days: [Day]
        /// Whether the file has a row per post (stored as the posts' days).
        var perPost: Bool
        /// A per-post file without a date per row: the day its rows are stored as.
        var asOf: String?
        var posts: [PostDay]
        var notImported: [NotImported]
        var `import`: MetricImportDTO?

        init(_ outcome: MetricImportService.Outcome) {
            let plan = outcome.plan
            accountId = outcome.upload.accountID
            platform = outcome.upload.platform
            kind = outcome.kind?.id
            fileName = outcome.upload.fileName
            headerLine = outcome.header?.line
            ignoredColumns = outcome.header?.ignored ?? []
            skippedLines = outcome.skippedLines
            rows = outcome.rows
            let postPlan = outcome.posts?.plan
            from = postPlan?.first ?? outcome.parsed.days.first?.day
            to = postPlan?.last ?? outcome.parsed.days.last?.day
            added = postPlan?.count(.add) ?? plan?.count(.add) ?? 0
            updated = postPlan?.count(.update) ?? plan?.count(.update) ?? 0
            unchanged = postPlan?.count(.unchanged) ?? plan?.count(.unchanged) ?? 0
            snapshotKept = postPlan?.liveKept ?? plan?.snapshotKept ?? 0
            olderThanExportWindow = plan?.olderThanExportWindow ?? 0
            exportWindowDays = plan?.exportWindowDays
            importedBefore = outcome.importedBefore
            importable = outcome.importable
            errors = outcome.errors
            perPost = outcome.posts != nil
            asOf = outcome.posts.flatMap { $0.parsed.hasDayColumn ? nil : outcome.upload.asOf }
            posts = (postPlan?.matched ?? []).map { row in
                PostDay(
                    line: row.line, variantId: row.post.flatMap { UUID(uuidString: $0.id) }, title: row.post?.name ?? row.label, day: row.day,
                    action: row.action?.rawValue ?? "", metrics: row.result?.columns ?? [:], values: row.result?.values ?? [:], liveKept: row.liveKept
                )
            }
            notImported = (postPlan?.notWritten ?? []).map { row in
                var item = NotImported(
                    line: row.line, title: row.label, day: row.day, reason: row.problem?.code ?? "", candidates: [], publishedDay: nil, firstLine: nil
                )
                switch row.problem {
                case .ambiguous(let found): item.candidates = found.map(Candidate.init)
                case .beforePublished(let day): item.publishedDay = day
                case .twice(let line): item.firstLine = line
                case .unmatched, nil: break
                }
                return item
            }
            days = (plan?.days ?? []).map {
                Day(
                    line: $0.line, day: $0.day, action: $0.action.rawValue, followers: $0.result.followers, values: $0.result.values,
                    snapshotKept: $0.snapshotKept)
            }
            self.import = outcome.record
        }
    }
}
