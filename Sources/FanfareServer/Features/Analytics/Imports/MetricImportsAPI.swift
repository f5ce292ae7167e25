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
            throw Problem(
                .unprocessableEntity, "The file has \(outcome.parsed.errors.count) problem(s); nothing was imported.",
                errors: outcome.parsed.errors.map {
                    FieldIssue(field: field, .onLine(line: $0.line, message: .fieldSays(field: $0.field, message: $0.coded)))
                },
                type: "validation")
        }
        return try await PreviewDTO(outcome).encodeResponse(status: .created, for: req)
    }

    /// What an import does (or would do), day by day.
    struct PreviewDTO: Content {
        struct Day: Content {
            var line: Int
            var day: String
            var action: String
            var followers: Int?
            var values: [String: Double]
            var snapshotKept: Bool
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
        var `import`: MetricImportDTO?

        init(_ outcome: MetricImportService.Outcome) {
            let plan = outcome.plan
            accountId = outcome.upload.accountID
            platform = outcome.upload.platform
            kind = outcome.parsed.kind?.id
            fileName = outcome.upload.fileName
            headerLine = outcome.parsed.header?.line
            ignoredColumns = outcome.parsed.header?.ignored ?? []
            skippedLines = outcome.parsed.skippedLines
            rows = outcome.parsed.days.count
            from = outcome.parsed.days.first?.day
            to = outcome.parsed.days.last?.day
            added = plan?.count(.add) ?? 0
            updated = plan?.count(.update) ?? 0
            unchanged = plan?.count(.unchanged) ?? 0
            snapshotKept = plan?.snapshotKept ?? 0
            olderThanExportWindow = plan?.olderThanExportWindow ?? 0
            exportWindowDays = plan?.exportWindowDays
            importedBefore = outcome.importedBefore
            importable = outcome.importable
            errors = outcome.parsed.errors
            days = (plan?.days ?? []).map {
                Day(
                    line: $0.line, day: $0.day, action: $0.action.rawValue, followers: $0.result.followers, values: $0.result.values,
                    snapshotKept: $0.snapshotKept)
            }
            self.import = outcome.record
        }
    }
}
