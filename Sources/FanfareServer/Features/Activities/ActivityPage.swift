import FanfareCore
import Fluent
import SQLKit
import Vapor

/// The activities list with the form that starts one, and one activity's
/// page: its facts, its moves along the lifecycle, a poll's tally, a
/// lottery's verifiable draw, entering a fan on their behalf and the
/// entries. query → model → view; the model names kinds, statuses,
/// privileges and levels in the reader's language and keeps what people
/// typed (titles, options, answers, names) out of translation.
enum ActivityListPage {
    /// The new-activity form as typed.
    struct Values: Sendable, Equatable {
        var kind = "check_in"
        var title = ""
        var endsAt = ""
        var question = ""
        var options = ""
        var prize = ""
        var winners = "1"
        var hashtag = ""
        var segmentID = ""
        var questions = ""
        var pointsPerCorrect = "10"
        var privilege = ""
        var openToAllAt = ""
        var venue = ""
        var happensAt = ""
        var places = ""
    }

    struct Input: Sendable {
        var values = Values()
        var errors = FormErrors()
    }

    struct Listed: Sendable, Equatable {
        var id: UUID
        var title: String
        var kind: String
        var status: String
        var entries: Int
        var endsAt: Date
    }

    struct Found: Sendable {
        var activities: [Listed] = []
        var segments: [(id: UUID, name: String)] = []
        var ladder = LevelLadder.standard
    }

    struct Model: Sendable {
        struct Row: Sendable, Equatable {
            var href: String
            var title: String
            var kind: String
            var status: String
            var statusCode: String
            var tone: Badge.Tone
            var entries: String
            var endsAt: Date
        }

        var slug: String
        var base: String
        var input: Input
        var rows: [Row]
        var manage: Bool
        var kindOptions: [(value: String, label: Wording)]
        var segmentOptions: [(value: String, label: Wording)]
        var privilegeOptions: [(value: String, label: Wording)]
        var intro: Wording
    }

    static func query(access: WorkspaceAccess, on db: any Database) async throws -> Found {
        let service = ActivityService(db: db)
        let activities = try await service.list(in: access)
        let counts = try await service.entryCounts(activities.compactMap(\.id))
        let segments = access.can(.fansManage) ? try await access.query(Segment.self, on: db).sort(\.$name).all() : []
        return Found(
            activities: activities.map {
                Listed(id: $0.id!, title: $0.title, kind: $0.kind, status: $0.status, entries: counts[$0.id!] ?? 0, endsAt: $0.endsAt)
            }, segments: segments.map { ($0.id!, $0.name) }, ladder: try await FanService.programme(of: access.workspaceID, on: db).levels)
    }

    static func kind(_ raw: String, _ locale: UILocale) -> String {
        ActivityKind(rawValue: raw) != nil ? I18n.text("activities.kind." + raw, locale) : raw
    }

    static func status(_ raw: String, _ locale: UILocale) -> String {
        ActivityStatus(rawValue: raw) != nil ? I18n.text("activities.status." + raw, locale) : raw
    }

    static func tone(_ raw: String) -> Badge.Tone {
        switch ActivityStatus(rawValue: raw) {
        case .open: .success
        case .closed: .warning
        case .drawn: .info
        case .draft, .finished, nil: .neutral
        }
    }

    /// "抽奖资格（等级 2 常客 及以上）": a privilege and the lowest level that grants it.
    static func privilege(_ raw: String, ladder: LevelLadder, _ locale: UILocale) -> Wording {
        let name = Wording.ours(FanService.privilegeName(raw, locale))
        guard let level = ActivityReservation(privilege: raw).lowestLevel(in: ladder) else {
            return .sentence("activities.privilege_no_level", locale, [name])
        }
        return .sentence("activities.privilege_from_level", locale, [name, .ours(String(level.number)), FanService.levelName(level, locale)])
    }

    static func model(_ input: Input, _ found: Found, access: (manage: Bool, slug: String), locale: UILocale) -> Model {
        let base = "/w/\(access.slug)/activities"
        let intro = Wording.sentence(
            "activities.intro", locale, [.typed("签到"), .typed("check in"), .typed("报名"), .typed("sign up")])
        return Model(
            slug: access.slug, base: base, input: input,
            rows: found.activities.map {
                Model.Row(
                    href: "\(base)/\($0.id.uuidString.lowercased())", title: $0.title, kind: kind($0.kind, locale), status: status($0.status, locale),
                    statusCode: $0.status, tone: tone($0.status), entries: Formats.count($0.entries, locale), endsAt: $0.endsAt)
            }, manage: access.manage,
            kindOptions: ActivityKind.allCases.map { ($0.rawValue, Wording.ours(kind($0.rawValue, locale))) },
            segmentOptions: [("", Wording.ours(I18n.text("activities.every_fan", locale)))]
                + found.segments.map { ($0.id.uuidString.lowercased(), Wording.typed($0.name)) },
            privilegeOptions: [("", Wording.ours(I18n.text("activities.every_fan", locale)))]
                + LoyaltyPrivilege.known.map { ($0, privilege($0, ladder: found.ladder, locale)) },
            intro: intro)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        let rows = model.rows.map { row -> HTML in
            """
            <tr class="activity-row"><td translate="no"><a href="\(row.href)">\(row.title)</a></td><td>\(row.kind)</td>\
            <td class="activity-status">\(Badge.html(row.status, tone: row.tone, data: [("code", row.statusCode)]))</td><td>\(row.entries)</td>\
            <td>\(Layout.time(row.endsAt, ctx))</td></tr>
            """
        }
        let list: HTML =
            rows.isEmpty
            ? "<div class=\"empty-state\" id=\"activities-empty\"><p>\(ctx.t(model.manage ? "activities.none" : "activities.none_viewer"))</p></div>"
            : """
            <div class="table-scroll"><table id="activities"><thead><tr><th>\(ctx.t("activities.title_field"))</th><th>\(ctx.t("activities.kind"))</th>\
            <th>\(ctx.t("activities.status"))</th><th>\(ctx.t("activities.entries"))</th><th>\(ctx.t("activities.ends_at"))</th></tr></thead>\
            <tbody>\(rows)</tbody></table></div>
            """
        return """
            <h1>\(ctx.t("fans.tab_activities"))</h1>
            \(FanService.areaTabs(ctx, slug: model.slug, current: model.base))
            \(Layout.errorSummary(ctx, model.input.errors))
            <p>\(model.intro.html)</p>
            \(list)
            \(model.manage ? form(model, ctx) : .empty)
            """
    }

    private static func form(_ model: Model, _ ctx: PageContext) -> HTML {
        let values = model.input.values
        let errors = model.input.errors
        return """
            <section class="card"><h2>\(ctx.t("activities.new"))</h2><p class="hint">\(ctx.t("activities.new_hint"))</p>
            <form method="post" action="\(model.base)" id="activity-form" class="stack">\(ctx.csrfField)
            \(Forms.select(ctx, name: "kind", label: .ours(ctx.t("activities.kind")), options: model.kindOptions, selected: values.kind, errors: errors))
            \(Layout.field(ctx, name: "title", label: ctx.t("activities.title_field"), value: values.title, errors: errors))
            \(Layout.field(ctx, name: "ends_at", label: ctx.t("activities.ends_at"), type: "datetime-local", value: values.endsAt, errors: errors, hint: ctx.t("activities.ends_at_hint")))
            \(Forms.select(ctx, name: "segment_id", label: .ours(ctx.t("activities.audience")), options: model.segmentOptions, selected: values.segmentID, errors: errors))
            \(Forms.select(ctx, name: "privilege", label: .ours(ctx.t("activities.privilege")), options: model.privilegeOptions, selected: values.privilege, errors: errors, hint: ctx.t("activities.privilege_hint")))
            \(Layout.field(ctx, name: "open_to_all_at", label: ctx.t("activities.open_to_all_at"), type: "datetime-local", value: values.openToAllAt, errors: errors, required: false, hint: ctx.t("activities.open_to_all_at_hint")))
            \(Layout.field(ctx, name: "question", label: ctx.t("activities.question"), value: values.question, errors: errors, required: false))
            \(Forms.textarea(ctx, name: "options", label: ctx.t("activities.options"), value: values.options, errors: errors, rows: 3, required: false, hint: ctx.t("activities.options_hint")))
            \(Layout.field(ctx, name: "prize", label: ctx.t("activities.prize"), value: values.prize, errors: errors, required: false))
            \(Layout.field(ctx, name: "winners", label: ctx.t("activities.winners"), type: "number", value: values.winners, errors: errors, required: false))
            \(Layout.field(ctx, name: "hashtag", label: ctx.t("activities.hashtag"), value: values.hashtag, errors: errors, required: false))
            \(Forms.textarea(ctx, name: "questions", label: ctx.t("activities.questions"), value: values.questions, errors: errors, rows: 6, required: false, hint: ctx.t("activities.questions_hint")))
            \(Layout.field(ctx, name: "points_per_correct", label: ctx.t("activities.points_per_correct"), type: "number", value: values.pointsPerCorrect, errors: errors, required: false))
            \(Layout.field(ctx, name: "venue", label: ctx.t("activities.venue"), value: values.venue, errors: errors, required: false))
            \(Layout.field(ctx, name: "places", label: ctx.t("activities.places"), type: "number", value: values.places, errors: errors, required: false))
            \(Layout.field(ctx, name: "happens_at", label: ctx.t("activities.happens_at"), type: "datetime-local", value: values.happensAt, errors: errors, required: false))
            <button type="submit" class="primary" id="create-activity">\(ctx.t("activities.create"))</button></form></section>
            """
    }
}

/// One activity.
enum ActivityPage {
    struct Input: Sendable {
        var activityID: String?
        var errors = FormErrors()
    }

    struct Entry: Sendable, Equatable {
        var id: UUID
        var fanID: UUID
        var fanName: String
        var options: [Int]
        var text: String?
        var at: Date
    }

    struct Found: Sendable {
        var id: UUID
        var title: String
        var kind: String
        var status: String
        var endsAt: Date
        var settings: ActivitySettings?
        var privilege: String?
        var openToAllAt: Date?
        var seedCommitment: String?
        var seed: String?
        var result: ActivityResult?
        var verification: Lottery.VerificationResult?
        var entries: [Entry] = []
        var fans: [(id: UUID, name: String)] = []
        var ladder = LevelLadder.standard
    }

    struct Model: Sendable {
        struct EntryRow: Sendable, Equatable {
            var id: String
            var fan: String
            var said: String
            var at: Date
            var winner: Bool
        }
        struct Tally: Sendable, Equatable {
            var option: String
            var votes: String
        }
        struct Proof: Sendable, Equatable {
            var seedHash: String
            /// The seed once drawn; nil before.
            var seed: String?
            var entrantListHash: String?
            var entrants: [String]?
            var winners: [String]?
            var verdict: String?
            var verdictCode: String?
            var verdictOK: Bool
            var command: String?
        }

        var slug: String
        var base: String
        var title: String
        var kind: String
        var status: String
        var statusCode: String
        var tone: Badge.Tone
        var endsAt: Date
        var reservedFor: Wording?
        var privilege: String?
        var openToAllAt: Date?
        var venue: String?
        var happensAt: Date?
        var placesLeft: (left: Int, text: String)?
        var moves: [(status: String, label: String)]
        var question: String?
        var tally: [Tally]
        var proof: Proof?
        var entries: [EntryRow]
        var entryCount: String
        var emptyEntries: String
        var errors: FormErrors
        var manage: Bool
        /// The entry form, when the activity is open and the reader may enter fans.
        var enter: Enter?

        struct Enter: Sendable {
            var fanOptions: [(value: String, label: Wording)]
            var pollOptions: [(value: String, label: Wording)]?
            var ugc: Bool
            var quiz: [(question: String, options: [(value: String, label: Wording)])]
        }
    }

    static func query(_ input: Input, access: WorkspaceAccess, on db: any Database) async throws -> Found {
        let service = ActivityService(db: db)
        let activity = try await service.find(input.activityID, in: access)
        guard let sql = db as? any SQLDatabase else { throw Problem.notFound("Activity") }
        let text = SQLRows.uuidsAsText(sql)
        // The first 500 entries with their fans' names, as plain rows in one
        // statement (before: entry models, then the fans as `Fan` models).
        let entryRows = try await sql.raw(
            """
            SELECT e.id, e.fan_id, e.answer, e.at, COALESCE(f.display_name, '') AS fan_name FROM activity_entries e \
            LEFT JOIN fans f ON f.id = e.fan_id AND f.workspace_id = \(bind: access.workspaceID) \
            WHERE e.activity_id = \(bind: activity.id!) ORDER BY e.id LIMIT 500
            """
        ).all()
        var found = Found(
            id: activity.id!, title: activity.title, kind: activity.kind, status: activity.status, endsAt: activity.endsAt,
            settings: activity.settings,
            privilege: activity.privilege, openToAllAt: activity.openToAllAt, seedCommitment: activity.seedCommitment, seed: activity.seed,
            result: activity.result)
        if activity.kind == ActivityKind.lottery.rawValue, activity.activityStatus == .drawn { found.verification = try? service.verify(activity) }
        let decoder = JSONDecoder()
        found.entries = try entryRows.map { row in
            let answer = (try? decoder.decode(EntryAnswer.self, from: Data(try row.decode(column: "answer", as: String.self).utf8))) ?? EntryAnswer()
            return Entry(
                id: try SQLRows.uuid(row, "id", asText: text), fanID: try SQLRows.uuid(row, "fan_id", asText: text),
                fanName: try row.decode(column: "fan_name", as: String.self), options: answer.options ?? [], text: answer.text,
                at: try row.decode(column: "at", as: Date.self))
        }
        found.ladder = try await FanService.programme(of: access.workspaceID, on: db).levels
        if access.can(.fansManage), activity.activityStatus == .open {
            // Names only: filling 200 `Fan` models cost more than the page.
            found.fans = try await sql.raw(
                """
                SELECT id, display_name FROM fans WHERE workspace_id = \(bind: access.workspaceID) AND merged_into IS NULL \
                AND erased_at IS NULL ORDER BY id DESC LIMIT 200
                """
            ).all().map { (try SQLRows.uuid($0, "id", asText: text), try $0.decode(column: "display_name", as: String.self)) }
        }
        return found
    }

    /// The re-run's verdict in the reader's language.
    static func verdict(_ check: Lottery.VerificationResult, entrants: [String], claimed: [String], _ locale: UILocale) -> String {
        switch check.outcome {
        case .ok:
            I18n.text(
                "activities.verdict.ok", locale,
                [String(check.recomputed?.count ?? claimed.count), String(Lottery.canonicalEntrants(entrants).count)])
        case .hashMismatch: I18n.text("activities.verdict.hash_mismatch", locale)
        case .winnersMismatch:
            I18n.text(
                "activities.verdict.winners_mismatch", locale,
                [
                    String(
                        (zip(check.recomputed ?? [], claimed).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                            ?? min(check.recomputed?.count ?? 0, claimed.count)) + 1)
                ])
        case .invalid: I18n.text("activities.verdict.invalid", locale)
        }
    }

    static func model(_ input: Input, _ found: Found, access: (manage: Bool, personalData: Bool, slug: String), locale: UILocale) -> Model {
        let base = "/w/\(access.slug)/activities/\(found.id.uuidString.lowercased())"
        let status = ActivityStatus(rawValue: found.status) ?? .draft
        let winners = Set(found.result?.winners ?? [])
        var question: String?
        var tally: [Model.Tally] = []
        var placesLeft: (left: Int, text: String)?
        var venue: String?
        var happensAt: Date?
        var enter: Model.Enter?
        let entries = found.entries.map { entry in
            var said = entry.text ?? ""
            if case .poll(let poll) = found.settings, entry.text == nil {
                said = entry.options.compactMap { poll.options.indices.contains($0) ? poll.options[$0] : nil }.joined(separator: ", ")
            }
            let id = entry.id.uuidString.lowercased()
            return Model.EntryRow(
                id: id, fan: FanService.visibleName(entry.fanName, personalData: access.personalData), said: said, at: entry.at,
                winner: winners.contains(id))
        }
        switch found.settings {
        case .poll(let poll):
            question = poll.question
            tally = poll.options.indices.map { index in
                Model.Tally(option: poll.options[index], votes: Formats.count(found.entries.filter { $0.options.contains(index) }.count, locale))
            }
        case .signUp(let signUp):
            venue = signUp.venue.isEmpty ? nil : signUp.venue
            happensAt = signUp.happensAt
            let left = max(0, signUp.places - found.entries.count)
            placesLeft = (left, I18n.text("activities.places_left", locale, [String(left), String(signUp.places)]))
        default: break
        }
        if access.manage, status == .open {
            var pollOptions: [(value: String, label: Wording)]?
            var quiz: [(question: String, options: [(value: String, label: Wording)])] = []
            var ugc = false
            switch found.settings {
            case .poll(let poll): pollOptions = poll.options.enumerated().map { (String($0.offset), Wording.typed($0.element)) }
            case .ugcChallenge: ugc = true
            case .quiz(let settings):
                quiz = settings.questions.map { question in
                    (
                        question.question,
                        [("", Wording.ours(I18n.text("activities.no_answer", locale)))]
                            + question.options.enumerated().map { (String($0.offset), Wording.typed($0.element)) }
                    )
                }
            default: break
            }
            enter = Model.Enter(
                fanOptions: [("", Wording.ours(I18n.text("fans.choose_fan", locale)))]
                    + found.fans.map {
                        ($0.id.uuidString.lowercased(), Wording.typed(FanService.visibleName($0.name, personalData: access.personalData)))
                    },
                pollOptions: pollOptions, ugc: ugc, quiz: quiz)
        }
        var proof: Model.Proof?
        if found.kind == ActivityKind.lottery.rawValue {
            let drawn = status == .drawn
            let check = found.verification
            proof = Model.Proof(
                seedHash: found.seedCommitment ?? "", seed: drawn ? found.seed : nil, entrantListHash: found.result?.entrantListHash,
                entrants: found.result?.entrants, winners: found.result?.winners,
                verdict: check.map { verdict($0, entrants: found.result?.entrants ?? [], claimed: found.result?.winners ?? [], locale) },
                verdictCode: check?.outcome.rawValue, verdictOK: check?.isOK ?? false,
                command: drawn
                    ? "fanfare lottery verify --seed \(found.seed ?? "") --seed-hash \(found.seedCommitment ?? "") --entrants FILE --winners N --claimed FILE"
                    : nil)
        }
        let reservedFor = found.privilege.map { privilege in
            Wording.sentence("activities.reserved_for", locale, [ActivityListPage.privilege(privilege, ladder: found.ladder, locale)])
        }
        let emptyEntries: String
        switch status {
        case .draft: emptyEntries = I18n.text("activities.no_entries_draft", locale)
        case .open: emptyEntries = I18n.text(access.manage ? "activities.no_entries_open" : "activities.no_entries_open_viewer", locale)
        default: emptyEntries = I18n.text("activities.no_entries_closed", locale)
        }
        return Model(
            slug: access.slug, base: base, title: found.title, kind: ActivityListPage.kind(found.kind, locale),
            status: ActivityListPage.status(found.status, locale), statusCode: found.status, tone: ActivityListPage.tone(found.status),
            endsAt: found.endsAt, reservedFor: reservedFor, privilege: found.privilege, openToAllAt: found.privilege != nil ? found.openToAllAt : nil,
            venue: venue,
            happensAt: happensAt, placesLeft: placesLeft,
            moves: access.manage
                ? ActivityLifecycle.allowed(from: status, kind: ActivityKind(rawValue: found.kind) ?? .poll).map {
                    ($0.rawValue, I18n.text("activities.move." + $0.rawValue, locale))
                } : [],
            question: question, tally: tally, proof: proof, entries: entries, entryCount: Formats.count(entries.count, locale),
            emptyEntries: emptyEntries, errors: input.errors, manage: access.manage, enter: enter)
    }

    static func view(_ model: Model, _ ctx: PageContext) -> HTML {
        var facts: [HTML] = []
        if let reserved = model.reservedFor {
            facts.append("<span id=\"reserved-for\" data-privilege=\"\(model.privilege ?? "")\">\(reserved.html)</span>")
        }
        if let open = model.openToAllAt {
            facts.append("<span id=\"open-to-all\">\(ctx.t("activities.open_to_all_from")) \(Layout.time(open, ctx))</span>")
        }
        if let venue = model.venue { facts.append("<span id=\"venue\" translate=\"no\">\(venue)</span>") }
        if let happens = model.happensAt { facts.append("\(ctx.t("activities.happens_at_short")) \(Layout.time(happens, ctx))") }
        if let places = model.placesLeft { facts.append("<span id=\"places-left\" data-left=\"\(places.left)\">\(places.text)</span>") }
        let moves = model.moves.map { move -> HTML in
            """
            <form method="post" action="\(model.base)/status" class="inline">\(ctx.csrfField)<input type="hidden" name="status" value="\(move.status)">\
            <button type="submit" id="move-\(move.status)">\(move.label)</button></form>
            """
        }
        let tally: HTML =
            model.question.map { question -> HTML in
                let rows = model.tally.map { row -> HTML in "<tr><td translate=\"no\">\(row.option)</td><td class=\"votes\">\(row.votes)</td></tr>" }
                return """
                    <h2 translate="no">\(question)</h2><div class="table-scroll"><table id="poll-tally"><thead><tr><th>\(ctx.t("activities.option"))</th>\
                    <th>\(ctx.t("activities.votes"))</th></tr></thead><tbody>\(rows)</tbody></table></div>
                    """
            } ?? .empty
        let entries = model.entries.map { entry -> HTML in
            """
            <tr class="entry-row\(entry.winner ? " winner" : "")" data-entry="\(entry.id)"><td translate="no">\(entry.fan)</td><td translate="no">\(entry.said)</td>\
            <td>\(Layout.time(entry.at, ctx))</td><td>\(entry.winner ? Badge.html(ctx.t("activities.winner"), tone: .success, data: [("code", "winner")]) : .empty)</td></tr>
            """
        }
        let entryList: HTML =
            entries.isEmpty
            ? "<div class=\"empty-state\" id=\"entries\"><p>\(model.emptyEntries)</p></div>"
            : """
            <div class="table-scroll"><table id="entries"><thead><tr><th>\(ctx.t("activities.fan"))</th><th>\(ctx.t("activities.answer"))</th>\
            <th>\(ctx.t("fans.at"))</th><th></th></tr></thead><tbody>\(entries)</tbody></table></div>
            """
        return """
            <h1 translate="no">\(model.title)</h1>
            \(FanService.areaTabs(ctx, slug: model.slug, current: "/w/\(model.slug)/activities"))
            \(Layout.errorSummary(ctx, model.errors))
            \(model.errors["status"].map { e -> HTML in "<p class=\"error\" id=\"status-error\">\(e.text(ctx.locale))</p>" })
            <p>\(model.kind) · <span id="activity-status" data-code="\(model.statusCode)">\(model.status)</span> · \(ctx.t("activities.until")) \(Layout.time(model.endsAt, ctx))</p>
            \(facts.isEmpty ? HTML.empty : HTML("<p id=\"activity-facts\">\(HTML.join(facts, separator: " · "))</p>"))
            \(model.manage && !moves.isEmpty ? HTML("<p id=\"moves\">\(moves)</p>") : .empty)
            \(tally)
            \(model.proof.map { Self.proof(ctx, $0) })
            \(model.enter.map { Self.enterForm(model, $0, ctx) })
            <h2>\(ctx.t("activities.entries")) (\(model.entryCount))</h2>
            \(entryList)
            """
    }

    private static func proof(_ ctx: PageContext, _ proof: Model.Proof) -> HTML {
        let verdict: HTML =
            proof.verdict.map { text -> HTML in
                """
                <p id="verification" data-outcome="\(proof.verdictCode ?? "")">\
                \(Badge.html(ctx.t(proof.verdictOK ? "activities.verified.ok" : "activities.verified.failed"), tone: proof.verdictOK ? .success : .danger, data: [("code", proof.verdictCode ?? "")])) \(text)</p>
                """
            } ?? .empty
        return """
            <section class="card" id="lottery-proof"><h2>\(ctx.t("activities.proof"))</h2><p>\(ctx.t("activities.proof_intro"))</p>
            <dl class="facts"><dt>\(ctx.t("activities.algorithm"))</dt><dd><code translate="no">\(Lottery.algorithm)</code></dd>
            <dt>\(ctx.t("activities.seed_hash"))</dt><dd><code id="seed-hash" translate="no">\(proof.seedHash)</code></dd>
            <dt>\(ctx.t("activities.seed"))</dt><dd>\(proof.seed.map { s -> HTML in "<code id=\"seed\" translate=\"no\">\(s)</code>" } ?? HTML("<span id=\"seed\">\(ctx.t("activities.seed_hidden"))</span>"))</dd>
            \(proof.entrantListHash.map { h -> HTML in "<dt>\(ctx.t("activities.entrant_list_hash"))</dt><dd><code translate=\"no\">\(h)</code></dd>" })
            \(proof.entrants.map { e -> HTML in "<dt>\(ctx.t("activities.entrants"))</dt><dd><code id=\"entrants\" translate=\"no\">\(e.joined(separator: " "))</code></dd>" })
            \(proof.winners.map { w -> HTML in "<dt>\(ctx.t("activities.winners"))</dt><dd><code id=\"winners\" translate=\"no\">\(w.joined(separator: " "))</code></dd>" })</dl>
            \(verdict)
            \(proof.command.map { c -> HTML in "<p class=\"hint\">\(ctx.t("activities.verify_yourself")) <code translate=\"no\">\(c)</code></p>" })
            </section>
            """
    }

    private static func enterForm(_ model: Model, _ enter: Model.Enter, _ ctx: PageContext) -> HTML {
        var choice: HTML = .empty
        if let options = enter.pollOptions {
            choice = Forms.select(
                ctx, name: "option", label: .ours(ctx.t("activities.option")), options: options, selected: "0", errors: model.errors)
        }
        if enter.ugc { choice = Layout.field(ctx, name: "text", label: ctx.t("activities.ugc_text"), errors: model.errors) }
        if !enter.quiz.isEmpty {
            choice = HTML.join(
                enter.quiz.enumerated().map { index, question in
                    Forms.select(
                        ctx, name: "answer_\(index)", label: .typed(question.question), options: question.options, selected: "", errors: model.errors)
                }, separator: "\n")
        }
        return """
            <section class="card"><h2>\(ctx.t("activities.enter_fan"))</h2><p class="hint">\(ctx.t("activities.enter_hint"))</p>
            <form method="post" action="\(model.base)/entries" id="entry-form" class="stack">\(ctx.csrfField)
            \(Forms.select(ctx, name: "fan_id", label: .ours(ctx.t("activities.fan")), options: enter.fanOptions, selected: "", errors: model.errors))
            \(choice)
            <button type="submit" id="enter-fan">\(ctx.t("activities.enter"))</button></form></section>
            """
    }
}
