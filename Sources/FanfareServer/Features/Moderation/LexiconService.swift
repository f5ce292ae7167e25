import FanfareCore
import Fluent
import SQLKit
import Synchronization
import Vapor

extension Application {
    private struct EnginesKey: StorageKey { typealias Value = SharedEngines }

    /// The engine cache, with the budget FANFARE_ENGINE_CACHE_MB sets.
    func installModerationEngines() {
        let logger = self.logger
        let megabytes = settings.engineCacheMegabytes
        storage[EnginesKey.self] = SharedEngines(budgetBytes: megabytes << 20) { key, bytes in
            // Not kept, so rebuilt for every check of that workspace: slow,
            // and worth an operator's attention.
            logger.warning(
                "a workspace's compiled lexicon is larger than the whole engine cache, so it is rebuilt for every check; raise FANFARE_ENGINE_CACHE_MB or lower FANFARE_LEXICON_MAX_TERMS",
                metadata: [
                    "workspace": .string(key), "engine_mib": .stringConvertible((bytes + (1 << 20) - 1) >> 20),
                    "cache_mib": .stringConvertible(megabytes),
                ])
        }
    }

    var moderationEngines: SharedEngines {
        guard let engines = storage[EnginesKey.self] else { fatalError("configure(_:settings:) installs the moderation engines") }
        return engines
    }

    /// The workspace's compiled lexicon (base lexicon, then its own
    /// entries). Never waits for a rebuild once one engine exists.
    func moderationEngine(for workspace: Workspace) async throws -> ModerationEngine {
        let workspaceID = workspace.id!
        let database = db
        return try await moderationEngines.engine(for: workspaceID.uuidString, version: workspace.lexiconVersion) {
            try await LexiconService.compile(workspaceID, on: database)
        }
    }
}

/// Keeping a workspace's lexicon: terms and allow-list phrases added,
/// edited, removed and imported, each change audited and each bumping the
/// workspace's lexicon version in the same transaction.
///
/// A workspace holds at most `Settings.lexiconMaxTerms` entries (terms and
/// allow-list phrases together: both are compiled into its engine, and the
/// engine's memory is what the limit bounds).
struct LexiconService {
    let db: any Database
    let app: Application

    /// One entry as the lexicon's reads need it: no Fluent model, whose
    /// property wrappers cost about a kilobyte a row, for a read that may
    /// hold 100,000 of them.
    struct Row: Sendable {
        var id: UUID
        var kind: String
        var term: String
        var folded: String
        var category: String?
        var severity: String?
        var scope: String?

        var lexiconTerm: LexiconTerm? {
            guard kind == LexiconEntry.Kind.term.rawValue, let category, let severity = severity.flatMap(ModerationSeverity.init(rawValue:)) else {
                return nil
            }
            return LexiconTerm(term: term, category: category, severity: severity, scope: scope.flatMap(ModerationScope.init(rawValue:)) ?? .all)
        }
    }

    /// The workspace's entries, oldest first, without those of an import
    /// still being written.
    static func rows(_ workspaceID: UUID, on db: any Database) async throws -> [Row] {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "The lexicon needs an SQL database.") }
        // Rows are decoded as they arrive rather than kept as `SQLRow`s,
        // which would hold every column's raw value as well.
        let collected = Mutex<(rows: [Row], failure: (any Error)?)>(([], nil))
        try await sql.raw(
            """
            SELECT id, kind, term, folded, category, severity, scope FROM lexicon_entries
            WHERE workspace_id = \(bind: workspaceID) AND \(unsafeRaw: LexiconEntry.visibleSQL) ORDER BY id
            """
        ).run { row in
            do {
                let decoded = Row(
                    id: try row.decode(column: "id", as: UUID.self), kind: try row.decode(column: "kind", as: String.self),
                    term: try row.decode(column: "term", as: String.self), folded: try row.decode(column: "folded", as: String.self),
                    category: try row.decode(column: "category", as: String?.self), severity: try row.decode(column: "severity", as: String?.self),
                    scope: try row.decode(column: "scope", as: String?.self))
                collected.withLock { $0.rows.append(decoded) }
            } catch {
                collected.withLock { $0.failure = $0.failure ?? error }
            }
        }
        return try collected.withLock { state in
            if let failure = state.failure { throw failure }
            return state.rows
        }
    }

    static func compile(_ workspaceID: UUID, on db: any Database) async throws -> ModerationEngine {
        let rows = try await rows(workspaceID, on: db)
        return try await offload {
            let engine = compile(rows)
            // A large build leaves megabytes of freed scaffolding behind.
            if rows.count >= 10_000 { MemoryRelease.trim() }
            return engine
        }
    }

    static func compile(_ rows: [Row]) -> ModerationEngine {
        ModerationEngine(
            terms: LexiconFile.base + rows.compactMap(\.lexiconTerm),
            allow: LexiconFile.baseAllow + rows.filter { $0.kind == LexiconEntry.Kind.allow.rawValue }.map(\.term))
    }

    /// Every entry of the workspace, an import's still being written
    /// included: what the limit counts.
    static func entryCount(_ workspaceID: UUID, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "The lexicon needs an SQL database.") }
        return try await sql.raw("SELECT COUNT(*) AS n FROM lexicon_entries WHERE workspace_id = \(bind: workspaceID)").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }

    var maxEntries: Int { app.settings.lexiconMaxTerms }

    /// Refuses a change that would take the lexicon past the limit.
    /// Called inside the change's transaction, after the version update
    /// has locked the workspace's row (PostgreSQL) or the database (SQLite),
    /// so two adds at once cannot both squeeze under the limit.
    private func requireRoom(for adding: Int, field: String, in workspaceID: UUID, on tx: any Database) async throws {
        let count = try await Self.entryCount(workspaceID, on: tx)
        if count + adding > maxEntries {
            throw ValidationErrors(field, .lexiconLimit(total: count + adding, max: maxEntries))
        }
    }

    struct TermInput {
        var term: String
        var category: String?
        var severity: String?
        var scope: String?
    }

    /// Checks a term as typed; the category, severity and scope default to
    /// `risk`, `block` and `all`.
    static func validated(_ input: TermInput) throws(ValidationErrors) -> LexiconTerm {
        var errors = ValidationErrors()
        let severityText = input.severity?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let severity = severityText.isEmpty ? .block : ModerationSeverity(rawValue: severityText)
        if severity == nil { errors.add("severity", .oneOf(choices: ["warn", "review", "block"])) }
        let scopeText = input.scope?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let scope = scopeText.isEmpty ? .all : ModerationScope(rawValue: scopeText)
        if scope == nil { errors.add("scope", .oneOf(choices: ["all", "content", "incoming"])) }
        let category = input.category?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let term = LexiconTerm(
            term: input.term.trimmingCharacters(in: .whitespacesAndNewlines), category: category.isEmpty ? "risk" : category,
            severity: severity ?? .block, scope: scope ?? .all)
        errors.issues += term.problems().issues
        try errors.throwIfAny()
        return term
    }

    func addTerm(_ input: TermInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> LexiconEntry {
        try access.require(.moderationLexiconManage)
        let term = try Self.validated(input)
        let entry = try await change(access, now: now) { tx in
            if let existing = try await find(.term, folded: term.key, in: access, on: tx) {
                try await Self.refuseDuplicate(existing, field: "term", on: tx)
            }
            try await requireRoom(for: 1, field: "term", in: access.workspaceID, on: tx)
            let entry = LexiconEntry.make(term, in: access.workspaceID, by: actor, now: now)
            try await entry.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "lexicon.term_added", targetType: "lexicon_entry",
                targetID: entry.id, after: entry.auditFields, now: now)
            return entry
        }
        return entry
    }

    func updateTerm(_ rawID: String?, _ input: TermInput, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> LexiconEntry {
        try access.require(.moderationLexiconManage)
        // Another workspace's id is "not found" whatever the body says.
        _ = try await access.find(LexiconEntry.self, rawID, on: db, what: "Lexicon entry")
        let term = try Self.validated(input)
        return try await change(access, now: now) { tx in
            let entry = try await access.find(LexiconEntry.self, rawID, on: tx, what: "Lexicon entry")
            guard entry.kind == LexiconEntry.Kind.term.rawValue else {
                throw ValidationErrors("kind", .allowPhraseNotEditable)
            }
            if let other = try await find(.term, folded: term.key, in: access, on: tx), other.id != entry.id {
                try await Self.refuseDuplicate(other, field: "term", on: tx)
            }
            let before = entry.auditFields
            entry.apply(term, now: now)
            try await entry.save(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "lexicon.term_changed", targetType: "lexicon_entry",
                targetID: entry.id, before: before, after: entry.auditFields, now: now)
            return entry
        }
    }

    func addAllowed(_ phrase: String, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws -> LexiconEntry {
        try access.require(.moderationLexiconManage)
        let text = phrase.trimmingCharacters(in: .whitespacesAndNewlines)
        let folded = TextFolding.fold(text)
        var errors = ValidationErrors()
        if text.isEmpty || text.unicodeScalars.count > 100 {
            errors.add("phrase", .lengthBetween(min: 1, max: 100))
        } else if folded.isEmpty {
            errors.add("phrase", .termNothingLeft)
        }
        try errors.throwIfAny()
        // Allowing a phrase twice changes nothing, and bumps no version.
        if let existing = try await find(.allow, folded: folded, in: access, on: db), !(try await Self.isPending(existing, on: db)) {
            return existing
        }
        return try await change(access, now: now) { tx in
            if let existing = try await find(.allow, folded: folded, in: access, on: tx) {
                if try await Self.isPending(existing, on: tx) { try await Self.refuseDuplicate(existing, field: "phrase", on: tx) }
                return existing
            }
            try await requireRoom(for: 1, field: "phrase", in: access.workspaceID, on: tx)
            let entry = LexiconEntry()
            entry.id = TimeOrderedID.make(at: now)
            entry.$workspace.id = access.workspaceID
            entry.kind = LexiconEntry.Kind.allow.rawValue
            entry.term = text
            entry.folded = folded
            entry.createdBy = actor.userID
            entry.createdAt = now
            entry.updatedAt = now
            try await entry.create(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "lexicon.allow_added", targetType: "lexicon_entry",
                targetID: entry.id, after: ["phrase": text], now: now)
            return entry
        }
    }

    func delete(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.moderationLexiconManage)
        try await change(access, now: now) { tx in
            let entry = try await access.find(LexiconEntry.self, rawID, on: tx, what: "Lexicon entry")
            let before = entry.auditFields
            try await entry.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "lexicon.\(entry.kind)_removed", targetType: "lexicon_entry",
                targetID: entry.id, before: before, now: now)
        }
    }

    /// What an import would do, or did.
    struct ImportPlan: Content {
        struct Change: Content {
            var line: Int
            var term: String
            var category: String
            var severity: String
            var scope: String
            /// For an update: the values it replaces.
            var before: String?
        }

        /// A line of the file that cannot be imported: in the API `{line,
        /// message, message_code, message_arguments}`, on the page in the
        /// reader's language.
        struct LineProblem: Content {
            var line: Int
            var coded: CodedMessage

            init(line: Int, _ coded: CodedMessage) {
                self.line = line
                self.coded = coded
            }

            private enum CodingKeys: String, CodingKey { case line, message, messageCode, messageArguments }

            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                line = try container.decode(Int.self, forKey: .line)
                coded = try container.decodeCodedMessage(code: .messageCode, arguments: .messageArguments)
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(line, forKey: .line)
                try container.encode(coded, message: .message, code: .messageCode, arguments: .messageArguments)
            }
        }

        var added: [Change]
        var updated: [Change]
        var unchanged: Int
        var problems: [LineProblem]
        var applied: Bool
    }

    /// Entries of an import written per transaction. Measured with
    /// `fanfare-bench lexicon` (docs/benchmarks.md): a batch of 1,000 holds SQLite's
    /// writer for a few milliseconds, so a concurrent write waits about
    /// that long, while 99,000 entries still go in about a second.
    static let rowsPerBatch = 1_000
    /// An import whose writer has not finished after this long died with
    /// its process; the next import of the workspace discards it.
    static let abandonedAfter: TimeInterval = 15 * 60

    /// Reads a TXT or CSV file and compares it with the lexicon. A dry run
    /// only reports; otherwise, when no line has a problem, every change is
    /// applied (one audit entry for the import, one version bump). A file
    /// with any bad line, or one that would take the lexicon past its
    /// limit, changes nothing.
    ///
    /// Nobody waits on an import (issue 16: a 99,000-term import held
    /// SQLite's one writer for 16.6 s). Everything that takes time is done
    /// before anything is written: reading the file, checking and
    /// de-duplicating it, comparing it with the lexicon, and compiling the
    /// new engine. The new entries are then written a batch per
    /// transaction, hidden behind the import's row in `lexicon_imports`;
    /// the last transaction deletes that row (which shows them all at
    /// once), applies the changed entries, bumps the version and writes
    /// the audit entry. If anything fails on the way, the hidden entries
    /// are deleted again and the lexicon is as it was.
    func importTerms(
        _ text: String, format: LexiconFile.Format, defaults: LexiconFile.Defaults, dryRun: Bool, in access: WorkspaceAccess, actor: Actor,
        now: Date = Date()
    ) async throws -> ImportPlan {
        try access.require(.moderationLexiconManage)
        if text.utf8.count > 5_000_000 { throw ValidationErrors("file", .fileAtMostMegabytes(max: 5)) }
        let workspaceID = access.workspaceID
        // The version first, then the entries: a change committed between
        // the two reads shows up as a newer version at the end, and the
        // engine compiled here is then not used.
        let versionRead = try await Self.lexiconVersion(workspaceID, on: db)
        let existing = try await Self.rows(workspaceID, on: db)
        let maxEntries = self.maxEntries
        let started = ContinuousClock.now
        let prepared = try await Self.offload {
            try Self.prepareImport(
                text, format: format, defaults: defaults, existing: existing, maxEntries: maxEntries, compile: !dryRun, now: now)
        }
        var plan = prepared.plan
        let (adding, updating, staged) = (prepared.adding, prepared.updating, prepared.staged)
        guard !dryRun, plan.problems.isEmpty, !(adding.isEmpty && updating.isEmpty), let engine = prepared.engine else { return plan }

        let preparedIn = started.duration(to: .now)
        var longestBatch = Duration.zero
        // An import that only changes existing entries has nothing to hide.
        let importID: UUID? = staged.isEmpty ? nil : try await beginImport(in: workspaceID, by: actor, now: now)
        do {
            for start in stride(from: 0, to: importID == nil ? 0 : staged.count, by: Self.rowsPerBatch) {
                let batch = staged[start..<min(staged.count, start + Self.rowsPerBatch)]
                let batchStarted = ContinuousClock.now
                try await db.writeTransaction { tx in
                    guard let sql = tx as? any SQLDatabase, let importID else { return }
                    try await Self.insert(batch, importID: importID, workspaceID: workspaceID, by: actor, now: now, on: sql)
                }
                longestBatch = max(longestBatch, batchStarted.duration(to: .now))
            }
            let (changed, terms) = (updating, (adding.map(\.term.term) + updating.map(\.term.term)).prefix(50).joined(separator: "、"))
            let addedCount = adding.count
            try await change(access, now: now, precompiled: (engine, versionRead)) { tx in
                guard let sql = tx as? any SQLDatabase else { return }
                if let importID {
                    // Gone when the import was discarded as abandoned meanwhile.
                    guard try await LexiconImport.find(importID, on: tx) != nil else {
                        throw Problem(
                            .conflict, "The import took too long and was discarded; import the file again.", type: "lexicon-import-discarded")
                    }
                    // This shows the import's entries, all at once.
                    try await LexiconImport.query(on: tx).filter(\.$id == importID).delete()
                }
                let count = try await Self.entryCount(workspaceID, on: tx)
                if addedCount > 0, count > maxEntries {
                    throw ValidationErrors("content", .lexiconLimitAfterImport(total: count, max: maxEntries))
                }
                var update = RowsUpdate(
                    table: "lexicon_entries",
                    columns: [
                        .init(name: "term", postgresType: "text"), .init(name: "category", postgresType: "text"),
                        .init(name: "severity", postgresType: "text"), .init(name: "scope", postgresType: "text"),
                        .init(name: "updated_at", postgresType: "timestamptz"),
                    ])
                for (id, term) in changed { update.add(id, [term.term, term.category, term.severity.rawValue, term.scope.rawValue, now]) }
                try await update.run(on: sql)
                try await AuditLog.record(
                    on: tx, actor: actor, workspaceID: workspaceID, action: "lexicon.imported", targetType: "workspace", targetID: workspaceID,
                    after: ["added": String(addedCount), "updated": String(changed.count), "format": format.rawValue, "terms": terms], now: now)
            }
        } catch {
            if let importID { try? await discardImport(importID, in: workspaceID) }
            if (error as? any DatabaseError)?.isConstraintFailure == true {
                throw Problem(
                    .conflict, "The lexicon changed while the import was written (a term of the file was added meanwhile); preview and import again.",
                    type: "lexicon-changed")
            }
            throw error
        }
        plan.applied = true
        // What the import cost, for an operator comparing with docs/benchmarks.md.
        app.logger.notice(
            "lexicon imported",
            metadata: [
                "workspace": .string(workspaceID.uuidString), "added": .stringConvertible(adding.count),
                "updated": .stringConvertible(updating.count), "prepare_ms": .stringConvertible(Self.milliseconds(preparedIn)),
                "longest_batch_ms": .stringConvertible(Self.milliseconds(longestBatch)),
                "total_ms": .stringConvertible(Self.milliseconds(started.duration(to: .now))),
            ])
        // The file, the plan and the old engine were tens of megabytes for
        // a large import; give the pages back rather than keep them as the
        // process's high-water mark.
        if adding.count + updating.count >= 10_000 { try? await Self.offload { MemoryRelease.trim() } }
        return plan
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// An import worked out before anything is written.
    struct PreparedImport: Sendable {
        var plan: ImportPlan
        var adding: [(term: LexiconTerm, folded: String)]
        var updating: [(id: UUID, term: LexiconTerm)]
        /// The new entries as they will be written.
        var staged: [Row]
        /// The lexicon's engine once the import is in (not for a dry run).
        var engine: ModerationEngine?
    }

    /// Reads the file, checks, de-duplicates and compares it with the
    /// lexicon, refuses it past the limit, and compiles the engine it
    /// will give: all of an import's CPU work, none of its writing.
    static func prepareImport(
        _ text: String, format: LexiconFile.Format, defaults: LexiconFile.Defaults, existing: [Row], maxEntries: Int, compile: Bool, now: Date
    ) throws -> PreparedImport {
        let parsed = LexiconFile.parse(text, format: format, defaults: defaults)
        if parsed.terms.count > 100_000 { throw ValidationErrors("file", .fileTermsAtMost(count: parsed.terms.count, max: 100_000)) }
        var byFolded: [String: Int] = [:]
        for (index, row) in existing.enumerated() where row.kind == LexiconEntry.Kind.term.rawValue {
            byFolded[row.folded] = byFolded[row.folded] ?? index
        }
        var plan = ImportPlan(
            added: [], updated: [], unchanged: 0, problems: parsed.problems.map { .init(line: $0.line, $0.coded) }, applied: false)
        var adding: [(term: LexiconTerm, folded: String)] = []
        var updating: [(id: UUID, term: LexiconTerm)] = []
        var after = existing
        for (index, term) in parsed.terms.enumerated() {
            let (line, folded) = (parsed.lines[index], parsed.keys[index])
            let change = ImportPlan.Change(
                line: line, term: term.term, category: term.category, severity: term.severity.rawValue, scope: term.scope.rawValue)
            if let match = byFolded[folded] {
                let entry = existing[match]
                if entry.lexiconTerm == term {
                    plan.unchanged += 1
                } else {
                    var updated = change
                    updated.before = "\(entry.term),\(entry.category ?? ""),\(entry.severity ?? ""),\(entry.scope ?? "")"
                    plan.updated.append(updated)
                    updating.append((entry.id, term))
                    after[match].term = term.term
                    after[match].category = term.category
                    after[match].severity = term.severity.rawValue
                    after[match].scope = term.scope.rawValue
                }
            } else {
                plan.added.append(change)
                adding.append((term, folded))
            }
        }
        // Only new entries count against the limit: a lexicon already over
        // it (the limit lowered since) can still have its terms changed.
        if !adding.isEmpty, existing.count + adding.count > maxEntries {
            throw ValidationErrors("content", .lexiconLimitAdding(adding: adding.count, existing: existing.count, max: maxEntries))
        }
        let staged = adding.map { term, folded -> Row in
            Row(
                id: TimeOrderedID.make(at: now), kind: LexiconEntry.Kind.term.rawValue, term: term.term, folded: folded, category: term.category,
                severity: term.severity.rawValue, scope: term.scope.rawValue)
        }
        guard compile, plan.problems.isEmpty, !(adding.isEmpty && updating.isEmpty) else {
            return PreparedImport(plan: plan, adding: adding, updating: updating, staged: staged, engine: nil)
        }
        after += staged
        return PreparedImport(plan: plan, adding: adding, updating: updating, staged: staged, engine: Self.compile(after))
    }

    /// One thread for the lexicons' CPU work (reading an import, compiling
    /// an engine), apart from Swift's cooperative pool. A 99,000-term
    /// import's parsing and compiling took one of the pool's two threads
    /// (on two cores) for seconds, and every other request's continuations
    /// queued for the other: a read waited 437 ms. On a thread of its own
    /// the work is time-sliced with the rest by the operating system. One
    /// thread also means one large compile at a time, so twelve workspaces
    /// looked up at once do not hold twelve builds' garbage together.
    static let cpu: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await cpu.runIfActive(work)
    }

    static func lexiconVersion(_ workspaceID: UUID, on db: any Database) async throws -> Int {
        guard let sql = db as? any SQLDatabase else { throw Problem(.internalServerError, "The lexicon needs an SQL database.") }
        return try await sql.raw("SELECT lexicon_version FROM workspaces WHERE id = \(bind: workspaceID)").first()?
            .decode(column: "lexicon_version", as: Int.self) ?? 0
    }

    /// The import's row, which hides its entries until it is deleted. One
    /// import per workspace at a time; one left by a process that died is
    /// discarded first.
    private func beginImport(in workspaceID: UUID, by actor: Actor, now: Date) async throws -> UUID {
        if let other = try await LexiconImport.query(on: db).filter(\.$workspaceID == workspaceID).first() {
            guard other.startedAt < now.addingTimeInterval(-Self.abandonedAfter), let otherID = other.id else {
                throw Problem(
                    .conflict, "Another import of this lexicon is being written; wait for it to finish, then import again.",
                    type: "lexicon-import-running")
            }
            try await discardImport(otherID, in: workspaceID)
        }
        let record = LexiconImport()
        record.id = TimeOrderedID.make(at: now)
        record.workspaceID = workspaceID
        record.createdBy = actor.userID
        record.startedAt = now
        do {
            try await db.writeTransaction { tx in try await record.create(on: tx) }
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw Problem(
                .conflict, "Another import of this lexicon is being written; wait for it to finish, then import again.",
                type: "lexicon-import-running")
        }
        return record.id!
    }

    /// Deletes an unfinished import's hidden entries, a batch per
    /// transaction, then its row (in that order: deleting the row first
    /// would show the entries).
    func discardImport(_ importID: UUID, in workspaceID: UUID) async throws {
        while true {
            let more = try await db.writeTransaction { tx -> Bool in
                guard let sql = tx as? any SQLDatabase else { return false }
                let ids = try await sql.raw(
                    """
                    SELECT id FROM lexicon_entries WHERE workspace_id = \(bind: workspaceID) AND import_id = \(bind: importID)
                    LIMIT \(unsafeRaw: String(Self.rowsPerBatch))
                    """
                ).all().map { try $0.decode(column: "id", as: UUID.self) }
                if ids.isEmpty {
                    try await LexiconImport.query(on: tx).filter(\.$id == importID).delete()
                    return false
                }
                try await sql.raw("DELETE FROM lexicon_entries WHERE id IN (\(SQLList(ids.map { SQLBind($0) })))").run()
                return true
            }
            if !more { return }
        }
    }

    /// New entries of an import, 500 to a statement.
    private static func insert(
        _ rows: ArraySlice<Row>, importID: UUID, workspaceID: UUID, by actor: Actor, now: Date, on sql: any SQLDatabase
    ) async throws {
        let all = Array(rows)
        for start in stride(from: 0, to: all.count, by: 500) {
            let values: [any SQLExpression] = all[start..<min(all.count, start + 500)].map { row in
                SQLGroupExpression([
                    SQLBind(row.id), SQLBind(workspaceID), SQLBind(row.kind), SQLBind(row.term), SQLBind(row.folded), SQLBind(row.category),
                    SQLBind(row.severity), SQLBind(row.scope), actor.userID.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null,
                    SQLBind(now), SQLBind(now), SQLBind(importID),
                ])
            }
            try await sql.raw(
                """
                INSERT INTO lexicon_entries (id, workspace_id, kind, term, folded, category, severity, scope, created_by, created_at, updated_at,
                import_id) VALUES \(SQLList(values))
                """
            ).run()
        }
    }

    /// The workspace's own terms as CSV or TXT.
    func export(format: LexiconFile.Format, in access: WorkspaceAccess) async throws -> String {
        try access.require(.contentView)
        let terms = try await Self.rows(access.workspaceID, on: db).compactMap(\.lexiconTerm)
        switch format {
        case .csv: return LexiconFile.csv(terms)
        case .txt: return terms.map(\.term).joined(separator: "\n") + (terms.isEmpty ? "" : "\n")
        }
    }

    /// The entry with this folded form, an import's still being written
    /// included: the table's unique key does not tell them apart either.
    private func find(_ kind: LexiconEntry.Kind, folded: String, in access: WorkspaceAccess, on db: any Database) async throws -> LexiconEntry? {
        try await access.query(LexiconEntry.self, on: db).filter(\.$kind == kind.rawValue).filter(\.$folded == folded).first()
    }

    /// Refuses a term or phrase that is already there, or that an import
    /// being written is about to add.
    private static func refuseDuplicate(_ existing: LexiconEntry, field: String, on db: any Database) async throws -> Never {
        if try await isPending(existing, on: db) {
            throw ValidationErrors(field, .termBeingImported)
        }
        throw ValidationErrors(field, .termExists(term: existing.term))
    }

    /// Whether the entry belongs to an import still being written.
    private static func isPending(_ entry: LexiconEntry, on db: any Database) async throws -> Bool {
        guard let importID = entry.importID else { return false }
        return try await LexiconImport.find(importID, on: db) != nil
    }

    /// Runs one change of the lexicon with the version bump in its
    /// transaction, then compiles and installs the new engine before
    /// returning: the person who changed the lexicon sees it at once,
    /// while other requests keep scanning with the previous engine.
    ///
    /// `precompiled`: an engine already compiled from the lexicon as it was
    /// at `version` plus this change; used when no other change came in
    /// between (the new version is exactly one more), compiled afresh
    /// otherwise.
    @discardableResult
    func change<T: Sendable>(
        _ access: WorkspaceAccess, now: Date, precompiled: (engine: ModerationEngine, version: Int)? = nil,
        _ body: @escaping @Sendable (any Database) async throws -> T
    ) async throws -> T {
        let workspaceID = access.workspaceID
        let (result, version) = try await db.writeTransaction { tx -> (T, Int) in
            // Incremented in SQL, not read and written back: two changes at
            // once on PostgreSQL must give two versions, or a node that
            // compiled between them would never see the second. Written
            // first: on SQLite a transaction that reads before its first
            // write fails ("database is locked") when another writer
            // commits in between; writing first makes writers queue.
            guard let sql = tx as? any SQLDatabase else { throw Problem(.internalServerError, "The lexicon needs an SQL database.") }
            try await sql.raw("UPDATE workspaces SET lexicon_version = lexicon_version + 1 WHERE id = \(bind: workspaceID)").run()
            let result = try await body(tx)
            guard let workspace = try await Workspace.find(workspaceID, on: tx) else { throw Problem.notFound("Workspace") }
            return (result, workspace.lexiconVersion)
        }
        if let precompiled, precompiled.version + 1 == version {
            app.moderationEngines.install(precompiled.engine, for: workspaceID.uuidString, version: version)
        } else {
            app.moderationEngines.install(try await Self.compile(workspaceID, on: db), for: workspaceID.uuidString, version: version)
        }
        return result
    }
}

extension LexiconEntry {
    static func make(_ term: LexiconTerm, in workspaceID: UUID, by actor: Actor, now: Date) -> LexiconEntry {
        let entry = LexiconEntry()
        entry.id = TimeOrderedID.make(at: now)
        entry.$workspace.id = workspaceID
        entry.kind = Kind.term.rawValue
        entry.createdBy = actor.userID
        entry.createdAt = now
        entry.apply(term, now: now)
        return entry
    }

    func apply(_ term: LexiconTerm, now: Date) {
        self.term = term.term
        folded = term.key
        category = term.category
        severity = term.severity.rawValue
        scope = term.scope.rawValue
        updatedAt = now
    }

    var auditFields: [String: String] {
        ["term": term, "category": category ?? "", "severity": severity ?? "", "scope": scope ?? ""]
    }
}
