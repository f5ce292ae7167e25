import FanfareCore
import Fluent
import FluentSQL
import Vapor

/// One line of a workspace's lexicon: a term with its category, severity
/// and scope, or an allow-list phrase (no category). Layered over the base
/// lexicon Fanfare ships: a term with the same folded text replaces the
/// base term.
final class LexiconEntry: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "lexicon_entries"

    enum Kind: String, CaseIterable, Codable { case term, allow }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "kind") var kind: String
    @Field(key: "term") var term: String
    /// The folded form: two spellings of one term are one entry.
    @Field(key: "folded") var folded: String
    @OptionalField(key: "category") var category: String?
    @OptionalField(key: "severity") var severity: String?
    @OptionalField(key: "scope") var scope: String?
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @Field(key: "updated_at") var updatedAt: Date
    /// The import that wrote this entry; while that import is still being
    /// written (its row is in `lexicon_imports`) the entry is not shown.
    @OptionalField(key: "import_id") var importID: UUID?

    static var workspaceKey: KeyPath<LexiconEntry, ParentProperty<LexiconEntry, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] {
        [$id, $workspace, $kind, $term, $folded, $category, $severity, $scope, $createdBy, $createdAt, $updatedAt, $importID]
    }

    /// The condition that leaves out entries of an import still being
    /// written, for raw SQL over `lexicon_entries`.
    static let visibleSQL = "(import_id IS NULL OR import_id NOT IN (SELECT id FROM lexicon_imports))"

    var lexiconTerm: LexiconTerm? {
        guard kind == Kind.term.rawValue, let category, let severity = severity.flatMap(ModerationSeverity.init(rawValue:)) else { return nil }
        return LexiconTerm(term: term, category: category, severity: severity, scope: scope.flatMap(ModerationScope.init(rawValue:)) ?? .all)
    }
}

extension QueryBuilder where Model == LexiconEntry {
    /// Only entries that are part of the lexicon: not those of an import
    /// still being written. Every read of the lexicon goes through this.
    func visible() -> Self { filter(.sql(unsafeRaw: LexiconEntry.visibleSQL)) }
}

/// An import being written, batch by batch; see `AddLexiconImports`.
final class LexiconImport: Model, @unchecked Sendable {
    static let schema = "lexicon_imports"

    @ID(key: .id) var id: UUID?
    @Field(key: "workspace_id") var workspaceID: UUID
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "started_at") var startedAt: Date

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspaceID, $createdBy, $startedAt] }
}

struct LexiconEntryDTO: Content {
    var id: UUID
    var kind: String
    var term: String
    /// What the engine compares: the term folded (case, width, script,
    /// punctuation and spaces ignored).
    var folded: String
    var category: String?
    var severity: String?
    var scope: String?
    var createdAt: Date
    var updatedAt: Date

    init(_ entry: LexiconEntry) {
        id = entry.id!
        kind = entry.kind
        term = entry.term
        folded = entry.folded
        category = entry.category
        severity = entry.severity
        scope = entry.scope
        createdAt = entry.createdAt
        updatedAt = entry.updatedAt
    }
}

/// A term found in a draft at submission or in an incoming message, for
/// the moderation report.
final class ModerationHit: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "moderation_hits"

    enum Source: String { case post, message }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "source") var source: String
    @Field(key: "source_id") var sourceID: UUID
    @Field(key: "term") var term: String
    @Field(key: "category") var category: String
    @Field(key: "severity") var severity: String
    @Field(key: "at") var at: Date

    static var workspaceKey: KeyPath<ModerationHit, ParentProperty<ModerationHit, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $source, $sourceID, $term, $category, $severity, $at] }

    init(workspaceID: UUID, source: Source, sourceID: UUID, match: ModerationMatch, at: Date) {
        id = TimeOrderedID.make(at: at)
        $workspace.id = workspaceID
        self.source = source.rawValue
        self.sourceID = sourceID
        term = match.term
        category = match.category
        severity = match.severity.rawValue
        self.at = at
    }
}

/// A reviewer's word that a match was wrong, with the phrase that should
/// be allowed; whoever keeps the lexicon accepts it (adding the phrase to
/// the allow-list) or dismisses it.
final class ModerationFeedback: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "moderation_feedback"

    enum Status: String, CaseIterable { case open, accepted, dismissed }

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "term") var term: String
    @Field(key: "phrase") var phrase: String
    @Field(key: "note") var note: String
    @Field(key: "status") var status: String
    @OptionalField(key: "created_by") var createdBy: UUID?
    @Field(key: "created_at") var createdAt: Date
    @OptionalField(key: "decided_by") var decidedBy: UUID?
    @OptionalField(key: "decided_at") var decidedAt: Date?

    static var workspaceKey: KeyPath<ModerationFeedback, ParentProperty<ModerationFeedback, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand: FluentKit otherwise finds them by reflection for
    /// every row it reads (docs/benchmarks.md); `HandListedFieldsTests`
    /// holds the list to what reflection finds.
    var properties: [any AnyProperty] { [$id, $workspace, $term, $phrase, $note, $status, $createdBy, $createdAt, $decidedBy, $decidedAt] }
}

struct FeedbackDTO: Content {
    var id: UUID
    var term: String
    var phrase: String
    var note: String
    var status: String
    var createdAt: Date
    var decidedAt: Date?

    init(_ feedback: ModerationFeedback) {
        id = feedback.id!
        term = feedback.term
        phrase = feedback.phrase
        note = feedback.note
        status = feedback.status
        createdAt = feedback.createdAt
        decidedAt = feedback.decidedAt
    }
}
