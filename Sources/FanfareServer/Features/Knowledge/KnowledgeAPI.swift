import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/knowledge`: post-mortems and incident reviews
/// searched together (docs/knowledge.md). Needs `analytics.view`.
struct KnowledgeAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("knowledge", use: search)
    }

    struct HitDTO: Content {
        var kind: String
        var sourceId: UUID
        var title: String
        var excerpt: String
        var tags: [String]
        var platforms: [String]
        var year: Int
        var updatedAt: Date
    }

    struct ResultDTO: Content {
        var items: [HitDTO]
        /// The terms searched for, as read from `q`.
        var terms: [String]
        /// A lone Chinese character was left out of `q` (too common alone).
        var droppedSingleCharacters: Bool
    }

    /// The query's parameters, each problem named.
    static func query(_ req: Request) throws -> KnowledgeBase.Query {
        var errors = ValidationErrors()
        var query = KnowledgeBase.Query()
        let text = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count > 200 { errors.add("q", .lengthAtMost(max: 200)) }
        query.text = text
        query.tag = (req.query[String.self, at: "tag"]).flatMap { $0.isEmpty ? nil : $0 }
        query.platform = (req.query[String.self, at: "platform"]).flatMap { $0.isEmpty ? nil : $0 }
        if let raw = req.query[String.self, at: "year"], !raw.isEmpty {
            if let year = Int(raw), (2000...2100).contains(year) {
                query.year = year
            } else {
                errors.add("year", .wholeNumberBetween(min: 2000, max: 2100))
            }
        }
        if let raw = req.query[String.self, at: "kind"], !raw.isEmpty {
            if let kind = KnowledgeBase.Kind(rawValue: raw) {
                query.kind = kind
            } else {
                errors.add("kind", .isValueOneOf(value: String(raw.prefix(40)), choices: KnowledgeBase.Kind.allCases.map(\.rawValue)))
            }
        }
        if let raw = req.query[String.self, at: "limit"], !raw.isEmpty {
            if let limit = Int(raw), (1...100).contains(limit) {
                query.limit = limit
            } else {
                errors.add("limit", .wholeNumberBetween(min: 1, max: 100))
            }
        }
        try errors.throwIfAny()
        return query
    }

    @Sendable func search(req: Request) async throws -> ResultDTO {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let found = try await KnowledgeBase.search(try Self.query(req), workspaceID: access.workspaceID, on: req.db)
        return ResultDTO(
            items: found.hits.map {
                HitDTO(
                    kind: $0.document.kind, sourceId: $0.document.sourceID, title: $0.document.title, excerpt: $0.excerpt, tags: $0.document.tagList,
                    platforms: $0.document.platformList, year: $0.document.year, updatedAt: $0.document.updatedAt)
            }, terms: found.terms.map(\.text), droppedSingleCharacters: found.droppedSingleCharacters)
    }
}
