import FanfareCore
import Fluent
import Vapor

/// `/api/v1/workspaces/{ws}/lexicon/…`, `/moderation/…` and `/messages`:
/// the lexicon, checking text, feedback, the report, and incoming
/// messages with their recommendation.
struct ModerationAPI {
    func bootScoped(_ ws: any RoutesBuilder) {
        ws.get("lexicon", "entries", use: entries)
        ws.post("lexicon", "terms", use: addTerm)
        ws.put("lexicon", "terms", ":entry_id", use: updateTerm)
        ws.post("lexicon", "allow", use: addAllowed)
        ws.delete("lexicon", "entries", ":entry_id", use: delete)
        // A lexicon file may be larger than the 1 MB other bodies may be.
        ws.on(.POST, "lexicon", "import", maxBody: "6mb", use: importTerms)
        ws.get("lexicon", "export", use: export)
        ws.post("moderation", "check", use: check)
        ws.get("moderation", "report", use: report)
        ws.post("moderation", "feedback", use: addFeedback)
        ws.post("moderation", "feedback", ":feedback_id", "decision", use: decide)
        ws.get("messages", use: messages)
        ws.post("messages", ":message_id", "actions", use: act)
        ws.post("message-actions", ":action_id", "undo", use: undo)
        ws.get("moderation", "rules", use: rules)
        ws.put("moderation", "rules", use: setRules)
    }

    @Sendable func rules(req: Request) async throws -> ModerationRulesDTO {
        ModerationRulesDTO(try await ModerationRuleService(db: req.db).current(in: try req.workspaceAccess))
    }

    /// Replaces the rules: a grade left out is off.
    @Sendable func setRules(req: Request) async throws -> ModerationRulesDTO {
        let access = try req.workspaceAccess
        try access.require(.workspaceUpdate)
        let input = try req.decodeInput(ModerationRulesDTO.self)
        let rules = try ModerationRules.parse(input.input)
        return ModerationRulesDTO(try await ModerationRuleService(db: req.db).update(rules, in: access, actor: req.actor))
    }

    @Sendable func entries(req: Request) async throws -> Page<LexiconEntryDTO> {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let page = try req.pageRequest()
        let query = access.query(LexiconEntry.self, on: req.db).visible()
        if let kind = req.query[String.self, at: "kind"] {
            guard LexiconEntry.Kind(rawValue: kind) != nil else { throw ValidationErrors("kind", .oneOf(choices: ["term", "allow"])) }
            query.filter(\.$kind == kind)
        }
        if let category = req.query[String.self, at: "category"], !category.isEmpty { query.filter(\.$category == category) }
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(items: items.map(LexiconEntryDTO.init), nextCursor: next)
    }

    struct TermInput: Content {
        var term: String?
        var category: String?
        var severity: String?
        var scope: String?

        var service: LexiconService.TermInput { .init(term: term ?? "", category: category, severity: severity, scope: scope) }
    }

    @Sendable func addTerm(req: Request) async throws -> Response {
        let input = try req.decodeInput(TermInput.self)
        let entry = try await LexiconService(db: req.db, app: req.application).addTerm(input.service, in: try req.workspaceAccess, actor: req.actor)
        return try await LexiconEntryDTO(entry).encodeResponse(status: .created, for: req)
    }

    @Sendable func updateTerm(req: Request) async throws -> LexiconEntryDTO {
        let input = try req.decodeInput(TermInput.self)
        return LexiconEntryDTO(
            try await LexiconService(db: req.db, app: req.application).updateTerm(
                req.parameters.get("entry_id"), input.service, in: try req.workspaceAccess, actor: req.actor))
    }

    struct AllowInput: Content {
        var phrase: String?
    }

    @Sendable func addAllowed(req: Request) async throws -> Response {
        let input = try req.decodeInput(AllowInput.self)
        let entry = try await LexiconService(db: req.db, app: req.application).addAllowed(
            input.phrase ?? "", in: try req.workspaceAccess, actor: req.actor)
        return try await LexiconEntryDTO(entry).encodeResponse(status: .created, for: req)
    }

    @Sendable func delete(req: Request) async throws -> HTTPStatus {
        try await LexiconService(db: req.db, app: req.application).delete(
            req.parameters.get("entry_id"), in: try req.workspaceAccess, actor: req.actor)
        return .noContent
    }

    struct ImportInput: Content {
        var format: String?
        var content: String?
        var dryRun: Bool?
        var category: String?
        var severity: String?
        var scope: String?
    }

    /// Validates the import's own fields; shared with the page.
    static func importSettings(
        format: String?, category: String?, severity: String?, scope: String?
    ) throws(ValidationErrors)
        -> (LexiconFile.Format, LexiconFile.Defaults)
    {
        var errors = ValidationErrors()
        let format = LexiconFile.Format(rawValue: (format ?? "").lowercased())
        if format == nil { errors.add("format", .oneOf(choices: ["txt", "csv"])) }
        let defaults = errors.collect { () throws(ValidationErrors) in
            try LexiconService.validated(.init(term: "x", category: category, severity: severity, scope: scope))
        }
        try errors.throwIfAny()
        return (format!, LexiconFile.Defaults(category: defaults!.category, severity: defaults!.severity, scope: defaults!.scope))
    }

    /// 200 with the plan when it was a dry run or applied; 422 listing
    /// the bad lines when any line has a problem (nothing is written).
    @Sendable func importTerms(req: Request) async throws -> Response {
        // A file of 5 MB is read, and its plan written, on the lexicons' own
        // thread, away from the cooperative pool other requests run on.
        let input = try await LexiconService.offload { try req.decodeInput(ImportInput.self) }
        let (format, defaults) = try Self.importSettings(format: input.format, category: input.category, severity: input.severity, scope: input.scope)
        let plan = try await LexiconService(db: req.db, app: req.application).importTerms(
            input.content ?? "", format: format, defaults: defaults, dryRun: input.dryRun ?? false, in: try req.workspaceAccess, actor: req.actor)
        if !plan.problems.isEmpty, input.dryRun != true {
            throw ValidationErrors(plan.problems.map { FieldIssue(field: "content", .onLine(line: $0.line, message: $0.coded)) })
        }
        let body = try await LexiconService.offload { try JSONEncoder.api.encode(plan) }
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: body))
    }

    @Sendable func export(req: Request) async throws -> Response {
        let raw = req.query[String.self, at: "format"] ?? "csv"
        guard let format = LexiconFile.Format(rawValue: raw) else { throw ValidationErrors("format", .oneOf(choices: ["txt", "csv"])) }
        let access = try req.workspaceAccess
        let text = try await LexiconService(db: req.db, app: req.application).export(format: format, in: access)
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: format == .csv ? "csv" : "plain", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "lexicon-\(access.workspace.slug).\(format.rawValue)")
        return response
    }

    struct CheckInput: Content {
        var text: String?
        var scope: String?
        var policy: String?
        /// Fans' messages only: flagged messages of the author in the last
        /// 30 days, for the recommendation.
        var priorOffences: Int?
    }

    struct CheckResult: Content {
        var matches: [ModerationMatch]
        /// True when a `block` term was found: the review's automatic step
        /// would stop a draft with this text.
        var blocked: Bool
        var recommendation: String
    }

    @Sendable func check(req: Request) async throws -> CheckResult {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let input = try req.decodeInput(CheckInput.self)
        var errors = ValidationErrors()
        let text = input.text ?? ""
        if text.unicodeScalars.count > 100_000 { errors.add("text", .lengthAtMost(max: 100_000)) }
        let scope = ModerationScope(rawValue: input.scope ?? "all")
        if scope == nil { errors.add("scope", .oneOf(choices: ["all", "content", "incoming"])) }
        let policy = MatchPolicy(rawValue: input.policy ?? "leftmost_longest")
        if policy == nil { errors.add("policy", .oneOf(choices: ["leftmost_longest", "all"])) }
        let prior = input.priorOffences ?? 0
        if !(0...10_000).contains(prior) { errors.add("prior_offences", .wholeNumberBetween(min: 0, max: 10_000)) }
        try errors.throwIfAny()
        let matches = try await ModerationService(db: req.db, app: req.application).check(["text": text], scope: scope!, policy: policy!, in: access)[
            "text"]!
        return CheckResult(
            matches: matches, blocked: matches.contains { $0.severity == .block },
            recommendation: ModerationAction.recommend(for: matches, priorOffences: prior).rawValue)
    }

    @Sendable func report(req: Request) async throws -> ModerationService.Report {
        let days = req.query[Int.self, at: "days"] ?? 30
        guard (1...366).contains(days) else { throw ValidationErrors("days", .wholeNumberBetween(min: 1, max: 366)) }
        return try await ModerationService(db: req.db, app: req.application).report(days: days, in: try req.workspaceAccess)
    }

    struct FeedbackInput: Content {
        var term: String?
        var phrase: String?
        var note: String?
    }

    @Sendable func addFeedback(req: Request) async throws -> Response {
        let input = try req.decodeInput(FeedbackInput.self)
        let feedback = try await ModerationService(db: req.db, app: req.application).addFeedback(
            term: input.term ?? "", phrase: input.phrase ?? "", note: input.note, in: try req.workspaceAccess, actor: req.actor)
        return try await FeedbackDTO(feedback).encodeResponse(status: .created, for: req)
    }

    struct DecisionInput: Content {
        var accept: Bool?
    }

    @Sendable func decide(req: Request) async throws -> FeedbackDTO {
        let access = try req.workspaceAccess
        try access.require(.moderationLexiconManage)
        _ = try await access.find(ModerationFeedback.self, req.parameters.get("feedback_id"), on: req.db, what: "Feedback")
        let input = try req.decodeInput(DecisionInput.self)
        guard let accept = input.accept else {
            throw ValidationErrors("accept", .allowDecisionRequired)
        }
        return FeedbackDTO(
            try await ModerationService(db: req.db, app: req.application).decideFeedback(
                req.parameters.get("feedback_id"), accept: accept, in: access, actor: req.actor))
    }

    struct ActInput: Content {
        var move: String?
    }

    @Sendable func act(req: Request) async throws -> Response {
        let input = try req.decodeInput(ActInput.self)
        let action = try await PlatformModeration(db: req.db, app: req.application).act(
            messageID: req.parameters.get("message_id"), move: input.move ?? "", in: try req.workspaceAccess, actor: req.actor)
        return try await MessageActionDTO(action).encodeResponse(status: .created, for: req)
    }

    @Sendable func undo(req: Request) async throws -> MessageActionDTO {
        MessageActionDTO(
            try await PlatformModeration(db: req.db, app: req.application).undo(
                actionID: req.parameters.get("action_id"), in: try req.workspaceAccess, actor: req.actor))
    }

    @Sendable func messages(req: Request) async throws -> Page<IncomingMessageDTO> {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let page = try req.pageRequest()
        let query = access.query(IncomingMessage.self, on: req.db).with(\.$account)
        if let flagged = req.query[Bool.self, at: "flagged"], flagged { query.filter(\.$recommendation != ModerationAction.none.rawValue) }
        if let raw = req.query[String.self, at: "recommendation"] {
            guard ModerationAction(rawValue: raw) != nil else {
                throw ValidationErrors("recommendation", .oneOf(choices: ModerationAction.allCases.map(\.rawValue)))
            }
            query.filter(\.$recommendation == raw)
        }
        var errors = ValidationErrors()
        for (name, field, allowed) in [
            ("sentiment", \IncomingMessage.$sentiment, MessageSentiment.allCases.map(\.rawValue)),
            ("intent", \IncomingMessage.$intent, MessageIntent.allCases.map(\.rawValue)),
            ("priority", \IncomingMessage.$priority, MessagePriority.allCases.map(\.rawValue)),
        ] {
            guard let raw = req.query[String.self, at: name] else { continue }
            if allowed.contains(raw) { query.filter(field == raw) } else { errors.add(name, .oneOf(choices: allowed)) }
        }
        try errors.throwIfAny()
        if let after = page.after { query.filter(\.$id < after) }
        let rows = try await query.sort(\.$id, .descending).range(..<(page.limit + 1)).all()
        let (items, next) = page.page(rows) { $0.id! }
        return Page(items: items.map { IncomingMessageDTO($0, account: $0.account) }, nextCursor: next)
    }
}
