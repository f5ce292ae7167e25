import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Imports a platform's data export into the metric store: checks the
/// request, reads the file (FanfareCore `PlatformExports`), compares it
/// with what is stored (`MetricImportPlan`) and, unless it is a preview,
/// writes the days and records the import, in one transaction.
struct MetricImportService {
    let db: any Database

    /// The API's body (the page sends the same fields as a form).
    struct Input: Content {
        var accountId: String?
        var kind: String?
        var fileName: String?
        var csv: String?
        var fileBase64: String?
        var dryRun: Bool?
    }

    /// A checked request.
    struct Upload: Sendable {
        var accountID: UUID
        var accountName: String
        /// The platform whose exports the account takes (a Sandbox account: the one it stands in for).
        var platform: String
        var fileName: String
        var text: String?
        var decodeError: RowError?
        var kindID: String?
    }

    /// A preview or a commit.
    struct Outcome: Sendable {
        var upload: Upload
        var parsed: PlatformExports.Parsed
        var plan: MetricImportPlan?
        /// When the same file was imported into this account before.
        var importedBefore: Date?
        /// The record, once committed.
        var record: MetricImportDTO?

        var importable: Bool { parsed.errors.isEmpty && plan != nil }
    }

    /// The platform whose exports `account` takes, if any.
    static func exportPlatform(_ account: SocialAccount) -> String? {
        let platform = account.rulesPlatform
        return PlatformExports.platforms.contains(platform) ? platform : nil
    }

    /// The workspace's accounts exports can be imported into.
    func accounts(in access: WorkspaceAccess) async throws -> [SocialAccount] {
        try await access.query(SocialAccount.self, on: db).sort(\.$displayName).sort(\.$id).all().filter { Self.exportPlatform($0) != nil }
    }

    /// Every wrong field named at once.
    func check(_ input: Input, in access: WorkspaceAccess) async throws -> Upload {
        var errors = ValidationErrors()
        var account: SocialAccount?
        if let raw = input.accountId?.trimmingCharacters(in: .whitespaces), let id = UUID(uuidString: raw) {
            account = try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first()
        }
        let platform = account.flatMap(Self.exportPlatform)
        if platform == nil { errors.add("account_id", .importMetricsAccount(platforms: PlatformExports.platforms)) }
        let kind = (input.kind?.trimmingCharacters(in: .whitespaces)).nonEmpty
        if let kind, let platform, !PlatformExports.kinds(of: platform).contains(where: { $0.id == kind }) {
            errors.add("kind", .importMetricsKind(choices: PlatformExports.kinds(of: platform).map(\.id), platform: platform))
        }
        var bytes: [UInt8]?
        if let csv = input.csv, !csv.isEmpty {
            bytes = Array(csv.utf8)
        } else if let encoded = input.fileBase64, !encoded.isEmpty {
            if let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty {
                bytes = Array(data)
            } else {
                errors.add("file_base64", .importMetricsFile)
            }
        } else {
            errors.add("csv", .importMetricsFile)
        }
        try errors.throwIfAny()
        var text: String?
        var decodeError: RowError?
        switch PlatformExports.decode(bytes ?? []) {
        case .success(let decoded): text = decoded
        case .failure(let error): decodeError = error
        }
        return Upload(
            accountID: account!.id!, accountName: account!.displayName, platform: platform!, fileName: Self.fileName(input.fileName),
            text: text, decodeError: decodeError, kindID: kind)
    }

    /// The name as shown: the last path component, one line, at most 200 characters.
    static func fileName(_ raw: String?) -> String {
        let name = (raw ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let clean = String(name.filter { !$0.isNewline && $0.unicodeScalars.allSatisfy { !CharacterSet.controlCharacters.contains($0) } }.prefix(200))
            .trimmingCharacters(in: .whitespaces)
        return clean.isEmpty ? "export.csv" : clean
    }

    /// What importing would do; nothing is written.
    func preview(_ upload: Upload, in access: WorkspaceAccess, now: Date = Date()) async throws -> Outcome {
        try await assess(upload, in: access, on: db, now: now)
    }

    /// Imports the file, or nothing when it has a problem (the outcome says which).
    func commit(_ upload: Upload, in access: WorkspaceAccess, by userID: UUID?, now: Date = Date()) async throws -> Outcome {
        try await db.writeTransaction { tx in
            guard let sql = tx as? any SQLDatabase else { throw Abort(.internalServerError) }
            if sql.dialect.name == "postgresql" {
                // Two imports into one account at once: the second waits and compares with what the first wrote.
                try await sql.raw("SELECT id FROM social_accounts WHERE id = \(bind: upload.accountID) FOR UPDATE").run()
            }
            var outcome = try await assess(upload, in: access, on: tx, now: now)
            guard outcome.importable, let plan = outcome.plan, let kind = outcome.parsed.kind else { return outcome }
            try await Self.write(plan, workspaceID: access.workspaceID, accountID: upload.accountID, now: now, on: sql)
            let record = MetricImport()
            record.id = TimeOrderedID.make(at: now)
            record.$workspace.id = access.workspaceID
            record.accountID = upload.accountID
            record.kind = kind.id
            record.fileName = upload.fileName
            record.fileSHA256 = Secrets.sha256(upload.text ?? "")
            record.importedBy = userID
            record.createdAt = now
            record.rows = plan.days.count
            record.added = plan.count(.add)
            record.updated = plan.count(.update)
            record.unchanged = plan.count(.unchanged)
            record.firstDay = plan.first ?? ""
            record.lastDay = plan.last ?? ""
            try await record.create(on: tx)
            outcome.record = MetricImportDTO(record)
            return outcome
        }
    }

    private func assess(_ upload: Upload, in access: WorkspaceAccess, on db: any Database, now: Date) async throws -> Outcome {
        let today = MetricDay.of(now, in: access.workspace.zone)
        guard let text = upload.text else {
            return Outcome(
                upload: upload, parsed: .init(header: nil, days: [], errors: upload.decodeError.map { [$0] } ?? [], skippedLines: []), plan: nil)
        }
        let parsed = PlatformExports.parse(text, platform: upload.platform, kindID: upload.kindID, today: today)
        let before = try await access.query(MetricImport.self, on: db).filter(\.$accountID == upload.accountID)
            .filter(\.$fileSHA256 == Secrets.sha256(text)).sort(\.$createdAt, .descending).first()?.createdAt
        guard parsed.errors.isEmpty, let first = parsed.days.first?.day, let last = parsed.days.last?.day else {
            return Outcome(upload: upload, parsed: parsed, plan: nil, importedBefore: before)
        }
        let stored = try await Self.stored(workspaceID: access.workspaceID, accountID: upload.accountID, from: first, to: last, on: db)
        let plan = MetricImportPlan.make(parsed.days, stored: stored, platform: upload.platform, today: today)
        return Outcome(upload: upload, parsed: parsed, plan: plan, importedBefore: before)
    }

    static func stored(workspaceID: UUID, accountID: UUID, from: String, to: String, on db: any Database) async throws -> [String: StoredAccountDay] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        var result: [String: StoredAccountDay] = [:]
        for row in try await sql.raw(
            """
            SELECT day, source, followers, following, posts, platform_values FROM account_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: accountID) AND day >= \(bind: from) AND day <= \(bind: to)
            """
        ).all() {
            let day = try row.decode(column: "day", as: String.self)
            let values = try row.decode(column: "platform_values", as: String?.self).flatMap {
                try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8))
            }
            result[day] = StoredAccountDay(
                day: day, source: try row.decode(column: "source", as: String.self), followers: try row.decode(column: "followers", as: Int?.self),
                following: try row.decode(column: "following", as: Int?.self), posts: try row.decode(column: "posts", as: Int?.self),
                values: values ?? [:])
        }
        return result
    }

    /// New days in statements of 500 rows; changed days one by one (their
    /// `writes` counts the change, as the data-quality check reads it);
    /// unchanged days are not touched.
    static func write(_ plan: MetricImportPlan, workspaceID: UUID, accountID: UUID, now: Date, on sql: any SQLDatabase) async throws {
        let added = plan.days.filter { $0.action == .add }
        for start in stride(from: 0, to: added.count, by: 500) {
            let rows = added[start..<min(added.count, start + 500)].map { day -> any SQLExpression in
                SQLGroupExpression([
                    SQLBind(workspaceID), SQLBind(accountID), SQLBind(day.day), SQLBind(day.result.followers),
                    SQLBind(MetricHistoryService.json(day.result.values)), SQLBind("import"), SQLBind(now), SQLLiteral.numeric("1"),
                ])
            }
            // A day a connector stored meanwhile keeps its snapshot (its precedence).
            try await sql.raw(
                """
                INSERT INTO account_metric_days (workspace_id, account_id, day, followers, platform_values, source, taken_at, writes)
                VALUES \(SQLList(rows)) ON CONFLICT (account_id, day) DO NOTHING
                """
            ).run()
        }
        for day in plan.days where day.action == .update {
            let takenAt: SQLQueryString = day.result.source == "import" ? ", taken_at = \(bind: now)" : ""
            try await sql.raw(
                """
                UPDATE account_metric_days SET followers = \(bind: day.result.followers), \
                platform_values = \(bind: MetricHistoryService.json(day.result.values)), source = \(bind: day.result.source)\(takenAt), \
                writes = writes + 1 WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: accountID) AND day = \(bind: day.day)
                """
            ).run()
        }
    }

    /// A page of the workspace's imports, newest first.
    func list(page: PageQuery, in access: WorkspaceAccess) async throws -> (items: [MetricImport], next: String?) {
        var query = access.query(MetricImport.self, on: db).sort(\.$id, .descending).limit(page.limit + 1)
        if let after = page.after { query = query.filter(\.$id < after) }
        let (items, next) = page.page(try await query.all()) { $0.id! }
        return (items, next)
    }
}
