import FanfareCore
import Fluent
import SQLKit
import Vapor

/// `/w/{ws}/knowledge`: the search page. A refused filter (a year that is
/// not one) is shown next to its field; the newest documents are listed
/// when nothing is asked.
struct KnowledgePages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("knowledge", use: page)
    }

    @Sendable func page(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.analyticsView)
        let base = "/w/\(access.workspace.slug)"
        var values: [String: String] = [:]
        for name in ["q", "kind", "tag", "platform", "year"] { values[name] = req.query[String.self, at: name] }
        let asked = values.values.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        var model = KnowledgePage.Model(base: base, values: values, searched: asked)
        model.total = try await access.query(KnowledgeDocument.self, on: req.db).count()
        if model.total > 0 {
            let facets = try await KnowledgePages.facets(access.workspaceID, on: req.db)
            (model.tags, model.platforms, model.years) = (facets.tags, facets.platforms, facets.years)
            do {
                let found = try await KnowledgeBase.search(try KnowledgeAPI.query(req), workspaceID: access.workspaceID, on: req.db)
                model.droppedSingleCharacters = found.droppedSingleCharacters
                model.terms = found.terms.map(\.text)
                model.items = found.hits.map {
                    KnowledgePage.Item(
                        kind: $0.document.kind, title: $0.document.title,
                        href: KnowledgePage.href(kind: $0.document.kind, sourceID: $0.document.sourceID, base: base), excerpt: $0.excerpt,
                        tags: $0.document.tagList, platforms: $0.document.platformList, year: $0.document.year, updatedAt: $0.document.updatedAt)
                }
            } catch let errors as ValidationErrors {
                model.errors = FormErrors(errors)
            }
        }
        let ctx = try await PageContext.make(req)
        return Layout.page(ctx, title: ctx.t("knowledge.title"), KnowledgePage.view(model, ctx))
    }

    /// The tags, platforms and years the workspace's documents carry (distinct
    /// values read by the database, so a large base stays quick).
    static func facets(_ workspaceID: UUID, on db: any Database) async throws -> (tags: [String], platforms: [String], years: [Int]) {
        guard let sql = db as? any SQLDatabase else { return ([], [], []) }
        struct Text: Decodable { var value: String }
        struct Year: Decodable { var year: Int }
        var lists: [[String]] = []
        for column in ["tags", "platforms"] {
            let rows = try await sql.raw(
                "SELECT DISTINCT \(ident: column) AS value FROM knowledge_documents WHERE workspace_id = \(bind: workspaceID) LIMIT 1000"
            ).all(decoding: Text.self)
            lists.append(Set(rows.flatMap { KnowledgeBase.items($0.value) }).sorted())
        }
        let years = try await sql.raw(
            "SELECT DISTINCT year FROM knowledge_documents WHERE workspace_id = \(bind: workspaceID) ORDER BY year DESC LIMIT 50"
        ).all(decoding: Year.self).map(\.year)
        return (lists[0], lists[1], years)
    }
}
