import FanfareConnectors
import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/posts`: the list, the compose page with live counters, and a
/// post's own page (variants, review, schedule, publishing, metrics).
struct PostPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("posts", use: list)
        scoped.get("posts", "new", use: new)
        scoped.get("posts", "import", use: importForm)
        scoped.post("posts", "import", use: importCSV)
        scoped.post("posts", use: create)
        scoped.post("posts", "preview", use: preview)
        scoped.get("posts", ":post", use: PostDetailPage().show)
        scoped.get("posts", ":post", "edit", use: edit)
        scoped.post("posts", ":post", use: update)
        scoped.post("posts", ":post", "variants", ":variant", use: updateVariant)
        scoped.post("posts", ":post", "submit", use: submit)
        scoped.post("posts", ":post", "review", use: review)
        scoped.post("posts", ":post", "schedule", use: schedule)
        scoped.post("posts", ":post", "unschedule", use: unschedule)
        scoped.post("posts", ":post", "publish-now", use: publishNow)
        scoped.post("posts", ":post", "delete", use: delete)
        scoped.post("posts", ":post", "metrics", use: refreshMetrics)
        scoped.post("posts", ":post", "variants", ":variant", "published", use: recordPublished)
    }

    // MARK: List

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)"
        let status = req.query[String.self, at: "status"].flatMap { Post.Status(rawValue: $0) }
        let query = access.query(Post.self, on: req.db)
        if let status { query.filter(\.$status == status.rawValue) }
        let posts = try await query.sort(\.$id, .descending).limit(200).all()
        let choices: [(String, String)] = [("", ctx.t("posts.all"))] + Post.Status.allCases.map { ($0.rawValue, ctx.t("post.status." + $0.rawValue)) }
        let filters = HTML.join(
            choices.map { value, label -> HTML in
                let current = (status?.rawValue ?? "") == value ? HTML(raw: " aria-current=\"page\"") : .empty
                return "<a href=\"\(base)/posts\(value.isEmpty ? "" : "?status=" + value)\"\(current)>\(label)</a>"
            }, separator: " · ")
        let rows = posts.map { post -> HTML in
            """
            <tr data-status="\(post.status)"><td><a href="\(base)/posts/\(post.id!.uuidString)">\(PostService.label(post))</a></td>
            <td><span class="badge status-\(post.status)">\(ctx.t("post.status." + post.status))</span></td>
            <td>\(ctx.t("pillar." + post.pillar))</td><td>\(Layout.time(post.scheduledAt, ctx))</td><td>\(Layout.time(post.updatedAt, ctx))</td></tr>
            """
        }
        let table: HTML =
            posts.isEmpty
            ? "<p class=\"empty\">\(ctx.t("posts.none"))</p>"
            : "<table id=\"post-list\"><thead><tr><th>\(ctx.t("post.title"))</th><th>\(ctx.t("post.status"))</th><th>\(ctx.t("post.pillar"))</th><th>\(ctx.t("post.scheduled_at"))</th><th>\(ctx.t("post.updated_at"))</th></tr></thead><tbody>\(rows)</tbody></table>"
        let newButton: HTML =
            access.can(.contentEdit) ? "<a class=\"button primary\" id=\"new-post\" href=\"\(base)/posts/new\">\(ctx.t("posts.new"))</a>" : .empty
        return Layout.page(
            ctx, title: ctx.t("posts.title"),
            """
            <div class="heading"><h1>\(ctx.t("posts.title"))</h1>\(newButton)</div>
            <p class="filters">\(filters)</p>
            \(table)
            """)
    }

    // MARK: Compose

    @Sendable func new(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        return try await composeForm(req, post: nil, values: FormValues(), errors: FormErrors())
    }

    @Sendable func edit(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let post = try await access.find(Post.self, req.parameters.get("post"), on: req.db, what: "Post")
        let variants = try await PostVariant.query(on: req.db).filter(\.$post.$id == post.id!).all()
        let assets = try await PostAsset.query(on: req.db).filter(\.$post.$id == post.id!).sort(\.$position).all()
        var values = FormValues()
        values.fields = [
            "title": post.title ?? "", "body": post.body, "pillar": post.pillar, "format": post.format, "pool": post.pool,
            "topic_id": post.topicID?.uuidString ?? "", "campaign": post.campaign ?? "", "tags": post.tags.joined(separator: " "),
        ]
        values.accounts = Set(variants.map { $0.$account.id.uuidString })
        values.assets = Set(assets.map { $0.$asset.id.uuidString })
        return try await composeForm(req, post: post, values: values, errors: FormErrors())
    }

    struct FormValues {
        var fields: [String: String] = [:]
        var accounts: Set<String> = []
        var assets: Set<String> = []

        init() {}

        init(_ req: Request) {
            for key in ["title", "body", "pillar", "format", "pool", "topic_id", "campaign", "tags"] { fields[key] = req.formValue(key) }
            accounts = Set((try? req.content.get([String].self, at: "account_ids")) ?? [])
            assets = Set((try? req.content.get([String].self, at: "asset_ids")) ?? [])
        }

        var draft: PostService.Draft {
            PostService.Draft(
                title: fields["title"], body: fields["body"] ?? "", pillar: fields["pillar"], format: fields["format"], pool: fields["pool"],
                topicID: fields["topic_id"], campaign: fields["campaign"], tags: Self.words(fields["tags"] ?? ""), accountIDs: accounts.sorted(),
                assetIDs: assets.sorted(), variants: [:])
        }

        /// Tags never hold a space, so spaces separate them too (`ListText`).
        static func words(_ text: String) -> [String] {
            ListText.items(text, separatedBy: .punctuationAndSpaces)
        }
    }

    private func composeForm(
        _ req: Request, post: Post?, values: FormValues, errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)"
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$id).all()
        let topics = try await access.query(Topic.self, on: req.db).filter(\.$status == Topic.Status.open.rawValue).sort(\.$id, .descending).all()
        let assets = try await access.query(Asset.self, on: req.db).sort(\.$id, .descending).limit(100).all()
        let accountBoxes = accounts.map { account -> HTML in
            let checked = values.accounts.contains(account.id!.uuidString) ? HTML(raw: " checked") : .empty
            return """
                <label class="check"><input type="checkbox" name="account_ids[]" value="\(account.id!.uuidString)" data-platform="\(account.rulesPlatform)" data-handle="\(account.handle)"\(checked)> \(account.displayName) <span class="muted">\(ctx.t("platform." + account.rulesPlatform)) @\(account.handle)</span></label>
                """
        }
        let assetBoxes = assets.map { asset -> HTML in
            let checked = values.assets.contains(asset.id!.uuidString) ? HTML(raw: " checked") : .empty
            let problem = AssetRights.problem(for: asset.licenceEntry, at: Date())
            return """
                <label class="check"><input type="checkbox" name="asset_ids[]" value="\(asset.id!.uuidString)"\(checked)> \(asset.name) <span class="muted">\(asset.kind)</span>\(problem.map { p -> HTML in " <small class=\"error\">\(p.text(ctx.locale))</small>" })</label>
                """
        }
        let v = values.fields
        let action = post.map { "\(base)/posts/\($0.id!.uuidString)" } ?? "\(base)/posts"
        let noAccounts: HTML =
            accounts.isEmpty
            ? "<p class=\"empty\">\(ctx.t("posts.no_accounts")) <a href=\"\(base)/accounts\">\(ctx.t("nav.accounts"))</a></p>" : .empty
        return Layout.page(
            ctx, title: post == nil ? ctx.t("posts.new") : ctx.t("posts.edit"), status: status,
            """
            <h1>\(post == nil ? ctx.t("posts.new") : ctx.t("posts.edit"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(action)" id="compose-form" class="compose" data-preview="\(base)/posts/preview">\(ctx.csrfField)
            <div class="compose-main">
            \(Layout.field(ctx, name: "title", label: ctx.t("post.title"), value: v["title"] ?? "", errors: errors, required: false, hint: ctx.t("post.title_hint")))
            <div class="field\(errors["body"] != nil ? " has-error" : "")"><label for="body">\(ctx.t("post.body"))</label>
            <textarea id="body" name="body" rows="8" required>\(v["body"] ?? "")</textarea>
            \(errors["body"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            \(Layout.field(ctx, name: "tags", label: ctx.t("post.tags"), value: v["tags"] ?? "", errors: errors, required: false, hint: ctx.t("post.tags_hint")))
            <fieldset class="field\(errors["account_ids"] != nil ? " has-error" : "")"><legend>\(ctx.t("post.accounts"))</legend>\(accountBoxes)\(noAccounts)
            \(errors["account_ids"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</fieldset>
            <section id="sensitive" aria-live="polite" class="sensitive" data-check="\(base)/moderation/check" data-none="\(ctx.t("compose.sensitive_none"))" data-blocked="\(ctx.t("compose.sensitive_blocked"))"><h2>\(ctx.t("compose.sensitive_title"))</h2><div class="found"></div></section>
            <section id="counters" aria-live="polite" class="counters"></section>
            </div>
            <div class="compose-side">
            \(Layout.select(ctx, name: "pillar", label: ctx.t("post.pillar"), options: Pillar.allCases.map { ($0.rawValue, ctx.t("pillar." + $0.rawValue)) }, selected: v["pillar"] ?? "basic", errors: errors))
            \(Layout.select(ctx, name: "format", label: ctx.t("post.format"), options: ContentFormat.allCases.map { ($0.rawValue, ctx.t("format." + $0.rawValue)) }, selected: v["format"] ?? "image_text", errors: errors))
            \(Layout.select(ctx, name: "pool", label: ctx.t("post.pool"), options: ContentPool.allCases.map { ($0.rawValue, ctx.t("pool." + $0.rawValue)) }, selected: v["pool"] ?? "regular", errors: errors))
            \(Layout.select(ctx, name: "topic_id", label: ctx.t("post.topic"), options: [("", "—")] + topics.map { ($0.id!.uuidString, ($0.hot ? "🔥 " : "") + $0.title) }, selected: v["topic_id"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "campaign", label: ctx.t("post.campaign"), value: v["campaign"] ?? "", errors: errors, required: false))
            <fieldset class="field\(errors["asset_ids"] != nil ? " has-error" : "")"><legend>\(ctx.t("post.assets"))</legend>\(assetBoxes)
            \(errors["asset_ids"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</fieldset>
            </div>
            <div class="actions"><button type="submit" class="primary" id="save-post">\(ctx.t("posts.save_draft"))</button></div>
            </form>
            <script src="/static/compose.js" defer></script>
            """)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = FormValues(req)
        do {
            let post = try await PostService(db: req.db, app: req.application).create(values.draft, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("posts.saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/posts/\(post.id!.uuidString)")
        } catch let errors as ValidationErrors {
            return try await composeForm(req, post: nil, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    @Sendable func update(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let values = FormValues(req)
        let post = try await access.find(Post.self, req.parameters.get("post"), on: req.db, what: "Post")
        do {
            _ = try await PostService(db: req.db, app: req.application).update(post.id!.uuidString, with: values.draft, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("posts.saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/posts/\(post.id!.uuidString)")
        } catch let errors as ValidationErrors {
            return try await composeForm(req, post: post, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    /// One variant's own wording: how a person fixes the rule a platform's
    /// variant breaks. It is an edit like any other (back to draft).
    @Sendable func updateVariant(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let base = "/w/\(access.workspace.slug)/posts/"
        let post = try await access.find(Post.self, req.parameters.get("post"), on: req.db, what: "Post")
        let variant = try await access.find(PostVariant.self, req.parameters.get("variant"), on: req.db, what: "Variant")
        guard variant.$post.id == post.id else { throw Problem.notFound("Variant") }
        let edited = PostService.VariantDraft(
            title: req.formValueIfPresent("title"), text: req.formValue("text"), tags: FormValues.words(req.formValue("tags")))
        do {
            _ = try await PostService(db: req.db, app: req.application).editVariant(post, variant: variant, edited, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("posts.variant_saved", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        // The variants are written anew on every edit: land on the list.
        return req.redirect(to: base + post.id!.uuidString + "#variants")
    }

    // MARK: Import

    @Sendable func importForm(req: Request) async throws -> HTMLResponse {
        try await renderImport(req, csv: "", report: nil)
    }

    private func renderImport(_ req: Request, csv: String, report: PostImportService.Report?) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)"
        let problems: HTML =
            report.map { report -> HTML in
                guard !report.errors.isEmpty else { return .empty }
                let rows = report.errors.map { e -> HTML in
                    "<tr><td>\(e.line)</td><td>\(e.field)</td><td>\(e.text(ctx.locale))</td></tr>"
                }
                return """
                    <section class="card" id="import-errors"><h2>\(ctx.t("import.nothing_imported"))</h2>
                    <table><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("import.field"))</th><th>\(ctx.t("import.problem"))</th></tr></thead><tbody>\(rows)</tbody></table></section>
                    """
            } ?? .empty
        return Layout.page(
            ctx, title: ctx.t("import.title"), status: report?.errors.isEmpty == false ? .unprocessableEntity : .ok,
            """
            <h1>\(ctx.t("import.title"))</h1>
            <p>\(ctx.t("import.intro"))</p>
            <pre class="paste">title,text,accounts,scheduled_at,pillar,format,pool,topic,tags,campaign</pre>
            \(problems)
            <form method="post" action="\(base)/posts/import" enctype="multipart/form-data" id="import-form" class="stack">\(ctx.csrfField)
            <label for="file">\(ctx.t("import.file"))</label><input type="file" id="file" name="file" accept=".csv,text/csv">
            <label for="csv">\(ctx.t("import.paste"))</label><textarea id="csv" name="csv" rows="10">\(csv)</textarea>
            <button type="submit" class="primary">\(ctx.t("import.run"))</button></form>
            """)
    }

    @Sendable func importCSV(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        var csv = req.formValue("csv")
        if let file = try? req.content.get(File.self, at: "file"), file.data.readableBytes > 0 {
            csv = String(buffer: file.data)
        }
        let report = try await PostImportService(db: req.db, app: req.application).run(csv: csv, in: access, actor: req.actor)
        guard report.errors.isEmpty else { return try await renderImport(req, csv: csv, report: report).encodeResponse(for: req) }
        Flash.add(.notice, I18n.text("import.done", req.uiLocale, [String(report.imported)]), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/posts?status=draft")
    }

    // MARK: Live counters

    struct PreviewInput: Content {
        var title: String?
        var body: String?
        var tags: String?
        var accountIds: [String]?
    }

    struct PreviewItem: Content {
        var accountId: String
        var platform: String
        var platformName: String
        var handle: String
        var title: String?
        var text: String
        /// When the text breaks the length rule: the adapter's shortened
        /// version, to offer as the fix.
        var proposal: String?
        var length: Int
        var limit: Int?
        var counting: String
        var violations: [PreviewViolation]
    }

    struct PreviewViolation: Content {
        var field: String
        var rule: String
        var message: String
        var severity: String
    }

    /// What each chosen account's variant would be, its length as that
    /// platform counts it, and the rules it breaks, for the compose page's
    /// counters. Read-only; the same Core code the API's check uses.
    @Sendable func preview(req: Request) async throws -> [PreviewItem] {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        let input = try req.decodeInput(PreviewInput.self)
        let ids = (input.accountIds ?? []).compactMap(UUID.init(uuidString:))
        let accounts = ids.isEmpty ? [] : try await access.query(SocialAccount.self, on: req.db).filter(\.$id ~~ ids).sort(\.$id).all()
        let draft = ContentDraft(
            title: input.title.nonEmpty, body: (input.body ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
            hashtags: FormValues.words(input.tags ?? "").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "#")) })
        return accounts.compactMap { account in
            guard let rules = PlatformRules.standard[account.rulesPlatform] else { return nil }
            let variant = VariantAdapter.written(draft, for: rules)
            let proposal = VariantAdapter.propose(draft, for: rules)
            return PreviewItem(
                accountId: account.id!.uuidString, platform: account.rulesPlatform,
                platformName: I18n.text("platform." + account.rulesPlatform, req.uiLocale),
                handle: account.handle, title: variant.title, text: variant.text,
                proposal: proposal.text == variant.text ? nil : proposal.text,
                length: rules.counting.count(variant.text), limit: rules.textLimit, counting: PlatformRulesDTO.name(rules.counting),
                violations: VariantValidator.violations(of: variant, against: rules).map {
                    PreviewViolation(
                        field: $0.field, rule: $0.rule, message: $0.coded.text(req.uiLocale), severity: $0.severity.rawValue)
                })
        }
    }

    // MARK: Actions

    private func act(_ req: Request, _ body: (PostService, WorkspaceAccess, String?) async throws -> String) async throws -> Response {
        let access = try req.workspaceAccess
        let id = req.parameters.get("post")
        let target = "/w/\(access.workspace.slug)/posts/\(id ?? "")"
        do {
            let notice = try await body(PostService(db: req.db, app: req.application), access, id)
            Flash.add(.notice, notice, to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        } catch let problem as Problem where problem.status == 409 || problem.status == 502 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
        }
        return req.redirect(to: target)
    }

    @Sendable func submit(req: Request) async throws -> Response {
        try await act(req) { service, access, id in
            let (post, problems) = try await service.submit(id, in: access, actor: req.actor)
            if !problems.isEmpty {
                return I18n.text("posts.check_failed", req.uiLocale, [String(problems.count)])
            }
            return I18n.text(post.postStatus == .approved ? "posts.approved" : "posts.submitted", req.uiLocale)
        }
    }

    @Sendable func review(req: Request) async throws -> Response {
        try await act(req) { service, access, id in
            let approve = req.formValue("decision") == "approve"
            _ = try await service.decide(id, approve: approve, comment: req.formValueIfPresent("comment"), in: access, actor: req.actor)
            return I18n.text(approve ? "posts.decision_approved" : "posts.decision_rejected", req.uiLocale)
        }
    }

    @Sendable func schedule(req: Request) async throws -> Response {
        try await act(req) { service, access, id in
            guard let at = ScheduleTime.parse(req.formValue("scheduled_at"), timeZone: access.workspace.zone) else {
                throw ValidationErrors("scheduled_at", .dateTime)
            }
            _ = try await service.schedule(id, at: at, in: access, actor: req.actor)
            return I18n.text("posts.scheduled", req.uiLocale)
        }
    }

    @Sendable func unschedule(req: Request) async throws -> Response {
        try await act(req) { service, access, id in
            _ = try await service.unschedule(id, in: access, actor: req.actor)
            return I18n.text("posts.unscheduled", req.uiLocale)
        }
    }

    @Sendable func publishNow(req: Request) async throws -> Response {
        try await act(req) { service, access, id in
            _ = try await service.schedule(id, at: nil, in: access, actor: req.actor)
            return I18n.text("posts.publishing_now", req.uiLocale)
        }
    }

    @Sendable func refreshMetrics(req: Request) async throws -> Response {
        try await act(req) { _, access, id in
            try access.require(.analyticsView)
            let post = try await access.find(Post.self, id, on: req.db, what: "Post")
            try await MetricsRefresh.refresh(post, app: req.application, db: req.db)
            return I18n.text("posts.metrics_refreshed", req.uiLocale)
        }
    }

    @Sendable func recordPublished(req: Request) async throws -> Response {
        try await act(req) { _, access, id in
            _ = try await HandOffService.recordPublished(
                postID: id, variantID: req.parameters.get("variant"), url: req.formValue("url"), in: access, actor: req.actor, db: req.db)
            return I18n.text("posts.link_recorded", req.uiLocale)
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            try await PostService(db: req.db, app: req.application).delete(req.parameters.get("post"), in: access, actor: req.actor)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.detail ?? problem.title, to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/posts/\(req.parameters.get("post") ?? "")")
        }
        Flash.add(.notice, I18n.text("posts.deleted", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/posts")
    }
}
