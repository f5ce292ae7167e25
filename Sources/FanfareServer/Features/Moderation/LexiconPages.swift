import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/moderation/lexicon`: the workspace's terms and allow-list,
/// added, edited, removed, imported with a preview, and exported.
struct LexiconPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("moderation", "lexicon", use: lexicon)
        scoped.post("moderation", "lexicon", "terms", use: addTerm)
        scoped.get("moderation", "lexicon", ":entry", use: editTerm)
        scoped.post("moderation", "lexicon", ":entry", use: updateTerm)
        scoped.post("moderation", "lexicon", ":entry", "delete", use: delete)
        scoped.post("moderation", "lexicon", "allow", use: addAllowed)
        scoped.on(.POST, "moderation", "lexicon", "import", maxBody: "6mb", use: importTerms)
    }

    @Sendable func lexicon(req: Request) async throws -> HTMLResponse {
        try await renderLexicon(req, values: [:], errors: FormErrors(), plan: nil)
    }

    private func renderLexicon(
        _ req: Request, values: [String: String], errors: FormErrors, plan: LexiconService.ImportPlan?, status: HTTPStatus = .ok
    ) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/moderation/lexicon"
        let entries = try await access.query(LexiconEntry.self, on: req.db).visible().sort(\.$id, .descending).limit(2_000).all()
        let canManage = access.can(.moderationLexiconManage)
        let severities = ModerationSeverity.allCases.map { ($0.rawValue, ctx.t("moderation.severity." + $0.rawValue)) }
        let scopes = ModerationScope.allCases.map { ($0.rawValue, ctx.t("moderation.scope." + $0.rawValue)) }
        let categories = LexiconTerm.baseCategories.map { ($0, ModerationPages.category(ctx, $0)) }
        let termRows = entries.filter { $0.kind == LexiconEntry.Kind.term.rawValue }.map { entry -> HTML in
            let actions: HTML =
                canManage
                ? "<a href=\"\(base)/\(entry.id!.uuidString)\">\(ctx.t("moderation.edit"))</a> <form method=\"post\" action=\"\(base)/\(entry.id!.uuidString)/delete\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link\">\(ctx.t("moderation.remove"))</button></form>"
                : .empty
            return
                "<tr><td>\(entry.term)</td><td>\(ModerationPages.category(ctx, entry.category ?? ""))</td><td><span class=\"badge \(entry.severity ?? "")\">\(ctx.t("moderation.severity." + (entry.severity ?? "block")))</span></td><td>\(ctx.t("moderation.scope." + (entry.scope ?? "all")))</td><td>\(actions)</td></tr>"
        }
        let allowRows = entries.filter { $0.kind == LexiconEntry.Kind.allow.rawValue }.map { entry -> HTML in
            let remove: HTML =
                canManage
                ? "<form method=\"post\" action=\"\(base)/\(entry.id!.uuidString)/delete\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link\">\(ctx.t("moderation.remove"))</button></form>"
                : .empty
            return "<li>\(entry.term) \(remove)</li>"
        }
        let baseByCategory = Dictionary(grouping: LexiconFile.base, by: \.category).sorted { $0.key < $1.key }.map { name, terms -> HTML in
            "<details><summary>\(ModerationPages.category(ctx, name)) (\(terms.count))</summary><p class=\"terms\">\(terms.map { "\($0.term) [\(ctx.t("moderation.severity." + $0.severity.rawValue))]" }.joined(separator: "、"))</p></details>"
        }
        let forms: HTML =
            canManage
            ? """
            <section class="card"><h2>\(ctx.t("moderation.add_term"))</h2>
            <form method="post" action="\(base)/terms" id="term-form" class="grid-form">\(ctx.csrfField)
            \(Layout.field(ctx, name: "term", label: ctx.t("moderation.term"), value: values["term"] ?? "", errors: errors, hint: ctx.t("moderation.term_hint")))
            \(Layout.field(ctx, name: "category", label: ctx.t("moderation.category"), value: values["category"] ?? "", errors: errors, required: false, hint: ctx.t("moderation.category_hint", categories.map(\.0).joined(separator: ", "))))
            \(Layout.select(ctx, name: "severity", label: ctx.t("moderation.severity"), options: severities, selected: values["severity"] ?? "block", errors: errors))
            \(Layout.select(ctx, name: "scope", label: ctx.t("moderation.scope"), options: scopes, selected: values["scope"] ?? "all", errors: errors))
            <button type="submit" class="primary">\(ctx.t("moderation.add_term"))</button></form></section>
            <section class="card"><h2>\(ctx.t("moderation.add_allowed"))</h2>
            <form method="post" action="\(base)/allow" id="allow-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "phrase", label: ctx.t("moderation.allow_phrase"), value: values["phrase"] ?? "", errors: errors, hint: ctx.t("moderation.allow_hint")))
            <button type="submit">\(ctx.t("moderation.add_allowed"))</button></form></section>
            <section class="card"><h2>\(ctx.t("moderation.import"))</h2><p>\(ctx.t("moderation.import_intro"))</p>
            <form method="post" action="\(base)/import" enctype="multipart/form-data" id="lexicon-import-form" class="stack">\(ctx.csrfField)
            <div class="field"><label for="file">\(ctx.t("moderation.file"))</label><input type="file" id="file" name="file" accept=".csv,.txt,text/csv,text/plain"></div>
            <div class="field\(errors["content"] != nil ? " has-error" : "")"><label for="content">\(ctx.t("moderation.import_paste"))</label><textarea id="content" name="content" rows="6">\(values["content"] ?? "")</textarea>
            \(errors["content"].map { e -> HTML in "<small class=\"error\">\(e.text(ctx.locale))</small>" })</div>
            \(Layout.select(ctx, name: "format", label: ctx.t("moderation.format"), options: [("csv", "CSV (term,category,severity,scope)"), ("txt", ctx.t("moderation.format_txt"))], selected: values["format"] ?? "csv", errors: errors))
            \(Layout.field(ctx, name: "import_category", label: ctx.t("moderation.default_category"), value: values["import_category"] ?? "risk", errors: errors, required: false))
            \(Layout.select(ctx, name: "import_severity", label: ctx.t("moderation.default_severity"), options: severities, selected: values["import_severity"] ?? "block", errors: errors))
            \(Layout.select(ctx, name: "import_scope", label: ctx.t("moderation.default_scope"), options: scopes, selected: values["import_scope"] ?? "all", errors: errors))
            <div class="actions"><button type="submit" name="mode" value="preview" id="import-preview">\(ctx.t("moderation.preview"))</button>
            <button type="submit" name="mode" value="apply" class="primary" id="import-apply">\(ctx.t("moderation.apply"))</button></div></form></section>
            """
            : "<p class=\"muted\">\(ctx.t("moderation.read_only"))</p>"
        return Layout.page(
            ctx, title: ctx.t("moderation.tab_lexicon"), status: status,
            """
            <h1>\(ctx.t("moderation.tab_lexicon"))</h1>
            \(ModerationPages.tabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            \(plan.map { planSection(ctx, $0) })
            <p>\(ctx.t("moderation.lexicon_intro"))</p>
            <p><a href="/api/v1/workspaces/\(access.workspace.slug)/lexicon/export?format=csv" id="export-csv">\(ctx.t("moderation.export_csv"))</a> · <a href="/api/v1/workspaces/\(access.workspace.slug)/lexicon/export?format=txt">\(ctx.t("moderation.export_txt"))</a></p>
            \(forms)
            <h2>\(ctx.t("moderation.own_terms"))</h2>
            \(termRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("moderation.no_terms"))</p>") : HTML("<table id=\"lexicon-terms\"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.severity"))</th><th>\(ctx.t("moderation.scope"))</th><th></th></tr></thead><tbody>\(HTML.join(termRows))</tbody></table>"))
            <h2>\(ctx.t("moderation.allow_list"))</h2>
            \(allowRows.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("moderation.no_allowed"))</p>") : HTML("<ul id=\"allow-list\">\(HTML.join(allowRows))</ul>"))
            <h2>\(ctx.t("moderation.base_lexicon", String(LexiconFile.base.count)))</h2>
            <p>\(ctx.t("moderation.base_intro"))</p>
            \(HTML.join(baseByCategory))
            """)
    }

    /// Rows of a plan shown on the page: a 99,000-line preview would be a
    /// page of tens of megabytes. The API returns every line.
    static let planRowsShown = 1_000

    private func planSection(_ ctx: PageContext, _ plan: LexiconService.ImportPlan) -> HTML {
        let changes = plan.added.map { ("moderation.plan_add", $0) } + plan.updated.map { ("moderation.plan_update", $0) }
        let hidden = max(0, changes.count - Self.planRowsShown)
        let problemsHidden = max(0, plan.problems.count - Self.planRowsShown)
        let rows = changes.prefix(Self.planRowsShown).map {
            key, change -> HTML in
            "<tr><td>\(change.line)</td><td>\(ctx.t(key))</td><td>\(change.term)</td><td>\(ModerationPages.category(ctx, change.category))</td><td>\(ctx.t("moderation.severity." + change.severity))</td><td>\(ctx.t("moderation.scope." + change.scope))</td><td>\(change.before ?? "")</td></tr>"
        }
        let problems = plan.problems.prefix(Self.planRowsShown).map {
            "<tr><td>\($0.line)</td><td>\($0.coded.text(ctx.locale))</td></tr>" as HTML
        }
        let heading = ctx.t(
            plan.applied ? "moderation.plan_applied" : "moderation.plan_preview", String(plan.added.count), String(plan.updated.count),
            String(plan.unchanged))
        return """
            <section class="card" id="import-plan"><h2>\(heading)</h2>
            \(problems.isEmpty ? HTML.empty : HTML("<p class=\"error\">\(ctx.t("moderation.plan_problems"))</p><table id=\"import-problems\"><thead><tr><th>\(ctx.t("import.line"))</th><th>\(ctx.t("import.problem"))</th></tr></thead><tbody>\(HTML.join(problems))</tbody></table>"))
            \(problemsHidden > 0 ? HTML("<p class=\"muted\">\(ctx.t("moderation.plan_more", String(problemsHidden)))</p>") : HTML.empty)
            \(rows.isEmpty ? HTML.empty : HTML("<table id=\"import-changes\"><thead><tr><th>\(ctx.t("import.line"))</th><th></th><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.severity"))</th><th>\(ctx.t("moderation.scope"))</th><th>\(ctx.t("moderation.before"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table>"))
            \(hidden > 0 ? HTML("<p class=\"muted\" id=\"import-more\">\(ctx.t("moderation.plan_more", String(hidden)))</p>") : HTML.empty)
            </section>
            """
    }

    private func termInput(_ req: Request) -> LexiconService.TermInput {
        .init(term: req.formValue("term"), category: req.formValue("category"), severity: req.formValue("severity"), scope: req.formValue("scope"))
    }

    @Sendable func addTerm(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await LexiconService(db: req.db, app: req.application).addTerm(termInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.term_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
        } catch let errors as ValidationErrors {
            let values = ["term", "category", "severity", "scope"].reduce(into: [String: String]()) { $0[$1] = req.formValue($1) }
            return try await renderLexicon(req, values: values, errors: FormErrors(errors), plan: nil, status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    @Sendable func addAllowed(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await LexiconService(db: req.db, app: req.application).addAllowed(req.formValue("phrase"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.allowed_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
        } catch let errors as ValidationErrors {
            return try await renderLexicon(
                req, values: ["phrase": req.formValue("phrase")], errors: FormErrors(errors), plan: nil, status: .unprocessableEntity
            ).encodeResponse(for: req)
        }
    }

    @Sendable func editTerm(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.moderationLexiconManage)
        let entry = try await access.find(LexiconEntry.self, req.parameters.get("entry"), on: req.db, what: "Lexicon entry")
        return try await renderEdit(
            req, entry: entry,
            values: ["term": entry.term, "category": entry.category ?? "", "severity": entry.severity ?? "block", "scope": entry.scope ?? "all"],
            errors: FormErrors())
    }

    private func renderEdit(
        _ req: Request, entry: LexiconEntry, values: [String: String], errors: FormErrors, status: HTTPStatus = .ok
    ) async throws
        -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let base = "/w/\(access.workspace.slug)/moderation/lexicon"
        return Layout.page(
            ctx, title: ctx.t("moderation.edit_term"), status: status,
            """
            <h1>\(ctx.t("moderation.edit_term"))</h1>
            \(Layout.errorSummary(ctx, errors))
            <form method="post" action="\(base)/\(entry.id!.uuidString)" id="edit-term-form" class="stack">\(ctx.csrfField)
            \(Layout.field(ctx, name: "term", label: ctx.t("moderation.term"), value: values["term"] ?? "", errors: errors))
            \(Layout.field(ctx, name: "category", label: ctx.t("moderation.category"), value: values["category"] ?? "", errors: errors, required: false))
            \(Layout.select(ctx, name: "severity", label: ctx.t("moderation.severity"), options: ModerationSeverity.allCases.map { ($0.rawValue, ctx.t("moderation.severity." + $0.rawValue)) }, selected: values["severity"] ?? "block", errors: errors))
            \(Layout.select(ctx, name: "scope", label: ctx.t("moderation.scope"), options: ModerationScope.allCases.map { ($0.rawValue, ctx.t("moderation.scope." + $0.rawValue)) }, selected: values["scope"] ?? "all", errors: errors))
            <div class="actions"><button type="submit" class="primary">\(ctx.t("moderation.save"))</button> <a href="\(base)">\(ctx.t("moderation.cancel"))</a></div></form>
            """)
    }

    @Sendable func updateTerm(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let entry = try await access.find(LexiconEntry.self, req.parameters.get("entry"), on: req.db, what: "Lexicon entry")
        do {
            _ = try await LexiconService(db: req.db, app: req.application).updateTerm(
                entry.id!.uuidString, termInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.term_saved", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
        } catch let errors as ValidationErrors {
            let values = ["term", "category", "severity", "scope"].reduce(into: [String: String]()) { $0[$1] = req.formValue($1) }
            return try await renderEdit(req, entry: entry, values: values, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }

    @Sendable func delete(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try await LexiconService(db: req.db, app: req.application).delete(req.parameters.get("entry"), in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("moderation.entry_removed", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
    }

    /// Preview shows the plan; apply writes it when no line has a problem,
    /// otherwise shows the plan with the bad lines and writes nothing.
    @Sendable func importTerms(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        var content = req.formValue("content")
        if let file = try? req.content.get(File.self, at: "file"), file.data.readableBytes > 0 {
            content = String(buffer: file.data)
        }
        var values = ["content": content]
        for key in ["format", "import_category", "import_severity", "import_scope"] { values[key] = req.formValue(key) }
        do {
            let (format, defaults) = try ModerationAPI.importSettings(
                format: values["format"], category: values["import_category"], severity: values["import_severity"], scope: values["import_scope"])
            let plan = try await LexiconService(db: req.db, app: req.application).importTerms(
                content, format: format, defaults: defaults, dryRun: req.formValue("mode") != "apply", in: access, actor: req.actor)
            if plan.applied {
                Flash.add(.notice, I18n.text("moderation.imported", req.uiLocale, [String(plan.added.count), String(plan.updated.count)]), to: req)
                return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
            }
            return try await renderLexicon(
                req, values: values, errors: FormErrors(), plan: plan, status: plan.problems.isEmpty ? .ok : .unprocessableEntity
            )
            .encodeResponse(for: req)
        } catch let errors as ValidationErrors {
            var mapped = errors
            mapped.issues = errors.issues.map { issue in
                FieldIssue(
                    field: ["category": "import_category", "severity": "import_severity", "scope": "import_scope", "term": "content"][issue.field]
                        ?? issue.field, issue.coded)
            }
            return try await renderLexicon(req, values: values, errors: FormErrors(mapped), plan: nil, status: .unprocessableEntity).encodeResponse(
                for: req)
        }
    }
}
