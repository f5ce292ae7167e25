import FanfareCore
import Fluent
import SQLKit
import Vapor

extension Application {
    private struct EnginesKey: StorageKey { typealias Value = SharedEngines }

    func installModerationEngines() { storage[EnginesKey.self] = SharedEngines() }

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
struct LexiconService {
    let db: any Database
    let app: Application

    static func compile(_ workspaceID: UUID, on db: any Database) async throws -> ModerationEngine {
        let entries = try await LexiconEntry.query(on: db).filter(\.$workspace.$id == workspaceID).sort(\.$id).all()
        return ModerationEngine(
            terms: LexiconFile.base + entries.compactMap(\.lexiconTerm),
            allow: LexiconFile.baseAllow + entries.filter { $0.kind == LexiconEntry.Kind.allow.rawValue }.map(\.term))
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
        if severity == nil { errors.add("severity", "must be one of: warn, review, block") }
        let scopeText = input.scope?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let scope = scopeText.isEmpty ? .all : ModerationScope(rawValue: scopeText)
        if scope == nil { errors.add("scope", "must be one of: all, content, incoming") }
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
                throw ValidationErrors("term", "is already in the lexicon as \"\(existing.term)\"; edit that entry instead")
            }
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
                throw ValidationErrors("kind", "is allow; an allow-list phrase has no category or severity to edit, delete it and add another")
            }
            if let other = try await find(.term, folded: term.key, in: access, on: tx), other.id != entry.id {
                throw ValidationErrors("term", "is already in the lexicon as \"\(other.term)\"; edit that entry instead")
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
            errors.add("phrase", "must be 1 to 100 characters")
        } else if folded.isEmpty {
            errors.add("phrase", "has no letter, digit or character left once spaces, punctuation, symbols and emoji are ignored")
        }
        try errors.throwIfAny()
        // Allowing a phrase twice changes nothing, and bumps no version.
        if let existing = try await find(.allow, folded: folded, in: access, on: db) { return existing }
        return try await change(access, now: now) { tx in
            if let existing = try await find(.allow, folded: folded, in: access, on: tx) { return existing }
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

        struct LineProblem: Content {
            var line: Int
            var message: String
        }

        var added: [Change]
        var updated: [Change]
        var unchanged: Int
        var problems: [LineProblem]
        var applied: Bool
    }

    /// Reads a TXT or CSV file and compares it with the lexicon. A dry run
    /// only reports; otherwise, when no line has a problem, every change is
    /// written in one transaction (one audit entry for the import, one
    /// version bump). A file with any bad line changes nothing.
    func importTerms(
        _ text: String, format: LexiconFile.Format, defaults: LexiconFile.Defaults, dryRun: Bool, in access: WorkspaceAccess, actor: Actor,
        now: Date = Date()
    ) async throws -> ImportPlan {
        try access.require(.moderationLexiconManage)
        if text.utf8.count > 5_000_000 { throw ValidationErrors("file", "must be at most 5 MB") }
        let parsed = LexiconFile.parse(text, format: format, defaults: defaults)
        if parsed.terms.count > 100_000 { throw ValidationErrors("file", "has \(parsed.terms.count) terms; at most 100,000 are accepted") }
        let existing = try await access.query(LexiconEntry.self, on: db).filter(\.$kind == LexiconEntry.Kind.term.rawValue).all()
        let byFolded = Dictionary(existing.map { ($0.folded, $0) }, uniquingKeysWith: { first, _ in first })
        var plan = ImportPlan(
            added: [], updated: [], unchanged: 0, problems: parsed.problems.map { .init(line: $0.line, message: $0.message) }, applied: false)
        var toAdd: [LexiconTerm] = []
        var toUpdate: [(LexiconEntry, LexiconTerm)] = []
        for (term, line) in zip(parsed.terms, parsed.lines) {
            let change = ImportPlan.Change(
                line: line, term: term.term, category: term.category, severity: term.severity.rawValue, scope: term.scope.rawValue)
            if let entry = byFolded[term.key] {
                if entry.lexiconTerm == term {
                    plan.unchanged += 1
                } else {
                    var updated = change
                    updated.before = "\(entry.term),\(entry.category ?? ""),\(entry.severity ?? ""),\(entry.scope ?? "")"
                    plan.updated.append(updated)
                    toUpdate.append((entry, term))
                }
            } else {
                plan.added.append(change)
                toAdd.append(term)
            }
        }
        guard !dryRun, plan.problems.isEmpty, !(toAdd.isEmpty && toUpdate.isEmpty) else { return plan }
        let (adding, updating) = (toAdd, toUpdate)
        try await change(access, now: now) { tx in
            var entries: [LexiconEntry] = []
            for term in adding { entries.append(LexiconEntry.make(term, in: access.workspaceID, by: actor, now: now)) }
            for chunk in stride(from: 0, to: entries.count, by: 500) {
                try await Array(entries[chunk..<min(chunk + 500, entries.count)]).create(on: tx)
            }
            for (entry, term) in updating {
                entry.apply(term, now: now)
                try await entry.save(on: tx)
            }
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "lexicon.imported", targetType: "workspace",
                targetID: access.workspaceID,
                after: [
                    "added": String(adding.count), "updated": String(updating.count), "format": format.rawValue,
                    "terms": (adding.map(\.term) + updating.map(\.1.term)).prefix(50).joined(separator: "、"),
                ], now: now)
        }
        plan.applied = true
        return plan
    }

    /// The workspace's own terms as CSV or TXT.
    func export(format: LexiconFile.Format, in access: WorkspaceAccess) async throws -> String {
        try access.require(.contentView)
        let terms = try await access.query(LexiconEntry.self, on: db).filter(\.$kind == LexiconEntry.Kind.term.rawValue).sort(\.$id).all()
            .compactMap(\.lexiconTerm)
        switch format {
        case .csv: return LexiconFile.csv(terms)
        case .txt: return terms.map(\.term).joined(separator: "\n") + (terms.isEmpty ? "" : "\n")
        }
    }

    private func find(_ kind: LexiconEntry.Kind, folded: String, in access: WorkspaceAccess, on db: any Database) async throws -> LexiconEntry? {
        try await access.query(LexiconEntry.self, on: db).filter(\.$kind == kind.rawValue).filter(\.$folded == folded).first()
    }

    /// Runs one change of the lexicon with the version bump in its
    /// transaction, then compiles and installs the new engine before
    /// returning: the person who changed the lexicon sees it at once,
    /// while other requests keep scanning with the previous engine.
    @discardableResult
    func change<T: Sendable>(_ access: WorkspaceAccess, now: Date, _ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
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
        app.moderationEngines.install(try await Self.compile(workspaceID, on: db), for: workspaceID.uuidString, version: version)
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
