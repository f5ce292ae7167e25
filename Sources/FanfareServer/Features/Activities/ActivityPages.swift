import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/activities/…`: the activities with their status and entries;
/// a form to start one of each kind, for every fan or reserved for a
/// privilege; an activity's page moves it along
/// its lifecycle, enters a fan on their behalf and, for a lottery, shows
/// the seed hash before the draw and the seed, entrants, winners and the
/// re-run's verdict after it.
struct ActivityPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("activities", use: list)
        scoped.post("activities", use: create)
        scoped.get("activities", ":activity", use: show)
        scoped.post("activities", ":activity", "status", use: move)
        scoped.post("activities", ":activity", "entries", use: enter)
    }

    struct Values {
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

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, values: Values(), errors: FormErrors())
    }

    private func render(_ req: Request, values: Values, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let service = ActivityService(db: req.db)
        let activities = try await service.list(in: access)
        let counts = try await service.entryCounts(activities.compactMap(\.id))
        let base = "/w/\(access.workspace.slug)/activities"
        let rows = activities.map { activity -> HTML in
            """
            <tr class="activity-row"><td><a href="\(base)/\(activity.id!.uuidString.lowercased())">\(activity.title)</a></td><td>\(ctx.t("activities.kind." + activity.kind))</td>
            <td class="activity-status">\(ctx.t("activities.status." + activity.status))</td><td>\(counts[activity.id!] ?? 0)</td><td>\(Layout.time(activity.endsAt, ctx))</td></tr>
            """
        }
        let segments = try await access.query(Segment.self, on: req.db).sort(\.$name).all()
        let kindOptions = ActivityKind.allCases.map { ($0.rawValue, ctx.t("activities.kind." + $0.rawValue)) }
        let segmentOptions = [("", ctx.t("activities.every_fan"))] + segments.map { ($0.id!.uuidString.lowercased(), $0.name) }
        let ladder = try await FanService.programme(of: access.workspaceID, on: req.db).levels
        let privilegeOptions =
            [("", ctx.t("activities.every_fan"))]
            + LoyaltyPrivilege.known.map { privilege in
                (
                    privilege,
                    ActivityReservation(privilege: privilege).lowestLevel(in: ladder).map {
                        "\(privilege) (\(ctx.t("activities.level")) \($0.number) \($0.name)+)"
                    } ?? privilege
                )
            }
        let form: HTML =
            access.can(.fansManage)
            ? """
            <section class="card"><h2>\(ctx.t("activities.new"))</h2><p class="hint">\(ctx.t("activities.new_hint"))</p>
            <form method="post" action="\(base)" id="activity-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "kind", label: ctx.t("activities.kind"), options: kindOptions, selected: values.kind, errors: errors))
            \(Layout.field(ctx, name: "title", label: ctx.t("activities.title_field"), value: values.title, errors: errors))
            \(Layout.field(ctx, name: "ends_at", label: ctx.t("activities.ends_at"), type: "datetime-local", value: values.endsAt, errors: errors, hint: ctx.t("activities.ends_at_hint")))
            \(Layout.select(ctx, name: "segment_id", label: ctx.t("activities.audience"), options: segmentOptions, selected: values.segmentID, errors: errors))
            \(Layout.select(ctx, name: "privilege", label: ctx.t("activities.privilege"), options: privilegeOptions, selected: values.privilege, errors: errors, hint: ctx.t("activities.privilege_hint")))
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
            : .empty
        return Layout.page(
            ctx, title: ctx.t("fans.tab_activities"), status: status,
            """
            <h1>\(ctx.t("fans.tab_activities"))</h1>
            \(FanService.areaTabs(ctx, access, current: base))
            \(Layout.errorSummary(ctx, errors))
            <p>\(ctx.t("activities.intro"))</p>
            \(activities.isEmpty ? HTML("<p class=\"empty\">\(ctx.t("activities.none"))</p>") : HTML("<table id=\"activities\"><thead><tr><th>\(ctx.t("activities.title_field"))</th><th>\(ctx.t("activities.kind"))</th><th>\(ctx.t("activities.status"))</th><th>\(ctx.t("activities.entries"))</th><th>\(ctx.t("activities.ends_at"))</th></tr></thead><tbody>\(rows)</tbody></table>"))
            \(form)
            """)
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        var values = Values()
        values.kind = req.formValue("kind")
        values.title = req.formValue("title")
        values.endsAt = req.formValue("ends_at")
        values.question = req.formValue("question")
        values.options = req.formValue("options")
        values.prize = req.formValue("prize")
        values.winners = req.formValue("winners")
        values.hashtag = req.formValue("hashtag")
        values.segmentID = req.formValue("segment_id")
        values.questions = req.formValue("questions")
        values.pointsPerCorrect = req.formValue("points_per_correct")
        values.privilege = req.formValue("privilege")
        values.openToAllAt = req.formValue("open_to_all_at")
        values.venue = req.formValue("venue")
        values.happensAt = req.formValue("happens_at")
        values.places = req.formValue("places")
        do {
            var errors = ValidationErrors()
            // datetime-local has no zone: it is the workspace's local time.
            let parser = DateFormatter()
            parser.dateFormat = "yyyy-MM-dd'T'HH:mm"
            parser.timeZone = TimeZone(identifier: access.workspace.timeZone) ?? .gmt
            // Years 1 to 9999, as everywhere (`APITime`).
            func time(_ text: String) -> Date? { parser.date(from: text).flatMap { APITime.isWritable($0) ? $0 : nil } }
            let endsAt = time(values.endsAt)
            if endsAt == nil { errors.add("ends_at", .activityEndRequired) }
            // Optional times: left empty they are absent; typed wrong they are refused, not dropped.
            func optionalTime(_ value: String, field: String) -> Date? {
                guard !value.isEmpty else { return nil }
                guard let date = time(value) else {
                    errors.add(field, .optionalLocalDateTime)
                    return nil
                }
                return date
            }
            let openToAllAt = optionalTime(values.openToAllAt, field: "open_to_all_at")
            let happensAt = optionalTime(values.happensAt, field: "happens_at")
            // One option a line: an option may hold a comma ("Red, with stripes").
            let options = ListText.items(values.options, separatedBy: .lines)
            let settings: ActivitySettings?
            switch ActivityKind(rawValue: values.kind) {
            case .checkIn: settings = .checkIn(CheckInPolicy(milestones: []))
            case .poll: settings = .poll(PollSettings(question: values.question, options: options))
            case .lottery:
                settings = .lottery(LotterySettings(prize: values.prize, winners: Int(values.winners) ?? 0, entriesCloseAt: endsAt ?? Date()))
            case .ugcChallenge: settings = .ugcChallenge(UGCChallengeSettings(hashtag: values.hashtag, featuredPicks: Int(values.winners) ?? 1))
            case .signUp: settings = .signUp(SignUpSettings(venue: values.venue, happensAt: happensAt, places: Int(values.places) ?? 0))
            case .quiz:
                let parsed = QuizText.parse(values.questions)
                for problem in parsed.problems { errors.add(problem.field, problem.coded) }
                settings = .quiz(QuizSettings(questions: parsed.questions, pointsPerCorrect: Int(values.pointsPerCorrect) ?? 0))
            case nil:
                settings = nil
                errors.add("kind", .oneOf(choices: ActivityKind.allCases.map(\.rawValue)))
            }
            try errors.throwIfAny()
            let activity = try await ActivityService(db: req.db).create(
                .init(
                    title: values.title, settings: settings, segmentId: UUID(uuidString: values.segmentID), privilege: values.privilege,
                    openToAllAt: openToAllAt, startsAt: nil, endsAt: endsAt),
                in: access,
                actor: req.actor)
            return req.redirect(to: "/w/\(access.workspace.slug)/activities/\(activity.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            var mapped = errors
            mapped.issues = errors.issues.map { issue in
                let field = issue.field.replacingOccurrences(of: "settings.", with: "")
                // A question's own problems ("questions[1].options") belong to the one box the quiz is written in.
                return field.hasPrefix("questions[")
                    ? FieldIssue(field: "questions", .atPath(path: field, message: issue.coded)) : FieldIssue(field: field, issue.coded)
            }
            return try await render(req, values: values, errors: FormErrors(mapped), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await renderActivity(req, errors: FormErrors())
    }

    private func renderActivity(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let service = ActivityService(db: req.db)
        let activity = try await service.find(req.parameters.get("activity"), in: access)
        let id = activity.id!.uuidString.lowercased()
        let base = "/w/\(access.workspace.slug)/activities/\(id)"
        let entries = try await ActivityEntry.query(on: req.db).filter(\.$activity.$id == activity.id!).sort(\.$id).limit(500).all()
        let fans = Dictionary(
            uniqueKeysWithValues: try await access.query(Fan.self, on: req.db).filter(\.$id ~~ Array(Set(entries.map(\.$fan.id)))).all().map {
                ($0.id!, access.can(.fansPersonalData) ? $0.displayName : PersonalDataMask.name($0.displayName))
            })
        let result = activity.result
        let winners = Set(result?.winners ?? [])
        let entryRows = entries.map { entry -> HTML in
            let entryID = entry.id!.uuidString.lowercased()
            let answer = entry.answer
            var said = ""
            if case .poll(let poll) = activity.settings {
                said = (answer.options ?? []).compactMap { poll.options.indices.contains($0) ? poll.options[$0] : nil }.joined(separator: ", ")
            }
            if let text = answer.text { said = text }
            return """
                <tr class="entry-row\(winners.contains(entryID) ? " winner" : "")" data-entry="\(entryID)"><td>\(fans[entry.$fan.id] ?? "—")</td><td>\(said)</td>
                <td>\(Layout.time(entry.at, ctx))</td><td>\(winners.contains(entryID) ? HTML(stringLiteral: ctx.t("activities.winner")) : .empty)</td></tr>
                """
        }
        let programme = try await FanService.programme(of: access.workspaceID, on: req.db)
        var facts: [HTML] = []
        if let privilege = activity.privilege {
            let level =
                activity.reservation.lowestLevel(in: programme.levels).map { "\(ctx.t("activities.level")) \($0.number) \($0.name)+" }
                ?? ctx.t("activities.no_level")
            facts.append("<span id=\"reserved-for\">\(ctx.t("activities.reserved_for", privilege, level))</span>")
            if let openToAllAt = activity.openToAllAt {
                facts.append("<span id=\"open-to-all\">\(ctx.t("activities.open_to_all_from")) \(Layout.time(openToAllAt, ctx))</span>")
            }
        }
        if case .signUp(let signUp) = activity.settings {
            let taken = try await ActivityEntry.query(on: req.db).filter(\.$activity.$id == activity.id!).count()
            facts.append("<span id=\"venue\">\(signUp.venue)</span>")
            if let happensAt = signUp.happensAt { facts.append("\(ctx.t("activities.happens_at")) \(Layout.time(happensAt, ctx))") }
            let left = ActivityEntryRules.placesLeft(places: signUp.places, taken: taken)
            facts.append(
                "<span id=\"places-left\" data-left=\"\(left)\">\(ctx.t("activities.places_left", String(left), String(signUp.places)))</span>")
        }
        let next = ActivityLifecycle.allowed(from: activity.activityStatus, kind: ActivityKind(rawValue: activity.kind) ?? .poll)
        let moves = next.map { status -> HTML in
            "<form method=\"post\" action=\"\(base)/status\" class=\"inline\">\(ctx.csrfField)<input type=\"hidden\" name=\"status\" value=\"\(status.rawValue)\"><button type=\"submit\" id=\"move-\(status.rawValue)\">\(ctx.t("activities.move." + status.rawValue))</button></form>"
        }
        var draw: HTML = .empty
        if activity.kind == ActivityKind.lottery.rawValue {
            var verdict: HTML = .empty
            if activity.activityStatus == .drawn, let check = try? service.verify(activity) {
                verdict =
                    "<p id=\"verification\" data-outcome=\"\(check.outcome.rawValue)\">\(ctx.t("activities.verified." + (check.isOK ? "ok" : "failed"))) \(check.message)</p>"
            }
            draw = """
                <section class="card" id="lottery-proof"><h2>\(ctx.t("activities.proof"))</h2><p>\(ctx.t("activities.proof_intro"))</p>
                <dl><dt>\(ctx.t("activities.algorithm"))</dt><dd>\(Lottery.algorithm)</dd>
                <dt>\(ctx.t("activities.seed_hash"))</dt><dd><code id="seed-hash">\(activity.seedCommitment ?? "")</code></dd>
                <dt>\(ctx.t("activities.seed"))</dt><dd><code id="seed">\(activity.activityStatus == .drawn ? activity.seed ?? "" : ctx.t("activities.seed_hidden"))</code></dd>
                \(result?.entrantListHash.map { h -> HTML in "<dt>\(ctx.t("activities.entrant_list_hash"))</dt><dd><code>\(h)</code></dd>" })
                \(result?.entrants.map { e -> HTML in "<dt>\(ctx.t("activities.entrants"))</dt><dd><code id=\"entrants\">\(e.joined(separator: " "))</code></dd>" })
                \(result?.winners.map { w -> HTML in "<dt>\(ctx.t("activities.winners"))</dt><dd><code id=\"winners\">\(w.joined(separator: " "))</code></dd>" })</dl>
                \(verdict)
                \(activity.activityStatus == .drawn ? HTML("<p class=\"hint\"><code>fanfare lottery verify --seed \(activity.seed ?? "") --seed-hash \(activity.seedCommitment ?? "") --entrants FILE --winners N --claimed FILE</code></p>") : .empty)
                </section>
                """
        }
        let fanOptions = try await access.query(Fan.self, on: req.db).filter(\.$mergedInto == nil).filter(\.$erasedAt == nil).sort(\.$id, .descending)
            .limit(200)
            .all().map { ($0.id!.uuidString.lowercased(), access.can(.fansPersonalData) ? $0.displayName : PersonalDataMask.name($0.displayName)) }
        var optionField: HTML = .empty
        if case .poll(let poll) = activity.settings {
            optionField = Layout.select(
                ctx, name: "option", label: ctx.t("activities.option"), options: poll.options.enumerated().map { (String($0.offset), $0.element) },
                selected: "0",
                errors: errors)
        }
        if case .ugcChallenge = activity.settings {
            optionField = Layout.field(ctx, name: "text", label: ctx.t("activities.ugc_text"), errors: errors)
        }
        if case .quiz(let quiz) = activity.settings {
            optionField = HTML.join(
                quiz.questions.enumerated().map { index, question in
                    Layout.select(
                        ctx, name: "answer_\(index)", label: question.question,
                        options: [("", ctx.t("activities.no_answer"))] + question.options.enumerated().map { (String($0.offset), $0.element) },
                        selected: "", errors: errors)
                }, separator: "\n")
        }
        let enterForm: HTML =
            access.can(.fansManage) && activity.activityStatus == .open
            ? """
            <section class="card"><h2>\(ctx.t("activities.enter_fan"))</h2><p class="hint">\(ctx.t("activities.enter_hint"))</p>
            <form method="post" action="\(base)/entries" id="entry-form" class="stack">\(ctx.csrfField)
            \(Layout.select(ctx, name: "fan_id", label: ctx.t("activities.fan"), options: [("", ctx.t("fans.choose_fan"))] + fanOptions, selected: "", errors: errors))
            \(optionField)
            <button type="submit" id="enter-fan">\(ctx.t("activities.enter"))</button></form></section>
            """
            : .empty
        return Layout.page(
            ctx, title: activity.title, status: status,
            """
            <h1>\(activity.title)</h1>
            \(FanService.areaTabs(ctx, access, current: "/w/\(access.workspace.slug)/activities"))
            \(Layout.errorSummary(ctx, errors))
            \(errors["status"].map { e -> HTML in "<p class=\"error\" id=\"status-error\">\(e.text(ctx.locale))</p>" })
            <p>\(ctx.t("activities.kind." + activity.kind)) · <span id="activity-status">\(ctx.t("activities.status." + activity.status))</span> · \(ctx.t("activities.until")) \(Layout.time(activity.endsAt, ctx))</p>
            \(facts.isEmpty ? HTML.empty : HTML("<p id=\"activity-facts\">\(HTML.join(facts, separator: " · "))</p>"))
            \(access.can(.fansManage) ? HTML("<p id=\"moves\">\(moves)</p>") : .empty)
            \(activity.kind == ActivityKind.poll.rawValue ? tally(ctx, activity, entries) : .empty)
            \(draw)
            \(enterForm)
            <h2>\(ctx.t("activities.entries")) (\(entries.count))</h2>
            <table id="entries"><thead><tr><th>\(ctx.t("activities.fan"))</th><th>\(ctx.t("activities.answer"))</th><th>\(ctx.t("fans.at"))</th><th></th></tr></thead><tbody>\(entryRows)</tbody></table>
            """)
    }

    private func tally(_ ctx: PageContext, _ activity: Activity, _ entries: [ActivityEntry]) -> HTML {
        guard case .poll(let poll) = activity.settings else { return .empty }
        let rows = poll.options.indices.map { index -> HTML in
            "<tr><td>\(poll.options[index])</td><td class=\"votes\">\(entries.filter { $0.answer.options?.contains(index) == true }.count)</td></tr>"
        }
        return "<h2>\(poll.question)</h2><table id=\"poll-tally\"><tbody>\(rows)</tbody></table>"
    }

    @Sendable func move(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        do {
            let activity = try await ActivityService(db: req.db).move(
                req.parameters.get("activity"), to: req.formValue("status"), in: access, actor: req.actor)
            return req.redirect(to: "/w/\(access.workspace.slug)/activities/\(activity.id!.uuidString.lowercased())")
        } catch let errors as ValidationErrors {
            return try await renderActivity(req, errors: FormErrors(errors), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func enter(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        let activity = try await ActivityService(db: req.db).find(req.parameters.get("activity"), in: access)
        let target = "/w/\(access.workspace.slug)/activities/\(activity.id!.uuidString.lowercased())"
        do {
            guard let fanID = UUID(uuidString: req.formValue("fan_id")) else { throw ValidationErrors("fan_id", .enteringFanRequired) }
            let option = Int(req.formValue("option"))
            let text = req.formValueIfPresent("text")
            var answers: [Int?]?
            if case .quiz(let quiz) = activity.settings {
                // An empty choice is a question left out.
                answers = quiz.questions.indices.map { Int(req.formValue("answer_\($0)")) }
            }
            let entered = try await ActivityEntries(db: req.db).enter(
                activity, fanID: fanID, answer: EntryAnswer(options: option.map { [$0] }, answers: answers, text: text), workspace: access.workspace)
            Flash.add(.notice, I18n.text("activities.entered", req.uiLocale, [String(entered.points)]), to: req)
            return req.redirect(to: target)
        } catch let errors as ValidationErrors {
            var mapped = errors
            mapped.issues = errors.issues.map { $0.field == "options" ? FieldIssue(field: "option", $0.coded) : $0 }
            return try await renderActivity(req, errors: FormErrors(mapped), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let problem as Problem where problem.status == 409 || problem.status == 403 {
            Flash.add(.error, problem.text(req.uiLocale), to: req)
            return req.redirect(to: target)
        }
    }
}
