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
    }

    static func tabs(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        let base = "/w/\(access.workspace.slug)/moderation"
        var items = [(base, "moderation.tab_report"), (base + "/lexicon", "moderation.tab_lexicon")]
        if access.can(.inboxView) { items.append((base + "/messages", "moderation.tab_messages")) }
        return
            "<nav class=\"tabs\">\(HTML.join(items.map { href, key -> HTML in "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(ctx.t(key))</a>" }))</nav>"
    }

    static func category(_ ctx: PageContext, _ name: String) -> String {
        let key = "moderation.category." + name
        let text = ctx.t(key)
        return text == key ? name : text
    }

    /// The original text with each match wrapped in a `mark` naming why.
    static func highlighted(_ text: String, _ matches: [ModerationMatch], _ ctx: PageContext) -> HTML {
        let scalars = Array(text.unicodeScalars)
        var parts: [HTML] = []
        var at = 0
        for match in matches.sorted(by: { $0.start < $1.start }) where match.start >= at && match.end <= scalars.count {
            parts.append("\(String(String.UnicodeScalarView(scalars[at..<match.start])))")
            let reason = "\(match.term) · \(match.category) · \(ctx.t("moderation.severity." + match.severity.rawValue))"
            parts.append(
                "<mark class=\"hit \(match.severity.rawValue)\" title=\"\(reason)\">\(String(String.UnicodeScalarView(scalars[match.start..<match.end])))</mark>"
            )
            at = match.end
        }
        parts.append("\(String(String.UnicodeScalarView(scalars[at...])))")
        return HTML.join(parts)
    }

    // MARK: Report and feedback

    @Sendable func report(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let days = min(max(req.query[Int.self, at: "days"] ?? 30, 1), 366)
        let report = try await ModerationService(db: req.db, app: req.application).report(days: days, in: access)
        let base = "/w/\(access.workspace.slug)/moderation"
        let categories = report.byCategory.keys.sorted()
        let maximum = max(1, report.days.map(\.hits).max() ?? 1)
        let dayRows = Dictionary(grouping: report.days, by: \.date).sorted { $0.key > $1.key }.map { date, entries -> HTML in
            let cells = categories.map { name -> HTML in
                let hits = entries.first { $0.category == name }?.hits ?? 0
                return "<td><span class=\"bar\" style=\"width: \(Int(Double(hits) / Double(maximum) * 60))px\"></span> \(hits)</td>"
            }
            return "<tr><td>\(date)</td>\(HTML.join(cells))</tr>"
        }
        let byDay: HTML =
            report.days.isEmpty
            ? "<p class=\"empty\">\(ctx.t("moderation.no_hits"))</p>"
            : """
            <table id="hits-by-day"><thead><tr><th>\(ctx.t("moderation.date"))</th>\(HTML.join(categories.map { "<th>\(Self.category(ctx, $0)) (\(report.byCategory[$0]!))</th>" }))</tr></thead>
            <tbody>\(HTML.join(dayRows))</tbody></table>
            """
        let canReview = access.can(.contentReview) || access.can(.contentLegalReview) || access.can(.moderationLexiconManage)
        let termRows = report.topTerms.map { term -> HTML in
            let flag: HTML =
                canReview
                ? "<details><summary>\(ctx.t("moderation.false_positive"))</summary><form method=\"post\" action=\"\(base)/feedback\" class=\"stack\">\(ctx.csrfField)<input type=\"hidden\" name=\"term\" value=\"\(term.term)\"><label>\(ctx.t("moderation.allow_phrase"))<input name=\"phrase\" value=\"\(term.term)\" required></label><label>\(ctx.t("moderation.note"))<input name=\"note\"></label><button type=\"submit\">\(ctx.t("moderation.send_feedback"))</button></form></details>"
                : .empty
            return
                "<tr><td>\(term.term)</td><td>\(Self.category(ctx, term.category))</td><td>\(term.hits)</td><td>\(term.inPosts)</td><td>\(term.inMessages)</td><td>\(term.falsePositives)</td><td>\(flag)</td></tr>"
        }
        let topTerms: HTML =
            report.topTerms.isEmpty
            ? .empty
            : """
            <table id="top-terms"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.hits"))</th><th>\(ctx.t("moderation.in_posts"))</th><th>\(ctx.t("moderation.in_messages"))</th><th>\(ctx.t("moderation.false_positives"))</th><th></th></tr></thead>
            <tbody>\(HTML.join(termRows))</tbody></table>
            """
        let canDecide = access.can(.moderationLexiconManage)
        let feedbackRows = report.openFeedback.map { item -> HTML in
            let actions: HTML =
                canDecide
                ? """
                <form method="post" action="\(base)/feedback/\(item.id.uuidString)/decision" class="inline">\(ctx.csrfField)<input type="hidden" name="accept" value="true"><button type="submit" class="link accept-feedback">\(ctx.t("moderation.accept"))</button></form>
                <form method="post" action="\(base)/feedback/\(item.id.uuidString)/decision" class="inline">\(ctx.csrfField)<input type="hidden" name="accept" value="false"><button type="submit" class="link">\(ctx.t("moderation.dismiss"))</button></form>
                """
                : .empty
            return
                "<tr><td>\(item.term)</td><td>\(item.phrase)</td><td>\(item.note)</td><td>\(Layout.time(item.createdAt, ctx))</td><td>\(actions)</td></tr>"
        }
        let feedback: HTML =
            report.openFeedback.isEmpty
            ? "<p class=\"empty\">\(ctx.t("moderation.no_feedback"))</p>"
            : """
            <table id="open-feedback"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.allow_phrase"))</th><th>\(ctx.t("moderation.note"))</th><th>\(ctx.t("moderation.reported"))</th><th></th></tr></thead>
            <tbody>\(HTML.join(feedbackRows))</tbody></table>
            """
        return Layout.page(
            ctx, title: ctx.t("nav.moderation"),
            """
            <h1>\(ctx.t("nav.moderation"))</h1>
            \(Self.tabs(ctx, access, current: base))
            <p>\(ctx.t("moderation.report_intro", String(days)))</p>
            <form method="get" action="\(base)" class="inline"><label>\(ctx.t("moderation.days")) <input type="number" name="days" min="1" max="366" value="\(String(days))"></label> <button type="submit">\(ctx.t("moderation.show"))</button></form>
            <h2>\(ctx.t("moderation.by_category"))</h2>\(byDay)
            <h2>\(ctx.t("moderation.top_terms"))</h2>\(topTerms)
            <h2>\(ctx.t("moderation.feedback"))</h2>\(feedback)
            """)
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
                    reasons: matches.map {
                        "\($0.term) · \(Self.category(ctx, $0.category)) · \(ctx.t("moderation.severity." + $0.severity.rawValue))"
                    })
            },
            blocked: found.values.joined().contains { $0.severity == .block })
    }

    // MARK: Incoming messages

    /// Language, sentiment with its score, intent and priority, as found
    /// on arrival.
    static func analysis(_ message: IncomingMessage, _ ctx: PageContext) -> HTML {
        guard let lang = message.lang, let sentiment = message.sentiment, let score = message.sentimentScore, let intent = message.intent,
            let priority = message.priority
        else { return "—" }
        return """
            <span class="badge sentiment \(sentiment)" data-sentiment="\(sentiment)">\(ctx.t("inbox.sentiment." + sentiment)) \(String(format: "%+.2f", score))</span>
            <span class="badge intent" data-intent="\(intent)">\(ctx.t("inbox.intent." + intent))</span>
            <span class="badge priority \(priority)" data-priority="\(priority)">\(ctx.t("inbox.priority." + priority))</span>
            <span class="muted">\(ctx.t("inbox.lang." + lang))</span>
            """
    }

    @Sendable func messages(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let flaggedOnly = req.query[String.self, at: "all"] == nil
        let query = access.query(IncomingMessage.self, on: req.db).with(\.$account)
        if flaggedOnly { query.filter(\.$recommendation != ModerationAction.none.rawValue) }
        let messages = try await query.sort(\.$id, .descending).limit(200).all()
        let base = "/w/\(access.workspace.slug)/moderation/messages"
        let rows = messages.map { message -> HTML in
            let matches = message.matches
            let reasons = matches.map { "\($0.term) (\(Self.category(ctx, $0.category)), \(ctx.t("moderation.severity." + $0.severity.rawValue)))" }
                .joined(
                    separator: "; ")
            return """
                <tr data-recommendation="\(message.recommendation)"><td>\(Layout.time(message.receivedAt, ctx))</td><td>\(ctx.t("platform." + message.account.rulesPlatform)) @\(message.account.handle)</td><td>\(message.authorName)</td>
                <td class="message-text">\(Self.highlighted(message.text, matches, ctx))</td><td>\(reasons)</td>
                <td class="analysis">\(Self.analysis(message, ctx))</td>
                <td><span class="badge recommendation \(message.recommendation)">\(ctx.t("moderation.action." + message.recommendation))</span></td></tr>
                """
        }
        let toggle: HTML =
            flaggedOnly
            ? "<a href=\"\(base)?all=1\">\(ctx.t("moderation.show_all"))</a>" : "<a href=\"\(base)\">\(ctx.t("moderation.show_flagged"))</a>"
        return Layout.page(
            ctx, title: ctx.t("moderation.tab_messages"),
            """
            <h1>\(ctx.t("moderation.tab_messages"))</h1>
            \(Self.tabs(ctx, access, current: base))
            <p>\(ctx.t("moderation.messages_intro"))</p><p>\(toggle)</p>
            \(messages.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("moderation.no_messages"))</p>") : HTML("<table id=\"incoming-messages\"><thead><tr><th>\(ctx.t("moderation.received"))</th><th>\(ctx.t("moderation.account"))</th><th>\(ctx.t("moderation.author"))</th><th>\(ctx.t("moderation.message"))</th><th>\(ctx.t("moderation.why"))</th><th>\(ctx.t("inbox.analysis"))</th><th>\(ctx.t("moderation.recommendation"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table>"))
            """)
    }
}
