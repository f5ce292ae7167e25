import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/moderation`: the report and reviewers' feedback;
/// `/moderation/messages`: incoming messages with their graded
/// recommendation; `/moderation/check`: the compose page's live check.
/// The lexicon's pages are `LexiconPages`.
struct ModerationPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("moderation", use: report)
        scoped.post("moderation", "feedback", use: addFeedback)
        scoped.post("moderation", "feedback", ":feedback", "decision", use: decide)
        scoped.post("moderation", "check", use: check)
        scoped.get("moderation", "messages", use: messages)
        scoped.post("moderation", "messages", ":message", "act", use: act)
        scoped.post("moderation", "actions", ":action", "undo", use: undo)
        scoped.get("moderation", "rules", use: rules)
        scoped.post("moderation", "rules", use: saveRules)
    }

    // MARK: Acting by rule

    @Sendable func rules(req: Request) async throws -> HTMLResponse {
        try await renderRules(req)
    }

    private func renderRules(
        _ req: Request, rules: ModerationRules? = nil, errors: FormErrors = FormErrors(), status: HTTPStatus = .ok
    )
        async throws -> HTMLResponse
    {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await ModerationRulesPage.query(access: access, app: req.application, on: req.db)
        let model = ModerationRulesPage.model(
            found, rules: rules, workspace: "/w/\(access.workspace.slug)", canEdit: access.can(.workspaceUpdate), errors: errors, locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("moderation.rules_title"), status: status,
            ModerationRulesPage.view(model, ctx, tabs: Self.tabs(ctx, access, current: model.action)))
    }

    @Sendable func saveRules(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        var input: [ModerationAction: (message: String?, blockAuthor: Bool?)] = [:]
        for grade in ModerationRules.grades {
            input[grade] = (
                req.formValue(ModerationRulesPage.messageField(grade)), Forms.isOn(req, ModerationRulesPage.blockField(grade))
            )
        }
        let rules: ModerationRules
        do {
            rules = try ModerationRules.parse(input)
        } catch {
            return try await renderRules(req, errors: ModerationRulesPage.formErrors(error), status: .unprocessableEntity).encodeResponse(for: req)
        }
        _ = try await ModerationRuleService(db: req.db).update(rules, in: access, actor: req.actor)
        Flash.add(.notice, I18n.text("moderation.rules_saved", req.uiLocale), to: req)
        return req.redirect(to: "/w/\(access.workspace.slug)/moderation/rules")
    }

    @Sendable func act(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let back = "/w/\(access.workspace.slug)/moderation/messages"
        do {
            let action = try await PlatformModeration(db: req.db, app: req.application).act(
                messageID: req.parameters.get("message"), move: req.formValue("move"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.acted.\(action.move)", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.first.map { $0.coded.text(req.uiLocale) } ?? "", to: req)
        }
        return req.redirect(to: back)
    }

    @Sendable func undo(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await PlatformModeration(db: req.db, app: req.application).undo(
                actionID: req.parameters.get("action"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.undone", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.first.map { $0.coded.text(req.uiLocale) } ?? "", to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/moderation/messages")
    }

    static func tabs(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        ModerationPage.tabs(ctx, access, current: current)
    }

    // MARK: Report and feedback

    @Sendable func report(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let days = ModerationPage.Report.days(req.query[String.self, at: "days"])
        let found = try await ModerationPage.Report.query(days: days, access: access, service: ModerationService(db: req.db, app: req.application))
        let model = ModerationPage.Report.model(
            days: days, found, workspace: "/w/\(access.workspace.slug)",
            canReview: access.can(.contentReview) || access.can(.contentLegalReview) || access.can(.moderationLexiconManage),
            canDecide: access.can(.moderationLexiconManage), locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("nav.moderation"), ModerationPage.Report.view(model, ctx, tabs: Self.tabs(ctx, access, current: model.base)))
    }

    @Sendable func addFeedback(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            _ = try await ModerationService(db: req.db, app: req.application).addFeedback(
                term: req.formValue("term"), phrase: req.formValue("phrase"), note: req.formValue("note"), in: access, actor: req.actor)
            Flash.add(.notice, I18n.text("moderation.feedback_sent", req.uiLocale), to: req)
        } catch let errors as ValidationErrors {
            Flash.add(.error, errors.issues.map { "\($0.field): " + $0.text(req.uiLocale) }.joined(separator: " "), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/moderation")
    }

    @Sendable func decide(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let accept = req.formValue("accept") == "true"
        do {
            _ = try await ModerationService(db: req.db, app: req.application).decideFeedback(
                req.parameters.get("feedback"), accept: accept, in: access, actor: req.actor)
            Flash.add(.notice, I18n.text(accept ? "moderation.feedback_accepted" : "moderation.feedback_dismissed", req.uiLocale), to: req)
        } catch let problem as Problem where problem.status == 409 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
        }
        return req.redirect(to: "/w/\(access.workspace.slug)/moderation")
    }

    // MARK: Compose page's check

    struct CheckInput: Content {
        var title: String?
        var body: String?
        var tags: String?
    }

    struct CheckOutput: Content {
        struct Field: Content {
            var field: String
            var matches: [ModerationMatch]
            /// Per match, in the page's language: term · category · severity.
            var reasons: [String]
        }

        var fields: [Field]
        var blocked: Bool
    }

    /// The draft's fields checked as the review's automatic step checks
    /// them; offsets are UTF-16 for the page's script.
    @Sendable func check(req: Request) async throws -> CheckOutput {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let input = try req.decodeInput(CheckInput.self)
        let fields = ["title": input.title ?? "", "body": input.body ?? "", "tags": input.tags ?? ""]
        if fields.values.contains(where: { $0.unicodeScalars.count > 100_000 }) {
            throw ValidationErrors("body", .lengthAtMost(max: 100_000))
        }
        let found = try await ModerationService(db: req.db, app: req.application).check(fields, scope: .content, policy: .leftmostLongest, in: access)
        let ctx = try await PageContext.make(req)
        return CheckOutput(
            fields: ["title", "body", "tags"].map { field in
                let matches = found[field] ?? []
                return CheckOutput.Field(
                    field: field, matches: matches,
                    reasons: matches.map { ModerationVocabulary.reason($0, ctx.locale) })
            },
            blocked: found.values.joined().contains { $0.severity == .block })
    }

    // MARK: Incoming messages

    @Sendable func messages(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let flaggedOnly = req.query[String.self, at: "all"] == nil
        let found = try await ModerationPage.Messages.query(flaggedOnly: flaggedOnly, access: access, app: req.application, on: req.db)
        let model = ModerationPage.Messages.model(
            flaggedOnly: flaggedOnly, found, workspace: "/w/\(access.workspace.slug)", canAct: access.can(.inboxReply), locale: ctx.locale)
        return Layout.page(
            ctx, title: ctx.t("moderation.tab_messages"), ModerationPage.Messages.view(model, ctx, tabs: Self.tabs(ctx, access, current: model.base)))
    }
}
