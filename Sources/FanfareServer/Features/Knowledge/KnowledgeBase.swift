import FanfareCore
import Fluent
import SQLKit
import Vapor

/// A document of the knowledge base as stored (docs/knowledge.md).
final class KnowledgeDocument: Model, @unchecked Sendable, WorkspaceOwned {
    static let schema = "knowledge_documents"

    @ID(key: .id) var id: UUID?
    @Parent(key: "workspace_id") var workspace: Workspace
    @Field(key: "kind") var kind: String
    @Field(key: "source_id") var sourceID: UUID
    @Field(key: "title") var title: String
    @Field(key: "body") var body: String
    @Field(key: "tags") var tags: String
    @Field(key: "platforms") var platforms: String
    @Field(key: "year") var year: Int
    @OptionalField(key: "search_rowid") var searchRowID: Int64?
    @Field(key: "updated_at") var updatedAt: Date

    static var workspaceKey: KeyPath<KnowledgeDocument, ParentProperty<KnowledgeDocument, Workspace>> { \.$workspace }

    init() {}

    /// Listed by hand (see `HandListedFieldsTests`).
    var properties: [any AnyProperty] { [$id, $workspace, $kind, $sourceID, $title, $body, $tags, $platforms, $year, $searchRowID, $updatedAt] }

    var tagList: [String] { KnowledgeBase.items(tags) }
    var platformList: [String] { KnowledgeBase.items(platforms) }
}

/// What other features write into the knowledge base and how it is
/// searched. Post-mortems (Campaigns) and incident reviews (Incidents) call
/// `index` inside their own save's transaction and `remove` when their
/// source goes, so the index never disagrees with what was saved.
enum KnowledgeBase {
    enum Kind: String, CaseIterable, Sendable {
        case postMortem = "post_mortem"
        case incidentReview = "incident_review"
    }

    struct Entry: Sendable {
        var kind: Kind
        var sourceID: UUID
        var title: String
        var body: String
        var tags: [String]
        var platforms: [String]
        var year: Int
    }

    /// ",a,b," from a list: trimmed, lower-cased, without commas or repeats.
    static func joined(_ items: [String]) -> String {
        var seen: [String] = []
        for item in items {
            let clean = item.replacingOccurrences(of: ",", with: " ").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if !clean.isEmpty, !seen.contains(clean) { seen.append(String(clean.prefix(40))) }
        }
        return seen.isEmpty ? "" : "," + seen.joined(separator: ",") + ","
    }

    static func items(_ joined: String) -> [String] { joined.split(separator: ",").map(String.init) }

    /// Writes (or rewrites) the document standing for `entry.sourceID` and its tokens.
    static func index(_ entry: Entry, workspaceID: UUID, now: Date, on db: any Database) async throws {
        guard let sql = db as? any SQLDatabase else { return }
        let postgres = sql.dialect.name == "postgresql"
        let document =
            try await KnowledgeDocument.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$kind == entry.kind.rawValue)
            .filter(\.$sourceID == entry.sourceID).first() ?? KnowledgeDocument()
        if document.id == nil {
            document.id = TimeOrderedID.make(at: now)
            document.$workspace.id = workspaceID
            document.kind = entry.kind.rawValue
            document.sourceID = entry.sourceID
        }
        document.title = entry.title
        document.body = entry.body
        document.tags = joined(entry.tags)
        document.platforms = joined(entry.platforms)
        document.year = entry.year
        document.updatedAt = now
        let titleTerms = SearchTerms.indexText(entry.title)
        let bodyTerms = SearchTerms.indexText(entry.body)
        if postgres {
            try await document.save(on: db)
            let terms = Array(Set(SearchTerms.tokens(entry.title) + SearchTerms.tokens(entry.body)))
            try await sql.raw("UPDATE knowledge_documents SET terms = \(bind: terms) WHERE id = \(bind: document.id!)").run()
        } else {
            if let rowid = document.searchRowID {
                try await sql.raw("DELETE FROM knowledge_terms WHERE rowid = \(bind: rowid)").run()
                try await sql.raw(
                    "INSERT INTO knowledge_terms (rowid, title_terms, body_terms) VALUES (\(bind: rowid), \(bind: titleTerms), \(bind: bodyTerms))"
                ).run()
            } else {
                // SQLite has one writer: the next number is this writer's.
                // Read from the documents' own index (MAX over an FTS5
                // table would read all of it on every insert).
                struct Next: Decodable { var next: Int64 }
                let next =
                    try await sql.raw("SELECT COALESCE(MAX(search_rowid), 0) + 1 AS next FROM knowledge_documents").first(decoding: Next.self)?.next
                    ?? 1
                try await sql.raw(
                    "INSERT INTO knowledge_terms (rowid, title_terms, body_terms) VALUES (\(bind: next), \(bind: titleTerms), \(bind: bodyTerms))"
                ).run()
                document.searchRowID = next
            }
            try await document.save(on: db)
        }
    }

    /// Takes the document standing for `sourceID` out of the knowledge base.
    static func remove(_ kind: Kind, sourceID: UUID, workspaceID: UUID, on db: any Database) async throws {
        guard
            let document = try await KnowledgeDocument.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$kind == kind.rawValue)
                .filter(\.$sourceID == sourceID).first()
        else { return }
        if let rowid = document.searchRowID, let sql = db as? any SQLDatabase {
            try await sql.raw("DELETE FROM knowledge_terms WHERE rowid = \(bind: rowid)").run()
        }
        try await document.delete(on: db)
    }

    struct Query: Sendable, Equatable {
        var text = ""
        var tag: String?
        var platform: String?
        var year: Int?
        var kind: Kind?
        var limit = 20
    }

    struct Hit: Sendable {
        var document: KnowledgeDocument
        /// Where the first term stands in the text, as a short excerpt.
        var excerpt: String
    }

    struct Found: Sendable {
        var hits: [Hit]
        var terms: [SearchTerms.Term]
        /// A lone Chinese character was left out of the query.
        var droppedSingleCharacters: Bool
    }

    /// The workspace's documents matching every term of `query.text`
    /// (best first), or its newest ones when there is no term; narrowed by
    /// tag, platform, year and kind.
    static func search(_ query: Query, workspaceID: UUID, on db: any Database) async throws -> Found {
        guard let sql = db as? any SQLDatabase else { return Found(hits: [], terms: [], droppedSingleCharacters: false) }
        let (terms, dropped) = SearchTerms.query(query.text)
        var filters: [SQLQueryString] = ["d.workspace_id = \(bind: workspaceID)"]
        if let tag = query.tag.map({ joined([$0]) }), !tag.isEmpty {
            filters.append("d.tags LIKE \(bind: "%" + Self.escapedLike(tag) + "%") ESCAPE '\\'")
        }
        if let platform = query.platform.map({ joined([$0]) }), !platform.isEmpty {
            filters.append("d.platforms LIKE \(bind: "%" + Self.escapedLike(platform) + "%") ESCAPE '\\'")
        }
        if let year = query.year { filters.append("d.year = \(bind: year)") }
        if let kind = query.kind { filters.append("d.kind = \(bind: kind.rawValue)") }
        let limit = max(1, min(query.limit, 100))
        var ids: [UUID] = []
        struct Row: Decodable { var id: UUID }
        if terms.isEmpty {
            if !query.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                // Only lone characters were typed: nothing to look for.
                return Found(hits: [], terms: [], droppedSingleCharacters: dropped)
            }
            let rows = try await sql.raw(
                "SELECT d.id FROM knowledge_documents d WHERE \(SQLList(filters, separator: SQLRaw(" AND "))) ORDER BY d.updated_at DESC LIMIT \(unsafeRaw: String(limit))"
            ).all(decoding: Row.self)
            ids = rows.map(\.id)
        } else if sql.dialect.name == "postgresql" {
            // The tokens narrow through the GIN index; the text check keeps
            // each term's characters together, as the phrase does on SQLite.
            filters.append("d.terms @> \(bind: Array(Set(terms.flatMap(\.tokens))))::text[]")
            for term in terms {
                let like = "%" + Self.escapedLike(term.text) + "%"
                filters.append("(d.title ILIKE \(bind: like) ESCAPE '\\' OR d.body ILIKE \(bind: like) ESCAPE '\\')")
            }
            let first = "%" + Self.escapedLike(terms[0].text) + "%"
            let rows = try await sql.raw(
                """
                SELECT d.id FROM knowledge_documents d WHERE \(SQLList(filters, separator: SQLRaw(" AND "))) \
                ORDER BY (d.title ILIKE \(bind: first) ESCAPE '\\') DESC, d.updated_at DESC LIMIT \(unsafeRaw: String(limit))
                """
            ).all(decoding: Row.self)
            ids = rows.map(\.id)
        } else {
            let rows = try await sql.raw(
                """
                SELECT d.id FROM knowledge_terms s JOIN knowledge_documents d ON d.search_rowid = s.rowid \
                WHERE knowledge_terms MATCH \(bind: SearchTerms.ftsMatch(terms)) AND \(SQLList(filters, separator: SQLRaw(" AND "))) \
                ORDER BY bm25(knowledge_terms, 10.0, 1.0), d.updated_at DESC LIMIT \(unsafeRaw: String(limit))
                """
            ).all(decoding: Row.self)
            ids = rows.map(\.id)
        }
        guard !ids.isEmpty else { return Found(hits: [], terms: terms, droppedSingleCharacters: dropped) }
        let documents = Dictionary(
            try await KnowledgeDocument.query(on: db).filter(\.$workspace.$id == workspaceID).filter(\.$id ~~ ids).all().map { ($0.id!, $0) },
            uniquingKeysWith: { first, _ in first })
        let hits = ids.compactMap { id in documents[id].map { Hit(document: $0, excerpt: excerpt($0.body, terms: terms)) } }
        return Found(hits: hits, terms: terms, droppedSingleCharacters: dropped)
    }

    static func escapedLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
    }

    /// About 120 characters of `body` around the first term found in it
    /// (its opening when none is), on one line.
    static func excerpt(_ body: String, terms: [SearchTerms.Term], length: Int = 120) -> String {
        let flat = body.replacingOccurrences(of: "\n", with: " ")
        var start = flat.startIndex
        for term in terms {
            if let range = flat.range(of: term.text, options: [.caseInsensitive]) {
                start = flat.index(range.lowerBound, offsetBy: -30, limitedBy: flat.startIndex) ?? flat.startIndex
                break
            }
        }
        let end = flat.index(start, offsetBy: length, limitedBy: flat.endIndex) ?? flat.endIndex
        return (start > flat.startIndex ? "…" : "") + flat[start..<end] + (end < flat.endIndex ? "…" : "")
    }
}
