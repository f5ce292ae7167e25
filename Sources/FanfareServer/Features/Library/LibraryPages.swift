import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/library`: cadence warnings, the topic library with its hot
/// fast track, and the asset register.
struct LibraryPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("library", use: show)
        scoped.post("library", "topics", use: addTopic)
        scoped.post("library", "topics", ":topic", "status", use: setTopicStatus)
        scoped.post("library", "assets", use: addAsset)
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await render(req, values: [:], errors: FormErrors())
    }

    private func render(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/library"
        let now = Date()
        let topics = try await access.query(Topic.self, on: req.db).sort(\.$id, .descending).limit(200).all()
        let assets = try await access.query(Asset.self, on: req.db).sort(\.$id, .descending).limit(200).all()
        let posts = try await access.query(Post.self, on: req.db).filter(\.$createdAt >= now.addingTimeInterval(-120 * 86_400)).all()
        let published = try await access.query(PostVariant.self, on: req.db).filter(\.$state == PostVariant.State.published.rawValue).all()
        let publishedAt = Dictionary(published.compactMap { v in v.publishedAt.map { (v.$post.id, $0) } }, uniquingKeysWith: min)
        let items = posts.map {
            CadenceItem(
                pillar: Pillar(rawValue: $0.pillar), format: ContentFormat(rawValue: $0.format), pool: ContentPool(rawValue: $0.pool) ?? .regular,
                scheduledAt: $0.scheduledAt, publishedAt: publishedAt[$0.id!])
        }
        let cadence = CadenceCheck.warnings(items: items, weekOf: now, timeZone: access.workspace.zone)
        let cadenceList: HTML =
            cadence.isEmpty
            ? "<p class=\"ok\">\(ctx.t("library.cadence_ok"))</p>"
            : "<ul id=\"cadence-warnings\">\(cadence.map { w -> HTML in "<li data-code=\"\(w.code)\">\(w.text(ctx.locale))</li>" })</ul>"
        let canEdit = access.can(.contentEdit)
        let topicRows = topics.map { topic -> HTML in
            let due: HTML =
                topic.hot
                ? "<span class=\"badge hot\">🔥 \(ctx.t("library.publish_by")) \(Layout.time(HotTopic.deadline(raisedAt: topic.raisedAt), ctx))</span>"
                : .empty
            let actions: HTML =
                canEdit && topic.status == Topic.Status.open.rawValue
                ? """
                <form method="post" action="\(base)/topics/\(topic.id!.uuidString)/status" class="inline">\(ctx.csrfField)<input type="hidden" name="status" value="used"><button type="submit" class="link">\(ctx.t("library.mark_used"))</button></form>
                <form method="post" action="\(base)/topics/\(topic.id!.uuidString)/status" class="inline">\(ctx.csrfField)<input type="hidden" name="status" value="dropped"><button type="submit" class="link">\(ctx.t("library.drop"))</button></form>
                """
                : .empty
            return
                "<tr><td>\(topic.title) \(due)</td><td>\(topic.notes)</td><td>\(ctx.t("topic.status." + topic.status))</td><td>\(actions)</td></tr>"
        }
        let assetRows = assets.map { asset -> HTML in
            let problem = AssetRights.problem(for: asset.licenceEntry, at: now)
            let state: HTML =
                problem.map { "<span class=\"error\">\($0.text(ctx.locale))</span>" }
                ?? "<span class=\"ok\">\(ctx.t("library.usable"))</span>"
            return """
                <tr><td>\(asset.name)</td><td>\(asset.kind)</td><td>\(asset.source)</td><td>\(ctx.t("licence." + asset.licence))</td><td>\(Layout.time(asset.licenceExpiresAt, ctx))</td><td>\(asset.proof ?? "—")</td><td>\(state)</td></tr>
                """
        }
        let topicForm: HTML =
            canEdit
            ? """
            <form method="post" action="\(base)/topics" id="topic-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "title", label: ctx.t("library.topic_title"), value: values["title"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "notes", label: ctx.t("library.notes"), value: values["notes"] ?? "", errors: errors, required: false))
            <label class="check"><input type="checkbox" name="hot" value="1"> \(ctx.t("library.hot"))</label>
            <button type="submit">\(ctx.t("library.add_topic"))</button></form>
            """
            : .empty
        let assetForm: HTML =
            canEdit
            ? """
            <form method="post" action="\(base)/assets" id="asset-form" class="grid-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "name", label: ctx.t("field.name"), value: values["name"] ?? "", errors: errors))
            \(Layout.select(ctx, name: "kind", label: ctx.t("library.kind"), options: MediaKind.allCases.map { ($0.rawValue, $0.rawValue) }, selected: values["kind"] ?? "image", errors: errors))
            \(Layout.field(ctx, name: "bytes", label: ctx.t("library.bytes"), type: "number", value: values["bytes"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "location", label: ctx.t("library.location"), value: values["location"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "source", label: ctx.t("library.source"), value: values["source"] ?? "", errors: errors, required: false))
            \(Layout.select(ctx, name: "licence", label: ctx.t("library.licence"), options: LicenceKind.allCases.map { ($0.rawValue, ctx.t("licence." + $0.rawValue)) }, selected: values["licence"] ?? "unknown", errors: errors))
            \(Layout.field(ctx, name: "licence_expires_at", label: ctx.t("library.expires"), type: "date", value: values["licence_expires_at"] ?? "", errors: errors, required: false))
            \(Layout.field(ctx, name: "proof", label: ctx.t("library.proof"), value: values["proof"] ?? "", errors: errors, required: false))
            <button type="submit">\(ctx.t("library.add_asset"))</button></form>
            """
            : .empty
        return Layout.page(
            ctx, title: ctx.t("library.title"), status: status,
            """
            <h1>\(ctx.t("library.title"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <section class="card" id="cadence"><h2>\(ctx.t("library.cadence"))</h2>\(cadenceList)</section>
            <section class="card" id="topics"><h2>\(ctx.t("library.topics"))</h2>
            <table><thead><tr><th>\(ctx.t("library.topic_title"))</th><th>\(ctx.t("library.notes"))</th><th>\(ctx.t("post.status"))</th><th></th></tr></thead><tbody>\(topicRows)</tbody></table>
            \(topicForm)</section>
            <section class="card" id="assets"><h2>\(ctx.t("library.assets"))</h2>
            <table id="asset-register"><thead><tr><th>\(ctx.t("field.name"))</th><th>\(ctx.t("library.kind"))</th><th>\(ctx.t("library.source"))</th><th>\(ctx.t("library.licence"))</th><th>\(ctx.t("library.expires"))</th><th>\(ctx.t("library.proof"))</th><th></th></tr></thead><tbody>\(assetRows)</tbody></table>
            \(assetForm)</section>
            """)
    }

    @Sendable func addTopic(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = ["title": req.formValue("title"), "notes": req.formValue("notes")]
        do {
            _ = try await LibraryService(db: req.db).addTopic(
                .init(title: values["title"]!, notes: values["notes"], hot: req.formValue("hot") == "1"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("library.topic_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/library#topics")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func setTopicStatus(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        _ = try await LibraryService(db: req.db).setTopicStatus(
            req.parameters.get("topic"), status: req.formValue("status"), in: access, actor: req.actor)
        return req.redirect(to: "/w/\(access.workspace.slug)/library#topics")
    }

    @Sendable func addAsset(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        var values: [String: String] = [:]
        for key in ["name", "kind", "bytes", "location", "source", "licence", "licence_expires_at", "proof"] { values[key] = req.formValue(key) }
        do {
            var errors = ValidationErrors()
            let bytes = values["bytes"]!.isEmpty ? 0 : Int64(values["bytes"]!)
            if bytes == nil { errors.add("bytes", .wholeBytes) }
            try errors.throwIfAny()
            _ = try await LibraryService(db: req.db).addAsset(
                .init(
                    name: values["name"]!, kind: values["kind"]!, bytes: bytes, location: values["location"]!, source: values["source"]!,
                    licence: values["licence"]!, licenceExpiresAt: values["licence_expires_at"], proof: values["proof"]), in: access, actor: req.actor
            )
            Flash.add(.notice, I18n.text("library.asset_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/library#assets")
        } catch let errors as ValidationErrors {
            return try await render(req, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }
}
