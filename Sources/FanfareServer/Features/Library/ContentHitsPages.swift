import FanfareCore
import Fluent
import Vapor

/// The library's hits (爆款): `/api/v1/workspaces/{ws}/hits` and the
/// library's 爆款 tab, `/w/{ws}/library/hits`. Reading needs
/// `content.view`; removing one `content.edit`.
struct ContentHitsService {
    let db: any Database

    /// A hit as the API and the page show it: the post's title and text,
    /// and what the experiment found.
    struct HitDTO: Content, Equatable {
        var id: UUID
        var postId: UUID
        var postTitle: String?
        var postText: String
        var experimentId: UUID
        var experimentName: String
        var armName: String
        var uplift: Double?
        var chanceToWin: Double?
        var quasiExperiment: Bool
        var markedAt: Date
    }

    func list(in access: WorkspaceAccess) async throws -> [HitDTO] {
        try access.require(.contentView)
        let hits = try await access.query(ContentHit.self, on: db).sort(\.$markedAt, .descending).limit(200).all()
        let posts = try await PostService.labels(Array(Set(hits.map(\.postID))), in: access, on: db)
        return hits.map { hit in
            HitDTO(
                id: hit.id!, postId: hit.postID, postTitle: posts[hit.postID]?.title, postText: posts[hit.postID]?.body ?? "",
                experimentId: hit.experimentID, experimentName: hit.experimentName, armName: hit.armName, uplift: hit.uplift,
                chanceToWin: hit.chanceToWin, quasiExperiment: hit.quasiExperiment, markedAt: hit.markedAt)
        }
    }

    /// The user takes a post off the hits; audited. The experiment keeps its decision.
    func remove(_ rawID: String?, in access: WorkspaceAccess, actor: Actor, now: Date = Date()) async throws {
        try access.require(.contentEdit)
        let hit = try await access.find(ContentHit.self, rawID, on: db, what: "Hit")
        try await db.writeTransaction { tx in
            try await hit.delete(on: tx)
            try await AuditLog.record(
                on: tx, actor: actor, workspaceID: access.workspaceID, action: "library.hit_removed", targetType: "content_hit", targetID: hit.id,
                before: ["post": hit.postID.uuidString.lowercased(), "experiment": hit.experimentName], now: now)
        }
    }
}

struct ContentHitsAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("hits", use: list)
        ws.delete("hits", ":hit_id", use: remove)
    }

    @Sendable func list(req: Request) async throws -> Page<ContentHitsService.HitDTO> {
        Page(items: try await ContentHitsService(db: req.db).list(in: try req.workspaceAccess), nextCursor: nil)
    }

    @Sendable func remove(req: Request) async throws -> HTTPStatus {
        try await ContentHitsService(db: req.db).remove(req.parameters.get("hit_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }
}

struct ContentHitsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("library", "hits", use: show)
        scoped.post("library", "hits", ":hit_id", "remove", use: remove)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let hits = try await ContentHitsService(db: req.db).list(in: access)
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t("library.hits"),
            ContentHitsPage.view(.init(base: "/w/\(access.workspace.slug)", hits: hits, canEdit: access.can(.contentEdit)), ctx))
    }

    @Sendable func remove(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await ContentHitsService(db: req.db).remove(req.parameters.get("hit_id"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("library.hit_removed", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/library/hits")
    }
}

/// The 爆款 tab as a pure view of plain values.
enum ContentHitsPage {
    struct Model: Sendable {
        var base: String
        var hits: [ContentHitsService.HitDTO]
        var canEdit: Bool
    }

    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "—" }
        return DecimalText.fixed(value * 100, digits: 1) + "%"
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.hits.map { hit -> HTML in
            let id = hit.id.uuidString.lowercased()
            let experiment = "\(model.base)/experiments/\(hit.experimentId.uuidString.lowercased())"
            let remove: HTML =
                model.canEdit
                ? """
                <form method="post" action="\(model.base)/library/hits/\(id)/remove" class="inline">\(ctx.csrfField)
                <button type="submit" class="danger" id="remove-hit-\(id)">\(ctx.t("library.hit_remove"))</button></form>
                """ : .empty
            return """
                <tr data-hit="\(id)"><td><strong translate="no">\(hit.postTitle ?? "")</strong><p class="post-text" translate="no">\(String(hit.postText.prefix(200)))</p></td>
                <td><a href="\(experiment)" translate="no">\(hit.experimentName)</a><br><small translate="no">\(hit.armName)</small>
                \(hit.quasiExperiment ? HTML("<br><small class=\"quasi-note\">\(ctx.t("library.hit_quasi"))</small>") : .empty)</td>
                <td class="num uplift">\(percent(hit.uplift))</td><td class="num chance">\(percent(hit.chanceToWin))</td>
                <td>\(Layout.time(hit.markedAt, ctx))</td><td>\(remove)</td></tr>
                """
        }
        let empty: HTML = "<tr><td colspan=\"6\" class=\"empty\">\(ctx.t("library.hits_empty"))</td></tr>"
        return """
            <p><a href="\(model.base)/library">\(ctx.t("library.back"))</a></p>
            <h1>\(ctx.t("library.hits"))</h1>
            <p class="hint">\(ctx.t("library.hits_intro"))</p>
            <section class="card"><div class="table-scroll"><table id="hits"><thead><tr><th>\(ctx.t("library.hit_post"))</th>
            <th>\(ctx.t("library.hit_experiment"))</th><th>\(ctx.t("library.hit_uplift"))</th><th>\(ctx.t("library.hit_chance"))</th>
            <th>\(ctx.t("library.hit_marked"))</th><th></th></tr></thead>
            <tbody>\(rows.isEmpty ? empty : HTML.join(rows))</tbody></table></div></section>
            """
    }
}
