import FanfareCore
import Fluent
import Foundation
import SQLKit

/// The knowledge base (issue 22 scope 2): one row per post-mortem or
/// incident review, and its search index — on SQLite an FTS5 table of the
/// documents' tokens (`SearchTerms`), keyed by the row's own
/// `search_rowid`; on PostgreSQL a GIN-indexed array of the same tokens.
/// The incident reviews written so far are indexed here.
struct CreateKnowledge: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("knowledge_documents")
            .id()
            .field("workspace_id", .uuid, .required, .references("workspaces", "id", onDelete: .cascade))
            // post_mortem | incident_review
            .field("kind", .string, .required)
            // The campaign (post-mortem) or the incident (review) it stands for.
            .field("source_id", .uuid, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            // ",tag,tag," and ",weibo,douyin,": one LIKE finds a whole item.
            .field("tags", .string, .required)
            .field("platforms", .string, .required)
            .field("year", .int, .required)
            // SQLite: the FTS5 row holding this document's tokens.
            .field("search_rowid", .int64)
            .field("updated_at", .datetime, .required)
            .unique(on: "workspace_id", "kind", "source_id")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "knowledge_documents_recent_idx").on("knowledge_documents").column("workspace_id").column("updated_at").run()
        if sql.dialect.name == "postgresql" {
            try await sql.raw("ALTER TABLE knowledge_documents ADD COLUMN terms text[] NOT NULL DEFAULT '{}'").run()
            try await sql.raw("CREATE INDEX knowledge_documents_terms_idx ON knowledge_documents USING GIN (terms)").run()
        } else {
            // Title and text apart, so a match in the title ranks higher (bm25 weights).
            try await sql.create(index: "knowledge_documents_search_idx").on("knowledge_documents").column("search_rowid").run()
            try await sql.raw(
                "CREATE VIRTUAL TABLE knowledge_terms USING fts5(title_terms, body_terms, tokenize = 'unicode61 remove_diacritics 2')"
            ).run()
        }
        struct Review: Decodable {
            var workspaceID: UUID
            var incidentID: UUID
            var title: String
            var body: String
            var openedAt: Date
            var updatedAt: Date

            enum CodingKeys: String, CodingKey {
                case workspaceID = "workspace_id", incidentID = "incident_id", title, body, openedAt = "opened_at", updatedAt = "updated_at"
            }
        }
        let reviews = try await sql.raw(
            """
            SELECT r.workspace_id, r.incident_id, r.title, r.body, i.opened_at, r.updated_at \
            FROM incident_reviews r JOIN incidents i ON i.id = r.incident_id
            """
        ).all(decoding: Review.self)
        for review in reviews {
            try await KnowledgeBase.index(
                KnowledgeBase.Entry(
                    kind: .incidentReview, sourceID: review.incidentID, title: review.title, body: review.body, tags: [],
                    platforms: [], year: Calendar(identifier: .gregorian).component(.year, from: review.openedAt)),
                workspaceID: review.workspaceID, now: review.updatedAt, on: database)
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name != "postgresql" { try await sql.raw("DROP TABLE IF EXISTS knowledge_terms").run() }
        try await database.schema("knowledge_documents").delete()
    }
}
