import FanfareCore
import Fluent
import Vapor

/// `/w/{ws}/incidents…`: the pages. Seeing needs `inbox.view` (the 互动
/// area's people); acting on an incident `inbox.reply`; holding publishing
/// `content.schedule` (the people who schedule posts).
struct IncidentsPages {
    func bootScoped(_ scoped: any RoutesBuilder) {
        scoped.get("incidents", use: list)
        scoped.get("incidents", "new", use: newForm)
        scoped.post("incidents", use: create)
        scoped.post("incidents", "from-alert", ":alert_id", use: fromAlert)
        scoped.get("incidents", "reviews", use: reviews)
        scoped.get("incidents", ":incident_id", use: detail)
        scoped.post("incidents", ":incident_id", "state", use: move)
        scoped.post("incidents", ":incident_id", "severity", use: severity)
        scoped.post("incidents", ":incident_id", "roles", use: role)
        scoped.post("incidents", ":incident_id", "notes", use: note)
        scoped.post("incidents", ":incident_id", "status-updates", use: statusUpdate)
        scoped.post("incidents", ":incident_id", "playbook", use: playbook)
        scoped.post("incidents", ":incident_id", "mentions", use: attachMentions)
        scoped.post("incidents", ":incident_id", "statements", use: statement)
        scoped.post("incidents", ":incident_id", "statements", ":statement_id", "approve", use: approve)
        scoped.post("incidents", ":incident_id", "hold", use: hold)
        scoped.get("incidents", ":incident_id", "review", use: review)
        scoped.post("incidents", ":incident_id", "review", use: saveReview)
        scoped.get("publishing-holds", use: holds)
        scoped.post("publishing-holds", use: startHold)
        scoped.post("publishing-holds", ":hold_id", "release", use: release)
    }

    private func base(_ access: WorkspaceAccess) -> String { "/w/\(access.workspace.slug)" }

    // MARK: List and opening

    @Sendable func list(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let stateRaw = req.query[String.self, at: "state"] ?? ""
        let severityRaw = req.query[String.self, at: "severity"] ?? ""
        var filter = IncidentService.ListFilter()
        filter.active = stateRaw == "active"
        filter.state = IncidentState(rawValue: stateRaw)
        filter.severity = AlertGrade(rawValue: severityRaw)
        let (items, next) = try await IncidentService(db: req.db).list(filter, page: try req.pageRequest(), in: access)
        let zone = access.workspace.zone
        let base = base(access)
        let model = IncidentsPage.ListModel(
            rows: items.map {
                IncidentsPage.ListRow(
                    href: "\(base)/incidents/\($0.id!.uuidString)", title: $0.title, severity: $0.severity,
                    severityLabel: ctx.t("incidents.severity.\($0.severity)"), stateLabel: ctx.t("incidents.state.\($0.state)"),
                    opened: Layout.timeText($0.openedAt, zone: zone, locale: ctx.locale), fromAlert: $0.alertID != nil)
            }, filtered: filter.active || filter.state != nil || filter.severity != nil, stateFilter: stateRaw, severityFilter: severityRaw,
            newHref: "\(base)/incidents/new", reviewsHref: "\(base)/incidents/reviews", holdsHref: "\(base)/publishing-holds",
            canOpen: access.can(.inboxReply),
            nextHref: next.map {
                "\(base)/incidents?state=\(stateRaw)&severity=\(severityRaw)&cursor="
                    + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            })
        return Layout.page(ctx, title: ctx.t("incidents.title"), IncidentsPage.listView(model, ctx))
    }

    @Sendable func newForm(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let ctx = try await PageContext.make(req)
        return Layout.page(
            ctx, title: ctx.t("incidents.new"), IncidentsPage.newView(action: "\(base(access))/incidents", values: [:], errors: FormErrors(), ctx))
    }

    @Sendable func create(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let values = ["title": req.formValue("title"), "severity": req.formValue("severity")]
        do {
            let incident = try await IncidentService(db: req.db).open(
                IncidentOpening(title: values["title"], severity: values["severity"]), by: req.actor, in: access)
            return req.redirect(to: "\(base(access))/incidents/\(incident.id!.uuidString)")
        } catch let invalid as ValidationErrors {
            let ctx = try await PageContext.make(req)
            return try await Layout.page(
                ctx, title: ctx.t("incidents.new"), status: .unprocessableEntity,
                IncidentsPage.newView(action: "\(base(access))/incidents", values: values, errors: FormErrors(invalid), ctx)
            ).encodeResponse(for: req)
        }
    }

    /// The alert page's "open an incident": the alert's incident, opened
    /// now or already.
    @Sendable func fromAlert(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let (incident, _) = try await IncidentService(db: req.db).open(
            fromAlert: req.parameters.get("alert_id"), title: nil, by: req.actor, in: access)
        return req.redirect(to: "\(base(access))/incidents/\(incident.id!.uuidString)")
    }

    // MARK: One incident

    @Sendable func detail(req: Request) async throws -> HTMLResponse {
        try await renderDetail(req, values: [:], errors: FormErrors(), status: .ok)
    }

    func renderDetail(_ req: Request, values: [String: String], errors: FormErrors, status: HTTPStatus) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let model = try await Self.detailModel(
            incident, access: access, ctx: ctx, userID: req.auth.get(User.self)?.id, mentionSearch: req.query[String.self, at: "mention_q"],
            on: req.db, now: Date())
        var withInput = model
        withInput.values = values
        withInput.errors = errors
        return Layout.page(ctx, title: incident.title, status: status, IncidentsPage.detailView(withInput, ctx))
    }

    static func detailModel(
        _ incident: Incident, access: WorkspaceAccess, ctx: PageContext, userID: UUID?, mentionSearch: String? = nil, on db: any Database, now: Date
    )
        async throws -> IncidentsPage.DetailModel
    {
        let service = IncidentService(db: db)
        let zone = access.workspace.zone
        let time = { (date: Date) in Layout.timeText(date, zone: zone, locale: ctx.locale) }
        let timeline = try await IncidentTimeline.read(incident, on: db, now: now)
        let people = try await access.members(on: db)
        let names = Dictionary(people.map { ($0.userID, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        let members = try await service.members(of: incident)
        let myRole = try await service.role(of: userID, in: incident)
        let mayApprove = access.role == .admin || myRole?.approvesStatements == true
        let slug = "/w/\(access.workspace.slug)"
        let base = "\(slug)/incidents/\(incident.id!.uuidString)"
        let canAct = access.can(.inboxReply)
        let statements = try await service.statements(of: incident).map { s -> IncidentsPage.StatementRow in
            let approved = s.state == IncidentStatement.State.approved.rawValue
            // The person's name is theirs, not words to translate.
            let meta =
                approved
                ? HTML.sentence(
                    ctx.t("incidents.statement.approved_by"),
                    [HTML.typed(s.approvedBy.flatMap { names[$0] } ?? "—"), HTML("\(s.approvedAt.map(time) ?? "")")])
                : HTML.sentence(
                    ctx.t("incidents.statement.pending"), [HTML.typed(s.submittedBy.flatMap { names[$0] } ?? "—"), HTML("\(time(s.submittedAt))")])
            return IncidentsPage.StatementRow(
                id: s.id!.uuidString, text: s.text, approved: approved, meta: meta,
                approveAction: !approved && mayApprove && canAct ? "\(base)/statements/\(s.id!.uuidString)/approve" : nil,
                draftHref: approved && access.can(.contentEdit)
                    ? "\(slug)/posts/new?body=" + (s.text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") : nil)
        }
        let templates = try await ConversationService.crisisTemplates(in: access.workspaceID, on: db).map {
            ($0.id.uuidString, "\($0.name) · \(ctx.t("inbox.template_category.\($0.category)"))")
        }
        let accounts = try await access.query(SocialAccount.self, on: db).sort(\.$handle).all()
        let accountNames = Dictionary(accounts.map { ($0.id!, "@\($0.handle)") }, uniquingKeysWith: { a, _ in a })
        let canHold = access.can(.contentSchedule)
        let holds = try await PublishingService.activeHolds(in: access.workspaceID, on: db).map {
            IncidentsPage.HoldRow(
                scope: $0.accountID.flatMap { accountNames[$0] } ?? ctx.t("incidents.hold.all"), since: time($0.startedAt),
                releaseAction: canHold ? "\(slug)/publishing-holds/\($0.id!.uuidString)/release" : nil)
        }
        let next = timeline.nextStatusUpdate(of: incident)
        let alertLine = incident.alertID.map { _ in
            HTML.sentence(
                ctx.t("incidents.alert_line"),
                [
                    HTML.typed(incident.alertMonitor ?? "—"), HTML("\(String(incident.alertMentions ?? 0))"),
                    HTML("\(incident.firstMentionAt.map(time) ?? "—")"),
                ])
        }
        // The alert's monitor's newest mentions, or (searching) any monitor's.
        let search = String((mentionSearch ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(100))
        let attached = Set(timeline.items.filter { $0.kind == IncidentEntry.Kind.mentionsAttached.rawValue }.flatMap(\.refs).map { $0.lowercased() })
        let picks = try await ListeningService.recentMentions(
            alertID: search.isEmpty ? incident.alertID : nil, search: search, in: access.workspaceID, limit: 30, on: db
        ).map {
            IncidentsPage.MentionPick(
                id: $0.id.uuidString.lowercased(), author: $0.author, text: $0.text, time: time($0.publishedAt),
                negative: $0.sentiment == MessageSentiment.neg.rawValue, attached: attached.contains($0.id.uuidString.lowercased()))
        }
        var model = IncidentsPage.DetailModel(
            title: incident.title, severity: incident.severity, severityLabel: ctx.t("incidents.severity.\(incident.severity)"),
            stateLabel: ctx.t("incidents.state.\(incident.state)"), alertLine: alertLine, base: base,
            moves: incident.incidentState.next.map { ($0.rawValue, ctx.t("incidents.move.\($0.rawValue)")) },
            clocks: timeline.clocks(of: incident, now: now).map {
                IncidentsPage.ClockRow(
                    name: ctx.t("incidents.clock.\($0.clock.rawValue)"), state: $0.state.rawValue,
                    stateLabel: ctx.t("incidents.clock_state.\($0.state.rawValue)"),
                    started: time($0.started), due: time($0.due), stopped: $0.stopped.map(time) ?? "—")
            }, nextUpdate: next.map(time), updateOverdue: next.map { $0 <= now } ?? false,
            members: members.map { IncidentsPage.MemberRow(name: names[$0.userID] ?? "—", role: ctx.t("incidents.role.\($0.role)")) },
            people: people.map { ($0.userID.uuidString, $0.displayName) },
            steps: IncidentPlaybook.checklist(for: incident.grade).map { step in
                IncidentsPage.StepRow(
                    id: step.id, phase: step.phase.rawValue, label: ctx.t("incidents.step.\(step.id)"),
                    done: timeline.checkedSteps[step.id].map { "\($0.by.flatMap { names[$0] } ?? "—") · \(time($0.at))" })
            }, statements: statements, templates: templates, holds: holds, accounts: accounts.map { ($0.id!.uuidString, "@\($0.handle)") },
            canAct: canAct, canHold: canHold, closed: incident.incidentState == .closed,
            entries: timeline.items.reversed().map { item in
                IncidentsPage.EntryRow(
                    kind: item.kind, time: time(item.at), label: IncidentsPage.entryLabel(item, locale: ctx.locale),
                    who: item.actorID.flatMap { names[$0] }, body: item.body.flatMap { Int($0) == nil ? $0 : nil })
            }, reviewHref: "\(base)/review", errors: FormErrors(), values: [:])
        model.mentions = picks
        model.mentionSearch = search
        model.mentionMonitor = search.isEmpty ? incident.alertMonitor : nil
        return model
    }

    /// Runs an action on the incident and goes back to its page; refused
    /// input shows the page again with the problem beside its field.
    private func act(
        _ req: Request, permission: WorkspaceAction = .inboxReply, values: [String: String] = [:],
        _ body: @escaping @Sendable (IncidentService, Incident, WorkspaceAccess) async throws -> String?
    ) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(permission)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        do {
            if let notice = try await body(service, incident, access) { Flash.add(.notice, notice, to: req) }
        } catch let invalid as ValidationErrors {
            return try await renderDetail(req, values: values, errors: FormErrors(invalid), status: .unprocessableEntity).encodeResponse(for: req)
        } catch let problem as Problem where problem.status == Int(HTTPStatus.conflict.code) {
            Flash.add(.error, I18n.text("incidents.conflict", req.uiLocale), to: req)
        }
        return req.redirect(to: "\(base(access))/incidents/\(incident.id!.uuidString)")
    }

    @Sendable func move(req: Request) async throws -> Response {
        let state = req.formValue("state")
        let actor = req.actor
        return try await act(req) { service, incident, access in
            try await service.move(incident, to: state, access: access, by: actor)
            return nil
        }
    }

    @Sendable func severity(req: Request) async throws -> Response {
        let value = req.formValue("severity")
        let actor = req.actor
        return try await act(req) { service, incident, access in
            try await service.changeSeverity(incident, to: value, access: access, by: actor)
            return nil
        }
    }

    @Sendable func role(req: Request) async throws -> Response {
        let user = req.formValue("user_id")
        let role = req.formValue("role")
        let actor = req.actor
        return try await act(req) { service, incident, access in
            try await service.assign(user, role: role, in: incident, access: access, by: actor)
            return nil
        }
    }

    @Sendable func note(req: Request) async throws -> Response {
        let text = req.formValue("note_text")
        let actor = req.actor
        return try await act(req, values: ["note_text": text]) { service, incident, _ in
            _ = try await service.note(incident, text: text, by: actor)
            return nil
        }
    }

    @Sendable func statusUpdate(req: Request) async throws -> Response {
        let text = req.formValue("update_text")
        let audience = req.formValue("audience")
        let actor = req.actor
        return try await act(req, values: ["update_text": text, "audience": audience]) { service, incident, _ in
            _ = try await service.statusUpdate(incident, audience: audience, text: text, by: actor)
            return nil
        }
    }

    @Sendable func playbook(req: Request) async throws -> Response {
        let step = req.formValue("step")
        let actor = req.actor
        return try await act(req) { service, incident, _ in
            try await service.checkStep(incident, step: step, by: actor)
            return nil
        }
    }

    @Sendable func attachMentions(req: Request) async throws -> Response {
        let ids = (try? req.content.get([String].self, at: "mention_ids")) ?? []
        let actor = req.actor
        let locale = req.uiLocale
        return try await act(req) { service, incident, _ in
            let entry = try await service.attachMentions(incident, ids: ids, excerpt: nil, by: actor)
            return entry.map { I18n.text("incidents.mentions.done", locale, [$0.detail ?? ""]) } ?? I18n.text("incidents.mentions.already", locale)
        }
    }

    @Sendable func statement(req: Request) async throws -> Response {
        let template = req.formValue("template_id")
        let text = req.formValue("statement_text")
        let actor = req.actor
        let locale = req.uiLocale
        return try await act(req, values: ["template_id": template, "statement_text": text]) { service, incident, _ in
            _ = try await service.submitStatement(incident, templateID: template, text: text, by: actor)
            return I18n.text("incidents.statement.submitted", locale)
        }
    }

    @Sendable func approve(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        let engine = try await req.application.moderationEngine(for: access.workspace)
        let id = req.parameters.get("statement_id")
        let actor = req.actor
        let locale = req.uiLocale
        return try await act(req) { service, incident, access in
            _ = try await service.approveStatement(incident, statement: id, access: access, engine: engine, by: actor)
            return I18n.text("incidents.statement.approved", locale)
        }
    }

    @Sendable func hold(req: Request) async throws -> Response {
        let account = req.formValue("account_id")
        let actor = req.actor
        let locale = req.uiLocale
        return try await act(req, permission: .contentSchedule) { service, incident, access in
            let started = try await service.startHold(incident, account: account, access: access, by: actor)
            return I18n.text("incidents.hold.started", locale, [String(started.held), String(started.inFlight)])
        }
    }

    // MARK: Review

    @Sendable func review(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let saved = try await service.review(of: incident)
        var body = saved?.body ?? ""
        if saved == nil { body = try await draft(incident, access: access, ctx: ctx, on: req.db) }
        let base = "\(base(access))/incidents/\(incident.id!.uuidString)"
        return Layout.page(
            ctx, title: ctx.t("incidents.review.title"),
            IncidentsPage.reviewView(
                title: saved?.title ?? incident.title, body: body,
                saved: saved.map { Layout.timeText($0.updatedAt, zone: access.workspace.zone, locale: ctx.locale) }, action: "\(base)/review",
                backHref: base, errors: FormErrors(), ctx))
    }

    func draft(_ incident: Incident, access: WorkspaceAccess, ctx: PageContext, on db: any Database) async throws -> String {
        let timeline = try await IncidentTimeline.read(incident, on: db)
        let names = Dictionary(try await access.members(on: db).map { ($0.userID, $0.displayName) }, uniquingKeysWith: { a, _ in a })
        return IncidentService.draft(incident, timeline: timeline, names: names, locale: ctx.locale, zone: access.workspace.zone, now: Date())
    }

    @Sendable func saveReview(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.inboxReply)
        let service = IncidentService(db: req.db)
        let incident = try await service.find(req.parameters.get("incident_id"), in: access)
        let title = req.formValue("title")
        let body = req.formValue("body")
        let base = "\(base(access))/incidents/\(incident.id!.uuidString)"
        do {
            _ = try await service.saveReview(incident, title: title, body: body, draft: "", access: access, by: req.actor)
            Flash.add(.notice, I18n.text("incidents.review.saved", req.uiLocale), to: req)
            return req.redirect(to: "\(base)/review")
        } catch let invalid as ValidationErrors {
            let ctx = try await PageContext.make(req)
            return try await Layout.page(
                ctx, title: ctx.t("incidents.review.title"), status: .unprocessableEntity,
                IncidentsPage.reviewView(
                    title: title, body: body, saved: nil, action: "\(base)/review", backHref: base, errors: FormErrors(invalid), ctx)
            ).encodeResponse(for: req)
        }
    }

    @Sendable func reviews(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.inboxView)
        let ctx = try await PageContext.make(req)
        let query = req.query[String.self, at: "q"] ?? ""
        let found = try await IncidentService(db: req.db).searchReviews(query, in: access)
        let rows = found.map {
            (
                href: "\(base(access))/incidents/\($0.$incident.id.uuidString)/review", title: $0.title,
                updated: Layout.timeText($0.updatedAt, zone: access.workspace.zone, locale: ctx.locale)
            )
        }
        return Layout.page(ctx, title: ctx.t("incidents.reviews.title"), IncidentsPage.reviewsView(query: query, rows: rows, ctx))
    }

    // MARK: Holds

    @Sendable func holds(req: Request) async throws -> HTMLResponse {
        let access = try req.workspaceAccess
        try access.require(.contentView)
        let ctx = try await PageContext.make(req)
        let accounts = try await access.query(SocialAccount.self, on: req.db).sort(\.$handle).all()
        let names = Dictionary(accounts.map { ($0.id!, "@\($0.handle)") }, uniquingKeysWith: { a, _ in a })
        let canHold = access.can(.contentSchedule)
        let rows = try await PublishingService.activeHolds(in: access.workspaceID, on: req.db).map {
            IncidentsPage.HoldRow(
                scope: $0.accountID.flatMap { names[$0] } ?? ctx.t("incidents.hold.all"),
                since: Layout.timeText($0.startedAt, zone: access.workspace.zone, locale: ctx.locale),
                releaseAction: canHold ? "\(base(access))/publishing-holds/\($0.id!.uuidString)/release" : nil)
        }
        return Layout.page(
            ctx, title: ctx.t("incidents.holds.title"),
            IncidentsPage.holdsView(
                holds: rows, accounts: accounts.map { ($0.id!.uuidString, "@\($0.handle)") },
                action: canHold ? "\(base(access))/publishing-holds" : nil, ctx))
    }

    @Sendable func startHold(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentSchedule)
        do {
            let started = try await IncidentService(db: req.db).startHold(nil, account: req.formValue("account_id"), access: access, by: req.actor)
            Flash.add(.notice, I18n.text("incidents.hold.started", req.uiLocale, [String(started.held), String(started.inFlight)]), to: req)
        } catch let invalid as ValidationErrors {
            Flash.add(.error, invalid.issues.first.map { $0.coded.text(req.uiLocale) } ?? "", to: req)
        }
        return req.redirect(to: "\(base(access))/publishing-holds")
    }

    @Sendable func release(req: Request) async throws -> Response {
        let access = try req.workspaceAccess
        try access.require(.contentSchedule)
        let queued = try await IncidentService(db: req.db).releaseHold(req.parameters.get("hold_id"), access: access, by: req.actor)
        Flash.add(.notice, I18n.text("incidents.hold.released", req.uiLocale, [String(queued)]), to: req)
        let back = req.headers.first(name: .referer).flatMap { URL(string: $0)?.path }.flatMap { $0.hasPrefix(base(access)) ? $0 : nil }
        return req.redirect(to: back ?? "\(base(access))/publishing-holds")
    }
}
