import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/activities/…`: the routes of the activities list with the form
/// that starts one (`ActivityListPage`), one activity (`ActivityPage`), its
/// moves along the lifecycle and entering a fan on their behalf. A refused
/// form is drawn again by the same model and view, as typed.
struct ActivityPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("activities", use: list)
        scoped.post("activities", use: create)
        scoped.get("activities", ":activity", use: show)
        scoped.post("activities", ":activity", "status", use: move)
        scoped.post("activities", ":activity", "entries", use: enter)
    }

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        try await render(req, ActivityListPage.Input())
    }

    private func render(_ req: Request, _ input: ActivityListPage.Input, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let found = try await ActivityListPage.query(access: access, on: req.db)
        let model = ActivityListPage.model(input, found, access: (access.can(.fansManage), access.workspace.slug), locale: ctx.locale)
        return Layout.page(ctx, title: ctx.t("fans.tab_activities"), status: status, ActivityListPage.view(model, ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.fansManage)
        var values = ActivityListPage.Values()
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
            return try await render(req, .init(values: values, errors: FormErrors(mapped)), status: .unprocessableEntity).encodeResponse(for: req)
        }
    }

    @Sendable func show(req: Request) async throws -> HTMLResponse {
        try await renderActivity(req, errors: FormErrors())
    }

    private func renderActivity(_ req: Request, errors: FormErrors, status: HTTPStatus = .ok) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        let ctx = try await PageContext.make(req)
        let input = ActivityPage.Input(activityID: req.parameters.get("activity"), errors: errors)
        let found = try await ActivityPage.query(input, access: access, on: req.db)
        let model = ActivityPage.model(
            input, found, access: (access.can(.fansManage), access.can(.fansPersonalData), access.workspace.slug), locale: ctx.locale)
        return Layout.page(ctx, title: found.title, typedTitle: true, status: status, ActivityPage.view(model, ctx))
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
