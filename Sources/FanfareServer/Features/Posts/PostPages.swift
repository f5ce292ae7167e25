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
        scoped.post("posts", "bulk", use: bulk)
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
        let input = PostListPage.Input(
            status: req.query[String.self, at: "status"], q: req.query[String.self, at: "q"], review: req.query[String.self, at: "review"],
            due: req.query[String.self, at: "due"], limit: req.query[String.self, at: "limit"], cursor: req.query[String.self, at: "cursor"])
        let found = try await PostListPage.query(input, access: access, actor: req.actor.reviewID, on: req.db)
        let model = PostListPage.model(
            input, found, base: "/w/\(access.workspace.slug)/posts", abilities: .init(access), locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("posts.title"), status: found.invalid.isEmpty ? .ok : .unprocessableEntity, PostListPage.view(model, ctx))
    }

    /// Several posts at once: each is submitted, unscheduled or deleted
    /// through the same service call as on its own page, with the same
    /// checks, and its outcome is told by name.
    @Sendable func bulk(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let locale = req.uiLocale
        let list = "/w/\(access.workspace.slug)/posts"
        let back = req.safeReturnPath(req.formValueIfPresent("return_to"), fallback: list)
        guard let action = PostBulk.Action(rawValue: req.formValue("action")) else {
            Flash.add(.error, I18n.text("posts.bulk.choose_action", locale), to: req)
            return req.redirect(to: back)
        }
        try access.require(action.permission)
        var ids: [String] = []
        for id in Forms.values(req, "post_ids") where !ids.contains(id) { ids.append(id) }
        guard !ids.isEmpty else {
            Flash.add(.error, I18n.text("posts.bulk.choose_posts", locale), to: req)
            return req.redirect(to: back)
        }
        guard ids.count <= PostBulk.limit else {
            Flash.add(.error, I18n.text("posts.bulk.too_many", locale, [String(PostBulk.limit)]), to: req)
            return req.redirect(to: back)
        }
        let service = PostService(db: req.db, app: req.application)
        var outcomes: [PostBulk.Outcome] = []
        for id in ids {
            guard let post = try? await access.find(Post.self, id, on: req.db, what: "Post") else {
                outcomes.append(.init(title: id, result: .refused(I18n.text("posts.refused.not_found", locale))))
                continue
            }
            let title = PostService.label(post)
            do {
                switch action {
                case .submit:
                    let (after, problems) = try await service.submit(id, in: access, actor: req.actor)
                    outcomes.append(
                        .init(
                            title: title,
                            result: problems.isEmpty
                                ? .done(after.postStatus == .approved ? "posts.bulk.done.approved" : "posts.bulk.done.submitted")
                                : .refused(I18n.text("posts.bulk.check_failed", locale, [String(problems.count)]))))
                case .unschedule:
                    _ = try await service.unschedule(id, in: access, actor: req.actor)
                    outcomes.append(.init(title: title, result: .done("posts.bulk.done.unscheduled")))
                case .delete:
                    try await service.delete(id, in: access, actor: req.actor)
                    outcomes.append(.init(title: title, result: .done("posts.bulk.done.deleted")))
                }
            } catch {
                outcomes.append(.init(title: title, result: .refused(Self.refusal(error, locale))))
            }
        }
        for flash in PostBulk.flashes(outcomes, locale: locale) { Flash.add(flash.kind, flash.text, to: req) }
        return req.redirect(to: back)
    }

    /// Why the server refused an action on a post, in the reader's language.
    static func refusal(_ error: any Error, _ locale: UILocale) -> String {
        switch error {
        case let errors as ValidationErrors:
            return errors.issues.map { $0.text(locale) }.joined(separator: " ")
        case let problem as Problem:
            return PostVocabulary.refusal(problemType: problem.type, locale) ?? problem.text(locale)
        default:
            return I18n.text("posts.refused.other", locale)
        }
    }

    // MARK: Compose

    @Sendable func new(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentEdit)
        // `?body=`: a text to start from (an incident's approved holding statement).
        var values = FormValues()
        if let body = req.query[String.self, at: "body"] { values.fields["body"] = String(body.prefix(5000)) }
        return try await composeForm(req, post: nil, values: values, errors: FormErrors())
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
        let found = try await PostComposePage.query(access: access, on: req.db)
        let model = PostComposePage.model(
            postID: post?.id?.uuidString, values: values, errors: errors, found, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
        return Layout.page(ctx, title: model.heading, status: status, PostComposePage.view(model, ctx))
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
        let model = PostImportPage.model(csv: csv, report: report, base: "/w/\(access.workspace.slug)", locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("import.title"), status: model.failed ? .unprocessableEntity : .ok, PostImportPage.view(model, ctx))
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
        /// The field as the reader knows it.
        var fieldName: String
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
                        field: $0.field, fieldName: PostVocabulary.fieldName($0.field, req.uiLocale), rule: $0.rule,
                        message: PostVocabulary.ruleMessage($0.coded, req.uiLocale), severity: $0.severity.rawValue)
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
            Flash.add(.error, Self.refusal(errors, req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 || problem.status == 502 {
            Flash.add(.error, Self.refusal(problem, req.uiLocale), to: req)
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
            Flash.add(.error, Self.refusal(problem, req.uiLocale), to: req)
            return req.redirect(to: "/w/\(access.workspace.slug)/posts/\(req.parameters.get("post") ?? "")")
        }
        Flash.add(.notice, I18n.text("posts.deleted", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/posts")
    }
}
