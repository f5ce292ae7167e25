import FanfareConnectors
import FanfareCore
import Fluent
import Foundation
import Vapor

/// The moderation report and the incoming messages (the moderation queue)
/// as query → model → view. Terms, phrases, notes and messages are what
/// people wrote and are kept out of translation; categories, severities
/// and recommended actions are named in the reader's language.
enum ModerationPage {
    static func tabs(_ ctx: PageContext, _ access: WorkspaceAccess, current: String) -> HTML {
        let base = "/w/\(access.workspace.slug)/moderation"
        var items = [(base, "moderation.tab_report"), (base + "/lexicon", "moderation.tab_lexicon")]
        if access.can(.inboxView) {
            items.append((base + "/messages", "moderation.tab_messages"))
            items.append((base + "/rules", "moderation.tab_rules"))
        }
        return
            "<nav class=\"tabs\">\(HTML.join(items.map { href, key -> HTML in "<a href=\"\(href)\"\(href == current ? HTML(raw: " aria-current=\"page\"") : .empty)>\(ctx.t(key))</a>" }))</nav>"
    }

    // MARK: Report

    enum Report {
        struct Found: Sendable {
            var report: ModerationService.Report
        }

        struct Category: Sendable {
            var code: String
            var label: String
            var typed: Bool
            var hits: Int
        }

        struct Day: Sendable {
            var date: String
            /// Hits per category (in `categories` order) and the bar's width in pixels.
            var cells: [(hits: Int, width: Int)]
        }

        struct Term: Sendable {
            var term: String
            var category: Category
            var severity: String
            var hits: Int
            var inPosts: Int
            var inMessages: Int
            var falsePositives: Int
        }

        /// A reviewer's open report of a wrong match.
        struct OpenReport: Sendable {
            var id: String
            var term: String
            var phrase: String
            var note: String
            var at: Date
        }

        struct Model: Sendable {
            var base: String
            var days: Int
            var categories: [Category]
            var byDay: [Day]
            var terms: [Term]
            var reports: [OpenReport]
            var canReview: Bool
            var canDecide: Bool
        }

        static func days(_ raw: String?) -> Int { min(max(Int(raw ?? "") ?? 30, 1), 366) }

        static func query(days: Int, access: WorkspaceAccess, service: ModerationService) async throws -> Found {
            Found(report: try await service.report(days: days, in: access))
        }

        static func category(_ code: String, hits: Int, _ locale: UILocale) -> Category {
            let (label, typed) = ModerationVocabulary.category(code, locale)
            return Category(code: code, label: label, typed: typed, hits: hits)
        }

        static func model(days: Int, _ found: Found, workspace: String, canReview: Bool, canDecide: Bool, locale: UILocale) -> Model {
            let report = found.report
            let categories = report.byCategory.keys.sorted().map { category($0, hits: report.byCategory[$0]!, locale) }
            let maximum = max(1, report.days.map(\.hits).max() ?? 1)
            let byDay = Dictionary(grouping: report.days, by: \.date).sorted { $0.key > $1.key }.map { date, entries in
                Day(
                    date: date,
                    cells: categories.map { category in
                        let hits = entries.first { $0.category == category.code }?.hits ?? 0
                        return (hits, Int(Double(hits) / Double(maximum) * 60))
                    })
            }
            let terms = report.topTerms.map {
                Term(
                    term: $0.term, category: category($0.category, hits: 0, locale), severity: $0.severity, hits: $0.hits, inPosts: $0.inPosts,
                    inMessages: $0.inMessages, falsePositives: $0.falsePositives)
            }
            let reports = report.openFeedback.map {
                OpenReport(id: $0.id.uuidString, term: $0.term, phrase: $0.phrase, note: $0.note, at: $0.createdAt)
            }
            return Model(
                base: workspace + "/moderation", days: days, categories: categories, byDay: byDay, terms: terms, reports: reports,
                canReview: canReview,
                canDecide: canDecide)
        }

        static func label(_ category: Category) -> HTML { category.typed ? HTML.typed(category.label) : HTML("\(category.label)") }

        static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
            let byDay: HTML =
                model.byDay.isEmpty
                ? "<div class=\"empty-state\" id=\"no-hits\"><p>\(ctx.t("moderation.no_hits"))</p></div>"
                : """
                <div class="table-scroll"><table id="hits-by-day"><thead><tr><th>\(ctx.t("moderation.date"))</th>\(HTML.join(model.categories.map { "<th>\(label($0)) (\($0.hits))</th>" }))</tr></thead>
                <tbody>\(HTML.join(model.byDay.map { day -> HTML in "<tr><td>\(day.date)</td>\(HTML.join(day.cells.map { "<td><span class=\"bar\" style=\"width: \($0.width)px\"></span> \($0.hits)</td>" }))</tr>" }))</tbody></table></div>
                """
            let termRows = model.terms.map { term -> HTML in
                let flag: HTML =
                    model.canReview
                    ? "<details><summary>\(ctx.t("moderation.false_positive"))</summary><form method=\"post\" action=\"\(model.base)/feedback\" class=\"stack\">\(ctx.csrfField)<input type=\"hidden\" name=\"term\" value=\"\(term.term)\"><label>\(ctx.t("moderation.allow_phrase"))<input name=\"phrase\" value=\"\(term.term)\" required translate=\"no\"></label><label>\(ctx.t("moderation.note"))<input name=\"note\" translate=\"no\"></label><button type=\"submit\">\(ctx.t("moderation.send_feedback"))</button></form></details>"
                    : .empty
                return
                    "<tr><td translate=\"no\">\(term.term)</td><td>\(term.category.code.isEmpty ? HTML("—") : label(term.category))</td><td>\(term.hits)</td><td>\(term.inPosts)</td><td>\(term.inMessages)</td><td>\(term.falsePositives)</td><td>\(flag)</td></tr>"
            }
            let topTerms: HTML =
                termRows.isEmpty
                ? "<p class=\"empty\">\(ctx.t("moderation.no_terms_found"))</p>"
                : """
                <div class="table-scroll"><table id="top-terms"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.category"))</th><th>\(ctx.t("moderation.hits"))</th><th>\(ctx.t("moderation.in_posts"))</th><th>\(ctx.t("moderation.in_messages"))</th><th>\(ctx.t("moderation.false_positives"))</th><th><span class="visually-hidden">\(ctx.t("moderation.false_positive"))</span></th></tr></thead>
                <tbody>\(HTML.join(termRows))</tbody></table></div>
                """
            let reportRows = model.reports.map { item -> HTML in
                let actions: HTML =
                    model.canDecide
                    ? """
                    <form method="post" action="\(model.base)/feedback/\(item.id)/decision" class="inline">\(ctx.csrfField)<input type="hidden" name="accept" value="true"><button type="submit" class="link accept-feedback">\(ctx.t("moderation.accept"))</button></form>
                    <form method="post" action="\(model.base)/feedback/\(item.id)/decision" class="inline">\(ctx.csrfField)<input type="hidden" name="accept" value="false"><button type="submit" class="link">\(ctx.t("moderation.dismiss"))</button></form>
                    """
                    : .empty
                return
                    "<tr><td translate=\"no\">\(item.term)</td><td translate=\"no\">\(item.phrase)</td><td translate=\"no\">\(item.note)</td><td>\(Layout.time(item.at, ctx))</td><td>\(actions)</td></tr>"
            }
            let feedback: HTML =
                reportRows.isEmpty
                ? "<p class=\"empty\">\(ctx.t("moderation.no_feedback"))</p>"
                : """
                <div class="table-scroll"><table id="open-feedback"><thead><tr><th>\(ctx.t("moderation.term"))</th><th>\(ctx.t("moderation.allow_phrase"))</th><th>\(ctx.t("moderation.note"))</th><th>\(ctx.t("moderation.reported"))</th><th><span class="visually-hidden">\(ctx.t("moderation.decision"))</span></th></tr></thead>
                <tbody>\(HTML.join(reportRows))</tbody></table></div>
                """
            return """
                <h1>\(ctx.t("nav.moderation"))</h1>
                \(tabs)
                <p>\(ctx.t("moderation.report_intro", String(model.days)))</p>
                <form method="get" action="\(model.base)" class="inline wrap"><label>\(ctx.t("moderation.days")) <input type="number" name="days" min="1" max="366" value="\(String(model.days))"></label> <button type="submit">\(ctx.t("moderation.show"))</button></form>
                <h2>\(ctx.t("moderation.by_category"))</h2>\(byDay)
                <h2>\(ctx.t("moderation.top_terms"))</h2>\(topTerms)
                <h2>\(ctx.t("moderation.feedback"))</h2>\(feedback)
                """
        }
    }

    // MARK: Incoming messages

    enum Messages {
        struct Found: Sendable {
            var messages: [IncomingMessageDTO] = []
            /// The platform whose rules each account follows, by account.
            var platforms: [UUID: String] = [:]
            /// What each account can do through its platform.
            var moves: [UUID: Set<ModerationMove>] = [:]
            /// What was done and not undone, by message.
            var actions: [UUID: [MessageAction]] = [:]
        }

        struct Row: Sendable {
            var receivedAt: Date
            var platform: String
            var handle: String
            var author: String
            var text: String
            var matches: [ModerationMatch]
            var reasons: [(term: String, why: String)]
            var analysis: IncomingMessageDTO.Analysis?
            var recommendation: String
            /// Buttons for what the platform allows and was not done yet,
            /// the recommended one first.
            var offers: [(move: String, label: String, recommended: Bool)] = []
            /// What was done or tried, by a person or the rule.
            var done: [Done] = []
            var actBase: String = ""
            var canAct = false
        }

        /// One move on the platform: its label and tone, who made it (a
        /// person's address, or the rule in the reader's language), the
        /// platform's words or why it was not possible, and, where it can
        /// be undone, the undo's action.
        struct Done: Sendable {
            var label: String
            var tone: Badge.Tone
            var actor: String
            var byRule: Bool
            /// The platform's own words stay out of translation.
            var note: Wording?
            var undo: String?
        }

        struct Model: Sendable {
            var base: String
            var flaggedOnly: Bool
            var rows: [Row]
            var inboxHref: String
        }

        static func query(flaggedOnly: Bool, access: WorkspaceAccess, app: Application, on db: any Database) async throws -> Found {
            let query = access.query(IncomingMessage.self, on: db).with(\.$account)
            if flaggedOnly { query.filter(\.$recommendation != ModerationAction.none.rawValue) }
            let messages = try await query.sort(\.$id, .descending).limit(200).all()
            var platforms: [UUID: String] = [:]
            var moves: [UUID: Set<ModerationMove>] = [:]
            let acting = PlatformModeration(db: db, app: app)
            for message in messages where platforms[message.account.id!] == nil {
                platforms[message.account.id!] = message.account.rulesPlatform
                moves[message.account.id!] = acting.moves(for: message.account)
            }
            let ids = messages.map { $0.id! }
            let actions =
                ids.isEmpty
                ? []
                : try await access.query(MessageAction.self, on: db).filter(\.$messageID ~~ ids).filter(\.$undoneAt == nil).sort(\.$at).all()
            return Found(
                messages: messages.map { IncomingMessageDTO($0, account: $0.account) }, platforms: platforms, moves: moves,
                actions: Dictionary(grouping: actions, by: \.messageID))
        }

        /// How one recorded move reads on the page.
        static func done(_ action: MessageAction, platform: String, allowed: Set<ModerationMove>, workspace: String, locale: UILocale) -> Done {
            let move = action.move
            let actor = action.byRule ? I18n.text("moderation.by_rule", locale) : action.actor
            var done = Done(label: I18n.text("moderation.done.\(move)", locale), tone: .neutral, actor: actor, byRule: action.byRule)
            switch action.settled {
            case .done:
                done.undo =
                    ModerationMove(rawValue: move)?.undo == nil
                    ? nil : "\(workspace)/moderation/actions/\(action.id!.uuidString.lowercased())/undo"
            case .pending:
                done.label = I18n.text("moderation.move.\(move)", locale)
                done.tone = .info
                done.note = .ours(I18n.text("moderation.outcome.pending", locale))
            case .failed:
                done.label = I18n.text("moderation.failed.\(move)", locale)
                done.tone = .danger
                done.note = action.reason.map { Wording.sentence("moderation.platform_said", locale, [.typed($0)]) }
            case .notPossible:
                done.label = I18n.text("moderation.impossible.\(move)", locale)
                done.tone = .warning
                done.note = .ours(
                    CodedMessage.moveNotOffered(
                        move: I18n.text("moderation.move.\(move)", locale), platform: platform,
                        moves: ModerationMove.offered.filter { allowed.contains($0) }.map { I18n.text("moderation.move.\($0.rawValue)", locale) }
                    ).text(locale))
            case .unknown:
                done.label = I18n.text("moderation.move.\(move)", locale)
                done.tone = .warning
                done.note = .ours(I18n.text("moderation.outcome.unknown", locale))
            }
            return done
        }

        static func model(flaggedOnly: Bool, _ found: Found, workspace: String, canAct: Bool = false, locale: UILocale) -> Model {
            let rows = found.messages.map { message in
                let allowed = found.moves[message.accountId] ?? []
                let done = found.actions[message.id] ?? []
                // What is in effect is not offered again; what a rule tried
                // and could not do still is, for a person to try.
                let doneMoves = Set(done.filter(\.inEffect).map(\.move))
                let recommended = ModerationAction(rawValue: message.moderation.recommendation).flatMap {
                    ModerationMove.recommended(for: $0, allowed: allowed)
                }
                let offers = PlatformModeration.offered.filter { allowed.contains($0) && !doneMoves.contains($0.rawValue) }
                    .sorted { ($0 == recommended ? 0 : 1) < ($1 == recommended ? 0 : 1) }
                    .map { (move: $0.rawValue, label: I18n.text("moderation.move.\($0.rawValue)", locale), recommended: $0 == recommended) }
                var row = Row(
                    receivedAt: message.receivedAt, platform: found.platforms[message.accountId] ?? message.platform, handle: message.handle,
                    author: message.authorName, text: message.text, matches: message.moderation.matches,
                    reasons: message.moderation.matches.map { match in
                        (
                            match.term,
                            I18n.text(
                                "moderation.why_match", locale,
                                [
                                    ModerationVocabulary.category(match.category, locale).text,
                                    ModerationVocabulary.severity(match.severity.rawValue, locale),
                                ])
                        )
                    }, analysis: message.analysis, recommendation: message.moderation.recommendation)
                row.offers = offers
                let platform = found.platforms[message.accountId] ?? message.platform
                row.done = done.map { Self.done($0, platform: platform, allowed: allowed, workspace: workspace, locale: locale) }
                row.actBase = "\(workspace)/moderation/messages/\(message.id.uuidString.lowercased())/act"
                row.canAct = canAct
                return row
            }
            return Model(base: workspace + "/moderation/messages", flaggedOnly: flaggedOnly, rows: rows, inboxHref: workspace + "/inbox")
        }

        /// What was done on the platform, with its undo, and buttons for
        /// what may still be done.
        static func actions(_ row: Row, _ ctx: PageContext) -> HTML {
            let done = HTML.join(
                row.done.map { item -> HTML in
                    let undo: HTML =
                        row.canAct
                        ? item.undo.map { href -> HTML in
                            " <form method=\"post\" action=\"\(href)\" class=\"inline\">\(ctx.csrfField)<button type=\"submit\" class=\"link\">\(ctx.t("moderation.undo"))</button></form>"
                        } ?? .empty : .empty
                    let actor: HTML =
                        item.byRule
                        ? "<small class=\"muted by-rule\">\(item.actor)</small>" : "<small class=\"muted\" translate=\"no\">\(item.actor)</small>"
                    let note: HTML = item.note.map { "<br><small class=\"note\">\($0.html)</small>" } ?? .empty
                    return "<div class=\"done\">\(Badge.html(item.label, tone: item.tone)) \(actor)\(undo)\(note)</div>"
                })
            guard row.canAct, !row.offers.isEmpty else {
                return row.done.isEmpty && row.offers.isEmpty
                    ? HTML("<span class=\"muted\">\(ctx.t("moderation.platform_allows_nothing"))</span>") : done
            }
            let buttons = HTML.join(
                row.offers.map { offer -> HTML in
                    "<button type=\"submit\" name=\"move\" value=\"\(offer.move)\" class=\"\(offer.recommended ? "danger" : "secondary")\" data-move=\"\(offer.move)\">\(offer.label)</button>"
                }, separator: " ")
            return "\(done)<form method=\"post\" action=\"\(row.actBase)\" class=\"inline act-form\">\(ctx.csrfField)\(buttons)</form>"
        }

        static func view(_ model: Model, _ ctx: PageContext, tabs: HTML) -> HTML {
            let rows = model.rows.map { row -> HTML in
                let reasons = HTML.join(
                    row.reasons.map { "<span class=\"reason\">\(HTML.typed($0.term)) \($0.why)</span>" as HTML }, separator: "<br>")
                return """
                    <tr data-recommendation="\(row.recommendation)"><td>\(Layout.time(row.receivedAt, ctx))</td><td>\(Badge.platform(row.platform, ctx.locale)) \(HTML.typed("@" + row.handle))</td><td translate="no">\(row.author)</td>
                    <td class="message-text" translate="no">\(ModerationVocabulary.highlighted(row.text, row.matches, ctx.locale))</td><td>\(reasons)</td>
                    <td class="analysis">\(ModerationVocabulary.analysis(row.analysis, ctx.locale))</td>
                    <td>\(ModerationVocabulary.recommendation(row.recommendation, ctx.locale))</td><td class="platform-actions">\(actions(row, ctx))</td></tr>
                    """
            }
            let toggle: HTML =
                model.flaggedOnly
                ? "<a href=\"\(model.base)?all=1\">\(ctx.t("moderation.show_all"))</a>"
                : "<a href=\"\(model.base)\">\(ctx.t("moderation.show_flagged"))</a>"
            let list: HTML =
                rows.isEmpty
                ? """
                <div class="empty-state" id="no-messages"><p>\(ctx.t(model.flaggedOnly ? "moderation.no_messages" : "moderation.no_messages_at_all"))</p>\
                <p>\(model.flaggedOnly ? toggle : HTML("<a href=\"\(model.inboxHref)\">\(ctx.t("nav.inbox"))</a>"))</p></div>
                """
                : """
                <div class="table-scroll"><table id="incoming-messages"><thead><tr><th>\(ctx.t("moderation.received"))</th><th>\(ctx.t("moderation.account"))</th><th>\(ctx.t("moderation.author"))</th><th>\(ctx.t("moderation.message"))</th><th>\(ctx.t("moderation.why"))</th><th>\(ctx.t("inbox.analysis"))</th><th>\(ctx.t("moderation.recommendation"))</th><th>\(ctx.t("moderation.on_platform"))</th></tr></thead><tbody>\(HTML.join(rows))</tbody></table></div>
                """
            return """
                <h1>\(ctx.t("moderation.tab_messages"))</h1>
                \(tabs)
                <p>\(ctx.t("moderation.messages_intro"))</p><p>\(toggle)</p>
                \(list)
                """
        }
    }
}
