import FanfareCore
import Fluent
import SQLKit
import Vapor

/// Imports a platform's data export into the metric store: checks the
/// request, reads the file (FanfareCore `PlatformExports`), compares it
/// with what is stored (`MetricImportPlan` for an account's days,
/// `PostImportPlan` for a per-post export's rows matched to published
/// posts) and, unless it is a preview, writes the days and records the
/// import, in one transaction.
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
        /// A per-post export without a date per row: the day its totals are as of (default today).
        var asOf: String?
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
        /// The day a per-post file's rows are stored as when they carry no date.
        var asOf: String
    }

    /// A per-post export read and matched.
    struct PostsOutcome: Sendable {
        var parsed: ParsedPosts
        var plan: PostImportPlan?
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
        /// A per-post export (then `parsed` and `plan` are empty).
        var posts: PostsOutcome?

        var importable: Bool {
            guard let posts else { return parsed.errors.isEmpty && plan != nil }
            return posts.parsed.errors.isEmpty && !(posts.plan?.matched.isEmpty ?? true)
        }
        var kind: ExportKind? { posts?.parsed.kind ?? parsed.kind }
        var header: PlatformExports.Header? { posts?.parsed.header ?? parsed.header }
        var errors: [RowError] { posts?.parsed.errors ?? parsed.errors }
        var skippedLines: [Int] { posts?.parsed.skippedLines ?? parsed.skippedLines }
        /// Rows read from the file (days, or posts).
        var rows: Int { posts?.parsed.rows.count ?? parsed.days.count }
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
    func check(_ input: Input, in access: WorkspaceAccess, now: Date = Date()) async throws -> Upload {
        var errors = ValidationErrors()
        var account: SocialAccount?
        if let raw = input.accountId?.trimmingCharacters(in: .whitespaces), let id = UUID(uuidString: raw) {
            account = try await access.query(SocialAccount.self, on: db).filter(\.$id == id).first()
        }
        let platform = account.flatMap(Self.exportPlatform)
        if platform == nil { errors.add("account_id", .importMetricsAccount(platforms: PlatformExports.platforms)) }
        let kind = (input.kind?.trimmingCharacters(in: .whitespaces)).nonEmpty
        if let kind, let platform, !PlatformExports.allKinds(of: platform).contains(where: { $0.id == kind }) {
            errors.add("kind", .importMetricsKind(choices: PlatformExports.allKinds(of: platform).map(\.id), platform: platform))
        }
        let today = MetricDay.of(now, in: access.workspace.zone)
        var asOf = today
        if let raw = (input.asOf?.trimmingCharacters(in: .whitespaces)).nonEmpty {
            if let day = PlatformExports.day(raw), day <= today { asOf = day } else { errors.add("as_of", .importAsOf(value: raw, day: today)) }
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
            text: text, decodeError: decodeError, kindID: kind, asOf: asOf)
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
            guard outcome.importable, let kind = outcome.kind else { return outcome }
            let record = MetricImport()
            record.id = TimeOrderedID.make(at: now)
            record.$workspace.id = access.workspaceID
            record.accountID = upload.accountID
            record.kind = kind.id
            record.fileName = upload.fileName
            record.fileSHA256 = Secrets.sha256(upload.text ?? "")
            record.importedBy = userID
            record.createdAt = now
            if var plan = outcome.posts?.plan {
                try await Self.write(&plan, workspaceID: access.workspaceID, accountID: upload.accountID, now: now, on: tx)
                outcome.posts?.plan = plan
                (record.rows, record.unmatched, record.firstDay, record.lastDay) = (
                    plan.matched.count, plan.notWritten.count, plan.first!, plan.last!
                )
                (record.added, record.updated, record.unchanged) = (plan.count(.add), plan.count(.update), plan.count(.unchanged))
            } else if let plan = outcome.plan {
                try await Self.write(plan, workspaceID: access.workspaceID, accountID: upload.accountID, now: now, on: sql)
                (record.rows, record.unmatched, record.firstDay, record.lastDay) = (plan.days.count, 0, plan.first ?? "", plan.last ?? "")
                (record.added, record.updated, record.unchanged) = (plan.count(.add), plan.count(.update), plan.count(.unchanged))
            }
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
        let before = try await access.query(MetricImport.self, on: db).filter(\.$accountID == upload.accountID)
            .filter(\.$fileSHA256 == Secrets.sha256(text)).sort(\.$createdAt, .descending).first()?.createdAt
        if let kind = upload.kindID.flatMap(PlatformExports.kind) ?? PlatformExports.recognise(text, platform: upload.platform), kind.perPost {
            return try await assessPosts(upload, kind: kind, text: text, importedBefore: before, in: access, on: db, today: today)
        }
        let parsed = PlatformExports.parse(text, platform: upload.platform, kindID: upload.kindID, today: today)
        guard parsed.errors.isEmpty, let first = parsed.days.first?.day, let last = parsed.days.last?.day else {
            return Outcome(upload: upload, parsed: parsed, plan: nil, importedBefore: before)
        }
        let stored = try await Self.stored(workspaceID: access.workspaceID, accountID: upload.accountID, from: first, to: last, on: db)
        let plan = MetricImportPlan.make(parsed.days, stored: stored, platform: upload.platform, today: today)
        return Outcome(upload: upload, parsed: parsed, plan: plan, importedBefore: before)
    }

    /// A per-post export: its rows read, matched to the account's published
    /// posts and compared with their stored days.
    private func assessPosts(
        _ upload: Upload, kind: ExportKind, text: String, importedBefore: Date?, in access: WorkspaceAccess, on db: any Database, today: String
    ) async throws -> Outcome {
        let parsed = PlatformExports.parsePosts(text, candidates: [kind], today: today)
        var outcome = Outcome(
            upload: upload, parsed: .init(header: nil, days: [], errors: [], skippedLines: []), plan: nil, importedBefore: importedBefore,
            posts: PostsOutcome(parsed: parsed, plan: nil))
        let days = parsed.rows.map { $0.day ?? upload.asOf }
        guard parsed.errors.isEmpty, let first = days.min(), let last = days.max() else { return outcome }
        let candidates = try await Self.candidates(accountID: upload.accountID, in: access, on: db)
        let stored = try await Self.storedPosts(workspaceID: access.workspaceID, accountID: upload.accountID, from: first, to: last, on: db)
        outcome.posts?.plan = PostImportPlan.make(
            parsed.rows, kind: kind, platform: upload.platform, candidates: candidates, asOf: upload.asOf, stored: stored)
        return outcome
    }

    /// The account's published variants, each with the title it is listed by.
    static func candidates(accountID: UUID, in access: WorkspaceAccess, on db: any Database) async throws -> [PostCandidate] {
        let variants = try await access.query(PostVariant.self, on: db).filter(\.$account.$id == accountID)
            .filter(\.$state == VariantProgress.published.rawValue).with(\.$post).all()
        return variants.compactMap { variant in
            guard let published = variant.publishedAt else { return nil }
            return PostCandidate(
                id: variant.id!.uuidString, title: variant.title.nonEmpty ?? variant.post.title.nonEmpty, text: variant.text,
                remoteID: variant.remoteID, url: variant.url, publishedDay: MetricDay.of(published, in: access.workspace.zone))
        }
    }

    /// The account's stored post days from `from` to `to`, by variant id and day.
    static func storedPosts(
        workspaceID: UUID, accountID: UUID, from: String, to: String, on db: any Database
    ) async throws -> [String: [String: StoredPostDay]] {
        guard let sql = db as? any SQLDatabase else { return [:] }
        let columns = PostGainStore.summed + ["completion"]
        let asText = SQLRows.uuidsAsText(sql)
        var result: [String: [String: StoredPostDay]] = [:]
        for row in try await sql.raw(
            """
            SELECT variant_id, day, source, \(unsafeRaw: columns.joined(separator: ", ")), platform_values FROM post_metric_days
            WHERE workspace_id = \(bind: workspaceID) AND account_id = \(bind: accountID) AND day >= \(bind: from) AND day <= \(bind: to)
            """
        ).all() {
            let day = try row.decode(column: "day", as: String.self)
            let values = try row.decode(column: "platform_values", as: String?.self).flatMap {
                try? JSONDecoder().decode([String: Double].self, from: Data($0.utf8))
            }
            let stored = columns.reduce(into: [String: Double]()) { found, column in found[column] = SQLRows.number(row, column) }
            result[try SQLRows.uuid(row, "variant_id", asText: asText).uuidString, default: [:]][day] = StoredPostDay(
                day: day, source: try row.decode(column: "source", as: String.self), columns: stored, values: values ?? [:])
        }
        return result
    }

    /// Each new or changed post day through the snapshot job's path
    /// (`MetricHistoryService.writePost`: the gains kept in the same
    /// transaction). A day a connector stored since the plan was made keeps
    /// its reading; its row becomes unchanged.
    static func write(_ plan: inout PostImportPlan, workspaceID: UUID, accountID: UUID, now: Date, on db: any Database) async throws {
        for index in plan.rows.indices {
            let row = plan.rows[index]
            guard row.action == .add || row.action == .update, let result = row.result, let variantID = row.post.flatMap({ UUID(uuidString: $0.id) })
            else { continue }
            let totals = PostGainStore.summed.reduce(into: PostGainStore.Totals()) { totals, column in
                totals[column] = result.columns[column].map { Int($0) }
            }
            let written = try await MetricHistoryService.writePost(
                workspaceID: workspaceID, variantID: variantID, accountID: accountID, day: row.day,
                .init(totals: totals, completion: result.columns["completion"], platformValues: result.values, takenAt: now, source: "import"),
                keepLive: true, on: db)
            if !written { (plan.rows[index].action, plan.rows[index].liveKept) = (.unchanged, true) }
        }
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
