import FanfareCore
import Fluent
import Foundation
import Vapor

/// What `fanfare-bench campaigns --part search` drives: a workspace's
/// knowledge base filled with generated documents through
/// `KnowledgeBase.index` (the path post-mortems and reviews take), then
/// searched as the page and the API search it.
public enum KnowledgeLoad {
    public struct Document: Sendable {
        public var title: String
        public var body: String
        public var tags: [String]
        public var year: Int

        public init(title: String, body: String, tags: [String], year: Int) {
            (self.title, self.body, self.tags, self.year) = (title, body, tags, year)
        }
    }

    public struct Session: Sendable {
        let db: any Database
        let workspaceID: UUID
        public let usesPostgres: Bool

        /// Indexes `documents` in one transaction; their ids in order.
        public func index(_ documents: [Document], now: Date) async throws -> [UUID] {
            let ids = documents.map { _ in UUID() }
            try await db.writeTransaction { tx in
                for (id, document) in zip(ids, documents) {
                    try await KnowledgeBase.index(
                        KnowledgeBase.Entry(
                            kind: .postMortem, sourceID: id, title: document.title, body: document.body, tags: document.tags,
                            platforms: ["weibo"], year: document.year), workspaceID: workspaceID, now: now, on: tx)
                }
            }
            return ids
        }

        /// The ids of the documents found for `text` (as source ids), best first.
        public func search(_ text: String, limit: Int = 20) async throws -> [UUID] {
            try await KnowledgeBase.search(.init(text: text, limit: limit), workspaceID: workspaceID, on: db).hits.map(\.document.sourceID)
        }
    }

    public static func withSession<T>(settings: Settings, _ body: (Session) async throws -> T) async throws -> T {
        try await BenchmarkWorkspace.with(settings: settings, timeZone: "Asia/Shanghai", name: "Knowledge bench") { app, workspace in
            try await body(Session(db: app.db, workspaceID: workspace.id!, usesPostgres: settings.usesPostgres))
        }
    }
}
