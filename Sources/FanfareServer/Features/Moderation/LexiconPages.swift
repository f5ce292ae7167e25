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
        let found = try await LexiconPage.query(access: access, on: req.db)
        let model = LexiconPage.model(
            found, workspace: "/w/\(access.workspace.slug)", slug: access.workspace.slug, canManage: access.can(.moderationLexiconManage),
            values: values, errors: errors, plan: plan, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("moderation.tab_lexicon"), status: status,
            LexiconPage.view(model, ctx, tabs: ModerationPage.tabs(ctx, access, current: model.base)))
    }

    /// The category chosen from the list, or a new one typed as a code.
    static func category(_ req: Request, _ name: String) -> String {
        let typed = req.formValue("new_" + name).trimmingCharacters(in: .whitespaces)
        return typed.isEmpty ? req.formValue(name) : typed
    }

    private func termInput(_ req: Request) -> LexiconService.TermInput {
        .init(
            term: req.formValue("term"), category: Self.category(req, "category"), severity: req.formValue("severity"), scope: req.formValue("scope"))
    }

    private func termValues(_ req: Request) -> [String: String] {
        [
            "term": req.formValue("term"), "category": Self.category(req, "category"), "severity": req.formValue("severity"),
            "scope": req.formValue("scope"),
        ]
    }

    @Sendable func addTerm(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await LexiconService(db: req.db, app: req.application).addTerm(termInput(req), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.term_added", req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/moderation/lexicon")
        } catch let errors as ValidationErrors {
            let values = termValues(req)
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
        let found = try await LexiconPage.query(access: access, on: req.db)
        let model = LexiconPage.edit(
            found, id: entry.id!, workspace: "/w/\(access.workspace.slug)", values: values, errors: errors, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("moderation.edit_term"), status: status,
            LexiconPage.editView(model, ctx, tabs: ModerationPage.tabs(ctx, access, current: model.base)))
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
            let values = termValues(req)
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
        for key in ["format", "import_severity", "import_scope"] { values[key] = req.formValue(key) }
        values["import_category"] = Self.category(req, "import_category")
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
